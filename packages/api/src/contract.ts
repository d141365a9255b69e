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
 * Where `pnpm --filter @flakeops/api bundle` writes the deployable API, relative to the
 * repository root, and what runs it there.
 */
export const BUNDLE_DIR = ".deploy/api";
export const BUNDLE_ENTRY = "dist/main.js";
