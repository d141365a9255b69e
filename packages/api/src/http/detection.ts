import {
  type DetectionResult,
  type DetectOptions,
  isInferenceError,
  readImageInfo,
} from "@flakeops/inference";
import type { Context, MiddlewareHandler } from "hono";
import type { Config } from "../config.js";
import type { Admission } from "../services/admission.js";
import type { Lifecycle } from "../services/lifecycle.js";
import type { Metrics } from "../services/metrics.js";
import { ApiError } from "./errors.js";
import { overloaded, retryHeaders } from "./limits.js";
import type { AppEnv } from "./types.js";

/** Abort reasons of a request's signal: its time budget ran out, or shutdown / client gone. */
export const DEADLINE = new Error("request deadline");
export const CANCELLED = new Error("request cancelled");

/** What the API needs from the detector: @flakeops/inference's DetectorPool has this shape. */
export interface Detector {
  run(bytes: Uint8Array, options: DetectOptions): Promise<DetectionResult>;
  readonly queued: number;
  readonly running: number;
  close(): Promise<void>;
}

export interface DetectionDeps {
  config: Config;
  detector: Detector;
  admission: Admission;
  lifecycle: Lifecycle;
  metrics: Metrics;
}

/**
 * Admission for detection routes, decided from the headers alone: refuse while draining or
 * when the bounded queue is full, before a byte of the body is read. The slot is held until
 * the response is produced.
 */
export function admit(deps: DetectionDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!deps.lifecycle.ready) {
      deps.metrics.rejected.inc({ reason: "draining" });
      // Keep-alive clients should reconnect, reaching another instance behind the balancer.
      throw new ApiError(
        503,
        "SHUTTING_DOWN",
        "the server is shutting down; retry on another instance",
        {
          ...retryHeaders(1000),
          Connection: "close",
        },
      );
    }
    const release = deps.admission.tryAcquire();
    if (!release) {
      deps.metrics.rejected.inc({ reason: "overloaded" });
      throw overloaded(
        deps.admission.backlogMs(),
        `the detection queue is full (${deps.admission.capacity} images admitted); retry later`,
      );
    }
    // One budget from admission on: a slow upload cannot hold a slot longer than a slow detection.
    // The request's one signal also fires on shutdown and when the client goes away. Timer and
    // listeners are removed when the request ends: AbortSignal.timeout/any would keep each
    // signal (and what listens to it, the queued job and its image) alive for the whole timeout.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(DEADLINE), deps.config.requestTimeoutMs);
    const forward = () => controller.abort(CANCELLED);
    const sources = [deps.lifecycle.abortSignal, c.req.raw.signal];
    for (const s of sources) s.addEventListener("abort", forward, { once: true });
    c.set("deadline", controller.signal);
    try {
      await next();
    } finally {
      clearTimeout(timer);
      for (const s of sources) s.removeEventListener("abort", forward);
      release();
    }
  };
}

/**
 * Decode + detect one uploaded image on the worker pool. The pixel limit is checked from the
 * header first (a decompression bomb is refused without being decoded); the per-request
 * timeout and the shutdown deadline both cancel the job through one AbortSignal.
 */
export async function detectUpload(
  c: Context<AppEnv>,
  deps: DetectionDeps,
  bytes: Uint8Array,
  options: Omit<DetectOptions, "signal" | "maxPixels">,
): Promise<DetectionResult> {
  const { config } = deps;
  if (bytes.byteLength === 0)
    throw new ApiError(400, "EMPTY_INPUT", "the uploaded image is empty (0 bytes)");
  const info = await readImageInfo(bytes);
  if (info.width * info.height > config.maxPixels) {
    throw new ApiError(
      422,
      "TOO_MANY_PIXELS",
      `the image declares ${info.width}x${info.height} pixels, over the limit of ${config.maxPixels}`,
    );
  }
  const signal = c.get("deadline"); // set by admit(); every detection route goes through it
  const start = performance.now();
  let result: DetectionResult;
  try {
    result = await deps.detector.run(bytes, {
      ...options,
      maxPixels: config.maxPixels,
      ...(signal && { signal }),
    });
  } catch (e) {
    if (deps.lifecycle.abortSignal.aborted) {
      throw new ApiError(
        503,
        "SHUTTING_DOWN",
        "the server shut down before this image was done",
        retryHeaders(1000),
      );
    }
    if (isInferenceError(e) && e.code === "OVERLOADED") {
      deps.metrics.rejected.inc({ reason: "overloaded" });
      throw overloaded(deps.admission.backlogMs(), e.message);
    }
    if (isInferenceError(e) && e.code === "ABORTED" && c.req.raw.signal.aborted) {
      // The client went away; nobody reads this answer.
      throw new ApiError(503, "ABORTED", "the request was cancelled");
    }
    if (signal?.aborted) {
      deps.metrics.rejected.inc({ reason: "timeout" });
      throw overloaded(
        deps.admission.backlogMs(),
        `detection did not finish within ${config.requestTimeoutMs} ms; the server is busy, retry later`,
      );
    }
    throw e;
  }
  const wall = performance.now() - start;
  const work = result.timings.total_ms;
  deps.admission.observe(work);
  deps.metrics.detect.observe({ model: result.model }, work / 1000);
  deps.metrics.queueWait.observe(Math.max(0, wall - work) / 1000);
  const timings = c.get("timings");
  timings.queue_ms = round1(Math.max(0, wall - work));
  timings.decode_ms = result.timings.decode_ms;
  timings.detect_ms = result.timings.detect_ms;
  timings.total_ms = round1(wall);
  return result;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
