import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli-kit.js";
import { SizingError } from "../src/index.js";

/** Run flakeops-sizing in-process, its streams into strings; relative paths resolve against cwd. */
export async function runSizingCli(
  argv: readonly string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ...(cwd === undefined ? {} : { cwd }),
  };
  const code = await main([...argv], io);
  return { code, stdout, stderr };
}

/** The SizingError `fn` throws; fails the test when it throws nothing or something else. */
export function sizingErrorOf(fn: () => unknown): SizingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SizingError) return e;
    throw new Error(`expected a SizingError, got ${String(e)}`);
  }
  throw new Error("expected a SizingError, got none");
}

/** A seeded PRNG (mulberry32), so generated metric files are the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
