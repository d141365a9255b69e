import { InferenceError } from "../errors.js";
import type { CocoRle } from "../flake.js";

/**
 * COCO run-length encoding as pycocotools writes it: runs over the mask in column-major order,
 * starting with a run of zeros, each run written as 6-bit groups (5 data bits + a "more" bit,
 * offset by 48 to printable ASCII); from the fourth run on, the delta against the run two back
 * is written instead (see pycocotools' maskApi.c rleToString / rleFrString).
 */

/** Runs of a row-major h x w mask (nonzero = inside), column-major, starting with zeros. */
export function maskToCounts(mask: Uint8Array, height: number, width: number): number[] {
  if (mask.length !== height * width) {
    throw new InferenceError(
      "BAD_OPTION",
      `mask has ${mask.length} values; expected height x width = ${height * width}`,
    );
  }
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < mask.length; i += width) {
      const v = mask[i] !== 0 ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** Row-major h x w mask (0/1) from column-major runs. */
export function countsToMask(counts: readonly number[], height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  const total = height * width;
  let pos = 0;
  let value = 0;
  for (const run of counts) {
    if (!Number.isInteger(run) || run < 0 || pos + run > total) {
      throw new InferenceError(
        "BAD_OPTION",
        `RLE counts do not fit a ${height}x${width} mask (run ${run} at pixel ${pos})`,
      );
    }
    if (value === 1) {
      for (let k = pos; k < pos + run; k++) {
        // column-major position k -> row-major index
        const x = Math.floor(k / height);
        const y = k - x * height;
        mask[y * width + x] = 1;
      }
    }
    pos += run;
    value ^= 1;
  }
  if (pos !== total) {
    throw new InferenceError(
      "BAD_OPTION",
      `RLE counts cover ${pos} pixels; a ${height}x${width} mask has ${total}`,
    );
  }
  return mask;
}

/** pycocotools rleToString. */
export function countsToString(counts: readonly number[]): string {
  let s = "";
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32); // arithmetic shift, safe beyond 32 bits
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools rleFrString. */
export function stringToCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) {
        throw new InferenceError("BAD_OPTION", "RLE string ends inside a run");
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new InferenceError(
          "BAD_OPTION",
          `RLE string has character ${JSON.stringify(s[p])} at ${p}; expected "0".."o"`,
        );
      }
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

/** Encode a row-major h x w mask (nonzero = inside) as COCO compressed RLE. */
export function encodeRle(mask: Uint8Array, height: number, width: number): CocoRle {
  return { size: [height, width], counts: countsToString(maskToCounts(mask, height, width)) };
}

/** Decode COCO RLE (compressed string or uncompressed counts) to a row-major h x w 0/1 mask. */
export function decodeRle(rle: {
  size: readonly [number, number] | number[];
  counts: string | readonly number[];
}): Uint8Array {
  const [height, width] = rle.size as [number, number];
  const counts = typeof rle.counts === "string" ? stringToCounts(rle.counts) : rle.counts;
  return countsToMask(counts, height, width);
}
