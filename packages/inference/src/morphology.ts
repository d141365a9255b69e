/**
 * Binary morphology with skimage's disk(2) (rows 00100 01110 11111 01110 00100), with OpenCV's
 * default borders: erosion treats outside pixels as set, dilation as unset.
 */
export const DISK2: readonly (readonly [number, number])[] = [
  [0, -2],
  [-1, -1],
  [0, -1],
  [1, -1],
  [-2, 0],
  [-1, 0],
  [0, 0],
  [1, 0],
  [2, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
  [0, 2],
];

/**
 * Opening of every layer of a label image (0 = none, k = layer) by disk(2), sparse: only the
 * listed pixels (all pixels with a label) are visited. Returns the opened label image and, per
 * label value, the list of its opened pixels (unsorted).
 */
export function openLabels(
  labels: Uint8Array,
  width: number,
  height: number,
  pixels: Int32Array,
  layerCount: number,
  /** an all-zero array the size of `labels` to fill (default a new one) */
  into?: Uint8Array,
): { opened: Uint8Array; lists: Int32Array[] } {
  const opened = into ?? new Uint8Array(labels.length);
  const eroded: number[] = [];
  for (let n = 0; n < pixels.length; n++) {
    const p = pixels[n]!;
    const k = labels[p]!;
    const x = p % width;
    const y = (p - x) / width;
    let keep = true;
    if (x >= 2 && y >= 2 && x < width - 2 && y < height - 2) {
      // interior fast path
      const w = width;
      keep =
        labels[p - 2 * w] === k &&
        labels[p - w - 1] === k &&
        labels[p - w] === k &&
        labels[p - w + 1] === k &&
        labels[p - 2] === k &&
        labels[p - 1] === k &&
        labels[p + 1] === k &&
        labels[p + 2] === k &&
        labels[p + w - 1] === k &&
        labels[p + w] === k &&
        labels[p + w + 1] === k &&
        labels[p + 2 * w] === k;
    } else {
      for (const [dx, dy] of DISK2) {
        const qx = x + dx;
        const qy = y + dy;
        if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
        if (labels[qy * width + qx] !== k) {
          keep = false;
          break;
        }
      }
    }
    if (keep) eroded.push(p);
  }
  const grown: number[][] = Array.from({ length: layerCount + 1 }, () => []);
  for (const p of eroded) {
    const k = labels[p]!;
    const list = grown[k]!;
    const x = p % width;
    const y = (p - x) / width;
    for (const [dx, dy] of DISK2) {
      const qx = x + dx;
      const qy = y + dy;
      if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
      const q = qy * width + qx;
      if (opened[q] === 0) {
        opened[q] = k;
        list.push(q);
      }
    }
  }
  return { opened, lists: grown.map((l) => Int32Array.from(l)) };
}

/** Erode a local binary mask (w x h, nonzero = set) by disk(2); outside counts as set. */
export function erodeDisk2(mask: Uint8Array, width: number, height: number) {
  const out = new Uint8Array(mask.length);
  const w = width;
  for (let y = 0; y < height; y++) {
    const inner = y >= 2 && y < height - 2;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (mask[p] === 0) continue;
      let keep = true;
      if (inner && x >= 2 && x < width - 2) {
        keep =
          mask[p - 2 * w] !== 0 &&
          mask[p - w - 1] !== 0 &&
          mask[p - w] !== 0 &&
          mask[p - w + 1] !== 0 &&
          mask[p - 2] !== 0 &&
          mask[p - 1] !== 0 &&
          mask[p + 1] !== 0 &&
          mask[p + 2] !== 0 &&
          mask[p + w - 1] !== 0 &&
          mask[p + w] !== 0 &&
          mask[p + w + 1] !== 0 &&
          mask[p + 2 * w] !== 0;
      } else {
        for (let k = 0; k < DISK2.length; k++) {
          const qx = x + DISK2[k]![0];
          const qy = y + DISK2[k]![1];
          if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
          if (mask[qy * width + qx] === 0) {
            keep = false;
            break;
          }
        }
      }
      if (keep) out[p] = 1;
    }
  }
  return out;
}
