import { SizingError } from "../src/index.js";

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
