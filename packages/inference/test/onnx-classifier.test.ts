import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOnnxClassifier } from "../src/models/onnx/index.js";
import { parseModelId } from "../src/types.js";
import { buildModel, loadFailure as failure, nearestMeanModel } from "./onnx-fixtures.js";

// Background at contrast 0 and three layers, as a MaskTerial MLP orders its classes.
const MEANS = [
  [0, 0, 0],
  [-0.07, -0.14, -0.14],
  [-0.15, -0.26, -0.25],
  [-0.22, -0.37, -0.35],
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "onnx-cls-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modelDir(name: string, model: Uint8Array | null, meta?: unknown): Promise<string> {
  const dir = join(root, name);
  await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
  if (model) await writeFile(join(dir, "model.onnx"), model);
  if (meta !== undefined) await writeFile(join(dir, "meta_data.json"), JSON.stringify(meta));
  return dir;
}

/** N x 3 contrast, each pixel exactly a mean plus a small offset. */
function pixels(rows: number[][]): Float32Array {
  return Float32Array.from(rows.flat());
}

describe("ONNX pixel classifier", () => {
  it("MLP logits: argmax with class 0 as background, in batches", async () => {
    const dir = await modelDir(
      "mlp",
      nearestMeanModel({ means: MEANS, sigma: 0.05, kind: "logits" }),
      {
        batch_size: 3,
      },
    );
    const cls = await loadOnnxClassifier(parseModelId("MLP-Test"), dir);
    expect(cls.classes).toEqual(["1", "2", "3"]);
    const input = pixels([
      [0.01, -0.01, 0],
      [-0.07, -0.13, -0.15],
      [-0.16, -0.27, -0.24],
      [-0.22, -0.36, -0.36],
      [-0.03, -0.05, -0.06], // nearer background than layer 1
      [-0.2, -0.35, -0.33], // nearest layer 3
      [-0.14, -0.25, -0.26],
    ]);
    const out = await cls.classify(input, { stdThreshold: 5 });
    expect(Array.from(out)).toEqual([-1, 0, 1, 2, -1, 2, 1]);
    await cls.release();
  });

  it("MLP min_score: background where the top softmax probability is low", async () => {
    const dir = await modelDir(
      "mlp-min",
      nearestMeanModel({ means: MEANS, sigma: 0.05, kind: "logits" }),
      {
        min_score: 0.9,
      },
    );
    const cls = await loadOnnxClassifier(parseModelId("MLP-Min"), dir);
    // Exactly halfway between layers 1 and 2: probability 0.5 each.
    const mid = MEANS[1]!.map((v, c) => (v + MEANS[2]![c]!) / 2);
    const out = await cls.classify(pixels([MEANS[1]!, mid]), { stdThreshold: 5 });
    expect(Array.from(out)).toEqual([0, -1]);
  });

  it("AMM distances: nearest class within stdThreshold, names from meta_data.json", async () => {
    const dir = await modelDir(
      "amm",
      nearestMeanModel({ means: MEANS, sigma: 0.01, kind: "distances" }),
      {
        class_names: ["mono", "bi", "tri"],
        train_mean: [0, 0, 0],
        train_std: [1, 1, 1],
      },
    );
    const cls = await loadOnnxClassifier(parseModelId("AMM-Test"), dir);
    expect(cls.classes).toEqual(["mono", "bi", "tri"]);
    const input = pixels([
      [-0.07, -0.14, -0.14], // distance 0 to layer 1
      [-0.07, -0.14, -0.11], // 3 sigma from layer 1
      [-0.07, -0.14, -0.08], // 6 sigma: background at threshold 5
      [-0.22, -0.37, -0.35],
    ]);
    expect(Array.from(await cls.classify(input, { stdThreshold: 5 }))).toEqual([0, 0, -1, 2]);
    expect(Array.from(await cls.classify(input, { stdThreshold: 2 }))).toEqual([0, -1, -1, 2]);
  });

  it("applies train_mean/train_std before the model", async () => {
    // The model sees (x - mean) / std; means given in normalised units.
    const dir = await modelDir(
      "norm",
      nearestMeanModel({
        means: [
          [0, 0, 0],
          [1, 1, 1],
        ],
        sigma: 0.5,
        kind: "logits",
      }),
      { train_mean: [-0.1, -0.1, -0.1], train_std: [0.1, 0.1, 0.1] },
    );
    const cls = await loadOnnxClassifier(parseModelId("MLP-Norm"), dir);
    // -0.1 normalises to 0 (background); 0 normalises to 1 (layer "1").
    const out = await cls.classify(
      pixels([
        [-0.1, -0.1, -0.1],
        [0, 0, 0],
      ]),
      { stdThreshold: 5 },
    );
    expect(Array.from(out)).toEqual([-1, 0]);
  });

  it("uncertainty output: background above max_uncertainty", async () => {
    const dir = await modelDir(
      "unc",
      nearestMeanModel({ means: MEANS, sigma: 0.01, kind: "logits", uncertainty: true }),
      { max_uncertainty: 4 }, // squared distance in sigma units: 2 sigma away is the limit
    );
    const cls = await loadOnnxClassifier(parseModelId("MLP-Unc"), dir);
    const out = await cls.classify(
      pixels([
        [-0.07, -0.14, -0.15], // 1 sigma from layer 1
        [-0.07, -0.14, -0.17], // 3 sigma from layer 1
      ]),
      { stdThreshold: 5 },
    );
    expect(Array.from(out)).toEqual([0, -1]);
  });
});

describe("ONNX pixel classifier: bad models", () => {
  const ref = parseModelId("MLP-Bad");

  it("missing model.onnx is MODEL_LOAD_FAILED naming the file", async () => {
    const dir = await modelDir("missing", null);
    const e = await failure(loadOnnxClassifier(ref, dir));
    expect(e.code).toBe("MODEL_LOAD_FAILED");
    expect(e.message).toContain(join(dir, "model.onnx"));
    expect(e.message).toContain("not found");
  });

  it("corrupt model.onnx is INVALID_MODEL naming the file", async () => {
    const dir = await modelDir("corrupt", new TextEncoder().encode("this is not a protobuf"));
    const e = await failure(loadOnnxClassifier(ref, dir));
    expect(e.code).toBe("INVALID_MODEL");
    expect(e.message).toContain(join(dir, "model.onnx"));
  });

  it("a truncated model.onnx is INVALID_MODEL", async () => {
    const bytes = nearestMeanModel({ means: MEANS, sigma: 0.05, kind: "logits" });
    const dir = await modelDir("truncated", bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await failure(loadOnnxClassifier(ref, dir))).code).toBe("INVALID_MODEL");
  });

  it("wrong input shape is INVALID_MODEL saying what is expected", async () => {
    const model = buildModel({
      inputs: [{ name: "x", shape: ["N", 4] }],
      outputs: [{ name: "y", shape: ["N", 4] }],
      nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"] }],
    });
    const dir = await modelDir("shape", model);
    const e = await failure(loadOnnxClassifier(ref, dir));
    expect(e.code).toBe("INVALID_MODEL");
    expect(e.message).toContain("float32 [N, 4]");
    expect(e.message).toContain("expected float32 [N, 3]");
  });

  it("invalid meta_data.json is INVALID_MODEL naming the field", async () => {
    const dir = await modelDir(
      "meta",
      nearestMeanModel({ means: MEANS, sigma: 1, kind: "logits" }),
      {
        train_std: [1, 0, 1],
      },
    );
    const e = await failure(loadOnnxClassifier(ref, dir));
    expect(e.code).toBe("INVALID_MODEL");
    expect(e.message).toContain("meta_data.json: train_std");
  });

  it("class_names that disagree with the output width is INVALID_MODEL", async () => {
    const dir = await modelDir(
      "names",
      nearestMeanModel({ means: MEANS, sigma: 1, kind: "logits" }),
      {
        class_names: ["1", "2"],
      },
    );
    const e = await failure(loadOnnxClassifier(ref, dir));
    expect(e.message).toContain("has 4 classes but meta_data.json class_names gives 3");
  });
});
