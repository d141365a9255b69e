import { InferenceError } from "../errors.js";

const MIN_VALUE = 20;
const MAX_VALUE = 230;
const MODE_RADIUS = 5;

/**
 * Background colour per channel, as the reference computes it on the median-filtered image:
 * the mode of the histogram of values in [20, 230], then the mean of the values in
 * [mode - 5, mode + 5] clipped to [20, 230], stored as float32.
 */
export function backgroundFromHistograms(
  hist: readonly Uint32Array[] | readonly Float64Array[],
): [number, number, number] {
  const out: number[] = [];
  for (let c = 0; c < 3; c++) {
    const h = hist[c]!;
    let mode = -1;
    let best = 0;
    for (let v = MIN_VALUE; v <= MAX_VALUE; v++) {
      if (h[v]! > best) {
        best = h[v]!;
        mode = v;
      }
    }
    if (mode < 0) {
      throw new InferenceError(
        "NO_BACKGROUND",
        `no background found: channel ${"BGR"[c]} has no value in [${MIN_VALUE}, ${MAX_VALUE}] (all-white, all-black or saturated frame); the detector needs a visible substrate`,
      );
    }
    let sum = 0;
    let count = 0;
    for (
      let v = Math.max(MIN_VALUE, mode - MODE_RADIUS);
      v <= Math.min(MAX_VALUE, mode + MODE_RADIUS);
      v++
    ) {
      sum += v * h[v]!;
      count += h[v]!;
    }
    out.push(Math.fround(sum / count));
  }
  return out as [number, number, number];
}

/** Per-channel 256-bin histograms of an interleaved BGR image. */
export function channelHistograms(bgr: Uint8Array): [Uint32Array, Uint32Array, Uint32Array] {
  const hb = new Uint32Array(256);
  const hg = new Uint32Array(256);
  const hr = new Uint32Array(256);
  const n = bgr.length;
  for (let i = 0; i < n; i += 3) {
    hb[bgr[i]!]!++;
    hg[bgr[i + 1]!]!++;
    hr[bgr[i + 2]!]!++;
  }
  return [hb, hg, hr];
}
