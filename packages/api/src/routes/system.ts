import { availableParallelism, totalmem } from "node:os";
import { DEFAULT_MODEL_ID } from "@flakeops/inference";
import { getInstanceType } from "@flakeops/sizing";
import { Hono } from "hono";
import { HEALTH_PATH } from "../contract.js";
import { requireKey } from "../http/auth.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";

/** Health for the load balancer, facts for humans, metrics for Prometheus. */
export function systemRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.use("/info", requireKey(s.keys));
  app.use("/metrics", requireKey(s.keys));

  return app
    .get(HEALTH_PATH, (c) => {
      // Open (no key): the balancer's health check. 503 while starting or draining, so the
      // instance leaves rotation before it stops answering.
      const state = s.lifecycle.state;
      if (state === "ready") return c.json({ status: "ok" as const }, 200);
      c.header("Retry-After", "1");
      return c.json({ status: state }, 503);
    })
    .get("/info", async (c) => {
      const host = await s.imds.instanceType();
      return c.json({
        name: "@flakeops/api",
        version: s.version,
        status: s.lifecycle.state,
        models: {
          default: DEFAULT_MODEL_ID,
          available: s.registry.available(),
          loaded: s.registry.loaded(),
        },
        limits: {
          max_body_bytes: s.config.maxBodyBytes,
          max_model_bytes: s.config.maxModelBytes,
          max_pixels: s.config.maxPixels,
          request_timeout_ms: s.config.requestTimeoutMs,
          workers: s.config.workers,
          max_queue: s.config.maxQueue,
          drain_ms: s.config.drainMs,
          shutdown_deadline_ms: s.config.shutdownDeadlineMs,
          max_uploads: s.config.maxUploads,
          max_uploads_per_client: s.config.maxUploadsPerClient,
          min_upload_bytes_per_second: s.config.minUploadBytesPerSecond,
        },
        load: {
          in_flight: s.admission.inFlight,
          uploading: s.uploads.inProgress,
          queued: s.detector.queued,
          running: s.detector.running,
          backlog_ms: s.admission.backlogMs(),
        },
        auth: { enabled: s.keys.enabled },
        onnx: {
          requested_execution_providers: s.config.executionProviders ?? "auto",
          execution_providers: providersInUse(s),
        },
        host: {
          node: process.version,
          platform: process.platform,
          arch: process.arch,
          cpus: availableParallelism(),
          memory_total_bytes: totalmem(),
          instance_type: host.instanceType,
          ...(host.note !== undefined && { instance_note: host.note }),
          sizing: sizingTier(host.instanceType),
        },
      });
    })
    .get("/metrics", async (c) => {
      const text = await s.metrics.registry.metrics();
      return c.body(text, 200, { "Content-Type": s.metrics.registry.contentType });
    });
}

const providers = new WeakMap<object, { value: string[] | string }>();
/**
 * The providers ONNX sessions use, asked once per pool. /info never waits for the answer (the
 * question queues behind detections in the pool): "pending" until it has come.
 */
function providersInUse(s: Services): string[] | string {
  let entry = providers.get(s.detector);
  if (!entry) {
    const fresh: { value: string[] | string } = { value: "pending" };
    providers.set(s.detector, fresh);
    entry = fresh;
    if (s.detector.executionProviders) {
      s.detector.executionProviders().then(
        (list) => {
          fresh.value = list;
        },
        (e: Error) => {
          fresh.value = e.message;
        },
      );
    } else fresh.value = "unknown";
  }
  return entry.value;
}

/** What @flakeops/sizing knows about this instance type; null off EC2 or for a type it lacks. */
function sizingTier(type: string | null): unknown {
  if (type === null) return null;
  try {
    return getInstanceType(type);
  } catch {
    return null;
  }
}
