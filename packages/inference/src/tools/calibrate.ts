import { InferenceError } from "../errors.js";
import type { ContrastDict } from "../models/gmm/contrast-dict.js";
import {
  addCalibrationImage,
  type CalibrateOptions,
  type CalibrationResult,
  type CalibrationSums,
  checkLayerNames,
  emptyCalibrationSums,
  fitCalibration,
} from "../pool/calibration.js";
import type { BgrImage } from "../types.js";

/**
 * Calibration: fit a contrast dictionary (per-layer mean and covariance of contrast) from a
 * few images with layer-labelled masks, so a new material or microscope needs only 5-10
 * labelled images. The fit works on per-layer sums (pool/calibration.ts), so an image can be
 * dropped once added: `CalibrationAccumulator` holds one image at a time, and the API adds
 * images in pool workers.
 */

export type { CalibrateOptions, CalibrationResult, LayerFit } from "../pool/calibration.js";

export interface CalibrationSample {
  image: BgrImage;
  /** width x height, row-major: 0 = background, k = layerNames[k - 1]. */
  labels: Uint8Array;
  /** Names the sample in errors (e.g. its file name). */
  name?: string;
}

/** Images added one at a time (each may be dropped after `add`), then `fit`. */
export class CalibrationAccumulator {
  private readonly sums: CalibrationSums;
  private added = 0;

  constructor(
    private readonly layerNames: readonly string[],
    private readonly options: CalibrateOptions = {},
  ) {
    checkLayerNames(layerNames);
    this.sums = emptyCalibrationSums(layerNames.length);
  }

  add(sample: CalibrationSample): void {
    this.added++;
    const what = sample.name ?? `image ${this.added}`;
    addCalibrationImage(
      this.sums,
      sample.image,
      sample.labels,
      this.layerNames,
      what,
      this.options.erode,
    );
  }

  fit(): CalibrationResult {
    if (this.added === 0) {
      throw new InferenceError("BAD_OPTION", "calibration needs at least one labelled image");
    }
    return fitCalibration(this.sums, this.layerNames, this.options);
  }
}

/** Fit a contrast dictionary; see calibrateDetailed for per-layer pixel counts. */
export function calibrate(
  samples: readonly CalibrationSample[],
  layerNames: readonly string[],
  options: CalibrateOptions = {},
): ContrastDict {
  return calibrateDetailed(samples, layerNames, options).dictionary;
}

export function calibrateDetailed(
  samples: readonly CalibrationSample[],
  layerNames: readonly string[],
  options: CalibrateOptions = {},
): CalibrationResult {
  const acc = new CalibrationAccumulator(layerNames, options);
  if (samples.length === 0) {
    throw new InferenceError("BAD_OPTION", "calibration needs at least one labelled image");
  }
  for (const sample of samples) acc.add(sample);
  return acc.fit();
}
