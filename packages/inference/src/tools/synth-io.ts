import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CocoFile } from "../io/coco.js";
import { encodeBgr, encodeLabelPng, type ImageFormat } from "../io/image-files.js";
import { encodeRle } from "../io/rle.js";
import { type SynthDictionary, type SynthImage, synthesize } from "./synth.js";

/**
 * Files for synthetic images and layer masks: what `flakeops-detect synth` writes, with the
 * ground truth also as COCO (annotations.json: one RLE annotation per flake, category = layer)
 * for `calibrate --coco` and `evaluate`.
 */

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
  /** Bright crystals with halos per image (see synthesize). */
  halos?: number;
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
  const coco: CocoFile = { images: [], annotations: [], categories: [] };
  for (let i = 0; i < o.count; i++) {
    const seed = imageSeed(o.seed, i);
    const s = synthesize({
      width: o.width,
      height: o.height,
      seed,
      dictionary: o.dictionary,
      halos: o.halos,
    });
    layerNames = s.layerNames;
    const stem = `synth-${String(i).padStart(4, "0")}`;
    const image = `${stem}.${o.format}`;
    const mask = `${stem}.mask.png`;
    await writeFile(join(o.out, image), await encodeBgr(s.image, o.format));
    await writeFile(join(o.out, mask), await encodeLabelPng(s.labels, o.width, o.height));
    addToCoco(coco, s, image, i + 1);
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
  coco.categories = layerNames.map((name, k) => ({ id: k + 1, name }));
  await writeFile(join(o.out, "annotations.json"), `${JSON.stringify(coco)}\n`);
  return manifest;
}

/** One synthetic image's flakes as COCO annotations (exact masks, compressed RLE). */
export function addToCoco(coco: CocoFile, s: SynthImage, fileName: string, imageId: number): void {
  const { width, height } = s.image;
  coco.images.push({ id: imageId, file_name: fileName, width, height });
  s.flakes.forEach((flake, i) => {
    const mask = new Uint8Array(width * height);
    let area = 0;
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let p = 0; p < mask.length; p++) {
      if (s.instances[p] !== i + 1) continue;
      mask[p] = 1;
      area++;
      const x = p % width;
      const y = (p - x) / width;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    if (area === 0) return; // covered entirely by earlier flakes
    coco.annotations.push({
      id: coco.annotations.length + 1,
      image_id: imageId,
      category_id: s.layerNames.indexOf(flake.layer) + 1,
      segmentation: encodeRle(mask, height, width),
      area,
      bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
      iscrowd: 0,
    });
  });
}
