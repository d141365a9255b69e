import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The service's Prometheus metrics on their own Registry (never prom-client's global), so two
 * apps in one process (tests) never collide and /metrics shows exactly this app.
 */
export interface Metrics {
  registry: Registry;
  requests: Counter<"method" | "route" | "status">;
  latency: Histogram<"method" | "route">;
  detect: Histogram<"model">;
  queueWait: Histogram;
  rejected: Counter<"reason">;
  queueDepth: Gauge;
  inFlight: Gauge;
  modelLoad: Histogram<"model">;
  /** Point the queue-depth and in-flight gauges at live values, read at scrape time. */
  bindLoad(source: LoadSource): void;
}

export interface LoadSource {
  queued(): number;
  inFlight(): number;
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults !== false) {
    // Process memory, CPU, event-loop lag, GC: prefixed like the rest.
    collectDefaultMetrics({ register: registry, prefix: "flakeops_" });
  }
  let load: LoadSource = { queued: () => 0, inFlight: () => 0 };
  const secs = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    requests: new Counter({
      name: "flakeops_http_requests_total",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "flakeops_http_request_duration_seconds",
      help: "HTTP request latency by route pattern, body upload included",
      labelNames: ["method", "route"],
      buckets: secs,
      registers: [registry],
    }),
    detect: new Histogram({
      name: "flakeops_detect_duration_seconds",
      help: "Decode + detection time of one image in a worker",
      labelNames: ["model"],
      buckets: secs,
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: "flakeops_queue_wait_seconds",
      help: "Time an admitted image waited for a detector worker",
      buckets: secs,
      registers: [registry],
    }),
    rejected: new Counter({
      name: "flakeops_rejected_total",
      help: "Requests refused before any work: overloaded, draining, too large",
      labelNames: ["reason"],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "flakeops_queue_depth",
      help: "Admitted images waiting for a detector worker",
      registers: [registry],
      collect() {
        this.set(load.queued());
      },
    }),
    inFlight: new Gauge({
      name: "flakeops_in_flight",
      help: "Admitted detection requests (queued + running)",
      registers: [registry],
      collect() {
        this.set(load.inFlight());
      },
    }),
    modelLoad: new Histogram({
      name: "flakeops_model_load_seconds",
      help: "Time to load a model into the registry",
      labelNames: ["model"],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    bindLoad(source) {
      load = source;
    },
  };
}
