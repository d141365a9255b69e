import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.js";
import type { AppEnv } from "./types.js";

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

export const tooLarge = (maxBytes: number) =>
  new ApiError(413, "PAYLOAD_TOO_LARGE", `request body over the ${maxBytes}-byte limit`, {
    Connection: "close",
  });

/**
 * The upload cap, enforced while the body streams in: a declared Content-Length over the cap is
 * refused before reading; otherwise (chunked bodies included) the bytes are counted as the form
 * parser pulls them, and the stream fails at the first byte over the cap, so an oversized body
 * is never buffered whole. (hono's bodyLimit does the same for chunked bodies but buffers them
 * itself before the parser runs, outside the request deadline that readForm applies.)
 * The connection is closed on 413 so the rest of an oversized upload is never parsed.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding") && Number(declared) > maxBytes) {
      throw tooLarge(maxBytes);
    }
    const reader = raw.body.getReader();
    let seen = 0;
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          c.get("upload")?.done(); // the body is in: the upload slot is free for the next one
          return controller.close();
        }
        seen += value.byteLength;
        c.get("upload")?.received(value.byteLength);
        if (seen > maxBytes) {
          c.set("bodyOverflow", maxBytes); // readForm turns the parse failure into this 413
          // Stop reading without cancelling the source: the 413 still goes out on this socket.
          controller.error(new Error("request body over the limit"));
          return;
        }
        controller.enqueue(value);
      },
    });
    c.req.raw = new Request(raw, { body: counted, duplex: "half" } as RequestInit);
    return next();
  };
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
