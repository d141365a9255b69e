import type { Flake } from "../flake.js";
import { minAreaRect, traceOuterContour } from "../geometry/contour.js";
import { countsToString } from "../io/rle.js";
import { boxMaskCounts, type Component, componentMasks, components4 } from "./components.js";
import { edgeRejections, type RejectionReason } from "./edges.js";
import { meanEntropy } from "./entropy.js";
import { falsePositiveProbability } from "./fp.js";
import { openLabels } from "./morphology.js";

export interface FlakeStepsInput {
  /** median-filtered BGR image */
  bgr: Uint8Array;
  width: number;
  height: number;
  /** 0 = background, k + 1 = class k */
  labels: Uint8Array;
  classes: readonly string[];
  background: readonly [number, number, number];
  sizeThreshold: number;
  /** every labelled pixel, if the caller has the list (else found by a scan of `labels`) */
  pixels?: Int32Array;
  /** an all-zero scratch array the size of `labels`, handed back all zero (default a new one) */
  scratch?: Uint8Array;
  /** where B, G, R sit in each pixel of `bgr` (default B, G, R order) */
  offsets?: readonly [number, number, number];
  /** Apply the bright-edge filter (detector/edges.ts); off by default, for parity. */
  rejectBrightEdges?: boolean;
  /** Where rejected flakes go, with why, when the caller wants them. */
  rejected?: RejectedFlake[];
}

/** A flake a filter removed, and which rules removed it. */
export type RejectedFlake = Flake & { rejected_by: RejectionReason[] };

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Indices of all labelled pixels. */
export function labelledPixels(labels: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) out[j++] = i;
  return out;
}

/**
 * Every step after pixel classification, as the reference does it per layer: opening by
 * disk(2), skip the layer under the size threshold, 4-connected components of at least the
 * size threshold, then each component's flake.
 */
export function flakesFromLabels(input: FlakeStepsInput): Flake[] {
  const { labels, width, height, classes, sizeThreshold } = input;
  const pixels = input.pixels ?? labelledPixels(labels);
  const { opened, lists } = openLabels(
    labels,
    width,
    height,
    pixels,
    classes.length,
    input.scratch,
  );
  const flakes: Flake[] = [];
  try {
    for (let k = 0; k < classes.length; k++) {
      const list = lists[k + 1]!;
      if (list.length < sizeThreshold || list.length === 0) continue;
      for (const comp of components4(opened, width, height, k + 1, list)) {
        if (comp.pixels.length < sizeThreshold) continue;
        const reasons = input.rejectBrightEdges ? edgeRejections(input, comp) : [];
        if (reasons.length === 0) flakes.push(flakeOf(input, comp, classes[k]!));
        else input.rejected?.push({ ...flakeOf(input, comp, classes[k]!), rejected_by: reasons });
      }
    }
  } finally {
    // hand the scratch back all zero (components4 zeroed what it visited)
    for (const list of lists) for (let i = 0; i < list.length; i++) opened[list[i]!] = 0;
  }
  return flakes;
}

/** Per channel, the contrast of each 8-bit value: float32(v / float32 background) - 1. */
export function contrastLuts(
  background: readonly [number, number, number],
): [Float64Array, Float64Array, Float64Array] {
  const lut = (c: number) => {
    const bg = Math.fround(background[c]!);
    const out = new Float64Array(256);
    for (let v = 0; v < 256; v++) out[v] = Math.fround(v / bg) - 1;
    return out;
  };
  return [lut(0), lut(1), lut(2)];
}

/** One component's flake: filled mask, contrast, rotated rectangle, fp probability, entropy. */
export function flakeOf(input: FlakeStepsInput, comp: Component, thickness: string): Flake {
  const { bgr, width, height, background } = input;
  const offsets = input.offsets ?? ([0, 1, 2] as const);
  const [ob, og, or] = offsets;
  const { padded, pw, filled } = componentMasks(comp, width);
  const startX = (comp.pixels[0]! % width) - comp.x + 1;
  const startY = Math.floor(comp.pixels[0]! / width) - comp.y + 1;
  const local = traceOuterContour(padded, pw, startY * pw + startX);
  const contour = new Int32Array(local.length);
  for (let i = 0; i < local.length; i += 2) {
    contour[i] = local[i]! + comp.x - 1;
    contour[i + 1] = local[i + 1]! + comp.y - 1;
  }

  // mean contrast over the filled mask, contrast = float32(v / bg) - 1
  const [lb, lg, lr] = contrastLuts(background);
  let sb = 0;
  let sg = 0;
  let sr = 0;
  let n = 0;
  for (let y = 0; y < comp.h; y++) {
    for (let x = 0; x < comp.w; x++) {
      if (!filled[y * comp.w + x]) continue;
      const p = ((comp.y + y) * width + comp.x + x) * 3;
      sb += lb[bgr[p + ob]!]!;
      sg += lg[bgr[p + og]!]!;
      sr += lr[bgr[p + or]!]!;
      n++;
    }
  }
  const sums = [sb, sg, sr] as const;
  const meanContrast: [number, number, number] = [
    round(sums[0]! / n, 4),
    round(sums[1]! / n, 4),
    round(sums[2]! / n, 4),
  ];

  const rect = minAreaRect(contour);
  const minSide = Math.min(rect.width, rect.height);
  const maxSide = Math.max(rect.width, rect.height);
  const box = { x: comp.x, y: comp.y, w: comp.w, h: comp.h };
  return {
    thickness,
    size: comp.pixels.length,
    center: [Math.trunc(rect.cx), Math.trunc(rect.cy)],
    min_sidelength: round(minSide, 2),
    max_sidelength: round(maxSide, 2),
    aspect_ratio: minSide > 0 ? round(maxSide / minSide, 2) : 0,
    mean_contrast: meanContrast,
    false_positive_probability: falsePositiveProbability(contour),
    entropy: round(meanEntropy(bgr, width, height, filled, box, offsets), 4),
    bbox: [comp.x, comp.y, comp.w, comp.h],
    mask: {
      size: [height, width],
      counts: countsToString(boxMaskCounts(filled, box, width, height)),
    },
  };
}
