import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layout README.md describes, checked: folders by role in layers, every import pointing
 * down the layers (never sideways into a peer or up). Cycles and file sizes are checked for
 * every package in the repository's test/structure.test.ts.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Lowest first; a module imports only from its own layer or lower ones. */
const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "flake.ts", "types.ts"],
  ["kernels/"],
  ["geometry/"],
  ["io/"],
  ["models/"],
  ["detector/"],
  ["detect.ts"],
  ["pool/"],
  ["tools/"],
  ["cli/"],
  ["index.ts", "cli.ts"],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [relative(SRC, p)];
  });
}

const sources = files(SRC).filter((f) => /\.(ts|mjs)$/.test(f));

function layer(file: string): number {
  const i = LAYERS.findIndex((l) =>
    l.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)),
  );
  if (i < 0) throw new Error(`${file} is in no layer; add it to LAYERS and README.md`);
  return i;
}

/** Relative imports of a source file, as paths under src. */
function imports(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"?]+)/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(SRC, dirname(file), s)).replace(/\.js$/, ".ts"));
}

describe("src layout", () => {
  it("keeps at most 12 files at the root", () => {
    expect(sources.filter((f) => !f.includes("/")).length).toBeLessThanOrEqual(12);
  });

  it("imports point down the layers, to files that exist", () => {
    const wrong: string[] = [];
    for (const f of sources) {
      for (const target of imports(f)) {
        if (!sources.includes(target)) wrong.push(`${f} -> ${target} (missing)`);
        else if (layer(target) > layer(f)) wrong.push(`${f} -> ${target} (up)`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
