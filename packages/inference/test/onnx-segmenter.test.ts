import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOnnxSegmenter } from "../src/models/onnx/index.js";
import { parseModelId } from "../src/types.js";
import {
  bandSegmenterModel,
  buildModel,
  loadFailure as failure,
  paintedImage,
  rectMask,
} from "./onnx-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "onnx-seg-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modelDir(name: string, model: Uint8Array | null, config?: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  if (model) await writeFile(join(dir, "model.onnx"), model);
  if (config !== undefined) await writeFile(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

const W = 64;
const H = 48;
const A = { x: 4, y: 6, w: 20, h: 14 };
const B = { x: 34, y: 20, w: 26, h: 22 };
// SiO2-like background; flake A a little darker in G, flake B much darker; B channel marks A only.
const image = paintedImage(
  W,
  H,
  [150, 140, 120],
  [
    { ...A, bgr: [90, 110, 110] },
    { ...B, bgr: [150, 60, 80] },
  ],
);
// detectron2-style normalisation: G normalised = (G - 100) / 20, so A is 0.5, B is -2, bg is 2.
const config = {
  MODEL: { PIXEL_MEAN: [0, 100, 0], PIXEL_STD: [1, 20, 1] },
  INPUT: { FORMAT: "BGR" },
};
const bands: [number, number][] = [
  [0, 1], // A
  [-2.5, -1.5], // B
  [-10, -8], // nothing
  [1.5, 2.5], // the background, low score
];

describe("ONNX segmenter", () => {
  it("M2F NCHW BGR: exact instance masks, scores and classes", async () => {
    const dir = await modelDir(
      "m2f",
      bandSegmenterModel({
        bands,
        scores: [0.9, 0.8, 0.7, 0.1],
        classes: [0, 2, 1, 0],
        channel: 1,
      }),
      config,
    );
    const seg = await loadOnnxSegmenter(parseModelId("M2F-Test"), dir);
    const out = await seg.segment(image);
    // The empty band yields no instance; the others come back in model order.
    expect(out.map((i) => [i.score, i.classIndex])).toEqual([
      [expect.closeTo(0.9, 6), 0],
      [expect.closeTo(0.8, 6), 2],
      [expect.closeTo(0.1, 6), 0],
    ]);
    expect(out[0]!.mask).toEqual(rectMask(W, H, A));
    expect(out[1]!.mask).toEqual(rectMask(W, H, B));
    const bg = rectMask(W, H, { x: 0, y: 0, w: W, h: H }).map(
      (v, p) => v - out[0]!.mask[p]! - out[1]!.mask[p]!,
    );
    expect(out[2]!.mask).toEqual(bg);
    // minScore skips low-scoring instances before resizing them.
    expect((await seg.segment(image, { minScore: 0.5 })).length).toBe(2);
    await seg.release();
  });

  it("MRCNN NHWC RGB at a fixed smaller input size: masks resized back to the image", async () => {
    // Channel 2 in RGB order is B: only flake A has B = 90; normalised (B - 120) / 15 = -2.
    // Band edges sit halfway between flake and background, where a resized edge crosses.
    const dir = await modelDir(
      "mrcnn",
      bandSegmenterModel({ bands: [[-4, 0]], scores: [0.95], channel: 2, layout: "NHWC" }),
      {
        input_layout: "NHWC",
        input_format: "RGB",
        pixel_mean: [0, 0, 120],
        pixel_std: [1, 1, 15],
        input_size: [H / 2, W / 2],
      },
    );
    const seg = await loadOnnxSegmenter(parseModelId("MRCNN-Test"), dir);
    const out = await seg.segment(image);
    expect(out.length).toBe(1);
    expect(out[0]!.classIndex).toBeUndefined();
    expect(out[0]!.mask).toEqual(rectMask(W, H, A));
  });

  it("torchvision Mask R-CNN layout: CHW RGB in 0-1, outputs boxes, labels, scores, masks [K, 1, H, W]", async () => {
    // G / 255 in band [0.1, 0.3] holds flake B only (G = 60); labels are 1-based as torchvision's.
    const dir = await modelDir(
      "torchvision",
      bandSegmenterModel({
        bands: [[0.1, 0.3]],
        scores: [0.97],
        classes: [1],
        channel: 1,
        layout: "CHW",
        torchvision: true,
      }),
      { input_layout: "CHW", input_format: "RGB", pixel_std: [255, 255, 255] },
    );
    const seg = await loadOnnxSegmenter(parseModelId("MRCNN-Torchvision"), dir);
    const out = await seg.segment(image);
    expect(out.map((i) => [i.score, i.classIndex])).toEqual([[expect.closeTo(0.97, 6), 1]]);
    expect(out[0]!.mask).toEqual(rectMask(W, H, B));
  });

  it("a model with a fixed input size is fed at that size", async () => {
    const dir = await modelDir(
      "fixed",
      bandSegmenterModel({ bands: [[-3, 0]], scores: [0.9], channel: 1, size: [H / 2, W / 2] }),
      config,
    );
    const seg = await loadOnnxSegmenter(parseModelId("M2F-Fixed"), dir);
    const out = await seg.segment(image);
    expect(out[0]!.mask).toEqual(rectMask(W, H, B));
  });
});

describe("ONNX segmenter: bad models", () => {
  const ref = parseModelId("M2F-Bad");

  it("missing model.onnx names the file", async () => {
    const dir = await modelDir("missing", null, config);
    const e = await failure(loadOnnxSegmenter(ref, dir));
    expect(e.code).toBe("MODEL_LOAD_FAILED");
    expect(e.message).toContain(join(dir, "model.onnx"));
  });

  it("wrong input shape (2 channels) is INVALID_MODEL", async () => {
    const model = buildModel({
      inputs: [{ name: "image", shape: [1, 2, "H", "W"] }],
      outputs: [
        { name: "masks", shape: [1, 2, "H", "W"] },
        { name: "scores", shape: [1] },
      ],
      nodes: [
        { op: "Identity", inputs: ["image"], outputs: ["masks"] },
        {
          op: "ReduceMax",
          inputs: ["image"],
          outputs: ["scores"],
          attrs: { axes: [1, 2, 3], keepdims: 0 },
        },
      ],
    });
    const dir = await modelDir("shape", model);
    const e = await failure(loadOnnxSegmenter(ref, dir));
    expect(e.code).toBe("INVALID_MODEL");
    expect(e.message).toContain("expected float32 [1, 3, H, W]");
  });

  it("corrupt config.json is INVALID_MODEL naming the file", async () => {
    const dir = join(root, "badjson");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), "{ not json");
    const e = await failure(loadOnnxSegmenter(ref, dir));
    expect(e.code).toBe("INVALID_MODEL");
    expect(e.message).toContain(join(dir, "config.json"));
  });

  it("a classifier id is refused", async () => {
    const e = await failure(loadOnnxSegmenter(parseModelId("MLP-X"), root));
    expect(e.code).toBe("UNKNOWN_MODEL");
  });
});
