/**
 * The service's outward facts, the one definition that the API itself, the infra that deploys
 * it and the tools that talk to it import (`@flakeops/api/contract`). This module has no
 * runtime dependencies, so importing it never loads Hono, sharp or the detector.
 */

/** The port the service listens on unless `PORT` says otherwise (CONTRACTS.md). */
export const DEFAULT_PORT = 5000;

/** Answers 200 `{"status":"ok"}` when ready, 503 while starting or draining. */
export const HEALTH_PATH = "/health";

/** The service's own detection route. */
export const DETECT_PATH = "/detect";

/** `customer_id` on every detection request, and in every API key's mapping. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Said the same way wherever a customer id is refused. */
export const CUSTOMER_ID_RULE = "1-64 characters of letters, digits, '_' or '-'";

/**
 * The deployable API: `pnpm --filter @flakeops/api bundle` writes this one file (relative to the
 * repository root), a tarball that keeps pnpm's links; hosts unpack it and run BUNDLE_ENTRY.
 */
export const BUNDLE_FILE = ".deploy/api.tgz";
export const BUNDLE_ENTRY = "dist/main.js";
/** The bundle's manifest (architectures, sha256) lies next to it as `<tarball>.json`. */
export const BUNDLE_MANIFEST_SUFFIX = ".json";

/*
 * Draining, the one source for the service (SIGTERM handling), the load balancer's target group
 * and the host's service unit. Units: seconds. ALB rules from the Elastic Load Balancing guide,
 * "Health checks for your target groups" (interval 5-300 s, timeout 2-120 s < interval,
 * thresholds 2-10) and "Deregistration delay" (0-3600 s).
 */

/** How often the ALB asks HEALTH_PATH: the slower it asks, the longer a drain must last. */
export const HEALTH_CHECK_INTERVAL_SECONDS = 15;
/** One health check's timeout; the ALB requires it to be shorter than the interval. */
export const HEALTH_CHECK_TIMEOUT_SECONDS = 5;
/** Consecutive 200s before a new target gets traffic. */
export const HEALTHY_THRESHOLD = 2;
/** Consecutive failures before the ALB stops routing to a target. */
export const UNHEALTHY_THRESHOLD = 3;

/**
 * How long /health answers 503 (listener still open) after SIGTERM: the ALB needs
 * UNHEALTHY_THRESHOLD failed checks, one per interval, plus one timeout of slack for the check
 * already on its way, before it stops sending new requests.
 */
export const DRAIN_SECONDS =
  HEALTH_CHECK_INTERVAL_SECONDS * UNHEALTHY_THRESHOLD + HEALTH_CHECK_TIMEOUT_SECONDS;

/** After the drain, how long in-flight requests still get before they are cancelled. */
export const SHUTDOWN_DEADLINE_SECONDS = 20;

/**
 * How long the ALB lets requests already sent to a deregistering target finish: as long as
 * the service itself lets them run after the drain, so neither side cuts the other short.
 */
export const DEREGISTRATION_DELAY_SECONDS = SHUTDOWN_DEADLINE_SECONDS + 10;

/**
 * The service unit's stop timeout (systemd TimeoutStopSec, docker stop -t): longer than the
 * drain plus the in-flight deadline plus closing the workers, so SIGKILL never cuts a drain.
 */
export const STOP_TIMEOUT_SECONDS = DRAIN_SECONDS + SHUTDOWN_DEADLINE_SECONDS + 10;

/**
 * The process environment the service runs under (Dockerfile ENV, the host unit's Environment=,
 * the load bench), measured with the load bench (README):
 * - glibc malloc: two arenas instead of 8 per core for the worker threads, and a fixed mmap
 *   threshold so large image buffers go back to the system when freed instead of staying in an
 *   arena (glibc raises the threshold dynamically after the first large free otherwise).
 *   RSS under load p50 330 -> 240 MB.
 * - V8's young generation capped at 1 MB semi-spaces (default 16): the main thread parses
 *   multipart bodies, whose short-lived copies otherwise keep up to 48 MB of nursery resident.
 *   Scavenges get more frequent but stay cheap (the detector works in WebAssembly memory);
 *   throughput unchanged within noise, RSS under load p50 240 -> 191 MB.
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
  MALLOC_TRIM_THRESHOLD_: "131072",
  NODE_OPTIONS: "--max-semi-space-size=1",
};
