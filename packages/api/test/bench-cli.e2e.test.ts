import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The load bench's own command line, run as `pnpm --filter @flakeops/api bench` runs it (tsx).
const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bench = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@flakeops/source", "bench/load.ts", ...args],
    { cwd: pkg, timeout: 60_000 },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }),
  );

describe("load bench command line", () => {
  it("--help prints the usage and exits 0 without starting anything", async () => {
    const r = await bench("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--requests/);
    expect(r.stderr).toBe("");
  });

  it("a bad flag or number is one line and exit 2, never a stack trace", async () => {
    for (const args of [["--frobnicate"], ["--requests", "zero"]]) {
      const r = await bench(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
