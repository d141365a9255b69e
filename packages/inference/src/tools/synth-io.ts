import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeBgr, encodeLabelPng, type ImageFormat } from "../io/image-files.js";
import { type SynthDictionary, type SynthImage, synthesize } from "./synth.js";

/** Files for synthetic images and layer masks: what `flakeops-detect synth` writes. */

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
