import { describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import { InferenceError } from "../src/errors.js";
import { encodeBgr } from "../src/io/image-files.js";
import { decodeRle } from "../src/io/rle.js";
import { synthesize } from "../src/tools/synth.js";
import { TEST_DICTIONARY } from "./synth-fixtures.js";

describe("synthesize", () => {
  const base = { width: 320, height: 240, dictionary: TEST_DICTIONARY };

  it("is reproducible from its seed", () => {
    const a = synthesize({ ...base, seed: 7 });
    const b = synthesize({ ...base, seed: 7 });
    const c = synthesize({ ...base, seed: 8 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.flakes).toEqual(b.flakes);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it("places the requested number of non-overlapping flakes with consistent ground truth", () => {
    const s = synthesize({ ...base, seed: 3, flakes: 4 });
    expect(s.flakes.length).toBe(4);
    expect(s.layerNames).toEqual(["1", "2", "3"]);
    s.flakes.forEach((f, i) => {
      let count = 0;
      const [bx, by, bw, bh] = f.bbox;
      for (let p = 0; p < s.instances.length; p++) {
        if (s.instances[p] !== i + 1) continue;
        count++;
        const x = p % s.image.width;
        const y = Math.floor(p / s.image.width);
        expect(x >= bx && x < bx + bw && y >= by && y < by + bh).toBe(true);
        expect(s.layerNames[s.labels[p]! - 1]).toBe(f.layer);
      }
      expect(count).toBe(f.size);
      expect(f.size).toBeGreaterThan(200);
    });
    const flakePixels = s.labels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    expect(flakePixels).toBe(s.flakes.reduce((n, f) => n + f.size, 0));
  });

  it("renders each flake at background * (1 + its contrast), up to noise", () => {
    const s = synthesize({
      ...base,
      seed: 11,
      background: [160, 100, 115],
      vignetting: 0,
      blur: 0,
      noise: 1,
      flakes: [
        { layer: "1", center: [80, 80], radius: 40 },
        { layer: "3", center: [230, 150], radius: 45 },
      ],
    });
    const { width, data } = s.image;
    s.flakes.forEach((f, i) => {
      const sum = [0, 0, 0];
      for (let p = 0; p < s.instances.length; p++) {
        if (s.instances[p] !== i + 1) continue;
        for (let c = 0; c < 3; c++) sum[c]! += data[p * 3 + c]! / s.background[c]! - 1;
      }
      for (let c = 0; c < 3; c++) expect(sum[c]! / f.size).toBeCloseTo(f.contrast[c]!, 3);
      // The drawn contrast lies near the layer mean (spread 0.5 sigma).
      const mean = TEST_DICTIONARY[f.layer]!.contrast;
      expect(Math.abs(f.contrast[1] - mean.g)).toBeLessThan(0.04);
    });
    expect(width).toBe(320);
    // Background pixels average the background colour.
    let bgSum = 0;
    let bgCount = 0;
    for (let p = 0; p < s.labels.length; p++) {
      if (s.labels[p] === 0) {
        bgSum += data[p * 3 + 1]!;
        bgCount++;
      }
    }
    expect(bgSum / bgCount).toBeCloseTo(100, 1);
  });

  it("rejects sizes and layers it cannot render", () => {
    expect(() => synthesize({ ...base, seed: 1, width: 4 })).toThrow(InferenceError);
    expect(() =>
      synthesize({ ...base, seed: 1, flakes: [{ layer: "7", center: [50, 50], radius: 20 }] }),
    ).toThrow(/layer "7" is not in the contrast dictionary \(1, 2, 3\)/);
  });
});

describe("synthetic images through the GMM detector", () => {
  it("finds every synthesised flake with its layer and mask", async () => {
    // Default rendering (noise, blur, vignetting, bulk crystals) and the embedded graphene model.
    const s = synthesize({ width: 480, height: 360, seed: 21, flakes: 5, bulk: 2 });
    expect(s.bulk.length).toBe(2);
    const png = await encodeBgr(s.image, "png");
    const result = await detectImage(png, { model: "GMM-Graphene" });
    expect(result.flakes.length).toBe(s.flakes.length);
    const masks = result.flakes.map((f) => decodeRle(f.mask));
    s.flakes.forEach((truth, i) => {
      // The detected flake overlapping this flake most: same layer, mask IoU high.
      const overlap = masks.map((m) =>
        m.reduce((n, v, p) => n + (v === 1 && s.instances[p] === i + 1 ? 1 : 0), 0),
      );
      const best = overlap.indexOf(Math.max(...overlap));
      expect(result.flakes[best]?.thickness).toBe(truth.layer);
      const mask = masks[best]!;
      let inter = 0;
      let union = 0;
      for (let p = 0; p < mask.length; p++) {
        const a = mask[p] === 1;
        const b = s.instances[p] === i + 1;
        if (a && b) inter++;
        if (a || b) union++;
      }
      expect(inter / union).toBeGreaterThan(0.9);
    });
  });
});
