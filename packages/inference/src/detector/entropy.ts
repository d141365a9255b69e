import { DISK2, erodeDisk2 } from "./morphology.js";

const MARGIN = 20;

/** cv2.cvtColor(BGR2GRAY) for 8-bit: fixed-point weights with 14 fraction bits, rounded. */
export function grayAt(
  bgr: Uint8Array,
  p: number,
  offsets: readonly [number, number, number] = [0, 1, 2],
): number {
  const i = 3 * p;
  return (
    (bgr[i + offsets[0]]! * 1868 +
      bgr[i + offsets[1]]! * 9617 +
      bgr[i + offsets[2]]! * 4899 +
      8192) >>
    14
  );
}

// log2 c and c log2 c for the counts a disk(2) footprint can hold (0..13)
const LOG2 = Float64Array.from({ length: 14 }, (_, c) => (c > 0 ? Math.log2(c) : 0));
const C_LOG2_C = Float64Array.from({ length: 14 }, (_, c) => (c > 0 ? c * Math.log2(c) : 0));

/**
 * The reference's flake entropy: inside the flake's bounding box grown by 20 px, erode the
 * filled mask twice by disk(2), then average over the eroded mask the local Shannon entropy
 * (bits) of the gray values in a disk(2) footprint, counting only neighbours inside the eroded
 * mask (skimage.filters.rank.entropy with mask). 0 when the eroded mask is empty.
 */
export function meanEntropy(
  bgr: Uint8Array,
  width: number,
  height: number,
  filled: Uint8Array,
  box: { x: number; y: number; w: number; h: number },
  /** where B, G, R sit in each pixel of `bgr` */
  offsets: readonly [number, number, number] = [0, 1, 2],
): number {
  const x0 = Math.max(box.x - MARGIN, 0);
  const y0 = Math.max(box.y - MARGIN, 0);
  const x1 = Math.min(box.x + box.w + MARGIN, width);
  const y1 = Math.min(box.y + box.h + MARGIN, height);
  const rw = x1 - x0;
  const rh = y1 - y0;
  // the filled mask is given over `box`; place it in the region
  const region = new Uint8Array(rw * rh);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      if (filled[y * box.w + x]) region[(y + box.y - y0) * rw + (x + box.x - x0)] = 1;
    }
  }
  const eroded = erodeDisk2(erodeDisk2(region, rw, rh), rw, rh);
  const gray = new Uint8Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      if (eroded[y * rw + x]) gray[y * rw + x] = grayAt(bgr, (y + y0) * width + (x + x0), offsets);
    }
  }
  const counts = new Uint8Array(256);
  const seen = new Int32Array(13);
  const dx = DISK2.map((d) => d[0]);
  const dy = DISK2.map((d) => d[1]);
  const steps = DISK2.map(([ox, oy]) => oy * rw + ox);
  let total = 0;
  let n = 0;
  for (let y = 0; y < rh; y++) {
    const innerY = y >= 2 && y < rh - 2;
    for (let x = 0; x < rw; x++) {
      const p = y * rw + x;
      if (!eroded[p]) continue;
      const inner = innerY && x >= 2 && x < rw - 2;
      let pop = 0;
      let distinct = 0;
      for (let k = 0; k < 13; k++) {
        if (!inner) {
          const qx = x + dx[k]!;
          const qy = y + dy[k]!;
          if (qx < 0 || qy < 0 || qx >= rw || qy >= rh) continue;
        }
        const q = p + steps[k]!;
        if (!eroded[q]) continue;
        const g = gray[q]!;
        if (counts[g] === 0) seen[distinct++] = g;
        counts[g]!++;
        pop++;
      }
      // -sum p log2 p with p = c / pop = log2(pop) - sum(c log2 c) / pop (table lookups)
      let sum = 0;
      for (let i = 0; i < distinct; i++) {
        const g = seen[i]!;
        sum += C_LOG2_C[counts[g]!]!;
        counts[g] = 0;
      }
      const e = pop > 0 ? LOG2[pop]! - sum / pop : 0;
      total += e;
      n++;
    }
  }
  return n > 0 ? total / n : 0;
}
