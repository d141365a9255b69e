import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import type { Flake } from "../src/flake.js";
import { countsToMask, countsToString, decodeRle, stringToCounts } from "../src/io/rle.js";
import { NO_SHARED_DATA, SHARED_DATA } from "./shared-data.js";

interface RefFlake {
  thickness: string;
  size: number;
  center: [number, number];
  min_sidelength: number;
  max_sidelength: number;
  mean_contrast: [number, number, number];
  false_positive_probability: number;
  entropy: number;
  mask_rle: { size: [number, number]; counts: number[] };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

const reference: Record<string, { background_bgr: number[]; flakes: RefFlake[] }> = SHARED_DATA
  ? JSON.parse(readFileSync(join(SHARED_DATA, "reference/graphene-2dmatgmm.json"), "utf8"))
  : {};

describe.skipIf(!SHARED_DATA)("parity with 2DMatGMM on the shared graphene images", () => {
  if (!SHARED_DATA) console.warn(NO_SHARED_DATA);
  const names = Object.keys(reference);

  it("has the 8 reference images", () => {
    expect(names).toHaveLength(8);
  });

  it.each(names)("%s", async (name) => {
    const ref = reference[name]!;
    const bytes = readFileSync(join(SHARED_DATA!, "images/graphene", name));
    const result = await detectImage(bytes);
    for (let c = 0; c < 3; c++) {
      expect(result.background_bgr[c]).toBeCloseTo(ref.background_bgr[c]!, 3);
    }
    expect(result.flakes.length).toBe(ref.flakes.length);

    const [h, w] = ref.flakes[0]?.mask_rle.size ?? [1200, 1920];
    const ours = result.flakes.map((f) => ({ flake: f, mask: decodeRle(f.mask) }));
    const used = new Set<number>();
    for (const rf of ref.flakes) {
      const refMask = countsToMask(rf.mask_rle.counts, h, w);
      // our encoder on the reference's runs round-trips through pycocotools' string form
      expect(stringToCounts(countsToString(rf.mask_rle.counts))).toEqual(rf.mask_rle.counts);
      let best = -1;
      let bestIou = 0;
      ours.forEach((o, i) => {
        if (used.has(i) || o.flake.thickness !== rf.thickness) return;
        const v = iou(o.mask, refMask);
        if (v > bestIou) {
          bestIou = v;
          best = i;
        }
      });
      expect(
        best,
        `no flake of layer ${rf.thickness} matches the one at ${rf.center}`,
      ).toBeGreaterThanOrEqual(0);
      used.add(best);
      const f: Flake = ours[best]!.flake;
      expect(bestIou).toBeGreaterThanOrEqual(0.95);
      // beyond the tolerances: the integer figures come out exactly as the reference's
      expect([f.size, ...f.center]).toEqual([rf.size, ...rf.center]);
      if (bestIou === 1) {
        // the same mask: our string is pycocotools' encoding of the reference's runs
        expect(f.mask.counts).toBe(countsToString(rf.mask_rle.counts));
      }
      expect(Math.abs(f.size - rf.size) / rf.size).toBeLessThanOrEqual(0.02);
      expect(Math.abs(f.center[0] - rf.center[0])).toBeLessThanOrEqual(2);
      expect(Math.abs(f.center[1] - rf.center[1])).toBeLessThanOrEqual(2);
      expect(
        Math.abs(f.min_sidelength - rf.min_sidelength) / rf.min_sidelength,
      ).toBeLessThanOrEqual(0.03);
      expect(
        Math.abs(f.max_sidelength - rf.max_sidelength) / rf.max_sidelength,
      ).toBeLessThanOrEqual(0.03);
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(f.mean_contrast[c]! - rf.mean_contrast[c]!)).toBeLessThanOrEqual(0.005);
      }
      expect(
        Math.abs(f.false_positive_probability - rf.false_positive_probability),
      ).toBeLessThanOrEqual(0.02);
      expect(Math.abs(f.entropy - rf.entropy)).toBeLessThanOrEqual(0.01);
    }
  });
});
