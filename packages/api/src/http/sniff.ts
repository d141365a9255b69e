import { ApiError } from "./errors.js";

/** The formats the detector accepts, recognised by their signatures before any parser runs. */
export type ImageFormat = "jpeg" | "png" | "tiff" | "webp";

const starts = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.byteLength >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/**
 * The format from the magic bytes (JPEG FF D8 FF; PNG's 8-byte signature; TIFF "II*\0" or
 * "MM\0*"; WebP "RIFF....WEBP"), or undefined. sharp would otherwise parse whatever it knows,
 * SVG (an XML parser) and GIF included, before our own checks ran.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (starts(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (starts(bytes, [0x49, 0x49, 0x2a, 0x00]) || starts(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return "tiff";
  if (starts(bytes, [0x52, 0x49, 0x46, 0x46]) && starts(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return "webp";
  return undefined;
}

/** Image formats sharp could read but the service refuses, named so the 415 can say which. */
function otherImageFormat(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 256)).toString("latin1");
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return "GIF";
  if (head.startsWith("BM")) return "BMP";
  if (head.slice(4, 8) === "ftyp") return "HEIF/AVIF";
  if (/^\s*<(\?xml|svg|!doctype svg)/i.test(head)) return "SVG";
  return undefined;
}

/**
 * 415 for anything that is not JPEG, PNG, TIFF or WebP, without parsing it:
 * UNSUPPORTED_IMAGE for another image format, NOT_AN_IMAGE for the rest (HTML, text...).
 */
export function requireImageFormat(bytes: Uint8Array): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format !== undefined) return format;
  const other = otherImageFormat(bytes);
  throw other
    ? new ApiError(415, "UNSUPPORTED_IMAGE", `${other} images are not accepted; ${ACCEPTED}`)
    : new ApiError(415, "NOT_AN_IMAGE", `the upload is not an image; ${ACCEPTED}`);
}

const ACCEPTED = "send a JPEG, PNG, TIFF or WebP image (recognised by its first bytes)";
