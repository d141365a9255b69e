// Not Request.formData(): undici keeps file parts in native Blobs V8 does not account for (+150-250 MB RSS under load); busboy gives Buffers.

/**
 * multipart/form-data over busboy, on a body already read into memory and size-capped by
 * limitBody. A file part's bytes are Buffers (views of, or copies from, the body), which V8
 * accounts for, so memory returns as soon as a request's form is unused.
 */
import busboy from "busboy";

export interface FilePart {
  filename: string;
  type: string;
  bytes: Uint8Array;
}
export type PartValue = string | FilePart;

export class MultipartError extends Error {
  override readonly name = "MultipartError";
}

/** The parsed form: fields in order, looked up by name like FormData. */
export class MultipartForm {
  constructor(readonly parts: readonly (readonly [string, PartValue])[]) {}

  get(name: string): PartValue | null {
    return this.parts.find(([n]) => n === name)?.[1] ?? null;
  }

  getAll(name: string): PartValue[] {
    return this.parts.filter(([n]) => n === name).map(([, v]) => v);
  }
}

export const MAX_PARTS = 64;

/** The boundary of a multipart/form-data Content-Type (RFC 2046: 1-70 characters). */
export function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !b) {
    throw new MultipartError("not a multipart/form-data content type with a boundary");
  }
  return b;
}

/**
 * Parse a whole body. Every malformed body is a MultipartError: busboy's own errors (bad part
 * headers, a form that never reaches its closing delimiter), a part without a field name,
 * more than MAX_PARTS parts, and a part busboy skips because it is not form-data.
 * Part headers are capped by busboy (16 KiB per part); the body size is capped upstream.
 */
export async function parseMultipart(
  body: Uint8Array,
  contentType: string,
): Promise<MultipartForm> {
  const boundary = boundaryOf(contentType);
  const whole = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const { parts, end } = delimiters(whole, boundary);
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        // The boundary checked above, quoted, so that busboy reads exactly that one.
        headers: { "content-type": `multipart/form-data; boundary="${boundary}"` },
        // Raw UTF-8 names and filenames, as browsers, undici and curl send them.
        defParamCharset: "utf8",
        preservePath: true, // the filename as sent, not its basename
        // busboy signals the limit when reached, so MAX_PARTS + 1 refuses only the 65th part.
        // Text fields are capped by the body cap alone, never silently truncated.
        limits: { parts: MAX_PARTS + 1, fieldSize: Number.POSITIVE_INFINITY },
      });
    } catch (e) {
      reject(new MultipartError(e instanceof Error ? e.message : String(e)));
      return;
    }
    const slots: (readonly [string, PartValue] | undefined)[] = [];
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      reject(new MultipartError(message));
    };
    const named = (name: string | undefined): name is string => {
      if (name) return true;
      fail("a part has no field name");
      return false;
    };

    bb.on("field", (name, value) => {
      if (named(name)) slots.push([name, value]);
    });
    bb.on("file", (name, stream, info) => {
      // Slot now, fill on end: parts stay in body order whatever the stream timing.
      const slot = slots.push(undefined) - 1;
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", (e) => fail(e.message));
      stream.on("end", () => {
        if (!named(name)) return;
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        // busboy also treats an application/octet-stream part without a filename as a file;
        // like FormData, a part is a file only when it has a filename.
        slots[slot] =
          info.filename === undefined
            ? [name, bytes.toString("utf8")]
            : [name, { filename: info.filename, type: info.mimeType, bytes }];
      });
    });
    bb.on("partsLimit", () => fail(`more than ${MAX_PARTS} parts`));
    bb.on("error", (e: unknown) => fail(e instanceof Error ? e.message : String(e)));
    bb.on("close", () => {
      if (settled) return;
      if (slots.length !== parts) {
        return fail("a part has no Content-Disposition: form-data");
      }
      settled = true;
      resolve(new MultipartForm(slots.filter((s) => s !== undefined)));
    });
    bb.end(whole.subarray(0, end));
  });
}

/**
 * The delimiters, found the way busboy finds them (it reads the body as if it began with CRLF):
 * the number of parts between the first and the closing one, and where the closing one ends
 * (the body's length when there is none). busboy skips a part whose Content-Disposition is
 * missing or not form-data without a word, so comparing `parts` with the parts it reported
 * refuses such a body, as RFC 7578 requires. busboy 1.6 also keeps parsing the rest of the
 * chunk after the closing delimiter, and an unterminated part there leaves it waiting forever,
 * so it is only given the body up to `end`.
 */
function delimiters(body: Buffer, boundary: string): { parts: number; end: number } {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const first = body.subarray(0, delimiter.length - 2).equals(delimiter.subarray(2))
    ? -2
    : body.indexOf(delimiter);
  let count = 0;
  for (let at = first; at !== -1; at = body.indexOf(delimiter, at + delimiter.length)) {
    count++;
    const after = at + delimiter.length;
    // "--": the closing delimiter
    if (body[after] === 0x2d && body[after + 1] === 0x2d)
      return { parts: count - 1, end: after + 2 };
  }
  return { parts: count - 1, end: body.length };
}
