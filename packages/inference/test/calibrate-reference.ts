import { backgroundFromHistograms, channelHistograms } from "../src/detector/background.js";
import { erodeDisk2 } from "../src/detector/morphology.js";
import { medianBlur5 } from "../src/kernels/median.js";
import type { BgrImage } from "../src/types.js";

/**
 * An independent fit for the calibration tests: the same contrasts (the detector's median
 * filter, background and erosion), but each layer's pixels collected and fitted in two passes
 * (mean, then the sample covariance about it) instead of the library's running sums, so the
 * library's sum-based fit is checked against textbook arithmetic.
 */
export interface ReferenceLayer {
  mean: number[];
  covariance: number[][];
  pixels: number;
  images: number;
}

export function twoPassFit(
  samples: readonly { image: BgrImage; labels: Uint8Array }[],
  layerNames: readonly string[],
  erode = true,
): Map<string, ReferenceLayer> {
  const points = layerNames.map(() => [] as number[][]);
  const images = layerNames.map(() => 0);
  for (const { image, labels } of samples) {
    const { width, height } = image;
    const filtered = medianBlur5(image.data, width, height);
    const bg = backgroundFromHistograms(channelHistograms(filtered)).map((b) => Math.fround(b));
    layerNames.forEach((_, j) => {
      let mask = Uint8Array.from(labels, (v) => (v === j + 1 ? 1 : 0));
      if (erode) mask = erodeDisk2(mask, width, height);
      const before = points[j]!.length;
      for (let p = 0; p < mask.length; p++) {
        if (mask[p])
          points[j]!.push([0, 1, 2].map((c) => Math.fround(filtered[p * 3 + c]! / bg[c]!) - 1));
      }
      if (points[j]!.length > before) images[j]!++;
    });
  }
  const fits = new Map<string, ReferenceLayer>();
  layerNames.forEach((name, j) => {
    const xs = points[j]!;
    if (xs.length === 0) return;
    const mean = [0, 1, 2].map((c) => xs.reduce((s, x) => s + x[c]!, 0) / xs.length);
    const covariance = [0, 1, 2].map((c) =>
      [0, 1, 2].map(
        (d) =>
          xs.reduce((s, x) => s + (x[c]! - mean[c]!) * (x[d]! - mean[d]!), 0) /
          Math.max(1, xs.length - 1),
      ),
    );
    fits.set(name, { mean, covariance, pixels: xs.length, images: images[j]! });
  });
  return fits;
}
