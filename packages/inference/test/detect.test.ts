import { describe, expect, it } from "vitest";
import {
  DEFAULT_MODEL_ID,
  decodeRle,
  detectImage,
  FP_LOGISTIC,
  GRAPHENE_CONTRAST_DICT,
  InferenceError,
} from "../src/index.js";
import { bgrImage, layerColour, png } from "./fixtures.js";

const W = 200;
const H = 160;
const BG: [number, number, number] = [150, 100, 110];
const mean = (layer: keyof typeof GRAPHENE_CONTRAST_DICT) => {
  const c = GRAPHENE_CONTRAST_DICT[layer].contrast;
  return [c.b, c.g, c.r] as const;
};
const L1 = layerColour(BG, mean("1")); // [139, 86, 95]

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InferenceError);
    return (e as InferenceError).code;
  }
  return "resolved";
}

/** A w x h rectangle at (x, y) without the 3 pixels per corner that the 5x5 median rounds off. */
function roundedRect(x0: number, y0: number, w: number, h: number, imageW: number, imageH: number) {
  const mask = new Uint8Array(imageW * imageH);
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const dx = Math.min(x - x0, x0 + w - 1 - x);
      const dy = Math.min(y - y0, y0 + h - 1 - y);
      if (dx + dy >= 2) mask[y * imageW + x] = 1;
    }
  }
  return mask;
}

describe("detectImage on drawn flakes", () => {
  it("finds a monolayer rectangle with the exact figures", async () => {
    expect(L1).toEqual([139, 86, 95]);
    const bytes = await png(bgrImage(W, H, BG, [{ x: 60, y: 50, w: 30, h: 20, bgr: L1 }]), W, H);
    const result = await detectImage(bytes);
    expect(result.model).toBe(DEFAULT_MODEL_ID);
    expect([result.width, result.height]).toEqual([W, H]);
    expect(result.background_bgr).toEqual([150, 100, 110]);
    expect(result.flakes).toHaveLength(1);
    const f = result.flakes[0]!;
    // the median rounds each corner by 3 pixels: 600 - 12
    expect(f.size).toBe(588);
    expect(f.thickness).toBe("1");
    expect(f.bbox).toEqual([60, 50, 30, 20]);
    // rotated rectangle over pixel centres: 29 x 19 around (74.5, 59.5)
    expect(f.center).toEqual([74, 59]);
    expect(f.min_sidelength).toBe(19);
    expect(f.max_sidelength).toBe(29);
    expect(f.aspect_ratio).toBe(1.53);
    expect(f.mean_contrast).toEqual([-0.0733, -0.14, -0.1364]); // 139/150-1, 86/100-1, 95/110-1
    expect(f.entropy).toBe(0); // a uniform flake
    // contour: 29 x 19 with corners cut by (2, 2) triangles: perimeter 80 + 8 sqrt 2, area 543
    const arcarea = (80 + 8 * Math.SQRT2) / Math.sqrt(543);
    const z = FP_LOGISTIC.coef[0] * arcarea + FP_LOGISTIC.coef[1] * 1 + FP_LOGISTIC.intercept;
    expect(f.false_positive_probability).toBe(Math.round(1000 / (1 + Math.exp(z))) / 1000);
    expect(f.false_positive_probability).toBe(0.018);
    expect(f.mask.size).toEqual([H, W]);
    expect(decodeRle(f.mask)).toEqual(roundedRect(60, 50, 30, 20, W, H));
    expect(result.timings.total_ms).toBeGreaterThanOrEqual(result.timings.detect_ms);
  });

  it("tells layers apart and lists them layer by layer", async () => {
    const rects = [
      { x: 20, y: 20, w: 25, h: 25, bgr: layerColour(BG, mean("3")) },
      { x: 120, y: 90, w: 25, h: 25, bgr: layerColour(BG, mean("2")) },
    ];
    const result = await detectImage(await png(bgrImage(W, H, BG, rects), W, H));
    expect(result.flakes.map((f) => [f.thickness, f.size, f.bbox])).toEqual([
      ["2", 613, [120, 90, 25, 25]],
      ["3", 613, [20, 20, 25, 25]],
    ]);
  });

  it("keeps the image border: no corner rounding where the flake touches the edge", async () => {
    const bytes = await png(bgrImage(W, H, BG, [{ x: 0, y: 50, w: 30, h: 20, bgr: L1 }]), W, H);
    const [f] = (await detectImage(bytes)).flakes;
    expect(f?.size).toBe(594); // only the two corners away from the edge lose 3 pixels
    expect(f?.bbox).toEqual([0, 50, 30, 20]);
  });

  it("fills holes in the mask but counts only the flake's own pixels in size", async () => {
    const data = bgrImage(W, H, BG, [
      { x: 50, y: 40, w: 60, h: 50, bgr: L1 },
      { x: 70, y: 60, w: 12, h: 10, bgr: BG },
    ]);
    const [f] = (await detectImage(await png(data, W, H))).flakes;
    const mask = decodeRle(f!.mask);
    const inMask = mask.reduce((a, v) => a + v, 0);
    expect(mask[65 * W + 76]).toBe(1); // the hole's centre is inside the filled mask
    // the hole keeps its 120 - 12 pixels after the median: size excludes them, the mask not
    expect(inMask).toBe(f!.size + 108);
    expect(inMask).toBe(60 * 50 - 12);
    // contrast is averaged over the filled mask: hole pixels have contrast 0
    expect(f!.mean_contrast[1]).toBe(Math.round((-0.14 * f!.size * 1e4) / inMask) / 1e4);
  });

  it("gives the same answer whatever was detected before (reused buffers come back clean)", async () => {
    const a = await png(bgrImage(W, H, BG, [{ x: 10, y: 10, w: 80, h: 60, bgr: L1 }]), W, H);
    const b = await png(bgrImage(W, H, BG, [{ x: 120, y: 90, w: 30, h: 20, bgr: L1 }]), W, H);
    const first = await detectImage(b);
    await detectImage(a);
    const again = await detectImage(b);
    expect(again.flakes).toEqual(first.flakes);
    expect(again.flakes.map((f) => f.size)).toEqual([588]);
  });

  it("applies the size threshold", async () => {
    // 12 x 12 = 144 - 12 = 132 pixels
    const bytes = await png(bgrImage(W, H, BG, [{ x: 80, y: 70, w: 12, h: 12, bgr: L1 }]), W, H);
    expect((await detectImage(bytes)).flakes).toHaveLength(0);
    const found = await detectImage(bytes, { sizeThreshold: 100 });
    expect(found.flakes.map((f) => f.size)).toEqual([132]);
  });

  it("applies the standard-deviation threshold", async () => {
    // contrast b off the layer-1 mean by ~3.3 sigma_b alone
    const off: [number, number, number] = [Math.round(150 * (1 - 0.071 + 0.07)), 86, 95];
    const bytes = await png(bgrImage(W, H, BG, [{ x: 60, y: 50, w: 30, h: 20, bgr: off }]), W, H);
    expect((await detectImage(bytes)).flakes).toHaveLength(1);
    expect((await detectImage(bytes, { stdThreshold: 2 })).flakes).toHaveLength(0);
  });
});

describe("detectImage refuses bad input with a typed error", () => {
  it("all-white and all-black frames: NO_BACKGROUND", async () => {
    for (const v of [255, 0]) {
      const bytes = await png(bgrImage(64, 48, [v, v, v]), 64, 48);
      await expect(detectImage(bytes)).rejects.toThrow(
        /no background found: channel B has no value in \[20, 230\]/,
      );
      expect(await codeOf(detectImage(bytes))).toBe("NO_BACKGROUND");
    }
  });

  it("unknown model ids: UNKNOWN_MODEL", async () => {
    const bytes = await png(bgrImage(64, 48, BG), 64, 48);
    await expect(detectImage(bytes, { model: "GMM-Unobtainium" })).rejects.toThrow(
      "unknown model GMM-Unobtainium (no models directory configured); available: GMM-Graphene",
    );
    expect(await codeOf(detectImage(bytes, { model: "XYZ-Graphene" }))).toBe("UNKNOWN_MODEL");
    expect(await codeOf(detectImage(bytes, { model: "AMM-Nothing" }))).toBe("UNKNOWN_MODEL");
    expect(await codeOf(detectImage(bytes, { model: "M2F-Graphene" }))).toBe("UNKNOWN_MODEL");
  });

  it("options out of range: BAD_OPTION", async () => {
    const bytes = await png(bgrImage(64, 48, BG), 64, 48);
    await expect(detectImage(bytes, { sizeThreshold: -1 })).rejects.toThrow(
      "sizeThreshold is -1; accepted: an integer number of pixels >= 1",
    );
    expect(await codeOf(detectImage(bytes, { stdThreshold: 0 }))).toBe("BAD_OPTION");
    expect(await codeOf(detectImage(bytes, { scoreThreshold: 1.5 }))).toBe("BAD_OPTION");
    expect(await codeOf(detectImage(bytes, { minClassOccupancy: Number.NaN }))).toBe("BAD_OPTION");
  });

  it("an aborted signal: ABORTED", async () => {
    const bytes = await png(bgrImage(64, 48, BG), 64, 48);
    expect(await codeOf(detectImage(bytes, { signal: AbortSignal.abort() }))).toBe("ABORTED");
  });

  it("bad bytes keep their decode codes", async () => {
    expect(await codeOf(detectImage(new Uint8Array(0)))).toBe("EMPTY_INPUT");
    expect(await codeOf(detectImage(new TextEncoder().encode("hello")))).toBe("NOT_AN_IMAGE");
  });
});
