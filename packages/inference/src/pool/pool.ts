import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { DetectionResult, DetectOptions } from "../detect.js";
import { INFERENCE_ERROR_CODES, InferenceError, type InferenceErrorCode } from "../errors.js";
import { parseExecutionProviders } from "../models/onnx/session.js";
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

/**
 * Images above this many pixels (2.5 frames of a 1920x1200 camera) mark the workers for
 * recycling once idle; steady traffic of camera frames never recycles.
 */
const RECYCLE_AFTER_PIXELS = 6_000_000;
const RECYCLE_IDLE_MS = 2_000;

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
    if (this.closed) throw new InferenceError("ABORTED", "the detector pool is closed");
    const { signal, namespace, ...rest } = options;
    if (signal?.aborted)
      throw new InferenceError("ABORTED", "detection was cancelled before it started");
    if (this.inFlight >= this.workers + this.maxQueue) {
      throw new InferenceError(
        "OVERLOADED",
        `all ${this.workers} detector workers are busy and the queue is full (${this.maxQueue}); retry later`,
      );
    }
    const task: WorkerTask = {
      input,
      options: rest,
      ...(namespace !== undefined && { namespace }),
    };
    this.inFlight++;
    let reply: WorkerReply;
    try {
      reply = (await this.piscina.run(task, signal ? { signal } : {})) as WorkerReply;
    } catch (e) {
      throw this.translate(e);
    } finally {
      this.inFlight--;
    }
    if (reply.ok && reply.result.width * reply.result.height > RECYCLE_AFTER_PIXELS) {
      this.recycleWanted = true;
    }
    this.recycleWhenIdle();
    if (reply.ok) return reply.result;
    const code: InferenceErrorCode = (INFERENCE_ERROR_CODES as readonly string[]).includes(
      reply.code,
    )
      ? (reply.code as InferenceErrorCode)
      : "INTERNAL";
    throw new InferenceError(code, reply.message);
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
   * 4096x4096 images otherwise). Safe because every task goes through run(): an idle pool
   * has nothing in its workers, and new tasks go to the new ones.
   */
  private recycleWhenIdle(): void {
    if (!this.recycleWanted || this.inFlight > 0 || this.closed || this.recycleTimer) return;
    this.recycleTimer = setTimeout(() => {
      this.recycleTimer = undefined;
      if (!this.recycleWanted || this.inFlight > 0 || this.closed) return;
      this.recycleWanted = false;
      const old = this.piscina;
      this.piscina = this.makePiscina();
      void old.destroy();
    }, RECYCLE_IDLE_MS);
    this.recycleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.recycleTimer);
    await this.piscina.destroy();
  }

  private translate(e: unknown): InferenceError {
    const err = e as { name?: string; message?: string };
    if (err?.name === "AbortError") {
      return new InferenceError("ABORTED", "detection was cancelled", { cause: e });
    }
    if (/destroy|terminat/i.test(err?.message ?? "")) {
      return new InferenceError("ABORTED", "the detector pool was closed", { cause: e });
    }
    return new InferenceError("INTERNAL", `detector worker failed: ${err?.message ?? String(e)}`, {
      cause: e,
    });
  }
}
