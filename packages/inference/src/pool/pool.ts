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
  private readonly piscina: Piscina;
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
    this.piscina = new Piscina({
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
