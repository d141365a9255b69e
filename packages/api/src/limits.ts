import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.js";
import type { AppEnv } from "./types.js";

/**
 * Admission control in front of the detector pool: at most `workers + maxQueue` images are
 * admitted at once, and the decision is made from the headers alone, before a byte of the body
 * is read, so an overloaded host spends nothing on work it will refuse.
 */
export class Admission {
  private active = 0;
  /** Moving average of one image's service time (decode + detect), in ms. */
  private serviceMs: number;

  constructor(
    readonly workers: number,
    readonly maxQueue: number,
    initialServiceMs = 250,
  ) {
    this.serviceMs = initialServiceMs;
  }

  get capacity(): number {
    return this.workers + this.maxQueue;
  }

  get inFlight(): number {
    return this.active;
  }

  /** A release function, or undefined when full. Release is idempotent. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.capacity) return undefined;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  observe(serviceMs: number): void {
    if (Number.isFinite(serviceMs) && serviceMs >= 0) {
      this.serviceMs = 0.8 * this.serviceMs + 0.2 * serviceMs;
    }
  }

  /**
   * Milliseconds of work already admitted ahead of a new request: the images in flight times
   * the average service time, shared by the workers. At least one image's worth.
   */
  backlogMs(): number {
    return Math.max(1, Math.ceil(((this.active + 1) * this.serviceMs) / this.workers));
  }
}

/**
 * `Retry-After` must be whole seconds (RFC 9110), so it is the backlog rounded up; the exact
 * backlog in milliseconds goes in `Retry-After-Ms` for clients that can use it.
 */
export function retryHeaders(ms: number): Record<string, string> {
  const whole = Math.max(1, Math.ceil(ms));
  return { "Retry-After": String(Math.ceil(whole / 1000)), "Retry-After-Ms": String(whole) };
}

/** 503 with the backlog; the connection closes so an unread body is never drained. */
export function overloaded(ms: number, message: string): ApiError {
  return new ApiError(503, "OVERLOADED", message, { ...retryHeaders(ms), Connection: "close" });
}

/**
 * hono's bodyLimit counts bytes as they stream in (a chunked body is cut off at the cap, not
 * buffered whole) and trusts Content-Length, which Node's parser enforces, when present. The
 * connection is closed on 413 so the rest of an oversized upload is never parsed.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "PAYLOAD_TOO_LARGE", `request body over the ${maxBytes}-byte limit`, {
        Connection: "close",
      });
    },
  });
}

/** 415 before reading anything when the body cannot be a multipart form. */
export function requireMultipart(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^multipart\/form-data\s*;\s*boundary=/i.test(type)) {
      throw new ApiError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        `expected a multipart/form-data body with a boundary, got "${type.slice(0, 100) || "none"}"`,
      );
    }
    return next();
  };
}
