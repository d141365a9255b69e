import sharp, { type Metadata, type OutputInfo } from "sharp";
import { InferenceError } from "../errors.js";
import { swapRedBlue } from "../kernels/swap.js";
import type { BgrImage } from "../types.js";

/** Default pixel limit: 40 megapixels (a 7300 x 5500 frame), far above microscope cameras. */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Smallest side the detector accepts (its 5x5 filters and 200 px flakes need room). */
export const MIN_SIDE = 8;
export const ACCEPTED_FORMATS = ["jpeg", "png", "tiff", "webp"] as const;

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
}

const ACCEPTED_TEXT = "JPEG, PNG, TIFF (8 or 16 bit) or WebP";

// libvips' operation cache only pays off when the same operation runs on the same input again;
// every image a detector sees is new, so the cache would only hold memory (about 16 MB of peak
// RSS in the bench).
sharp.cache(false);

function toBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Read width, height and format from the header only (no pixel decoding), so a caller can
 * refuse a decompression bomb before spending memory on it.
 */
export async function readImageInfo(input: Uint8Array): Promise<ImageInfo> {
  const meta = await readMetadata(input);
  return { width: meta.width, height: meta.height, format: meta.format };
}

interface HeaderMeta extends ImageInfo {
  space: string | undefined;
  orientation: number | undefined;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.byteLength >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/**
 * The accepted format by its magic bytes (JPEG FF D8 FF; PNG's 8-byte signature; TIFF "II*\0"
 * or "MM\0*"; WebP "RIFF....WEBP"), or undefined. Checked before sharp sees the data, so no
 * other parser (libvips' SVG, GIF, HEIF, PDF loaders...) ever runs on an upload.
 */
export function sniffImageFormat(input: Uint8Array): (typeof ACCEPTED_FORMATS)[number] | undefined {
  if (startsWith(input, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(input, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(input, [0x49, 0x49, 0x2a, 0x00]) || startsWith(input, [0x4d, 0x4d, 0x00, 0x2a]))
    return "tiff";
  if (startsWith(input, [0x52, 0x49, 0x46, 0x46]) && startsWith(input, [0x57, 0x45, 0x42, 0x50], 8))
    return "webp";
  return undefined;
}

/** Formats recognised (to name them in the refusal) but never parsed. */
function otherFormat(input: Uint8Array): string | undefined {
  const head = Buffer.from(input.subarray(0, 256)).toString("latin1");
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return "gif";
  if (head.startsWith("BM")) return "bmp";
  if (head.slice(4, 8) === "ftyp") return "heif";
  if (head.startsWith("%PDF")) return "pdf";
  if (/^\s*<(\?xml|svg|!doctype svg)/i.test(head)) return "svg";
  return undefined;
}

async function readMetadata(input: Uint8Array): Promise<HeaderMeta> {
  if (input.byteLength === 0) {
    throw new InferenceError(
      "EMPTY_INPUT",
      `the image is empty (0 bytes); send a ${ACCEPTED_TEXT} file`,
    );
  }
  if (sniffImageFormat(input) === undefined) {
    const other = otherFormat(input);
    throw other
      ? new InferenceError(
          "UNSUPPORTED_IMAGE",
          `${other} images are not accepted; send a ${ACCEPTED_TEXT} file`,
        )
      : new InferenceError(
          "NOT_AN_IMAGE",
          `the data is not an image we can read (unrecognised first bytes); send a ${ACCEPTED_TEXT} file`,
        );
  }
  let meta: Metadata;
  try {
    // limitInputPixels: false here: metadata never decodes pixels, and we report the limit ourselves
    meta = await sharp(toBuffer(input), { limitInputPixels: false }).metadata();
  } catch (e) {
    const png = pngHeader(input);
    if (png) return png;
    throw new InferenceError(
      "NOT_AN_IMAGE",
      `the data is not an image we can read (${errorText(e)}); send a ${ACCEPTED_TEXT} file`,
      { cause: e },
    );
  }
  const format = meta.format as string;
  if (!(ACCEPTED_FORMATS as readonly string[]).includes(format)) {
    throw new InferenceError(
      "UNSUPPORTED_IMAGE",
      `${format} images are not accepted; send a ${ACCEPTED_TEXT} file`,
    );
  }
  if (!meta.width || !meta.height) {
    throw new InferenceError("CORRUPT_IMAGE", "the image header gives no width or height");
  }
  return {
    width: meta.width,
    height: meta.height,
    format,
    space: meta.space,
    orientation: meta.orientation,
  };
}

/** Width and height from a PNG signature + IHDR, for headers libvips refuses to open. */
function pngHeader(input: Uint8Array): HeaderMeta | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (input.byteLength < 24 || sig.some((b, i) => input[i] !== b)) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (String.fromCharCode(...input.subarray(12, 16)) !== "IHDR") return null;
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    format: "png",
    space: undefined,
    orientation: undefined,
  };
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.trim();
}

function checkSize(meta: ImageInfo, maxPixels: number): void {
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new InferenceError(
      "TOO_MANY_PIXELS",
      `the image is ${meta.width}x${meta.height} = ${pixels} pixels; the limit is ${maxPixels}`,
    );
  }
  if (meta.width < MIN_SIDE || meta.height < MIN_SIDE) {
    throw new InferenceError(
      "IMAGE_TOO_SMALL",
      `the image is ${meta.width}x${meta.height}; the detector needs at least ${MIN_SIDE}x${MIN_SIDE} pixels`,
    );
  }
}

/**
 * Decode JPEG, PNG, TIFF or WebP to 8-bit BGR: EXIF orientation applied, grayscale expanded
 * to 3 channels, alpha flattened away, 16-bit scaled to 8-bit. The pixel limit is checked from
 * the header before any decoding (and again by libvips through limitInputPixels).
 *
 * CMYK images are refused (UNSUPPORTED_IMAGE): optical contrast is defined on the camera's RGB,
 * and a CMYK-to-RGB conversion without the capture profile would shift every contrast.
 */
export async function decodeImage(
  input: Uint8Array,
  options: { maxPixels?: number } = {},
): Promise<BgrImage> {
  const rgb = await decodeRgb(input, options);
  swapRedBlue(rgb.data);
  return rgb;
}

/** decodeImage without the final RGB -> BGR swap (the detector does it on the way into its kernels). */
export async function decodeRgb(
  input: Uint8Array,
  options: { maxPixels?: number } = {},
): Promise<{ width: number; height: number; data: Uint8Array }> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const meta = await readMetadata(input);
  checkSize(meta, maxPixels);
  if (meta.space === "cmyk") {
    throw new InferenceError(
      "UNSUPPORTED_IMAGE",
      "CMYK images are not accepted: flake contrast is defined on the camera's RGB; save the image as RGB (sRGB) JPEG, PNG or TIFF",
    );
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(toBuffer(input), {
      limitInputPixels: maxPixels,
      failOn: "truncated",
      sequentialRead: true,
    })
      .autoOrient()
      .flatten()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    const text = errorText(e);
    if (/pixel limit/i.test(text)) {
      throw new InferenceError(
        "TOO_MANY_PIXELS",
        `the image exceeds the pixel limit of ${maxPixels}`,
        {
          cause: e,
        },
      );
    }
    throw new InferenceError(
      "CORRUPT_IMAGE",
      `the ${meta.format} image could not be decoded, it looks truncated or damaged (${text})`,
      { cause: e },
    );
  }
  const { width, height, channels } = raw.info;
  if (channels !== 3) {
    throw new InferenceError(
      "UNSUPPORTED_IMAGE",
      `the image decodes to ${channels} channels; expected RGB or grayscale`,
    );
  }
  return {
    width,
    height,
    data: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length),
  };
}
