import type { ModelRegistry } from "@flakeops/inference";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { KeyStore } from "./http/auth.js";
import type { Detector } from "./http/detection.js";
import { errorHandler, notFound, renderError } from "./http/errors.js";
import { observe } from "./http/observability.js";
import type { AppEnv } from "./http/types.js";
import { calibrateRoutes } from "./routes/calibrate.js";
import { detectRoutes } from "./routes/detect.js";
import { maskterialRoutes } from "./routes/maskterial.js";
import { systemRoutes } from "./routes/system.js";
import { webRoutes } from "./routes/web.js";
import { Admission } from "./services/admission.js";
import { ImdsClient } from "./services/imds.js";
import { Lifecycle } from "./services/lifecycle.js";
import type { Metrics } from "./services/metrics.js";
import { ModelCatalog } from "./services/models.js";
import type { Services } from "./services/services.js";
import { Uploads } from "./services/uploads.js";
import { VERSION } from "./version.js";

export interface AppDeps {
  config: Config;
  registry: ModelRegistry;
  /** The worker pool (DetectorPool); the app never closes it, its owner does. */
  detector: Detector;
  logger: Logger;
  metrics: Metrics;
  /** Defaults to a client of config.imdsUrl. */
  imds?: ImdsClient;
  /** Defaults to a lifecycle that is already "ready". */
  lifecycle?: Lifecycle;
}

/**
 * The whole HTTP service as a Hono app, from explicit dependencies (no globals): main.ts wires
 * it to the environment and a socket; tests wire it to their own pool and config.
 */
export function createApp(deps: AppDeps) {
  const s: Services = {
    ...deps,
    imds:
      deps.imds ??
      new ImdsClient(deps.config.imdsUrl, deps.config.imdsTimeoutMs, deps.config.dmiDir),
    lifecycle: deps.lifecycle ?? new Lifecycle("ready"),
    admission: new Admission(deps.config.workers, deps.config.maxQueue),
    uploads: new Uploads(deps.config),
    keys: new KeyStore(deps.config.apiKeys, deps.config.adminKeys),
    models: new ModelCatalog(
      deps.config,
      deps.registry,
      deps.config.apiKeys.size + deps.config.adminKeys.size > 0,
    ),
    version: VERSION,
  };
  // Gauges read live values when scraped, so they can never go stale.
  s.metrics.bindLoad({ queued: () => s.detector.queued, inFlight: () => s.admission.inFlight });

  const app = new Hono<AppEnv>()
    .use(requestId({ limitLength: 128 }))
    .use(observe(s.logger, s.metrics))
    .use(async (c, next) => {
      await next();
      // Draining: every answer, in-flight ones included, ends its keep-alive connection, so
      // clients reconnect (through the balancer, to another instance) without a reset.
      if (s.lifecycle.state === "draining") c.header("Connection", "close");
    })
    .route("/", systemRoutes(s))
    .route("/", detectRoutes(s))
    .route("/", calibrateRoutes(s))
    .route("/", maskterialRoutes(s))
    .route("/", webRoutes(s));

  // The MaskTerial sub-app renders its own errors (FastAPI's shape); everything else is ours.
  app.notFound((c) => renderError(c, notFound(c, app.routes), "flakeops"));
  app.onError(errorHandler("flakeops", s.logger));
  return Object.assign(app, { services: s });
}

export type App = ReturnType<typeof createApp>;
