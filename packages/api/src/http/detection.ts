import {
  type DetectionResult,
  type DetectOptions,
  type DetectorPool,
  isInferenceError,
  readImageInfo,
} from "@flakeops/inference";
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Config } from "../config.js";
import type { Admission } from "../services/admission.js";
import type { Lifecycle } from "../services/lifecycle.js";
import type { Metrics } from "../services/metrics.js";
import type { Caller, ModelCatalog } from "../services/models.js";
import type { UploadRefusal, Uploads } from "../services/uploads.js";
import { ApiError } from "./errors.js";
import { overloaded, retryHeaders } from "./limits.js";
import type { AppEnv } from "./types.js";

/** Abort reasons of a request's signal: its time budget ran out, it trickled, shutdown, hang-up. */
export const DEADLINE = new Error("request deadline");
export const TOO_SLOW = new Error("upload under the minimum transfer rate");
export const SHUTDOWN = new Error("server shutting down");
export const CLIENT_GONE = new Error("client closed the connection");

/** What the API needs from the detector: @flakeops/inference's DetectorPool has this shape. */
export interface Detector {
  run(bytes: Uint8Array, options: DetectOptions & { namespace?: string }): Promise<DetectionResult>;
  /** Fit a contrast dictionary, each image read and summed in a worker (POST /calibrate). */
  calibrate: DetectorPool["calibrate"];
  readonly queued: number;
  readonly running: number;
  /** The ONNX execution providers the workers use (DetectorPool asks a worker). */
  executionProviders?(): Promise<string[]>;
  close(): Promise<void>;
}

export interface DetectionDeps {
  config: Config;
  detector: Detector;
  admission: Admission;
  uploads: Uploads;
  models: ModelCatalog;
  lifecycle: Lifecycle;
  metrics: Metrics;
}

const UPLOAD_REFUSAL_LABEL: Record<UploadRefusal, string> = {
  uploads: "uploads_full",
  bytes: "uploads_bytes",
  client: "uploads_per_client",
};

/** The caller as the model catalog sees it. */
export const callerOf = (c: Context<AppEnv>): Caller => ({
  customer: c.get("customer"),
  admin: c.get("admin") === true,
});

/** Who an upload belongs to for the per-client limit: the key's customer, else the address. */
function clientOf(c: Context<AppEnv>): string {
  const customer = c.get("customer");
  if (customer !== undefined) return `customer:${customer}`;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return `ip:${incoming?.socket?.remoteAddress ?? "unknown"}`;
}

/**
 * The gate of every route that receives an image, decided from the headers alone: refuse
 * while draining, or when the uploads in progress are at their limits (count, bytes, per
 * client). It never takes a detection slot: that happens in detectUpload once the whole image
 * is in memory, so a trickling client cannot starve detection (issue 10, D1).
 */
export function receive(deps: DetectionDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!deps.lifecycle.ready) {
      deps.metrics.rejected.inc({ reason: "draining" });
      // Keep-alive clients should reconnect, reaching another instance behind the balancer.
      throw new ApiError(
        503,
        "SHUTTING_DOWN",
        "the server is shutting down; retry on another instance",
        { ...retryHeaders(1000), Connection: "close" },
      );
    }
    // One budget from the headers on: upload + queue + detection. The request's one signal
    // also fires when the upload trickles, on shutdown and when the client goes away. Timer and
    // listeners are removed when the request ends: AbortSignal.timeout/any would keep each
    // signal (and what listens to it, the queued job and its image) alive for the whole timeout.
    const controller = new AbortController();
    const declared = Number(c.req.header("content-length") ?? 0);
    const ticket = deps.uploads.start(
      clientOf(c),
      Number.isFinite(declared) && declared > 0 ? declared : 0,
      () => controller.abort(TOO_SLOW),
    );
    if (typeof ticket === "string") {
      deps.metrics.rejected.inc({ reason: UPLOAD_REFUSAL_LABEL[ticket] });
      const limits = deps.uploads.limits;
      if (ticket === "client") {
        throw new ApiError(
          429,
          "TOO_MANY_UPLOADS",
          `this client already has ${limits.maxUploadsPerClient} uploads in progress; wait for one to finish`,
          { ...retryHeaders(1000), Connection: "close" },
        );
      }
      throw overloaded(
        1000,
        ticket === "uploads"
          ? `${limits.maxUploads} uploads are in progress; retry later`
          : `uploads in progress hold ${limits.maxUploadBytes} bytes; retry later`,
      );
    }
    const timer = setTimeout(() => controller.abort(DEADLINE), deps.config.requestTimeoutMs);
    const onShutdown = () => controller.abort(SHUTDOWN);
    const onHangUp = () => controller.abort(CLIENT_GONE);
    deps.lifecycle.abortSignal.addEventListener("abort", onShutdown, { once: true });
    c.req.raw.signal.addEventListener("abort", onHangUp, { once: true });
    c.set("deadline", controller.signal);
    c.set("upload", ticket);
    try {
      await next();
    } finally {
      clearTimeout(timer);
      deps.lifecycle.abortSignal.removeEventListener("abort", onShutdown);
      c.req.raw.signal.removeEventListener("abort", onHangUp);
      ticket.done();
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
  // readImageInfo checks the magic bytes (JPEG, PNG, TIFF, WebP) before sharp sees the data.
  const info = await readImageInfo(bytes);
  if (info.width * info.height > config.maxPixels) {
    throw new ApiError(
      422,
      "TOO_MANY_PIXELS",
      `the image declares ${info.width}x${info.height} pixels, over the limit of ${config.maxPixels}`,
    );
  }
  const start = performance.now();
  const namespace = deps.models.namespaceOf(callerOf(c));
  const result = await runOnPool(c, deps, "detection", (signal) =>
    deps.detector.run(bytes, {
      ...options,
      ...(namespace !== undefined && { namespace }),
      maxPixels: config.maxPixels,
      ...(signal && { signal }),
    }),
  );
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

/**
 * Work on the detector pool under one admission slot, taken only now that the whole upload is
 * in memory, and the request's signal (deadline, shutdown, hang-up); its failures as the
 * API's errors. `what` names the work in messages ("detection", "calibration").
 */
export async function runOnPool<T>(
  c: Context<AppEnv>,
  deps: DetectionDeps,
  what: string,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const signal = c.get("deadline"); // set by receive(); every detection route goes through it
  const release = deps.admission.tryAcquire();
  if (!release) {
    deps.metrics.rejected.inc({ reason: "overloaded" });
    throw overloaded(
      deps.admission.backlogMs(),
      `the detection queue is full (${deps.admission.capacity} images admitted); retry later`,
    );
  }
  try {
    return await work(signal);
  } catch (e) {
    if (deps.lifecycle.abortSignal.aborted) {
      throw new ApiError(
        503,
        "SHUTTING_DOWN",
        `the server shut down before this ${what} was done`,
        retryHeaders(1000),
      );
    }
    if (isInferenceError(e) && e.code === "OVERLOADED") {
      deps.metrics.rejected.inc({ reason: "overloaded" });
      throw overloaded(deps.admission.backlogMs(), e.message);
    }
    if (signal?.reason === CLIENT_GONE || c.req.raw.signal.aborted) throw clientClosed();
    if (signal?.aborted) {
      deps.metrics.rejected.inc({ reason: "timeout" });
      throw overloaded(
        deps.admission.backlogMs(),
        `${what} did not finish within ${deps.config.requestTimeoutMs} ms; the server is busy, retry later`,
      );
    }
    throw e;
  } finally {
    release();
  }
}

/**
 * The client hung up: nobody reads this answer, but the access log says 499 CLIENT_CLOSED
 * (nginx's convention), not a server-side 503.
 */
export const clientClosed = () =>
  new ApiError(499 as ContentfulStatusCode, "CLIENT_CLOSED", "the client closed the connection");

const round1 = (x: number) => Math.round(x * 10) / 10;
