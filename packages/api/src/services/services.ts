import type { ModelRegistry } from "@flakeops/inference";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { KeyStore } from "../http/auth.js";
import type { Detector } from "../http/detection.js";
import type { Admission } from "./admission.js";
import type { ImdsClient } from "./imds.js";
import type { Lifecycle } from "./lifecycle.js";
import type { Metrics } from "./metrics.js";
import type { ModelCatalog } from "./models.js";
import type { Uploads } from "./uploads.js";

/** Everything a route may use, built once by createApp from its dependencies. */
export interface Services {
  config: Config;
  registry: ModelRegistry;
  detector: Detector;
  logger: Logger;
  metrics: Metrics;
  imds: ImdsClient;
  lifecycle: Lifecycle;
  admission: Admission;
  uploads: Uploads;
  keys: KeyStore;
  models: ModelCatalog;
  version: string;
}
