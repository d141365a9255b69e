import { type InferenceErrorCode, isInferenceError } from "@flakeops/inference";
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { AppEnv } from "./types.js";

/**
 * One error type for the whole service. Handlers throw it; the app's onError renders it as
 * `{ "error": { "code", "message" } }`, and the MaskTerial sub-app's onError as FastAPI's
 * `{ "detail": "..." }`, so no code path can leak a stack trace.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** flakeops' own `{ error: { code, message } }`, or FastAPI's `{ detail }` (MaskTerial). */
export type ErrorStyle = "flakeops" | "fastapi";

/**
 * Inference failures are the caller's fault except a model that will not load or a detector
 * bug. Typed over every code, so a new code cannot ship without its status.
 */
const INFERENCE_STATUS: Record<InferenceErrorCode, ContentfulStatusCode> = {
  EMPTY_INPUT: 400,
  NOT_AN_IMAGE: 415,
  UNSUPPORTED_IMAGE: 415,
  CORRUPT_IMAGE: 422,
  TOO_MANY_PIXELS: 422,
  IMAGE_TOO_SMALL: 422,
  NO_BACKGROUND: 422,
  UNKNOWN_MODEL: 400,
  INVALID_MODEL: 400,
  BAD_OPTION: 400,
  MODEL_LOAD_FAILED: 500,
  ABORTED: 503,
  OVERLOADED: 503,
  INTERNAL: 500,
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isInferenceError(err)) {
    const status = INFERENCE_STATUS[err.code];
    if (status >= 500) {
      // A model that will not load or a detector bug: the details (files, library messages)
      // are for the server log, which has them with the request id.
      return new ApiError(
        status,
        err.code,
        `${err.code.toLowerCase().replaceAll("_", " ")} (see the server log for the request id)`,
      );
    }
    return new ApiError(status, err.code, withoutPaths(err.message));
  }
  if (err instanceof HTTPException) {
    // Thrown by hono's own middleware (bodyLimit, cors...): keep the status, not the body.
    const code = err.status === 413 ? "PAYLOAD_TOO_LARGE" : `HTTP_${err.status}`;
    return new ApiError(err.status as ContentfulStatusCode, code, err.message || code);
  }
  return new ApiError(500, "INTERNAL", "internal error (see the server log for the request id)");
}

/**
 * A message with every absolute file path replaced by its last component: the inference
 * library names files for its CLI's user, but the service must not show its layout.
 */
export function withoutPaths(message: string): string {
  return message.replace(/(?:[A-Za-z]:)?(?:[/\\][^\s/\\:'"()<>]+){2,}[/\\]?/g, (path) => {
    const parts = path.split(/[/\\]/).filter(Boolean);
    return parts.at(-1) ?? "";
  });
}

export function renderError(c: Context<AppEnv>, err: ApiError, style: ErrorStyle): Response {
  c.set("errorCode", err.code);
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  const body =
    style === "fastapi"
      ? { detail: err.message }
      : { error: { code: err.code, message: err.message } };
  return c.json(body, err.status);
}

/**
 * An app's onError: any error becomes an ApiError rendered in `style`; an unexpected one's
 * stack goes to the request's log, never to the client.
 */
export function errorHandler(style: ErrorStyle, logger: Logger): ErrorHandler<AppEnv> {
  return (e, c) => {
    const err = toApiError(e);
    if (err.status >= 500 && err.status !== 503) {
      (c.get("log") ?? logger).error({ err: e }, "request failed");
    } else if (e instanceof Error && e.message !== err.message && !(e instanceof ApiError)) {
      // What the client was not shown (paths), with the request id.
      (c.get("log") ?? logger).info({ detail: e.message, code: err.code }, "error detail");
    }
    return renderError(c, err, style);
  };
}

/**
 * No route answered: 405 with `Allow` when the path exists under other methods (RFC 9110
 * §15.5.6), else 404. `routes` are the app's registered routes (Hono's `app.routes`).
 */
export function notFound(
  c: Context<AppEnv>,
  routes: readonly { method: string; path: string }[] = [],
): ApiError {
  const methods = new Set(
    routes.filter((r) => r.path === c.req.path && r.method !== "ALL").map((r) => r.method),
  );
  if (methods.size === 0 || methods.has(c.req.method)) {
    return new ApiError(404, "NOT_FOUND", `no route ${c.req.method} ${c.req.path}`);
  }
  if (methods.has("GET")) methods.add("HEAD");
  const allow = [...methods].sort().join(", ");
  return new ApiError(
    405,
    "METHOD_NOT_ALLOWED",
    `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`,
    { Allow: allow },
  );
}

export const badField = (field: string, message: string) =>
  new ApiError(400, "BAD_FIELD", `${field}: ${message}`);
