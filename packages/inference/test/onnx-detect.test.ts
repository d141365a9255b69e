import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import { encodeBgr } from "../src/io/image-files.js";
import { decodeRle } from "../src/io/rle.js";
import { GRAPHENE_CONTRAST_DICT } from "../src/models/gmm/graphene.js";
import { ModelRegistry } from "../src/models/registry.js";
import { synthesize } from "../src/tools/synth.js";
import { bandSegmenterModel, nearestMeanModel } from "./onnx-fixtures.js";

/**
 * ONNX models in a MaskTerial models directory, through the registry and detectImage, on a
 * synthetic image whose flake polygons are known.
 */
let root: string;
let registry: ModelRegistry;
const layerMeans = Object.values(GRAPHENE_CONTRAST_DICT).map((l) => [
  l.contrast.b,
  l.contrast.g,
  l.contrast.r,
]);
// Background 104 in G: layer 1 at ~89, layer 3 at ~66.
const synth = synthesize({
  width: 400,
  height: 300,
  seed: 5,
  background: [160, 104, 116],
  flakes: [
    { layer: "1", center: [110, 110], radius: 45, elongation: 1.4, angle: 0.3 },
    { layer: "3", center: [290, 190], radius: 40, elongation: 1.2, angle: 1.2 },
  ],
});
let png: Buffer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "onnx-detect-"));
  const mlp = join(root, "classification_models", "MLP", "Graphene");
  await mkdir(mlp, { recursive: true });
  // Background (contrast 0) is class 0, then the four graphene layers: a nearest-mean MLP.
  await writeFile(
    join(mlp, "model.onnx"),
    nearestMeanModel({ means: [[0, 0, 0], ...layerMeans], sigma: 0.02, kind: "logits" }),
  );
  await writeFile(
    join(mlp, "meta_data.json"),
    JSON.stringify({ class_names: ["1", "2", "3", "4"] }),
  );
  const m2f = join(root, "segmentation_models", "M2F", "Bands");
  await mkdir(m2f, { recursive: true });
  // Instances by G value (raw 0-255 units): one band per flake's layer, edges halfway.
  await writeFile(
    join(m2f, "model.onnx"),
    bandSegmenterModel({
      bands: [
        [78, 96.5],
        [50, 77.5],
      ],
      scores: [0.9, 0.8],
      channel: 1,
      gain: 5,
    }),
  );
  await writeFile(join(m2f, "config.json"), JSON.stringify({ input_format: "BGR" }));
  registry = new ModelRegistry({ modelsDir: root });
  png = await encodeBgr(synth.image, "png");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function iou(a: Uint8Array, id: number): number {
  let inter = 0;
  let union = 0;
  for (let p = 0; p < a.length; p++) {
    const x = a[p] === 1;
    const y = synth.instances[p] === id;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return inter / union;
}

describe("ONNX models in detectImage", () => {
  it("lists the models directory's ONNX models", () => {
    const a = registry.available();
    expect(a.classification_models.MLP).toEqual(["Graphene"]);
    expect(a.segmentation_models.M2F).toEqual(["Bands"]);
  });

  it("MLP pixel classifier: both flakes with their layers", async () => {
    const r = await detectImage(png, { model: "MLP-Graphene", registry });
    expect(r.model).toBe("MLP-Graphene");
    expect(r.flakes.map((f) => f.thickness)).toEqual(["1", "3"]);
    expect(iou(decodeRle(r.flakes[0]!.mask), 1)).toBeGreaterThan(0.9);
    expect(iou(decodeRle(r.flakes[1]!.mask), 2)).toBeGreaterThan(0.9);
  });

  it("M2F instances labelled by the classifier's majority class", async () => {
    for (const model of ["GMM-Graphene", "MLP-Graphene"]) {
      const r = await detectImage(png, {
        model,
        segmentationModel: "M2F-Bands",
        registry,
        scoreThreshold: 0.5,
      });
      expect(r.flakes.map((f) => f.thickness)).toEqual(["1", "3"]);
      expect(iou(decodeRle(r.flakes[0]!.mask), 1)).toBeGreaterThan(0.9);
      expect(iou(decodeRle(r.flakes[1]!.mask), 2)).toBeGreaterThan(0.9);
    }
  });

  it("drops instances under the score threshold", async () => {
    const r = await detectImage(png, {
      segmentationModel: "M2F-Bands",
      registry,
      scoreThreshold: 0.85,
    });
    expect(r.flakes.map((f) => f.thickness)).toEqual(["1"]);
  });
});
