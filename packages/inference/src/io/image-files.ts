import sharp from "sharp";
import type { BgrImage } from "../types.js";

/** Encoding BGR images and label masks as image files (PNG, JPEG). */

export function bgrToRgb(image: BgrImage): Buffer {
  const { width, height, data } = image;
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[p * 3] = data[p * 3 + 2]!;
    rgb[p * 3 + 1] = data[p * 3 + 1]!;
    rgb[p * 3 + 2] = data[p * 3]!;
  }
  return rgb;
}

export type ImageFormat = "png" | "jpg";

export function encodeBgr(image: BgrImage, format: ImageFormat): Promise<Buffer> {
  const s = sharp(bgrToRgb(image), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  return format === "png"
    ? s.png().toBuffer()
    : s.jpeg({ quality: 95, chromaSubsampling: "4:4:4" }).toBuffer();
}

/** An 8-bit grayscale PNG whose pixel value is the layer index (0 = background). */
export function encodeLabelPng(labels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(labels.buffer, labels.byteOffset, labels.length), {
    raw: { width, height, channels: 1 },
  })
    .toColourspace("b-w") // else libvips writes 3 identical channels
    .png()
    .toBuffer();
}
