import { readFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { decodeImage, decodeRgb } from "./decode.js";
import { detectBgr, resolveOptions } from "./detect.js";
import { InferenceError } from "./errors.js";
import { DetectorPool } from "./pool.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "./registry.js";
import { synthesize } from "./synth.js";
import { encodeBgr } from "./synth-io.js";

/** What `flakeops-detect bench --json` prints (CONTRACTS.md). */
export interface BenchResult {
  images: number;
  runs: number;
  width: number;
  height: number;
  /** decoding alone, ms per image, measured in the same run as totalMs */
  decodeMs: { median: number; p95: number };
  /** decode + detect of one image on one worker, ms */
  totalMs: { median: number; p95: number };
  /** throughput with `workers` workers */
  imagesPerSecond: number;
  workers: number;
  /** peak resident memory of the process after the single-worker run, MB */
  peakRssMB: number;
  /** the profile `flakeops-sizing recommend --profile` reads (BenchProfileSchema) */
  profile: BenchProfile;
}

/** @flakeops/sizing's BenchProfileSchema, field for field. */
export interface BenchProfile {
  kind: "flakeops-bench-profile/1";
  serviceMsPerImage: number;
  p95ServiceMs: number;
  decodeMsPerImage: number;
  model: string;
  imageWidth: number;
  imageHeight: number;
  peakRssMB: number;
  imagesPerSecond: number;
  workers: number;
  cpuModel: string;
  instanceType?: string;
  measuredAt: string;
}

export interface BenchOptions {
  /** image files; default 4 synthetic 1920x1200 JPEGs */
  images?: string[];
  /** timed passes over the images (default 5) */
  runs?: number;
  /** workers for the throughput run (default one per core) */
  workers?: number;
  /** called after each timed image, for a progress bar */
  onProgress?: (done: number, total: number) => void;
}

const SYNTHETIC_COUNT = 4;

/** Synthetic microscope images (seeded, so every bench sees the same ones), as JPEG. */
async function syntheticImages(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < SYNTHETIC_COUNT; i++) {
    const synth = synthesize({ width: 1920, height: 1200, seed: 1000 + i });
    out.push(await encodeBgr(synth.image, "jpg"));
  }
  return out;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function stats(values: number[]): { median: number; p95: number } {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round2(median), p95: round2(percentile(s, 0.95)) };
}

/**
 * Time decode and decode + detect image by image on this thread (one worker's service time),
 * after a warm-up pass, then the throughput of a DetectorPool with `workers` workers.
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const runs = options.runs ?? 5;
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(runs) || runs < 1) {
    throw new InferenceError("BAD_OPTION", `runs is ${runs}; accepted: an integer >= 1`);
  }
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InferenceError("BAD_OPTION", `workers is ${workers}; accepted: an integer >= 1`);
  }
  const inputs = options.images
    ? await Promise.all(
        options.images.map((f) =>
          readFile(f).catch((e: Error) => {
            throw new InferenceError("BAD_OPTION", `images: cannot read ${f}: ${e.message}`);
          }),
        ),
      )
    : await syntheticImages();
  if (inputs.length === 0) throw new InferenceError("BAD_OPTION", "no images to bench");

  const registry = new ModelRegistry();
  const classifier = await registry.classifier(DEFAULT_MODEL_ID);
  const resolved = resolveOptions({});
  const first = await decodeImage(inputs[0]!);

  const once = async (bytes: Uint8Array) => {
    const t0 = performance.now();
    const image = await decodeRgb(bytes);
    const t1 = performance.now();
    await detectBgr(image, classifier, resolved, "rgb");
    const t2 = performance.now();
    return { decode: t1 - t0, total: t2 - t0 };
  };
  for (const bytes of inputs) await once(bytes); // warm-up: JIT, kernels, libvips caches

  const decode: number[] = [];
  const total: number[] = [];
  const count = inputs.length * runs;
  for (let r = 0; r < runs; r++) {
    for (const bytes of inputs) {
      const t = await once(bytes);
      decode.push(t.decode);
      total.push(t.total);
      options.onProgress?.(decode.length, count);
    }
  }
  const peakRssMB = round2(process.resourceUsage().maxRSS / 1024);

  const pool = new DetectorPool({ workers, maxQueue: count + workers * 2 });
  let imagesPerSecond: number;
  try {
    await Promise.all(
      Array.from({ length: workers * 2 }, (_, i) => pool.run(inputs[i % inputs.length]!)),
    );
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) => pool.run(inputs[i % inputs.length]!)),
    );
    imagesPerSecond = round2((count * 1000) / (performance.now() - t0));
  } finally {
    await pool.close();
  }

  const decodeMs = stats(decode);
  const totalMs = stats(total);
  return {
    images: inputs.length,
    runs,
    width: first.width,
    height: first.height,
    decodeMs,
    totalMs,
    imagesPerSecond,
    workers,
    peakRssMB,
    profile: {
      kind: "flakeops-bench-profile/1",
      serviceMsPerImage: totalMs.median,
      p95ServiceMs: totalMs.p95,
      decodeMsPerImage: decodeMs.median,
      model: DEFAULT_MODEL_ID,
      imageWidth: first.width,
      imageHeight: first.height,
      peakRssMB,
      imagesPerSecond,
      workers,
      cpuModel: cpus()[0]?.model ?? "unknown",
      measuredAt: new Date().toISOString(),
    },
  };
}
