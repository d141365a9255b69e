/**
 * 4-connected components of one label value, numbered in raster order of their first pixel
 * (as cv2.connectedComponents numbers them).
 */
export interface Component {
  /** pixel indices, the first one is the component's first pixel in raster order */
  pixels: Int32Array;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * `pixels` lists every pixel holding `value`; visited pixels are set to 0 in `labels` (which
 * is consumed), so no full-size visited map is needed.
 */
export function components4(
  labels: Uint8Array,
  width: number,
  height: number,
  value: number,
  pixels: Int32Array,
): Component[] {
  const sorted = Int32Array.from(pixels).sort();
  const out: Component[] = [];
  const stack = new Int32Array(pixels.length + 1);
  const members = new Int32Array(pixels.length + 1);
  for (const start of sorted) {
    if (labels[start] !== value) continue;
    labels[start] = 0;
    let top = 0;
    let count = 0;
    stack[top++] = start;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    while (top > 0) {
      const p = stack[--top]!;
      members[count++] = p;
      const x = p % width;
      const y = (p - x) / width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      if (x > 0 && labels[p - 1] === value) {
        labels[p - 1] = 0;
        stack[top++] = p - 1;
      }
      if (x < width - 1 && labels[p + 1] === value) {
        labels[p + 1] = 0;
        stack[top++] = p + 1;
      }
      if (y > 0 && labels[p - width] === value) {
        labels[p - width] = 0;
        stack[top++] = p - width;
      }
      if (y < height - 1 && labels[p + width] === value) {
        labels[p + width] = 0;
        stack[top++] = p + width;
      }
    }
    const arr = members.slice(0, count); // members[0] is start, the first in raster order
    out.push({ pixels: arr, x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 });
  }
  return out;
}

/**
 * A component's mask over its bounding box padded by one pixel on every side (so contour
 * tracing never leaves it), and the same with holes filled: every pixel not reachable from the
 * padding through 4-connected background, which is what drawing the outer contour filled gives.
 */
export function componentMasks(
  c: Component,
  width: number,
): {
  padded: Uint8Array;
  pw: number;
  ph: number;
  filled: Uint8Array;
} {
  const pw = c.w + 2;
  const ph = c.h + 2;
  const padded = new Uint8Array(pw * ph);
  for (const p of c.pixels) {
    const x = p % width;
    const y = (p - x) / width;
    padded[(y - c.y + 1) * pw + (x - c.x + 1)] = 1;
  }
  // flood the outside from the padding corner, 4-connected
  const outside = new Uint8Array(pw * ph);
  const stack = new Int32Array(pw * ph);
  let top = 0;
  stack[top++] = 0;
  outside[0] = 1;
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % pw;
    if (x > 0 && !outside[p - 1] && !padded[p - 1]) {
      outside[p - 1] = 1;
      stack[top++] = p - 1;
    }
    if (x < pw - 1 && !outside[p + 1] && !padded[p + 1]) {
      outside[p + 1] = 1;
      stack[top++] = p + 1;
    }
    if (p >= pw && !outside[p - pw] && !padded[p - pw]) {
      outside[p - pw] = 1;
      stack[top++] = p - pw;
    }
    if (p + pw < pw * ph && !outside[p + pw] && !padded[p + pw]) {
      outside[p + pw] = 1;
      stack[top++] = p + pw;
    }
  }
  const filled = new Uint8Array(c.w * c.h);
  for (let y = 0; y < c.h; y++) {
    for (let x = 0; x < c.w; x++) {
      filled[y * c.w + x] = outside[(y + 1) * pw + x + 1] ? 0 : 1;
    }
  }
  return { padded, pw, ph, filled };
}

/** Column-major COCO runs of a mask given over a box of a width x height image. */
export function boxMaskCounts(
  filled: Uint8Array,
  box: { x: number; y: number; w: number; h: number },
  width: number,
  height: number,
): number[] {
  const counts: number[] = [];
  let cur = 0;
  let last = 0;
  const y1 = box.y + box.h - 1;
  for (let bx = 0; bx < box.w; bx++) {
    const x = box.x + bx;
    for (let by = 0; by < box.h; by++) {
      const v = filled[by * box.w + bx]!;
      if (v !== cur) {
        const pos = x * height + box.y + by;
        counts.push(pos - last);
        last = pos;
        cur = v;
      }
    }
    const continuesIntoNextColumn = box.y === 0 && y1 === height - 1 && bx + 1 < box.w;
    const end = x * height + y1 + 1;
    if (cur === 1 && !continuesIntoNextColumn && end < width * height) {
      const pos = end;
      counts.push(pos - last);
      last = pos;
      cur = 0;
    }
  }
  counts.push(width * height - last);
  return counts;
}
