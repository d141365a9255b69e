/**
 * Outer border following as OpenCV's findContours does it (Suzuki-Abe, the CHAIN_APPROX_NONE
 * path of icvFetchContour): every border pixel in tracing order, so arc length, area, hull and
 * rotated rectangle come out as the reference computes them.
 */

// Chain-code directions in OpenCV order: 0 = +x, then counter-clockwise on screen (y down).
const DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

/** Contour points as interleaved x, y (image coordinates). */
export type Contour = Int32Array;

/**
 * Trace the outer border of the foreground in `mask` (w x h, row-major, nonzero = inside),
 * starting from its first pixel in raster order `start`. The mask must be zero outside the
 * image border: pass a mask padded by one pixel and the offset to subtract.
 */
export function traceOuterContour(
  mask: Uint8Array,
  w: number,
  start: number,
  offsetX = 0,
  offsetY = 0,
): Contour {
  const deltas = [1, -w + 1, -w, -w - 1, -1, w - 1, w, w + 1];
  const d16 = [...deltas, ...deltas];
  let x = (start % w) - offsetX;
  let y = Math.floor(start / w) - offsetY;
  const i0 = start;
  const points: number[] = [];

  // Search clockwise from the left neighbour for the first foreground neighbour.
  let s = 4;
  const sEnd = 4;
  let i1 = i0;
  do {
    s = (s - 1) & 7;
    i1 = i0 + deltas[s]!;
  } while (mask[i1] === 0 && s !== sEnd);

  if (s === sEnd && mask[i1] === 0) {
    return Int32Array.of(x, y); // single pixel
  }

  let i3 = i0;
  for (;;) {
    let i4 = i3;
    // Counter-clockwise from the direction we came from, the first foreground neighbour.
    while (s < 15) {
      i4 = i3 + d16[++s]!;
      if (mask[i4] !== 0) break;
    }
    s &= 7;
    points.push(x, y);
    x += DX[s]!;
    y += DY[s]!;
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return Int32Array.from(points);
}

/** cv2.arcLength(contour, closed=True). */
export function arcLength(c: Contour): number {
  const n = c.length >> 1;
  if (n < 2) return 0;
  let px = c[2 * (n - 1)]!;
  let py = c[2 * (n - 1) + 1]!;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = c[2 * i]!;
    const y = c[2 * i + 1]!;
    const dx = x - px;
    const dy = y - py;
    total += Math.sqrt(dx * dx + dy * dy);
    px = x;
    py = y;
  }
  return total;
}

/** cv2.contourArea (shoelace, unsigned). */
export function polygonArea(c: ArrayLike<number>): number {
  const n = c.length >> 1;
  if (n < 3) return 0;
  let px = c[2 * (n - 1)]!;
  let py = c[2 * (n - 1) + 1]!;
  let a = 0;
  for (let i = 0; i < n; i++) {
    const x = c[2 * i]!;
    const y = c[2 * i + 1]!;
    a += px * y - py * x;
    px = x;
    py = y;
  }
  return Math.abs(a) / 2;
}

/** Convex hull (Andrew's monotone chain), counter-clockwise, no collinear points. */
export function convexHull(c: ArrayLike<number>): Float64Array {
  const n = c.length >> 1;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => c[2 * a]! - c[2 * b]! || c[2 * a + 1]! - c[2 * b + 1]!);
  const pts: number[] = [];
  for (const i of idx) {
    const x = c[2 * i]!;
    const y = c[2 * i + 1]!;
    const m = pts.length;
    if (m >= 2 && pts[m - 2] === x && pts[m - 1] === y) continue;
    pts.push(x, y);
  }
  const m = pts.length >> 1;
  if (m < 3) return Float64Array.from(pts);
  const hull: number[] = [];
  const cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) =>
    (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  const build = (from: number, to: number, step: number) => {
    const base = hull.length;
    for (let i = from; i !== to; i += step) {
      const x = pts[2 * i]!;
      const y = pts[2 * i + 1]!;
      while (
        hull.length - base >= 4 &&
        cross(
          hull[hull.length - 4]!,
          hull[hull.length - 3]!,
          hull[hull.length - 2]!,
          hull[hull.length - 1]!,
          x,
          y,
        ) <= 0
      ) {
        hull.length -= 2;
      }
      hull.push(x, y);
    }
    hull.length -= 2; // last point starts the other chain
  };
  build(0, m, 1);
  build(m - 1, -1, -1);
  return Float64Array.from(hull);
}

export interface RotatedRect {
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** cv2.minAreaRect: the minimum-area rectangle over the hull's edge directions. */
export function minAreaRect(c: ArrayLike<number>): RotatedRect {
  const hull = convexHull(c);
  const n = hull.length >> 1;
  if (n === 0) return { cx: 0, cy: 0, width: 0, height: 0 };
  if (n === 1) return { cx: hull[0]!, cy: hull[1]!, width: 0, height: 0 };
  if (n === 2) {
    const dx = hull[2]! - hull[0]!;
    const dy = hull[3]! - hull[1]!;
    return {
      cx: (hull[0]! + hull[2]!) / 2,
      cy: (hull[1]! + hull[3]!) / 2,
      width: Math.sqrt(dx * dx + dy * dy),
      height: 0,
    };
  }
  let best: RotatedRect = { cx: 0, cy: 0, width: 0, height: 0 };
  let bestArea = Number.POSITIVE_INFINITY;
  for (let e = 0; e < n; e++) {
    const ax = hull[2 * e]!;
    const ay = hull[2 * e + 1]!;
    const bx = hull[2 * ((e + 1) % n)]!;
    const by = hull[2 * ((e + 1) % n) + 1]!;
    const len = Math.hypot(bx - ax, by - ay);
    const ux = (bx - ax) / len;
    const uy = (by - ay) / len;
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const px = hull[2 * i]! - ax;
      const py = hull[2 * i + 1]! - ay;
      const u = px * ux + py * uy;
      const v = -px * uy + py * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = {
        cx: ax + mu * ux - mv * uy,
        cy: ay + mu * uy + mv * ux,
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return best;
}
