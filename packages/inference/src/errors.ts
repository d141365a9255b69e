/**
 * Every failure the engine reports on bad input is an InferenceError with a code from this
 * list; the CLI maps codes to exit codes and the API to HTTP statuses.
 */
export const INFERENCE_ERROR_CODES = [
  "EMPTY_INPUT", // 0-byte buffer or file
  "NOT_AN_IMAGE", // bytes that no decoder recognises (text, random data)
  "UNSUPPORTED_IMAGE", // an image we recognise but do not accept (e.g. CMYK, >16-bit)
  "CORRUPT_IMAGE", // truncated or damaged data
  "TOO_MANY_PIXELS", // over the pixel limit (decompression bombs)
  "IMAGE_TOO_SMALL", // smaller than a detector can work on (e.g. 1x1)
  "NO_BACKGROUND", // no background mode found (all-white, all-black frame)
  "UNKNOWN_MODEL", // model id not in the registry
  "INVALID_MODEL", // a model file or contrast dictionary that fails validation
  "MODEL_LOAD_FAILED", // a model file that cannot be read or loaded
  "BAD_OPTION", // an option out of range
  "ABORTED", // cancelled by the caller (timeout, shutdown)
  "OVERLOADED", // the worker pool's queue is full; retry later
  "INTERNAL", // an unexpected failure inside the detector (a bug), reported without its stack
] as const;

export type InferenceErrorCode = (typeof INFERENCE_ERROR_CODES)[number];

export class InferenceError extends Error {
  override readonly name = "InferenceError";
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isInferenceError(e: unknown): e is InferenceError {
  return e instanceof InferenceError;
}
