import { deflateSync } from "node:zlib";
import sharp from "sharp";

/** A BGR image (row-major, interleaved) with a uniform background and filled rectangles. */
export function bgrImage(
  width: number,
  height: number,
  background: [number, number, number],
  rects: { x: number; y: number; w: number; h: number; bgr: [number, number, number] }[] = [],
): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(background, p * 3);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) data.set(r.bgr, (y * width + x) * 3);
    }
  }
  return data;
}

/** Lossless PNG of a BGR image. */
export async function png(bgr: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const rgb = Buffer.from(bgr);
  for (let i = 0; i < rgb.length; i += 3) {
    const b = rgb[i]!;
    rgb[i] = rgb[i + 2]!;
    rgb[i + 2] = b;
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The colour of a layer of given contrast on a background: round(bg * (1 + contrast)). */
export function layerColour(
  background: [number, number, number],
  contrast: readonly [number, number, number],
): [number, number, number] {
  return [0, 1, 2].map((c) => Math.round(background[c]! * (1 + contrast[c]!))) as [
    number,
    number,
    number,
  ];
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PNG that is only a signature and an IHDR chunk (valid CRC) claiming width x height. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const out = new Uint8Array(8 + 25);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  view.setUint32(8, 13);
  out.set([0x49, 0x48, 0x44, 0x52], 12); // "IHDR"
  view.setUint32(16, width);
  view.setUint32(20, height);
  out.set([8, 2, 0, 0, 0], 24); // 8-bit RGB, deflate, no filter, no interlace
  view.setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(
    [...type].map((c) => c.charCodeAt(0)),
    4,
  );
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A 16-bit RGB PNG, every pixel (r, g, b) in 16-bit units, written by hand. */
export function png16(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr.set([16, 2, 0, 0, 0], 8);
  const rowBytes = 1 + width * 6;
  const rows = new Uint8Array(rowBytes * height);
  const rv = new DataView(rows.buffer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) rv.setUint16(y * rowBytes + 1 + x * 6 + c * 2, rgb[c]!);
    }
  }
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}
