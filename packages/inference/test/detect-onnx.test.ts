import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectImage, GRAPHENE_CONTRAST_DICT, ModelRegistry } from "../src/index.js";
import { bgrImage, layerColour, png } from "./fixtures.js";
import { bandSegmenterModel, nearestMeanModel } from "./onnx-fixtures.js";

/**
 * detectImage with ONNX models from a MaskTerial models directory: a pixel classifier goes
 * through the same opening, components and geometry as the GMM; a segmenter's instances take
 * the classifier's majority layer.
 */
const BG: [number, number, number] = [150, 100, 110];
const means = (["1", "2", "3", "4"] as const).map((k) => {
  const c = GRAPHENE_CONTRAST_DICT[k].contrast;
  return [c.b, c.g, c.r];
});
const root = mkdtempSync(join(tmpdir(), "flakeops-onnx-detect-"));
let registry: ModelRegistry;
let bytes: Uint8Array;

function put(path: string, content: string | Uint8Array) {
  const file = join(root, path);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, content);
}

beforeAll(async () => {
  // AMM head: distance to each layer's mean (background = contrast 0 at column 0)
  put(
    "classification_models/AMM/Nearest/model.onnx",
    nearestMeanModel({ means: [[0, 0, 0], ...means], sigma: 0.01, kind: "distances" }),
  );
  put(
    "classification_models/AMM/Nearest/meta_data.json",
    JSON.stringify({ class_names: ["1", "2", "3", "4"] }),
  );
  // instances: pixels whose green value is in [80, 92] (the monolayer's 86; background is 100)
  put(
    "segmentation_models/M2F/Band/model.onnx",
    bandSegmenterModel({ bands: [[80, 92]], scores: [0.9], channel: 1 }),
  );
  put("segmentation_models/M2F/Band/config.json", JSON.stringify({}));
  registry = new ModelRegistry({ modelsDir: root });
  const l1 = layerColour(BG, means[0] as [number, number, number]);
  const l2 = layerColour(BG, means[1] as [number, number, number]);
  bytes = await png(
    bgrImage(200, 160, BG, [
      { x: 20, y: 20, w: 30, h: 20, bgr: l1 },
      { x: 120, y: 100, w: 25, h: 25, bgr: l2 },
    ]),
    200,
    160,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("detectImage with ONNX models", () => {
  it("an AMM pixel classifier finds the same flakes as the GMM", async () => {
    const amm = await detectImage(bytes, { model: "AMM-Nearest", registry });
    const gmm = await detectImage(bytes, { registry });
    expect(amm.model).toBe("AMM-Nearest");
    expect(amm.flakes.map((f) => [f.thickness, f.size, f.bbox])).toEqual([
      ["1", 588, [20, 20, 30, 20]],
      ["2", 613, [120, 100, 25, 25]],
    ]);
    expect(amm.flakes).toEqual(gmm.flakes);
  });

  it("a segmenter's instances take the classifier's majority layer", async () => {
    const seg = await detectImage(bytes, { segmentationModel: "M2F-Band", registry });
    // the segmenter sees the unfiltered image: the whole 30 x 20 rectangle is its instance
    expect(seg.flakes.map((f) => [f.thickness, f.size, f.bbox])).toEqual([
      ["1", 600, [20, 20, 30, 20]],
    ]);
    // 588 of its 600 pixels are monolayer for the GMM
    expect(
      (
        await detectImage(bytes, {
          segmentationModel: "M2F-Band",
          registry,
          minClassOccupancy: 0.98,
        })
      ).flakes,
    ).toHaveLength(1);
    expect(
      (
        await detectImage(bytes, {
          segmentationModel: "M2F-Band",
          registry,
          minClassOccupancy: 0.99,
        })
      ).flakes,
    ).toHaveLength(0);
    expect(
      (await detectImage(bytes, { segmentationModel: "M2F-Band", registry, scoreThreshold: 0.95 }))
        .flakes,
    ).toHaveLength(0);
  });
});
