import { backgroundFromHistograms, channelHistograms } from "../detector/background.js";
import { erodeDisk2 } from "../detector/morphology.js";
import { InferenceError } from "../errors.js";
import { medianBlur5 } from "../kernels/median.js";
import { type ContrastDict, parseContrastDict } from "../models/gmm/contrast-dict.js";
import type { BgrImage } from "../types.js";

/**
 * Calibration as sufficient statistics: a Gaussian's maximum-likelihood fit (mean, sample
 * covariance) needs only each layer's pixel count, sum and sum of outer products, so images
 * are added one at a time (in a pool worker or in this thread) and only these few numbers
 * travel. Adding images in the same order into the same sums performs the same floating-point
 * operations as summing over all of them at once, so the fit is bit-for-bit the same wherever
 * the images were added. Lives here, below tools/, because the pool's worker adds images.
 */

export interface CalibrateOptions {
  /**
   * Erode each layer's mask by the radius-2 disk before sampling, so blurred rims between
   * layers do not widen the covariance (default true).
   */
  erode?: boolean;
  /** Fewest pixels a layer needs (default 30). */
  minPixels?: number;
  /** Leave layers without any labelled pixel out of the dictionary instead of failing. */
  skipMissing?: boolean;
}

export interface LayerFit {
  name: string;
  pixels: number;
  images: number;
}

export interface CalibrationResult {
  dictionary: ContrastDict;
  layers: LayerFit[];
  /** Layers left out because no mask labels them (with skipMissing). */
  skipped: string[];
}

/** Per layer j (0-based): count, sum x_c, sum x_c x_d, images contributing. Doubles. */
export interface CalibrationSums {
  n: Float64Array;
  s1: Float64Array;
  s2: Float64Array;
  images: Uint32Array;
}

export function emptyCalibrationSums(layers: number): CalibrationSums {
  return {
    n: new Float64Array(layers),
    s1: new Float64Array(layers * 3),
    s2: new Float64Array(layers * 9),
    images: new Uint32Array(layers),
  };
}

export function checkLayerNames(layerNames: readonly string[]): void {
  const k = layerNames.length;
  if (k === 0 || k > 127 || new Set(layerNames).size !== k) {
    throw new InferenceError("BAD_OPTION", "calibration needs 1-127 distinct layer names");
  }
}

/**
 * Add one image's labelled pixels (labels: 0 = background, j = layer j, 1..layerNames.length)
 * to `sums`. Contrast is computed exactly as the detector sees it: the 5x5 median-filtered
 * image over the background from its histogram mode.
 */
export function addCalibrationImage(
  sums: CalibrationSums,
  image: BgrImage,
  labels: Uint8Array,
  layerNames: readonly string[],
  what: string,
  erode = true,
): void {
  const k = layerNames.length;
  const { width, height } = image;
  if (labels.length !== width * height) {
    throw new InferenceError(
      "BAD_OPTION",
      `${what}: the mask has ${labels.length} pixels; the image is ${width}x${height} = ${width * height}`,
    );
  }
  for (let p = 0; p < labels.length; p++) {
    if (labels[p]! > k) {
      throw new InferenceError(
        "BAD_OPTION",
        `${what}: mask value ${labels[p]} at pixel (${p % width}, ${Math.floor(p / width)}) but only ${k} layer names (${layerNames.join(", ")}); mask values are 0 (background) or 1-${k}`,
      );
    }
  }
  const { n, s1, s2, images } = sums;
  const filtered = medianBlur5(image.data, width, height);
  const bg = backgroundFromHistograms(channelHistograms(filtered)).map((b) => Math.fround(b));
  for (let layer = 1; layer <= k; layer++) {
    let mask = new Uint8Array(labels.length);
    let any = false;
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] === layer) {
        mask[p] = 1;
        any = true;
      }
    }
    if (!any) continue;
    if (erode) mask = erodeDisk2(mask, width, height);
    let used = 0;
    const j = layer - 1;
    for (let p = 0; p < mask.length; p++) {
      if (!mask[p]) continue;
      const x = [0, 1, 2].map((c) => Math.fround(filtered[p * 3 + c]! / bg[c]!) - 1);
      n[j]!++;
      for (let c = 0; c < 3; c++) {
        s1[j * 3 + c]! += x[c]!;
        for (let d = 0; d < 3; d++) s2[j * 9 + c * 3 + d]! += x[c]! * x[d]!;
      }
      used++;
    }
    if (used > 0) images[j]!++;
  }
}

/** Mean and sample covariance per layer from the sums, checked by the registry's validator. */
export function fitCalibration(
  sums: CalibrationSums,
  layerNames: readonly string[],
  options: CalibrateOptions = {},
): CalibrationResult {
  const minPixels = options.minPixels ?? 30;
  const { n, s1, s2, images } = sums;
  const dictionary: ContrastDict = {};
  const layers: LayerFit[] = [];
  const skipped: string[] = [];
  for (let j = 0; j < layerNames.length; j++) {
    const name = layerNames[j]!;
    const count = n[j]!;
    if (count === 0 && options.skipMissing) {
      skipped.push(name);
      continue;
    }
    if (count < minPixels) {
      throw new InferenceError(
        "BAD_OPTION",
        `layer "${name}" has ${count} usable labelled pixels (after erosion); at least ${minPixels} are needed: label more or larger flakes of it, or leave it out`,
      );
    }
    const mean = [0, 1, 2].map((c) => s1[j * 3 + c]! / count);
    const cov = [0, 1, 2].map((c) =>
      [0, 1, 2].map(
        (d) => (s2[j * 9 + c * 3 + d]! - count * mean[c]! * mean[d]!) / Math.max(1, count - 1),
      ),
    );
    // Exact symmetry (the sums are symmetric; this removes rounding differences).
    for (let c = 0; c < 3; c++) for (let d = 0; d < c; d++) cov[d]![c] = cov[c]![d]!;
    dictionary[name] = {
      contrast: { b: round(mean[0]!), g: round(mean[1]!), r: round(mean[2]!) },
      covariance_matrix: cov,
    };
    layers.push({ name, pixels: count, images: images[j]! });
  }
  // The registry's own validator: what we write must load as a GMM model.
  try {
    parseContrastDict(dictionary, "the calibrated contrast dictionary");
  } catch (e) {
    throw new InferenceError(
      "BAD_OPTION",
      `${e instanceof Error ? e.message : String(e)} (the labelled pixels of a layer are too uniform or too few to fit a covariance)`,
      { cause: e },
    );
  }
  if (layers.length === 0) {
    throw new InferenceError(
      "BAD_OPTION",
      "no layer has labelled pixels: every mask is background (0)",
    );
  }
  return { dictionary, layers, skipped };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
