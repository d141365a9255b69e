import type { Flake } from "../flake.js";
import type { BgrImage, InstanceSegmenter } from "../types.js";
import { components4 } from "./components.js";
import { type FlakeStepsInput, flakeOf } from "./flakes.js";

/**
 * MaskTerial's combination: a segmentation model proposes instances; each one scoring at least
 * scoreThreshold and of at least sizeThreshold pixels takes the classifier's majority class
 * over its pixels (background counted as a class), kept when that class is a layer holding at
 * least minClassOccupancy of the instance. Its largest 4-connected part becomes the flake.
 */
export async function segmentAndClassify(
  image: BgrImage,
  segmenter: InstanceSegmenter,
  input: FlakeStepsInput,
  options: { scoreThreshold: number; minClassOccupancy: number },
): Promise<Flake[]> {
  const { width, height, labels, classes, sizeThreshold } = input;
  const instances = await (
    segmenter.segment as (
      i: BgrImage,
      o?: { minScore?: number },
    ) => ReturnType<InstanceSegmenter["segment"]>
  ).call(segmenter, image, { minScore: options.scoreThreshold });
  const flakes: Flake[] = [];
  for (const inst of instances) {
    if (inst.score < options.scoreThreshold) continue;
    const votes = new Uint32Array(classes.length + 1);
    const members: number[] = [];
    for (let p = 0; p < inst.mask.length; p++) {
      if (inst.mask[p] === 0) continue;
      members.push(p);
      votes[labels[p]!]!++;
    }
    if (members.length < sizeThreshold) continue;
    let best = 0;
    for (let k = 1; k < votes.length; k++) if (votes[k]! > votes[best]!) best = k;
    if (best === 0 || votes[best]! / members.length < options.minClassOccupancy) continue;
    const mask = new Uint8Array(width * height);
    for (const p of members) mask[p] = 1;
    const parts = components4(mask, width, height, 1, Int32Array.from(members));
    let largest = parts[0];
    for (const c of parts) if (c.pixels.length > (largest?.pixels.length ?? 0)) largest = c;
    if (!largest || largest.pixels.length < sizeThreshold) continue;
    flakes.push(flakeOf(input, largest, classes[best - 1]!));
  }
  return flakes;
}
