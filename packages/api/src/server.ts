import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MODEL_ID, DetectorPool, ModelRegistry } from "@flakeops/inference";
import { serve } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { type App, createApp } from "./app.js";
import type { Config } from "./config.js";
import { deferContinue } from "./http/expect.js";
import { Lifecycle } from "./services/lifecycle.js";
import { createMetrics } from "./services/metrics.js";

export interface RunningServer {
  app: App;
  server: Server;
  /** A URL that reaches the server from this host (127.0.0.1 when bound to all interfaces). */
  url: string;
  /** http://address:port actually bound (port 0 resolved), e.g. http://0.0.0.0:5000. */
  bound: string;
  lifecycle: Lifecycle;
  logger: Logger;
  /** Drain (config.drainMs), let in-flight finish up to the deadline, close. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Build the real service (registry, worker pool, metrics, logger) from a Config and listen.
 * /health stays 503 until the listener is up and the default model has been loaded.
 */
export async function startServer(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<RunningServer> {
  const logger =
    options.logger ?? pino({ level: config.logLevel, base: { service: "flakeops-api" } });
  const metrics = createMetrics();
  // Uploaded models must reach the worker threads, which read the models directory: without a
  // configured one, uploads go to a private directory that lives as long as the process.
  const scratch = config.modelsDir ? undefined : mkdtempSync(join(tmpdir(), "flakeops-models-"));
  const modelsDir = config.modelsDir ?? scratch;
  const registry = new ModelRegistry({ modelsDir });
  const detector = new DetectorPool({
    workers: config.workers,
    modelsDir,
    maxQueue: config.maxQueue,
    ...(config.executionProviders && { executionProviders: config.executionProviders }),
  });
  const lifecycle = new Lifecycle("starting");
  const app = createApp({ config, registry, detector, logger, metrics, lifecycle });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once("error", reject);
  });
  // Whole-request deadline for slow uploads (slowloris); detection has its own timeout.
  server.requestTimeout = Math.max(config.requestTimeoutMs + 30_000, 70_000);
  // Behind a load balancer (ALB idle timeout 60 s) the server must not close idle keep-alive
  // connections first, or the balancer reuses a dead one and answers 502.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  deferContinue(server);
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const allInterfaces = host === "0.0.0.0" || host === "[::]";
  const bound = `http://${host}:${addr.port}`;
  const url = `http://${allInterfaces ? "127.0.0.1" : host}:${addr.port}`;

  // Load the default model once before going ready: a broken model directory fails here, not
  // on the first customer's request, and the load time lands in the metrics.
  const t0 = performance.now();
  await registry.classifier(DEFAULT_MODEL_ID);
  metrics.modelLoad.observe({ model: DEFAULT_MODEL_ID }, (performance.now() - t0) / 1000);
  // Providers asked for explicitly must exist here: fail at start, not on the first ONNX model.
  if (config.executionProviders) await detector.executionProviders();
  // Ask the metadata service now, so the first GET /info does not wait for it.
  void app.services.imds.instanceType();
  lifecycle.state = "ready";
  logger.info(
    {
      url,
      bound,
      workers: config.workers,
      max_queue: config.maxQueue,
      auth: config.apiKeys.size > 0,
    },
    "listening",
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = "shutdown") => {
    stopping ??= (async () => {
      // Draining: the listener stays open, /health answers 503 and new work 503 with
      // `Connection: close`, so the balancer sees the target fail its checks (DRAIN_SECONDS in
      // contract.ts) instead of refused connections, and keep-alive clients move on after
      // their in-flight response.
      lifecycle.drain();
      const { admission, uploads } = app.services;
      const busy = () => admission.inFlight + uploads.inProgress;
      logger.info(
        {
          reason,
          in_flight: busy(),
          drain_ms: config.drainMs,
          deadline_ms: config.shutdownDeadlineMs,
        },
        "draining",
      );
      await sleep(config.drainMs);
      logger.info({ in_flight: busy() }, "drained");
      const deadline = Date.now() + config.shutdownDeadlineMs;
      while (busy() > 0 && Date.now() < deadline) await sleep(50);
      if (busy() > 0) {
        logger.warn({ in_flight: busy() }, "shutdown deadline reached; cancelling in-flight work");
        lifecycle.abortInFlight();
        const grace = Date.now() + 1000;
        while (busy() > 0 && Date.now() < grace) await sleep(20);
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 200).unref();
      });
      await detector.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      logger.info("stopped");
    })();
    return stopping;
  };
  return { app, server, url, bound, lifecycle, logger, shutdown };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
