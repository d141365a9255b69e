/**
 * Every failure the sizing engine reports on bad input is a SizingError with a code from this
 * list and a message that says what was wrong and what is accepted; the CLI prints the message
 * as its one line on stderr and exits 2.
 */
export const SIZING_ERROR_CODES = [
  "UNKNOWN_INSTANCE_TYPE", // not in the catalog (or not priced in the region asked for)
  "UNKNOWN_REGION", // no price book for the region
  "UNKNOWN_PRICING", // not one of PRICING_MODELS
  "UNKNOWN_USE_CASE", // not one of USE_CASES
  "BAD_NUMBER", // negative, zero where it must be positive, non-numeric, out of range
  "BAD_ARGUMENT", // a missing, unknown or conflicting CLI argument
  "BAD_METRICS", // a metrics file that is empty, malformed or holds no usable series
  "BAD_PROFILE", // a bench profile that is not one
  "UNREACHABLE_TARGET", // no (type, count) in the catalog meets the workload's target
  "FILE_NOT_FOUND", // a file argument that cannot be read
  "BAD_PREVIEW", // preview-cost: not a `pulumi preview --json` digest, no steps, or a failed run
  "BAD_OFFER", // prices import: a truncated or non-offer file, or another service's offer
] as const;

export type SizingErrorCode = (typeof SIZING_ERROR_CODES)[number];

export class SizingError extends Error {
  override readonly name = "SizingError";
  constructor(
    readonly code: SizingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSizingError(e: unknown): e is SizingError {
  return e instanceof SizingError;
}

/** A finite number > 0 (or >= 0 with allowZero), else BAD_NUMBER naming the field. */
export function requirePositive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new SizingError(
      "BAD_NUMBER",
      `${name} must be a ${allowZero ? "non-negative" : "positive"} number; got ${String(value)}`,
    );
  }
  return value;
}

/** A whole number >= 1, else BAD_NUMBER. */
export function requireCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new SizingError(
      "BAD_NUMBER",
      `${name} must be a whole number >= 1; got ${String(value)}`,
    );
  }
  return value;
}
