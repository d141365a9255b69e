import {
  type DetectionResult,
  type DetectOptions,
  detectImage,
  InferenceError,
  type ModelRegistry,
} from "@flakeops/inference";
import type { Detector } from "./detection.js";

/**
 * The real detector (detectImage) run in this process, one image at a time, behind a FIFO:
 * the fallback when worker threads are unavailable (FLAKEOPS_WORKERS_MODE=inline). It blocks
 * the event loop while an image is processed, so the worker pool is the default.
 */
export class InlineDetector implements Detector {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly registry: ModelRegistry) {}

  get queued(): number {
    return this.waiting.length;
  }

  get running(): number {
    return this.busy ? 1 : 0;
  }

  async run(bytes: Uint8Array, options: DetectOptions): Promise<DetectionResult> {
    if (this.busy) await new Promise<void>((r) => this.waiting.push(r));
    this.busy = true;
    try {
      if (options.signal?.aborted) throw new InferenceError("ABORTED", "cancelled while queued");
      return await detectImage(bytes, { ...options, registry: this.registry });
    } finally {
      this.busy = false;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {}
}
