import { medianAndHistograms } from "./scans.js";

/**
 * 5x5 median filter of an interleaved 3-channel 8-bit image with replicated borders
 * (cv2.medianBlur(img, 5)). Plain TypeScript, a sliding histogram per channel and row
 * (Huang): the reference implementation the fast path is tested against.
 */
export function medianBlur5Reference(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const hist = new Int32Array(256);
  const clampX = (x: number) => (x < 0 ? 0 : x >= width ? width - 1 : x);
  const clampY = (y: number) => (y < 0 ? 0 : y >= height ? height - 1 : y);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      hist.fill(0);
      const rows = [-2, -1, 0, 1, 2].map((d) => clampY(y + d) * width);
      for (let dx = -2; dx <= 2; dx++) {
        const x = clampX(dx);
        for (const r of rows) hist[src[(r + x) * 3 + c]!]!++;
      }
      // median tracked as value m with `below` = count of values < m
      let m = 0;
      let below = 0;
      while (below + hist[m]! < 13) {
        below += hist[m]!;
        m++;
      }
      out[y * width * 3 + c] = m;
      for (let x = 1; x < width; x++) {
        const xo = clampX(x - 3);
        const xi = clampX(x + 2);
        for (const r of rows) {
          const vo = src[(r + xo) * 3 + c]!;
          const vi = src[(r + xi) * 3 + c]!;
          hist[vo]!--;
          if (vo < m) below--;
          hist[vi]!++;
          if (vi < m) below++;
        }
        while (below > 12) {
          m--;
          below -= hist[m]!;
        }
        while (below + hist[m]! < 13) {
          below += hist[m]!;
          m++;
        }
        out[(y * width + x) * 3 + c] = m;
      }
    }
  }
  return out;
}

/** The 5x5 median used by the detector (WebAssembly SIMD), as a new array. */
export function medianBlur5(src: Uint8Array, width: number, height: number): Uint8Array {
  return medianAndHistograms(src, width, height).median.slice();
}
