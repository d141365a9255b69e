import { backgroundFromHistograms, channelHistograms } from "../src/detector/background.js";
import { erodeDisk2 } from "../src/detector/morphology.js";
import { InferenceError } from "../src/errors.js";
import { medianBlur5 } from "../src/kernels/median.js";
import { type ContrastDict, parseContrastDict } from "../src/models/gmm/contrast-dict.js";
import type { BgrImage } from "../src/types.js";

/**
 * The calibration fit as it was before it worked on per-image sums (every sample in memory,
 * summed in one pass), kept verbatim as the reference the refactored fit must equal bit for
 * bit: CalibrationAccumulator, calibrateDetailed and DetectorPool.calibrate.
 */

export interface CalibrationSample {
  image: BgrImage;
  /** width x height, row-major: 0 = background, k = layerNames[k - 1]. */
  labels: Uint8Array;
  /** Names the sample in errors (e.g. its file name). */
  name?: string;
}

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

export function referenceCalibrateDetailed(
  samples: readonly CalibrationSample[],
  layerNames: readonly string[],
  options: CalibrateOptions = {},
): CalibrationResult {
  const k = layerNames.length;
  if (k === 0 || k > 127 || new Set(layerNames).size !== k) {
    throw new InferenceError("BAD_OPTION", "calibration needs 1-127 distinct layer names");
  }
  if (samples.length === 0) {
    throw new InferenceError("BAD_OPTION", "calibration needs at least one labelled image");
  }
  const erode = options.erode ?? true;
  const minPixels = options.minPixels ?? 30;
  // Sums in double: count, sum x_c, sum x_c x_d.
  const n = new Float64Array(k);
  const s1 = new Float64Array(k * 3);
  const s2 = new Float64Array(k * 9);
  const images = new Uint32Array(k);

  samples.forEach((sample, index) => {
    const { image, labels } = sample;
    const what = sample.name ?? `image ${index + 1}`;
    const { width, height } = image;
    if (labels.length !== width * height) {
      throw new InferenceError(
        "BAD_OPTION",
        `${what}: the mask has ${labels.length} pixels; the image is ${width}x${height} = ${width * height}`,
      );
    }
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
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        const x = [0, 1, 2].map((c) => Math.fround(filtered[p * 3 + c]! / bg[c]!) - 1);
        const j = layer - 1;
        n[j]!++;
        for (let c = 0; c < 3; c++) {
          s1[j * 3 + c]! += x[c]!;
          for (let d = 0; d < 3; d++) s2[j * 9 + c * 3 + d]! += x[c]! * x[d]!;
        }
        used++;
      }
      if (used > 0) images[layer - 1]!++;
    }
    for (let p = 0; p < labels.length; p++) {
      if (labels[p]! > k) {
        throw new InferenceError(
          "BAD_OPTION",
          `${what}: mask value ${labels[p]} at pixel (${p % width}, ${Math.floor(p / width)}) but only ${k} layer names (${layerNames.join(", ")}); mask values are 0 (background) or 1-${k}`,
        );
      }
    }
  });

  const dictionary: ContrastDict = {};
  const layers: LayerFit[] = [];
  const skipped: string[] = [];
  for (let j = 0; j < k; j++) {
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
