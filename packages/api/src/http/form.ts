import type { Context } from "hono";
import { z } from "zod";
import { CUSTOMER_ID_PATTERN, CUSTOMER_ID_RULE } from "../contract.js";
import { CLIENT_GONE, clientClosed, SHUTDOWN, TOO_SLOW } from "./detection.js";
import { ApiError, badField } from "./errors.js";
import { sendContinue } from "./expect.js";
import { tooLarge } from "./limits.js";
import { MultipartError, type MultipartForm, parseMultipart } from "./multipart.js";
import type { AppEnv } from "./types.js";

/**
 * Read the multipart body (size-capped by limitBody, within the request deadline) and parse
 * it. A malformed body is a 400; see multipart.ts for why this is not Request.formData().
 */
export async function readForm(c: Context<AppEnv>): Promise<MultipartForm> {
  // Every check before this (auth, media type, admission) has passed: only now may the client
  // send the body it announced with `Expect: 100-continue`.
  sendContinue(c);
  const reading = c.req.raw.arrayBuffer();
  const deadline = c.get("deadline");
  let body: ArrayBuffer;
  try {
    body = deadline ? await Promise.race([reading, aborted(deadline)]) : await reading;
  } catch (e) {
    reading.catch(() => {}); // when the deadline won, the unread body fails later: nobody waits
    if (e instanceof ApiError) throw e;
    const cap = c.get("bodyOverflow");
    if (cap !== undefined) throw tooLarge(cap);
    if (deadline?.reason === CLIENT_GONE || c.req.raw.signal.aborted) throw clientClosed();
    if (deadline?.reason === SHUTDOWN) {
      throw new ApiError(503, "SHUTTING_DOWN", "the request was cancelled (server shutting down)", {
        Connection: "close",
      });
    }
    if (deadline?.aborted) {
      const slow = deadline.reason === TOO_SLOW;
      throw new ApiError(
        408,
        "REQUEST_TIMEOUT",
        slow
          ? "the request body arrived slower than the minimum transfer rate"
          : "the request body did not arrive within the time limit",
        { Connection: "close" },
      );
    }
    throw new ApiError(400, "BAD_MULTIPART", "the request body could not be read");
  }
  try {
    return await parseMultipart(new Uint8Array(body), c.req.header("content-type") ?? "");
  } catch (e) {
    if (!(e instanceof MultipartError)) throw e;
    throw new ApiError(
      400,
      "BAD_MULTIPART",
      `the multipart/form-data body could not be parsed: ${e.message}`,
    );
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** The uploaded file of a field: missing or a plain string is a 400 naming the field. */
export function fileField(
  form: MultipartForm,
  name: string,
): { bytes: Uint8Array; filename: string } {
  const v = form.get(name);
  if (v === null)
    throw new ApiError(400, "MISSING_FIELD", `${name}: a file field "${name}" is required`);
  if (typeof v === "string") {
    throw badField(
      name,
      `expected a file upload (e.g. curl -F "${name}=@image.jpg"), got a text value`,
    );
  }
  return { bytes: v.bytes, filename: v.filename };
}

/**
 * The text fields named by a zod object schema, validated by it. Empty optional fields count
 * as absent (HTML forms send them); the first problem becomes a 400 naming its field.
 */
export function textFields<S extends z.ZodObject>(form: MultipartForm, schema: S): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const all = form.getAll(key);
    if (all.length === 0) continue;
    if (all.length > 1) throw badField(key, "given more than once");
    const v = all[0];
    if (typeof v !== "string") throw badField(key, "expected a text value, got a file");
    if (v === "") continue;
    raw[key] = v;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "form";
    const message =
      issue.code === "invalid_type" && raw[field] === undefined ? "required" : issue.message;
    throw badField(field, message);
  }
  return parsed.data;
}

/** "true"/"false" as HTML forms, curl and MaskTerial's frontend send them. */
export const formBool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", "True", "False"])
  .transform((v) => ["true", "1", "yes", "on", "True"].includes(v));

/** A decimal number (no hex, no blanks), coerced and range-checked by `inner`. */
export const formNumber = <T extends z.ZodNumber>(inner: T) =>
  z
    .string()
    .regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, "expected a number")
    .transform(Number)
    .pipe(inner);

export const customerId = z.string().regex(CUSTOMER_ID_PATTERN, `must be ${CUSTOMER_ID_RULE}`);
