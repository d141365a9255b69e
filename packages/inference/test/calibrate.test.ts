import { describe, expect, it } from "vitest";
import { InferenceError } from "../src/errors.js";
import { parseContrastDict } from "../src/models/gmm/contrast-dict.js";
import { calibrate, calibrateDetailed } from "../src/tools/calibrate.js";
import { type SynthFlakeSpec, synthesize } from "../src/tools/synth.js";
import { TEST_DICTIONARY } from "./synth-fixtures.js";

const LAYERS = ["1", "2", "3"];

/** Four images, each with one flake of every layer in a different place. */
function samples(vignetting: number) {
  return [0, 1, 2, 3].map((i) => {
    const flakes: SynthFlakeSpec[] = LAYERS.map((layer, j) => ({
      layer,
      center: [60 + j * 100, 70 + ((i + j) % 2) * 100],
      radius: 32,
      elongation: 1.3,
      angle: i + j,
    }));
    return synthesize({
      width: 320,
      height: 240,
      seed: 100 + i,
      flakes,
      dictionary: TEST_DICTIONARY,
      vignetting,
    });
  });
}

/** Pixel-weighted mean of the flakes' true contrasts, per layer. */
function truth(sets: ReturnType<typeof samples>, layer: string): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (const s of sets) {
    for (const f of s.flakes) {
      if (f.layer !== layer) continue;
      for (let c = 0; c < 3; c++) sum[c]! += f.contrast[c]! * f.size;
      n += f.size;
    }
  }
  return sum.map((v) => v / n);
}

describe("calibrate", () => {
  it("recovers the contrast of synthetic flakes from their masks", () => {
    const sets = samples(0);
    const result = calibrateDetailed(
      sets.map((s) => ({ image: s.image, labels: s.labels })),
      LAYERS,
    );
    expect(Object.keys(result.dictionary)).toEqual(LAYERS);
    for (const layer of LAYERS) {
      const fit = result.dictionary[layer]!;
      const want = truth(sets, layer);
      expect(Math.abs(fit.contrast.b - want[0]!)).toBeLessThan(0.003);
      expect(Math.abs(fit.contrast.g - want[1]!)).toBeLessThan(0.003);
      expect(Math.abs(fit.contrast.r - want[2]!)).toBeLessThan(0.003);
      // And near the dictionary the images were drawn from.
      const src = TEST_DICTIONARY[layer]!.contrast;
      expect(Math.abs(fit.contrast.g - src.g)).toBeLessThan(0.02);
    }
    expect(result.layers.map((l) => l.images)).toEqual([4, 4, 4]);
    // The registry's validator accepts it (symmetric, positive definite).
    expect(parseContrastDict(result.dictionary, "fit").map((l) => l.name)).toEqual(LAYERS);
  });

  it("is within the layer spacing with default vignetting", () => {
    const sets = samples(0.01);
    const dict = calibrate(
      sets.map((s) => ({ image: s.image, labels: s.labels })),
      LAYERS,
    );
    for (const layer of LAYERS) {
      const want = truth(sets, layer);
      expect(Math.abs(dict[layer]!.contrast.g - want[1]!)).toBeLessThan(0.01);
    }
  });

  it("says which layer lacks pixels and which mask values are out of range", () => {
    const s = samples(0)[0]!;
    expect(() => calibrate([{ image: s.image, labels: s.labels }], ["1", "2", "3", "4"])).toThrow(
      /layer "4" has 0 usable labelled pixels/,
    );
    const e = (() => {
      try {
        calibrate([{ image: s.image, labels: s.labels, name: "a.png" }], ["1", "2"]);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InferenceError);
    expect((e as InferenceError).message).toMatch(/^a\.png: mask value 3 .* only 2 layer names/);
    expect(() => calibrate([{ image: s.image, labels: new Uint8Array(10) }], LAYERS)).toThrow(
      /the mask has 10 pixels; the image is 320x240/,
    );
  });
});
