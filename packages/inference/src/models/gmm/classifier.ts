import type { ModelRef, PixelClassifier } from "../../types.js";
import { type LayerGaussian, parseContrastDict } from "./contrast-dict.js";

/**
 * The 2DMatGMM contrast classifier: a pixel takes the layer whose Gaussian is nearest in
 * Mahalanobis distance, if that distance is below the standard-deviation threshold.
 * Arithmetic follows the reference: contrast = float32(value / float32 background) - 1 in double,
 * distance through the inverse Cholesky factor in double, stored as float32.
 */
export class GmmClassifier implements PixelClassifier {
  readonly classes: readonly string[];
  readonly layers: readonly LayerGaussian[];
  /** Rough resident size, for the registry's memory budget. */
  readonly memoryBytes = 4096;

  constructor(
    readonly ref: ModelRef,
    contrastDict: unknown,
    /** names the dictionary in errors, e.g. its file */
    what = `contrast dictionary of ${ref.id}`,
  ) {
    this.layers = parseContrastDict(contrastDict, what);
    this.classes = this.layers.map((l) => l.name);
  }

  /** Class of one contrast triple (b, g, r), or -1. */
  classifyOne(cb: number, cg: number, cr: number, stdThreshold: number): number {
    let best = -1;
    let bestDist = Number.POSITIVE_INFINITY;
    const maxSq = stdThreshold * stdThreshold;
    for (let k = 0; k < this.layers.length; k++) {
      const { mean, invChol: m } = this.layers[k]!;
      const d0 = mean[0] - cb;
      const d1 = mean[1] - cg;
      const d2 = mean[2] - cr;
      const t0 = d0 * m[0]!;
      let sq = t0 * t0;
      if (sq > maxSq) continue;
      const t1 = d0 * m[3]! + d1 * m[4]!;
      sq += t1 * t1;
      if (sq > maxSq) continue;
      const t2 = d0 * m[6]! + d1 * m[7]! + d2 * m[8]!;
      sq += t2 * t2;
      const dist = Math.fround(Math.sqrt(sq));
      if (dist < stdThreshold && dist < bestDist) {
        bestDist = dist;
        best = k;
      }
    }
    return best;
  }

  async classify(contrast: Float32Array, options: { stdThreshold: number }): Promise<Int8Array> {
    const n = Math.floor(contrast.length / 3);
    const out = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.classifyOne(
        contrast[3 * i]!,
        contrast[3 * i + 1]!,
        contrast[3 * i + 2]!,
        options.stdThreshold,
      );
    }
    return out;
  }

  /**
   * Per channel, for each 8-bit value, the bit set of layers whose ellipsoid's projection on
   * that channel (mean +- t * sigma, with a hair of slack) holds the value's contrast. A pixel
   * with no common bit over its three channels is outside every ellipsoid: background for sure.
   */
  channelLuts(
    background: readonly [number, number, number],
    stdThreshold: number,
  ): [Uint32Array, Uint32Array, Uint32Array] {
    const make = (c: number) => {
      const lut = new Uint32Array(256);
      const bg = Math.fround(background[c]!);
      for (let v = 0; v < 256; v++) {
        const x = Math.fround(v / bg) - 1;
        let bits = 0;
        this.layers.forEach((l, k) => {
          const half = stdThreshold * Math.sqrt(l.covariance[c]![c]!) * (1 + 1e-6) + 1e-9;
          if (Math.abs(x - l.mean[c]!) <= half) bits |= 1 << (k & 31);
        });
        lut[v] = this.layers.length > 32 ? 0xffffffff : bits;
      }
      return lut;
    };
    return [make(0), make(1), make(2)];
  }

  /**
   * Labels (0 = background, k + 1 = layer k) of a median-filtered BGR image, testing only the
   * given candidate pixels; also returns the labelled pixels in ascending order.
   */
  labelCandidates(
    bgr: Uint8Array,
    candidates: ArrayLike<number>,
    background: readonly [number, number, number],
    stdThreshold: number,
    /** an all-zero array of one value per pixel to fill (default a new one) */
    into?: Uint8Array,
    /** where B, G, R sit in each pixel of `bgr` (default B, G, R order) */
    offsets: readonly [number, number, number] = [0, 1, 2],
  ): { labels: Uint8Array; pixels: Int32Array } {
    const [ob, og, or] = offsets;
    const labels = into ?? new Uint8Array(bgr.length / 3);
    const contrastOf = [0, 1, 2].map((c) => {
      const bg = Math.fround(background[c]!);
      return Float64Array.from({ length: 256 }, (_, v) => Math.fround(v / bg) - 1);
    }) as [Float64Array, Float64Array, Float64Array];
    const pixels = new Int32Array(candidates.length);
    let n = 0;
    // neighbouring candidates often share their values: remember the last answer
    let lastKey = -1;
    let lastK = -1;
    for (let i = 0; i < candidates.length; i++) {
      const p = candidates[i]!;
      const b = bgr[3 * p + ob]!;
      const g = bgr[3 * p + og]!;
      const r = bgr[3 * p + or]!;
      const key = (b << 16) | (g << 8) | r;
      if (key !== lastKey) {
        lastKey = key;
        lastK = this.classifyOne(
          contrastOf[0][b]!,
          contrastOf[1][g]!,
          contrastOf[2][r]!,
          stdThreshold,
        );
      }
      if (lastK >= 0) {
        labels[p] = lastK + 1;
        pixels[n++] = p;
      }
    }
    return { labels, pixels: pixels.subarray(0, n) };
  }

  /** Plain-TypeScript labelling of a whole image (the reference for the WebAssembly path). */
  labelImage(
    bgr: Uint8Array,
    background: readonly [number, number, number],
    stdThreshold: number,
  ): Uint8Array {
    const [lb, lg, lr] = this.channelLuts(background, stdThreshold);
    const candidates: number[] = [];
    for (let p = 0, i = 0; i < bgr.length; p++, i += 3) {
      if ((lb[bgr[i]!]! & lg[bgr[i + 1]!]! & lr[bgr[i + 2]!]!) !== 0) candidates.push(p);
    }
    return this.labelCandidates(bgr, candidates, background, stdThreshold).labels;
  }
}
