/** Polygon rasterising, shared by synthetic images and COCO polygon annotations. */

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
