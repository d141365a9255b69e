import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import type { BgrImage } from "./models.js";
import { type SynthDictionary, type SynthImage, synthesize } from "./synth.js";

/** Files for synthetic images and layer masks: what `flakeops-detect synth` writes. */

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

export interface SynthManifestEntry {
  image: string;
  mask: string;
  seed: number;
  width: number;
  height: number;
  background_bgr: [number, number, number];
  flakes: SynthImage["flakes"];
}

export interface SynthManifest {
  generator: "flakeops-detect synth";
  seed: number;
  /** Mask pixel value k means layer layerNames[k - 1]; 0 is background. */
  layerNames: string[];
  images: SynthManifestEntry[];
}

export interface WriteSynthOptions {
  out: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  dictionary?: SynthDictionary;
  onImage?: (done: number) => void;
}

/** Per-image seed: distinct for every (seed, index) pair in practice. */
export function imageSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 2654435761) + index * 40503 + 1) >>> 0;
}

export async function writeSynthSet(o: WriteSynthOptions): Promise<SynthManifest> {
  await mkdir(o.out, { recursive: true });
  const images: SynthManifestEntry[] = [];
  let layerNames: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const seed = imageSeed(o.seed, i);
    const s = synthesize({ width: o.width, height: o.height, seed, dictionary: o.dictionary });
    layerNames = s.layerNames;
    const stem = `synth-${String(i).padStart(4, "0")}`;
    const image = `${stem}.${o.format}`;
    const mask = `${stem}.mask.png`;
    await writeFile(join(o.out, image), await encodeBgr(s.image, o.format));
    await writeFile(join(o.out, mask), await encodeLabelPng(s.labels, o.width, o.height));
    images.push({
      image,
      mask,
      seed,
      width: o.width,
      height: o.height,
      background_bgr: s.background,
      flakes: s.flakes,
    });
    o.onImage?.(i + 1);
  }
  const manifest: SynthManifest = {
    generator: "flakeops-detect synth",
    seed: o.seed,
    layerNames,
    images,
  };
  await writeFile(join(o.out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
