import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  detectImage,
  GRAPHENE_CONTRAST_DICT,
  InferenceError,
  ModelRegistry,
} from "../src/index.js";
import { bgrImage, png } from "./fixtures.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flakeops-models-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function put(root: string, path: string, content: string | Uint8Array) {
  const file = join(root, path);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, content);
  return file;
}

async function failure(p: Promise<unknown>): Promise<InferenceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InferenceError);
    return e as InferenceError;
  }
  throw new Error("expected a rejection");
}

const oneLayer = {
  "1": GRAPHENE_CONTRAST_DICT["1"],
};

describe("ModelRegistry", () => {
  it("serves the embedded GMM-Graphene with no directory, lazily", async () => {
    const r = new ModelRegistry();
    expect(r.available()).toEqual({
      classification_models: { GMM: ["Graphene"], AMM: [], MLP: [] },
      segmentation_models: { M2F: [], MRCNN: [] },
      postprocessing_models: {},
    });
    expect(r.has("GMM-Graphene")).toBe(true);
    expect(r.loaded()).toEqual([]);
    const gmm = await r.classifier("GMM-Graphene");
    expect(gmm.classes).toEqual(["1", "2", "3", "4"]);
    expect(r.loaded()).toEqual(["GMM-Graphene"]);
  });

  it("lists a MaskTerial models directory", () => {
    const root = tempDir();
    put(root, "classification_models/GMM/WSe2/contrast_dict.json", JSON.stringify(oneLayer));
    put(root, "classification_models/AMM/Fast/model.onnx", "x");
    put(root, "classification_models/MLP/Empty/readme.txt", "no model here");
    put(root, "segmentation_models/M2F/Graphene/model.onnx", "x");
    put(root, "segmentation_models/MRCNN/bad name/model.onnx", "x");
    const r = new ModelRegistry({ modelsDir: root });
    expect(r.available()).toEqual({
      classification_models: { GMM: ["Graphene", "WSe2"], AMM: ["Fast"], MLP: [] },
      segmentation_models: { M2F: ["Graphene"], MRCNN: [] },
      postprocessing_models: {},
    });
    expect([
      r.has("GMM-WSe2"),
      r.has("AMM-Fast"),
      r.has("MLP-Empty"),
      r.has("M2F-Graphene"),
    ]).toEqual([true, true, false, true]);
    expect(r.has("not a model id")).toBe(false);
  });

  it("names the file of a corrupt model", async () => {
    const root = tempDir();
    const dict = put(root, "classification_models/GMM/Broken/contrast_dict.json", "{ not json");
    const onnx = put(
      root,
      "classification_models/AMM/Garbage/model.onnx",
      "definitely not protobuf",
    );
    put(
      root,
      "classification_models/AMM/Garbage/meta_data.json",
      JSON.stringify({ class_names: ["1"] }),
    );
    const r = new ModelRegistry({ modelsDir: root });
    const e1 = await failure(r.classifier("GMM-Broken"));
    expect(e1.code).toBe("INVALID_MODEL");
    expect(e1.message).toContain(dict);
    const e2 = await failure(r.classifier("AMM-Garbage"));
    expect(["MODEL_LOAD_FAILED", "INVALID_MODEL"]).toContain(e2.code);
    expect(e2.message).toContain(onnx);
    const e3 = await failure(r.classifier("MLP-Missing"));
    expect(e3.code).toBe("UNKNOWN_MODEL");
    expect(e3.message).toContain(join(root, "classification_models/MLP/Missing/model.onnx"));
  });

  it("refuses invalid contrast dictionaries and leaves nothing behind", async () => {
    const root = tempDir();
    const r = new ModelRegistry({ modelsDir: root });
    const twoChannels = {
      "1": {
        contrast: { b: -0.1, g: -0.2 },
        covariance_matrix: [
          [1e-4, 0],
          [0, 1e-4],
        ],
      },
    };
    const e1 = await failure(r.addGmm("Two", twoChannels));
    expect(e1.code).toBe("INVALID_MODEL");
    expect(e1.message).toMatch(/not a valid contrast dictionary at 1\.contrast\.r/);
    const notPd = {
      "1": {
        contrast: { b: -0.1, g: -0.2, r: -0.2 },
        covariance_matrix: [
          [1e-4, 2e-4, 0],
          [2e-4, 1e-4, 0],
          [0, 0, 1e-4],
        ],
      },
    };
    const e2 = await failure(r.addGmm("NotPd", notPd));
    expect(e2.code).toBe("INVALID_MODEL");
    expect(e2.message).toMatch(/layer "1" covariance_matrix is not positive definite/);
    const asym = structuredClone(notPd);
    asym["1"].covariance_matrix = [
      [1e-4, 0, 0],
      [1e-5, 1e-4, 0],
      [0, 0, 1e-4],
    ];
    expect((await failure(r.addGmm("Asym", asym))).message).toMatch(/is not symmetric/);
    expect((await failure(r.addGmm("../escape", oneLayer))).code).toBe("UNKNOWN_MODEL");
    expect(readdirSync(root)).toEqual([]);
    expect(r.has("GMM-Two")).toBe(false);
  });

  it("adds a GMM atomically to the directory, and detection uses it", async () => {
    const root = tempDir();
    const r = new ModelRegistry({ modelsDir: root });
    await r.addGmm("Mono", oneLayer);
    const dir = join(root, "classification_models/GMM/Mono");
    expect(readdirSync(dir)).toEqual(["contrast_dict.json"]);
    expect(JSON.parse(readFileSync(join(dir, "contrast_dict.json"), "utf8"))).toEqual(oneLayer);
    expect(r.has("GMM-Mono")).toBe(true);
    // a fresh registry on the same directory finds it
    const again = new ModelRegistry({ modelsDir: root });
    expect((await again.classifier("GMM-Mono")).classes).toEqual(["1"]);
    const bytes = await png(
      bgrImage(120, 90, [150, 100, 110], [{ x: 30, y: 30, w: 30, h: 20, bgr: [139, 86, 95] }]),
      120,
      90,
    );
    const result = await detectImage(bytes, { model: "GMM-Mono", registry: again });
    expect(result.model).toBe("GMM-Mono");
    expect(result.flakes.map((f) => [f.thickness, f.size])).toEqual([["1", 588]]);
  });

  it("loads a GMM again when its file is replaced (by another registry or process)", async () => {
    const root = tempDir();
    const writer = new ModelRegistry({ modelsDir: root });
    const reader = new ModelRegistry({ modelsDir: root });
    await writer.addGmm("Swap", oneLayer);
    expect((await reader.classifier("GMM-Swap")).classes).toEqual(["1"]);
    // uploads never overwrite (issue 10, D2): replacing is delete, then add
    await writer.deleteModel("GMM-Swap");
    await writer.addGmm("Swap", {
      "1": GRAPHENE_CONTRAST_DICT["1"],
      "2": GRAPHENE_CONTRAST_DICT["2"],
    });
    expect((await reader.classifier("GMM-Swap")).classes).toEqual(["1", "2"]);
    expect(reader.loaded()).toEqual(["GMM-Swap"]);
  });

  it("keeps added GMMs in memory without a directory", async () => {
    const r = new ModelRegistry();
    await r.addGmm("Mono", oneLayer);
    expect(r.available().classification_models.GMM).toEqual(["Graphene", "Mono"]);
    expect((await r.classifier("GMM-Mono")).classes).toEqual(["1"]);
    expect(existsSync(join(process.cwd(), "classification_models"))).toBe(false);
  });

  it("drops the least recently used model over the memory budget", async () => {
    const r = new ModelRegistry({ memoryBudgetMB: 6 / 1024 }); // room for one 4 KB GMM
    await r.addGmm("A", oneLayer);
    await r.addGmm("B", oneLayer);
    expect(r.loaded()).toEqual(["GMM-B"]);
    await r.classifier("GMM-A");
    expect(r.loaded()).toEqual(["GMM-A"]);
  });
});
