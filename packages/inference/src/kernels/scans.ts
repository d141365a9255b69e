import { layout } from "./instance.js";

/** The detector's scans over an image, run in the kernels module: median, histograms, candidates. */

/** Byte offsets of B, G and R within a pixel: [0, 1, 2] for BGR data, [2, 1, 0] for RGB. */
export type ChannelOffsets = readonly [number, number, number];
export const BGR: ChannelOffsets = [0, 1, 2];
export const RGB: ChannelOffsets = [2, 1, 0];

export interface MedianAndHistograms {
  /**
   * The median-filtered image in the input's channel order (a view into the kernels' memory:
   * valid until the next call on this thread).
   */
  median: Uint8Array;
  /** where B, G and R sit in each pixel of `median` */
  offsets: ChannelOffsets;
  /** B, G and R histograms of the median image */
  histograms: [Uint32Array, Uint32Array, Uint32Array];
  /** pixel indices whose B, G, R values all share a bit in `luts` (B, G, R lookup tables) */
  candidates(luts: readonly [Uint32Array, Uint32Array, Uint32Array]): Int32Array;
}

/**
 * 5x5 median (replicated border) of an interleaved 3-channel image, and its channel
 * histograms. The filter treats channels alike, so RGB input ("rgb") is filtered as it is and
 * the offsets say where each channel sits: no swap needed.
 */
export function medianAndHistograms(
  bgr: Uint8Array,
  width: number,
  height: number,
  order: "bgr" | "rgb" = "bgr",
): MedianAndHistograms {
  const L = layout(width, height);
  const { k, rowBytes, stride } = L;
  const mem = new Uint8Array(k.mem.buffer);
  // padded copy: 2 replicated pixels left and right, 2 replicated rows on top and 3 below
  // (the third for the row pair of an odd last row)
  for (let py = 0; py < height + 5; py++) {
    const sy = py < 2 ? 0 : py >= height + 2 ? height - 1 : py - 2;
    const row = bgr.subarray(sy * rowBytes, sy * rowBytes + rowBytes);
    const at = L.src + py * stride;
    mem.set(row, at + 6);
    for (let c = 0; c < 3; c++) {
      const first = row[c]!;
      const last = row[rowBytes - 3 + c]!;
      mem[at + c] = first;
      mem[at + 3 + c] = first;
      mem[at + 6 + rowBytes + c] = last;
      mem[at + 9 + rowBytes + c] = last;
    }
  }
  k.median5(L.src, stride, L.tmp, L.dst, rowBytes, rowBytes, height);
  const buf = k.mem.buffer;
  const sets = new Uint32Array(buf, L.hist, 4 * 768);
  sets.fill(0);
  const pixels = width * height;
  const four = pixels >> 2;
  k.histograms(L.dst, four, L.hist);
  const hist: [Uint32Array, Uint32Array, Uint32Array] = [
    new Uint32Array(256),
    new Uint32Array(256),
    new Uint32Array(256),
  ];
  for (let c = 0; c < 3; c++) {
    const h = hist[c]!;
    for (let v = 0; v < 256; v++) {
      const at = c * 256 + v;
      h[v] = sets[at]! + sets[768 + at]! + sets[1536 + at]! + sets[2304 + at]!;
    }
  }
  const median = new Uint8Array(buf, L.dst, rowBytes * height);
  for (let p = four * 4; p < pixels; p++) {
    for (let c = 0; c < 3; c++) hist[c]![median[3 * p + c]!]!++;
  }
  const offsets = order === "rgb" ? RGB : BGR;
  // channel m of the memory layout holds colour byChannel[m] (0 = B, 1 = G, 2 = R)
  const byChannel = [0, 1, 2].map((m) => offsets.indexOf(m));
  return {
    median,
    offsets,
    histograms: [hist[offsets[0]]!, hist[offsets[1]]!, hist[offsets[2]]!],
    candidates(bgrLuts) {
      const luts = byChannel.map((colour) => bgrLuts[colour]!);
      const lut = new Uint32Array(buf, L.lut, 768);
      lut.set(luts[0]!, 0);
      lut.set(luts[1]!, 256);
      lut.set(luts[2]!, 512);
      // the block test watches one channel: the one whose candidate range [lo, hi] holds the
      // fewest pixels (the histogram says how many)
      let best = -1;
      let bestCount = Number.POSITIVE_INFINITY;
      const ranges: [number, number][] = [];
      for (let c = 0; c < 3; c++) {
        const l = luts[c]!;
        let lo = 0;
        while (lo < 256 && l[lo] === 0) lo++;
        let hi = 255;
        while (hi >= 0 && l[hi] === 0) hi--;
        ranges.push([lo, hi]);
        if (lo > hi) return new Int32Array(0); // no value of this channel can be a layer
        let count = 0;
        for (let v = lo; v <= hi; v++) count += hist[c]![v]!;
        if (count < bestCount) {
          bestCount = count;
          best = c;
        }
      }
      const [lo, hi] = ranges[best]!;
      const pattern = new Uint8Array(buf, L.pat, 144);
      for (let t = 0; t < 3; t++) {
        for (let lane = 0; lane < 16; lane++) {
          const mine = (16 * t + lane) % 3 === best;
          pattern[48 * t + lane] = lo;
          pattern[48 * t + 16 + lane] = hi - lo;
          pattern[48 * t + 32 + lane] = mine ? 0xff : 0;
        }
      }
      const blocks = Math.floor(pixels / 16);
      let n = k.candidates(L.dst, blocks, L.lut, L.list, L.pat);
      const list = new Int32Array(buf, L.list, pixels);
      for (let p = blocks * 16; p < pixels; p++) {
        if (
          (lut[median[3 * p]!]! &
            lut[256 + median[3 * p + 1]!]! &
            lut[512 + median[3 * p + 2]!]!) !==
          0
        ) {
          list[n++] = p;
        }
      }
      return list.subarray(0, n);
    },
  };
}

/**
 * Run the kernels a few times on a small image, so that a fresh thread's first real image
 * finds them compiled by the optimising tier (V8 starts WebAssembly on its baseline compiler,
 * about twice as slow here, and tiers up functions once they have run enough).
 */
export function warmUpKernels(): void {
  const side = 256;
  const image = new Uint8Array(side * side * 3);
  for (let i = 0; i < image.length; i++) image[i] = (i * 7919) % 251;
  const none = new Uint32Array(256);
  for (let i = 0; i < 3; i++)
    medianAndHistograms(image, side, side, "rgb").candidates([none, none, none]);
}
