import { createReadStream, statSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import StreamJson from "stream-json";
import Assembler from "stream-json/Assembler.js";

/**
 * Walk a JSON file of any size as a stream of tokens (stream-json), assembling into objects only
 * the subtrees `select` asks for: an offer's products and terms one at a time, never the whole
 * document. Paths are keys from the root; an array element is "[]".
 */

interface Token {
  name: string;
  value?: string;
}

export interface JsonVisitor {
  select(path: readonly string[]): boolean;
  value(path: readonly string[], value: unknown): void;
  /** A string, number, boolean or null outside any selected subtree. */
  scalar(path: readonly string[], value: unknown): void;
}

/** Throws what the visitor throws; a file that is not complete JSON rejects with the parser's error. */
export async function walkJsonFile(file: string, visitor: JsonVisitor): Promise<{ bytes: number }> {
  const keys: string[] = [];
  const isArray: boolean[] = [];
  let pendingKey: string | undefined;
  let asm: Assembler | undefined;
  let asmPath: string[] = [];
  const childKey = () => (isArray[isArray.length - 1] ? "[]" : (pendingKey ?? ""));
  const onToken = (t: Token) => {
    if (asm) {
      asm.consume(t as never);
      if (asm.done) {
        const value = asm.current;
        asm = undefined;
        visitor.value(asmPath, value);
      }
      return;
    }
    switch (t.name) {
      case "keyValue":
        pendingKey = t.value;
        return;
      case "startObject":
      case "startArray": {
        if (isArray.length > 0) {
          const path = [...keys, childKey()];
          if (visitor.select(path)) {
            asm = new Assembler();
            asmPath = path;
            asm.consume(t as never);
            return;
          }
          keys.push(path[path.length - 1]!);
        }
        isArray.push(t.name === "startArray");
        return;
      }
      case "endObject":
      case "endArray":
        isArray.pop();
        if (isArray.length > 0) keys.pop();
        return;
      default: {
        const value =
          t.name === "numberValue"
            ? Number(t.value)
            : t.name === "trueValue"
              ? true
              : t.name === "falseValue"
                ? false
                : t.name === "nullValue"
                  ? null
                  : t.value;
        visitor.scalar([...keys, childKey()], value);
      }
    }
  };
  const sink = new Writable({
    objectMode: true,
    write(token: Token, _enc, done) {
      try {
        onToken(token);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  // No "data" listener on the source: it would switch it to flowing mode and defeat backpressure.
  await pipeline(
    createReadStream(file),
    StreamJson.parser({
      packKeys: true,
      packStrings: true,
      packNumbers: true,
      streamValues: false,
    }),
    sink,
  );
  return { bytes: statSync(file).size };
}
