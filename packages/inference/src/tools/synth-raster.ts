/** Rasterising for synthetic images: polygon fill and a region-limited Gaussian blur. */

/** Even-odd scanline fill, sampling at pixel centres. */
export function fillPolygon(
  polygon: readonly (readonly [number, number])[],
  width: number,
  height: number,
  visit: (x: number, y: number) => void,
): void {
  const ys = polygon.map((p) => p[1]);
  const top = Math.max(0, Math.floor(Math.min(...ys)));
  const bottom = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  const xs: number[] = [];
  for (let y = top; y <= bottom; y++) {
    const sy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < polygon.length; i++) {
      const [ax, ay] = polygon[i]!;
      const [bx, by] = polygon[(i + 1) % polygon.length]!;
      if (ay <= sy !== by <= sy) xs.push(ax + ((sy - ay) / (by - ay)) * (bx - ax));
    }
    xs.sort((u, v) => u - v);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) visit(x, y);
    }
  }
}

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
