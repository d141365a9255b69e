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

const f32 = Math.fround;

/**
 * cv2.minAreaRect: OpenCV's rotating calipers, ported with its single-precision arithmetic and
 * its tie-breaking (the last of equal areas wins), over the hull in OpenCV's order (from the
 * leftmost point, along the smaller-y side first), so the truncated centre matches too.
 */
export function minAreaRect(c: ArrayLike<number>): RotatedRect {
  const ccw = convexHull(c);
  const n = ccw.length >> 1;
  if (n === 0) return { cx: 0, cy: 0, width: 0, height: 0 };
  if (n === 1) return { cx: ccw[0]!, cy: ccw[1]!, width: 0, height: 0 };
  if (n === 2) {
    const dx = ccw[2]! - ccw[0]!;
    const dy = ccw[3]! - ccw[1]!;
    return {
      cx: f32(f32(ccw[0]! + ccw[2]!) * 0.5),
      cy: f32(f32(ccw[1]! + ccw[3]!) * 0.5),
      width: f32(Math.sqrt(dx * dx + dy * dy)),
      height: 0,
    };
  }
  // OpenCV's order: from the leftmost (then lowest y) point, along the smaller-y side first
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    px[i] = ccw[2 * i]!;
    py[i] = ccw[2 * i + 1]!;
  }
  return rotatingCalipers(px, py, n);
}

function rotatingCalipers(px: Float64Array, py: Float64Array, n: number): RotatedRect {
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  const inv = new Float64Array(n);
  let left = 0;
  let bottom = 0;
  let right = 0;
  let top = 0;
  let leftX = px[0]!;
  let rightX = px[0]!;
  let topY = py[0]!;
  let bottomY = py[0]!;
  for (let i = 0; i < n; i++) {
    const x0 = px[i]!;
    const y0 = py[i]!;
    if (x0 < leftX) {
      leftX = x0;
      left = i;
    }
    if (x0 > rightX) {
      rightX = x0;
      right = i;
    }
    if (y0 > topY) {
      topY = y0;
      top = i;
    }
    if (y0 < bottomY) {
      bottomY = y0;
      bottom = i;
    }
    const next = i + 1 < n ? i + 1 : 0;
    const dx = px[next]! - x0;
    const dy = py[next]! - y0;
    vx[i] = f32(dx);
    vy[i] = f32(dy);
    inv[i] = f32(1 / Math.sqrt(dx * dx + dy * dy));
  }
  let orientation = 0;
  {
    let ax = vx[n - 1]!;
    let ay = vy[n - 1]!;
    for (let i = 0; i < n; i++) {
      const bx = vx[i]!;
      const by = vy[i]!;
      const convexity = ax * by - ay * bx;
      if (convexity !== 0) {
        orientation = convexity > 0 ? 1 : -1;
        break;
      }
      ax = bx;
      ay = by;
    }
  }
  let baseA = orientation;
  let baseB = 0;
  const seq = [bottom, right, top, left];
  let minArea = 3.4028234663852886e38;
  let best = { left: 0, a: 0, width: 0, b: 0, height: 0, bottom: 0 };
  for (let k = 0; k < n; k++) {
    const s0 = seq[0]!;
    const s1 = seq[1]!;
    const s2 = seq[2]!;
    const s3 = seq[3]!;
    const dp0 = f32(f32(baseA * vx[s0]!) + f32(baseB * vy[s0]!));
    const dp1 = f32(f32(-baseB * vx[s1]!) + f32(baseA * vy[s1]!));
    const dp2 = f32(f32(-baseA * vx[s2]!) - f32(baseB * vy[s2]!));
    const dp3 = f32(f32(baseB * vx[s3]!) - f32(baseA * vy[s3]!));
    let maxcos = f32(dp0 * inv[s0]!);
    let main = 0;
    const c1 = f32(dp1 * inv[s1]!);
    if (c1 > maxcos) {
      main = 1;
      maxcos = c1;
    }
    const c2 = f32(dp2 * inv[s2]!);
    if (c2 > maxcos) {
      main = 2;
      maxcos = c2;
    }
    const c3 = f32(dp3 * inv[s3]!);
    if (c3 > maxcos) {
      main = 3;
      maxcos = c3;
    }
    const p = seq[main]!;
    const leadX = f32(vx[p]! * inv[p]!);
    const leadY = f32(vy[p]! * inv[p]!);
    if (main === 0) {
      baseA = leadX;
      baseB = leadY;
    } else if (main === 1) {
      baseA = leadY;
      baseB = -leadX;
    } else if (main === 2) {
      baseA = -leadX;
      baseB = -leadY;
    } else {
      baseA = -leadY;
      baseB = leadX;
    }
    seq[main] = seq[main]! + 1 === n ? 0 : seq[main]! + 1;

    let dx = f32(px[seq[1]!]! - px[seq[3]!]!);
    let dy = f32(py[seq[1]!]! - py[seq[3]!]!);
    const width = f32(f32(dx * baseA) + f32(dy * baseB));
    dx = f32(px[seq[2]!]! - px[seq[0]!]!);
    dy = f32(py[seq[2]!]! - py[seq[0]!]!);
    const height = f32(f32(-dx * baseB) + f32(dy * baseA));
    const area = f32(width * height);
    if (area <= minArea) {
      minArea = area;
      best = { left: seq[3]!, a: baseA, width, b: baseB, height, bottom: seq[0]! };
    }
  }
  const A1 = best.a;
  const B1 = best.b;
  const A2 = -best.b;
  const B2 = best.a;
  const C1 = f32(f32(A1 * px[best.left]!) + f32(py[best.left]! * B1));
  const C2 = f32(f32(A2 * px[best.bottom]!) + f32(py[best.bottom]! * B2));
  const idet = f32(1 / f32(f32(A1 * B2) - f32(A2 * B1)));
  const ox = f32(f32(f32(C1 * B2) - f32(C2 * B1)) * idet);
  const oy = f32(f32(f32(A1 * C2) - f32(A2 * C1)) * idet);
  const v1x = f32(A1 * best.width);
  const v1y = f32(B1 * best.width);
  const v2x = f32(A2 * best.height);
  const v2y = f32(B2 * best.height);
  return {
    cx: f32(ox + f32(f32(v1x + v2x) * 0.5)),
    cy: f32(oy + f32(f32(v1y + v2y) * 0.5)),
    width: f32(Math.sqrt(v1x * v1x + v1y * v1y)),
    height: f32(Math.sqrt(v2x * v2x + v2y * v2y)),
  };
}
