import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "pino";
import type { Metrics } from "../services/metrics.js";
import type { AppEnv } from "./types.js";

/** The route pattern that answered (bounded label cardinality), or "unmatched". */
function routeLabel(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return routes.at(-1)?.path ?? "unmatched";
}

/**
 * Access log and request metrics in one place. Runs outermost (after the request id), so it
 * sees the final status even when a handler threw: app.onError has already rendered it.
 */
export function observe(logger: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    const log = logger.child({ req_id: c.get("requestId") });
    c.set("log", log);
    c.set("timings", {});
    await next();
    const ms = performance.now() - start;
    const route = routeLabel(c);
    const status = c.res.status;
    metrics.requests.inc({ method: c.req.method, route, status: String(status) });
    metrics.latency.observe({ method: c.req.method, route }, ms / 1000);
    const fields = {
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      ms: Math.round(ms * 10) / 10,
      customer: c.get("customer"),
      timings: c.get("timings"),
      error: c.get("errorCode"),
    };
    if (status >= 500) log.warn(fields, "request");
    else log.info(fields, "request");
  };
}
