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
 * label value, the list of its opened pixels (unsorted). Typed arrays throughout: no garbage.
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
  const w = width;
  const offsets = DISK2.map(([dx, dy]) => dy * w + dx);
  const eroded = new Int32Array(pixels.length);
  let ne = 0;
  const perLayer = new Int32Array(layerCount + 2);
  for (let n = 0; n < pixels.length; n++) {
    const p = pixels[n]!;
    const k = labels[p]!;
    perLayer[k]!++;
    const x = p % width;
    const y = (p - x) / width;
    let keep = true;
    if (x >= 2 && y >= 2 && x < width - 2 && y < height - 2) {
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
    if (keep) eroded[ne++] = p;
  }
  // an opened layer is a subset of the layer: each list fits in the layer's pixel count
  const start = new Int32Array(layerCount + 2);
  for (let k = 1; k <= layerCount + 1; k++) start[k] = start[k - 1]! + perLayer[k - 1]!;
  const fill = start.slice();
  const out = new Int32Array(pixels.length);
  for (let n = 0; n < ne; n++) {
    const p = eroded[n]!;
    const k = labels[p]!;
    const x = p % width;
    const y = (p - x) / width;
    if (x >= 2 && y >= 2 && x < width - 2 && y < height - 2) {
      for (let i = 0; i < 13; i++) {
        const q = p + offsets[i]!;
        if (opened[q] === 0) {
          opened[q] = k;
          out[fill[k]!++] = q;
        }
      }
    } else {
      for (const [dx, dy] of DISK2) {
        const qx = x + dx;
        const qy = y + dy;
        if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
        const q = qy * width + qx;
        if (opened[q] === 0) {
          opened[q] = k;
          out[fill[k]!++] = q;
        }
      }
    }
  }
  const lists: Int32Array[] = [];
  for (let k = 0; k <= layerCount; k++) lists.push(out.subarray(start[k]!, fill[k]!));
  return { opened, lists };
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
