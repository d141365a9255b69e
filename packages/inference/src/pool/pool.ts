import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { DetectionResult, DetectOptions } from "../detect.js";
import { INFERENCE_ERROR_CODES, InferenceError, type InferenceErrorCode } from "../errors.js";
import type { CocoAnnotation, CocoImage } from "../io/coco.js";
import { parseExecutionProviders } from "../models/onnx/session.js";
import {
  type CalibrateOptions,
  type CalibrationResult,
  checkLayerNames,
  emptyCalibrationSums,
  fitCalibration,
} from "./calibration.js";
import type { CalibrationProblem, CalibrationReply, CalibrationTask } from "./calibration-task.js";
import type { ProbeReply, WorkerReply, WorkerTask } from "./worker.js";

export interface DetectorPoolOptions {
  /** worker threads; default os.availableParallelism() */
  workers?: number;
  modelsDir?: string;
  /** tasks allowed to wait for a worker; more are refused with OVERLOADED. Default 4 per worker. */
  maxQueue?: number;
  /** per-worker model cache budget, MB */
  memoryBudgetMB?: number;
  /**
   * ONNX execution providers in order of preference ("cuda,cpu" or a list); default: CUDA when
   * onnxruntime-node can use it here, else CPU. Unknown names are BAD_OPTION.
   */
  executionProviders?: string | readonly string[];
}

export interface PoolCalibration extends Omit<CalibrateOptions, "erode"> {
  /** Encoded images with their COCO entries and annotations, fitted in this order. */
  images: readonly { input: Uint8Array; image: CocoImage; annotations: CocoAnnotation[] }[];
  layerNames: readonly string[];
  /** category id -> layer name; annotations of categories outside layerNames are skipped */
  layerOf: ReadonlyMap<number, string>;
  /** Pixel limit per image (default decodeImage's, DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Pixel limit of all images together (default none). */
  maxTotalPixels?: number;
  signal?: AbortSignal;
}

export type PoolCalibrationOutcome =
  | { ok: true; result: CalibrationResult }
  | {
      ok: false;
      /** The image's file_name. */
      file: string;
      problem: CalibrationProblem;
      code: InferenceErrorCode;
      message: string;
    };

const knownCode = (code: string): InferenceErrorCode =>
  (INFERENCE_ERROR_CODES as readonly string[]).includes(code)
    ? (code as InferenceErrorCode)
    : "INTERNAL";

/**
 * Images above this many pixels (2.5 frames of a 1920x1200 camera) mark the workers for
 * recycling once idle; steady traffic of camera frames never recycles.
 */
const RECYCLE_AFTER_PIXELS = 6_000_000;
const RECYCLE_IDLE_MS = 2_000;

/**
 * Each worker's V8 young generation, MB. Every task ends with a full collection (worker.ts),
 * so nothing lives there between images, yet V8 grows it under allocation to its default
 * maximum: on a 2-worker batch of 320x240 PNGs each worker's heap grew from 30 to 46 MB in
 * the first ~1,000 images with 11 MB used throughout (part of the RSS climb before the
 * plateau). Capped at 8 MB the workers' heaps stay at 22 MB; images/s on 1920x1200 JPEGs
 * stayed within the (noisy) run-to-run spread. Measurements: README, batch. A process-wide
 * --max-semi-space-size (the API service's NODE_OPTIONS) wins over this limit in workers too
 * (checked: new space 2 MB with --max-semi-space-size=1, with or without it).
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** From sources (vitest, tsx) the worker goes through a shim that loads TypeScript. */
function workerFile(): string {
  const fromSource = import.meta.url.endsWith(".ts");
  return fileURLToPath(new URL(fromSource ? "./worker-entry.mjs" : "./worker.js", import.meta.url));
}

/**
 * Detection off the main thread: a pool of worker threads (piscina), each with its own model
 * registry. Errors keep their InferenceError code; an AbortSignal cancels a queued task; a full
 * queue refuses new work with OVERLOADED.
 */
export class DetectorPool {
  private piscina: Piscina;
  private readonly makePiscina: () => Piscina;
  /** A large image went through since the workers started: recycle them once idle. */
  private recycleWanted = false;
  private recycleTimer: NodeJS.Timeout | undefined;
  private readonly workers: number;
  private readonly maxQueue: number;
  private inFlight = 0;
  private closed = false;

  constructor(options: DetectorPoolOptions = {}) {
    this.workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(this.workers) || this.workers < 1) {
      throw new InferenceError(
        "BAD_OPTION",
        `workers is ${options.workers}; accepted: an integer >= 1`,
      );
    }
    const maxQueue = options.maxQueue ?? this.workers * 4;
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new InferenceError(
        "BAD_OPTION",
        `maxQueue is ${options.maxQueue}; accepted: an integer >= 0`,
      );
    }
    this.maxQueue = maxQueue;
    const providers = parseExecutionProviders(
      typeof options.executionProviders === "string"
        ? options.executionProviders
        : options.executionProviders?.join(","),
    );
    // admission is ours (inFlight against workers + maxQueue), so piscina's queue is unbounded
    this.makePiscina = () =>
      new Piscina({
        filename: workerFile(),
        minThreads: this.workers,
        maxThreads: this.workers,
        idleTimeout: Number.POSITIVE_INFINITY,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
        workerData: {
          modelsDir: options.modelsDir,
          memoryBudgetMB: options.memoryBudgetMB,
          executionProviders: providers,
        },
      });
    this.piscina = this.makePiscina();
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.inFlight - this.running;
  }

  /** Tasks being detected now. */
  get running(): number {
    return Math.min(this.inFlight, this.workers);
  }

  /**
   * Detect in a worker. `namespace` (a customer id) makes that customer's own models (under
   * ModelRegistry.namespaceDir) visible besides the shared ones. A signal that fires while the
   * task runs terminates its worker (piscina replaces it): the deadline really stops the work.
   */
  async run(
    input: Uint8Array,
    options: DetectOptions & { namespace?: string } = {},
  ): Promise<DetectionResult> {
    const { signal, namespace, ...rest } = options;
    const task: WorkerTask = {
      input,
      options: rest,
      ...(namespace !== undefined && { namespace }),
    };
    const reply = (await this.submit(task, signal, "detection")) as WorkerReply;
    if (reply.ok) this.noteImage(reply.result.width * reply.result.height);
    if (reply.ok) return reply.result;
    throw new InferenceError(knownCode(reply.code), reply.message);
  }

  /**
   * Fit a contrast dictionary from images and their COCO annotations: each image is read,
   * checked, decoded and summed in a worker, one at a time (so a request holds one worker and
   * one decoded image at a time), and only the per-layer sums come back; this thread fits them
   * (pool/calibration.ts). The result is the same as calibrateDetailed's on the same images.
   * A problem with one image (unreadable, over a pixel limit, another size than its entry, a
   * bad annotation) is an `ok: false` answer naming the file; a full pool or a fired signal
   * throws, as run() does.
   */
  async calibrate(request: PoolCalibration): Promise<PoolCalibrationOutcome> {
    const { layerNames, signal } = request;
    checkLayerNames(layerNames);
    if (request.images.length === 0) {
      throw new InferenceError("BAD_OPTION", "calibration needs at least one labelled image");
    }
    const labelOf: [number, number][] = [];
    for (const [category, layer] of request.layerOf) {
      const k = layerNames.indexOf(layer);
      if (k >= 0) labelOf.push([category, k + 1]);
    }
    let sums = emptyCalibrationSums(layerNames.length);
    let budgetPixels = request.maxTotalPixels ?? Number.POSITIVE_INFINITY;
    for (const { input, image, annotations } of request.images) {
      const task: CalibrationTask = {
        calibrate: {
          input,
          image,
          annotations,
          labelOf,
          layerNames: [...layerNames],
          sums,
          ...(request.maxPixels !== undefined && { maxPixels: request.maxPixels }),
          budgetPixels,
        },
      };
      const reply = (await this.submit(task, signal, "calibration")) as CalibrationReply;
      if (!reply.ok) return { ...reply, code: knownCode(reply.code), file: image.file_name };
      this.noteImage(reply.pixels);
      sums = reply.sums;
      budgetPixels -= reply.pixels;
    }
    return { ok: true, result: fitCalibration(sums, layerNames, request) };
  }

  /** One task through admission (inFlight against workers + maxQueue) to a worker. */
  private async submit(
    task: WorkerTask | CalibrationTask,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<unknown> {
    if (this.closed) throw new InferenceError("ABORTED", "the detector pool is closed");
    if (signal?.aborted)
      throw new InferenceError("ABORTED", `${what} was cancelled before it started`);
    if (this.inFlight >= this.workers + this.maxQueue) {
      throw new InferenceError(
        "OVERLOADED",
        `all ${this.workers} detector workers are busy and the queue is full (${this.maxQueue}); retry later`,
      );
    }
    this.inFlight++;
    try {
      return await this.piscina.run(task, signal ? { signal } : {});
    } catch (e) {
      throw this.translate(e, what);
    } finally {
      this.inFlight--;
      this.recycleWhenIdle();
    }
  }

  /** A large image went through: recycle the workers once idle. */
  private noteImage(pixels: number): void {
    if (pixels > RECYCLE_AFTER_PIXELS) {
      this.recycleWanted = true;
      this.recycleWhenIdle();
    }
  }

  /** Validate an execution provider list as the constructor will (for early config errors). */
  static parseExecutionProviders(raw: string | undefined): string[] | undefined {
    return parseExecutionProviders(raw);
  }

  /**
   * The execution providers ONNX sessions use in the workers (asks one worker; loads
   * onnxruntime there if no ONNX model has yet).
   */
  async executionProviders(): Promise<string[]> {
    return (await this.probe()).providers;
  }

  /** Ask a worker about itself (its providers and thread id). */
  async probe(): Promise<ProbeReply> {
    return (await this.piscina.run({ probe: "execution-providers" })) as ProbeReply;
  }

  /**
   * After a large image, once the pool has been idle for RECYCLE_IDLE_MS, swap in fresh
   * workers and destroy the old ones: a thread's native and WebAssembly memory only goes back
   * to the system with the thread (measured: RSS stayed ~450 MB 30 s after a burst of
   * 4096x4096 images otherwise). New tasks go to the new workers; the old ones finish what
   * they hold before they end.
   */
  private recycleWhenIdle(): void {
    if (!this.recycleWanted || this.inFlight > 0 || this.closed || this.recycleTimer) return;
    this.recycleTimer = setTimeout(() => {
      this.recycleTimer = undefined;
      if (!this.recycleWanted || this.inFlight > 0 || this.closed) return;
      this.recycleWanted = false;
      const old = this.piscina;
      this.piscina = this.makePiscina();
      // close, not destroy: work that reached the old workers outside run()'s count (a probe
      // from /info) finishes first; piscina then ends the threads (or after its close timeout,
      // which is the only way close rejects: the old workers are gone either way).
      old.close().catch(() => undefined);
    }, RECYCLE_IDLE_MS);
    this.recycleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.recycleTimer);
    await this.piscina.destroy();
  }

  private translate(e: unknown, what: string): InferenceError {
    const err = e as { name?: string; message?: string };
    if (err?.name === "AbortError") {
      return new InferenceError("ABORTED", `${what} was cancelled`, { cause: e });
    }
    if (/destroy|terminat/i.test(err?.message ?? "")) {
      return new InferenceError("ABORTED", "the detector pool was closed", { cause: e });
    }
    return new InferenceError("INTERNAL", `detector worker failed: ${err?.message ?? String(e)}`, {
      cause: e,
    });
  }
}
