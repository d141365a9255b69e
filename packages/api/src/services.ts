import type { ModelRegistry } from "@flakeops/inference";
import type { Logger } from "pino";
import type { KeyStore } from "./auth.js";
import type { Config } from "./config.js";
import type { Detector } from "./detection.js";
import type { ImdsClient } from "./imds.js";
import type { Lifecycle } from "./lifecycle.js";
import type { Admission } from "./limits.js";
import type { Metrics } from "./metrics.js";

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
  keys: KeyStore;
  version: string;
}
