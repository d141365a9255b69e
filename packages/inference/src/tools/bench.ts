import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { BenchProfile } from "@flakeops/sizing";
import { detectBgr, resolveOptions } from "../detect.js";
import { InferenceError } from "../errors.js";
import { decodeImage, decodeRgb } from "../io/decode.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "../models/registry.js";
import { DetectorPool } from "../pool/pool.js";
import { syntheticJpegs } from "./bench-synth.js";

const execFileAsync = promisify(execFile);

export type { BenchProfile } from "@flakeops/sizing";

/** The profile file's text, as `--profile-out` writes it (`parseBenchProfile` reads it). */
export function benchProfileJson(profile: BenchProfile): string {
  return `${JSON.stringify(profile, null, 2)}\n`;
}

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
  /** resident memory of this process during the single-worker run (highest sample), MB */
  peakRssMB: number;
  /** the profile `flakeops-sizing recommend --profile` reads (BenchProfileSchema) */
  profile: BenchProfile;
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

/**
 * Synthetic microscope images (seeded, so every bench sees the same ones), built in a child
 * process so their construction does not count in this process's memory; in this process if
 * that fails.
 */
async function syntheticImages(): Promise<Uint8Array[]> {
  const dir = await mkdtemp(join(tmpdir(), "flakeops-bench-"));
  try {
    const child = fileURLToPath(
      new URL(
        import.meta.url.endsWith(".ts") ? "./bench-synth.ts" : "./bench-synth.js",
        import.meta.url,
      ),
    );
    await execFileAsync(process.execPath, [
      ...process.execArgv,
      child,
      dir,
      String(SYNTHETIC_COUNT),
    ]);
    const files = Array.from({ length: SYNTHETIC_COUNT }, (_, i) =>
      join(dir, `synthetic-${i}.jpg`),
    );
    return await Promise.all(files.map((f) => readFile(f)));
  } catch {
    return syntheticJpegs(SYNTHETIC_COUNT);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A full garbage collection before the timed run, so the memory figure is the detector's and
 * not what building synthetic images left for the collector (V8 exposes gc() to a new context
 * once --expose-gc is set).
 */
function collectGarbage(): void {
  try {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  } catch {
    // no collector hook: the figure then includes leftovers
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Physical cores behind the logical CPUs, from Linux's topology files (distinct package/core
 * pairs); undefined where they cannot be read, and the sizing then assumes its defaults.
 */
function physicalCoreCount(): number | undefined {
  try {
    const cores = new Set<string>();
    for (let i = 0; i < cpus().length; i++) {
      const dir = `/sys/devices/system/cpu/cpu${i}/topology`;
      const pkg = readFileSync(`${dir}/physical_package_id`, "utf8").trim();
      cores.add(`${pkg}:${readFileSync(`${dir}/core_id`, "utf8").trim()}`);
    }
    return cores.size || undefined;
  } catch {
    return undefined;
  }
}

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
  collectGarbage();

  const decode: number[] = [];
  const total: number[] = [];
  const count = inputs.length * runs;
  // resident memory sampled after every image of the timed run: the process's own high-water
  // mark (maxRSS) would also count what building the synthetic images took
  let peakRss = process.memoryUsage().rss;
  for (let r = 0; r < runs; r++) {
    for (const bytes of inputs) {
      const t = await once(bytes);
      decode.push(t.decode);
      total.push(t.total);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      options.onProgress?.(decode.length, count);
    }
  }
  const peakRssMB = round2(peakRss / 1048576);

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
  const physicalCores = physicalCoreCount();
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
      // What the machine is, so the sizing can carry the figures over to other types.
      arch: process.arch === "arm64" ? "arm64" : "x86_64",
      vcpus: cpus().length,
      ...(physicalCores === undefined ? {} : { physicalCores }),
      p99ServiceMs: round2(
        percentile(
          [...total].sort((a, b) => a - b),
          0.99,
        ),
      ),
      memoryGiB: round2(totalmem() / 1024 ** 3),
      bytesPerImage: Math.round(inputs.reduce((n, b) => n + b.byteLength, 0) / inputs.length),
    },
  };
}
