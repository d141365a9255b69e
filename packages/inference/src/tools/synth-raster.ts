/** Rasterising for synthetic images: a region-limited Gaussian blur (polygon fill is geometry/polygon.ts). */

/** A rectangle [x0, y0, x1, y1] (inclusive) where the clean image is not plain background. */
export type Region = [number, number, number, number];

/**
 * Separable Gaussian blur of an interleaved 3-channel float image (borders replicated),
 * computed only inside `regions` grown by the kernel radius: elsewhere every pixel in reach
 * has the background colour, which a normalised kernel leaves unchanged.
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  sigma: number,
  regions: readonly Region[],
): Float32Array {
  if (!(sigma > 0)) return src;
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = kernel.reduce((s, v) => s + v, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  const tmp = Float32Array.from(src);
  const out = Float32Array.from(src);
  for (const [rx0, ry0, rx1, ry1] of regions) {
    const x0 = Math.max(0, rx0 - radius);
    const x1 = Math.min(width - 1, rx1 + radius);
    // Horizontal pass over rows a further radius up and down, for the vertical pass to read.
    const y0 = Math.max(0, ry0 - 2 * radius);
    const y1 = Math.min(height - 1, ry1 + 2 * radius);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = Math.min(width - 1, Math.max(0, x + k));
            s += kernel[k + radius]! * src[(y * width + xx) * 3 + c]!;
          }
          tmp[(y * width + x) * 3 + c] = s;
        }
      }
    }
    for (let y = Math.max(0, ry0 - radius); y <= Math.min(height - 1, ry1 + radius); y++) {
      for (let x = x0; x <= x1; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let k = -radius; k <= radius; k++) {
            const yy = Math.min(height - 1, Math.max(0, y + k));
            s += kernel[k + radius]! * tmp[(yy * width + x) * 3 + c]!;
          }
          out[(y * width + x) * 3 + c] = s;
        }
      }
    }
  }
  return out;
}
