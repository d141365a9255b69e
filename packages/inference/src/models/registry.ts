import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InferenceError, isInferenceError } from "../errors.js";
import {
  CLASSIFIER_KINDS,
  type ClassifierKind,
  type InstanceSegmenter,
  type ModelRef,
  type PixelClassifier,
  parseModelId,
  SEGMENTATION_KINDS,
  type SegmentationKind,
} from "../types.js";
import { GmmClassifier } from "./gmm/classifier.js";
import { checkGmmCost } from "./gmm/cost.js";
import { GRAPHENE_CONTRAST_DICT } from "./gmm/graphene.js";
import {
  alreadyExists,
  createModelDir,
  modelDirBytes,
  readJson,
  readModelDir,
  removeModelDir,
} from "./gmm/store.js";
import { loadOnnxClassifier, loadOnnxSegmenter } from "./onnx/index.js";

export const DEFAULT_MODEL_ID = "GMM-Graphene";
export const CONTRAST_DICT_FILE = "contrast_dict.json";
const ONNX_FILE = "model.onnx";
const DEFAULT_BUDGET_MB = 1024;

export interface AvailableModels {
  classification_models: Record<ClassifierKind, string[]>;
  segmentation_models: Record<SegmentationKind, string[]>;
  postprocessing_models: Record<string, string[]>;
}

type Loaded = PixelClassifier | InstanceSegmenter;
interface Entry {
  model: Loaded;
  bytes: number;
  /** the file it was loaded from and its identity then, to notice a replacement */
  source?: { file: string; version: string };
}

/** Inode and modification time: an atomic replacement (temp file + rename) changes both. */
function fileVersion(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Where a model of this kind lives under a MaskTerial models directory. */
export function modelDir(modelsDir: string, ref: ModelRef): string {
  const group = (CLASSIFIER_KINDS as readonly string[]).includes(ref.kind)
    ? "classification_models"
    : "segmentation_models";
  return join(modelsDir, group, ref.kind, ref.name);
}

function markerFile(kind: string): string {
  return kind === "GMM" ? CONTRAST_DICT_FILE : ONNX_FILE;
}

/**
 * The models a detector can use: the embedded GMM-Graphene, GMMs added at run time, and a
 * models directory in MaskTerial's layout. Models load lazily per id and stay cached, least
 * recently used dropped first when over the memory budget.
 */
export class ModelRegistry {
  readonly modelsDir: string | undefined;
  private readonly budgetBytes: number;
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly added = new Map<string, unknown>();

  constructor(options: { modelsDir?: string; memoryBudgetMB?: number } = {}) {
    this.modelsDir = options.modelsDir;
    this.budgetBytes = (options.memoryBudgetMB ?? DEFAULT_BUDGET_MB) * 1024 * 1024;
  }

  available(): AvailableModels {
    const result: AvailableModels = {
      classification_models: { GMM: [], AMM: [], MLP: [] },
      segmentation_models: { M2F: [], MRCNN: [] },
      postprocessing_models: {},
    };
    const gmm = new Set<string>(["Graphene", ...this.added.keys()]);
    const dir = this.modelsDir;
    const list = (kind: ClassifierKind | SegmentationKind): string[] => {
      if (!dir) return [];
      const base = modelDir(dir, { kind, name: "x", id: "" }).slice(0, -2);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        return [];
      }
      return names.filter((n) => {
        try {
          parseModelId(`${kind}-${n}`);
        } catch {
          return false;
        }
        return existsSync(join(base, n, markerFile(kind)));
      });
    };
    for (const n of list("GMM")) gmm.add(n);
    result.classification_models.GMM = [...gmm].sort();
    result.classification_models.AMM = list("AMM").sort();
    result.classification_models.MLP = list("MLP").sort();
    for (const kind of SEGMENTATION_KINDS) result.segmentation_models[kind] = list(kind).sort();
    return result;
  }

  has(id: string): boolean {
    let ref: ModelRef;
    try {
      ref = parseModelId(id);
    } catch {
      return false;
    }
    const a = this.available();
    const names =
      ref.kind === "M2F" || ref.kind === "MRCNN"
        ? a.segmentation_models[ref.kind]
        : a.classification_models[ref.kind];
    return names.includes(ref.name);
  }

  /** Ids of the models in memory, most recently used last. */
  loaded(): string[] {
    return [...this.cache.keys()];
  }

  /**
   * Add a GMM from a contrast dictionary, never replacing one: a name that exists (embedded,
   * added or on disk) is refused with MaskTerial's "already exists" answer. Validated first
   * (shape, then the worst-case cost per image); written atomically when there is a models
   * directory (gmm/store.ts), else kept in memory. An invalid dictionary changes nothing.
   */
  async addGmm(name: string, contrastDict: unknown): Promise<void> {
    const ref = parseModelId(`GMM-${name}`);
    const model = new GmmClassifier(ref, contrastDict, `contrast dictionary of ${ref.id}`);
    checkGmmCost(model.layers, `contrast dictionary of ${ref.id}`);
    if (ref.name === "Graphene" || this.added.has(ref.name)) throw alreadyExists(ref.name);
    let source: Entry["source"];
    if (this.modelsDir) {
      const dir = modelDir(this.modelsDir, ref);
      await createModelDir(dir, ref.name, {
        [CONTRAST_DICT_FILE]: `${JSON.stringify(contrastDict, null, 2)}\n`,
      });
      const file = join(dir, CONTRAST_DICT_FILE);
      const version = fileVersion(file);
      if (version !== undefined) source = { file, version };
    } else {
      this.added.set(ref.name, contrastDict);
    }
    await this.drop(ref.id);
    this.store(ref.id, model, model.memoryBytes, source);
  }

  /**
   * Delete an added or on-disk model (atomically: renamed away, then removed). The embedded
   * GMM-Graphene cannot be deleted; an unknown id is UNKNOWN_MODEL.
   */
  async deleteModel(id: string): Promise<void> {
    const ref = parseModelId(id);
    if (ref.id === DEFAULT_MODEL_ID && !this.onDisk(ref)) {
      throw new InferenceError(
        "INVALID_MODEL",
        `Model ${ref.name} is built in and cannot be deleted`,
      );
    }
    let removed = this.added.delete(ref.name) && ref.kind === "GMM";
    if (this.modelsDir) removed = (await removeModelDir(modelDir(this.modelsDir, ref))) || removed;
    if (!removed) throw this.unknown(ref);
    await this.drop(ref.id);
  }

  /** A model's files (name and bytes), for a download; the embedded GMM's dictionary too. */
  async modelFiles(id: string): Promise<{ name: string; bytes: Uint8Array }[]> {
    const ref = parseModelId(id);
    if (this.onDisk(ref)) return readModelDir(modelDir(this.modelsDir!, ref));
    const dict =
      ref.kind === "GMM"
        ? (this.added.get(ref.name) ??
          (ref.name === "Graphene" ? GRAPHENE_CONTRAST_DICT : undefined))
        : undefined;
    if (dict === undefined) throw this.unknown(ref);
    const text = `${JSON.stringify(dict, null, 2)}\n`;
    return [{ name: CONTRAST_DICT_FILE, bytes: new TextEncoder().encode(text) }];
  }

  /** Added and on-disk GMMs (the embedded one excluded): how many, and their bytes. */
  async usage(): Promise<{ models: number; bytes: number }> {
    let models = 0;
    let bytes = 0;
    for (const [name, dict] of this.added) {
      if (this.modelsDir && this.onDisk({ kind: "GMM", name, id: `GMM-${name}` })) continue;
      models++;
      bytes += JSON.stringify(dict).length;
    }
    if (this.modelsDir) {
      for (const name of this.available().classification_models.GMM) {
        const ref = { kind: "GMM" as const, name, id: `GMM-${name}` };
        if (!this.onDisk(ref)) continue;
        models++;
        bytes += await modelDirBytes(modelDir(this.modelsDir, ref));
      }
    }
    return { models, bytes };
  }

  /** Where a customer's own models live under a models directory (their namespace). */
  static namespaceDir(modelsDir: string, namespace: string): string {
    return join(modelsDir, "customers", namespace);
  }

  private onDisk(ref: ModelRef): boolean {
    return (
      this.modelsDir !== undefined &&
      existsSync(join(modelDir(this.modelsDir, ref), markerFile(ref.kind)))
    );
  }

  /** The pixel classifier for a GMM-, AMM- or MLP- id, loading it on first use. */
  async classifier(id: string): Promise<PixelClassifier> {
    const ref = parseModelId(id);
    if (ref.kind === "M2F" || ref.kind === "MRCNN") {
      throw new InferenceError(
        "UNKNOWN_MODEL",
        `${id} is a segmentation model; a classification model is GMM-, AMM- or MLP-<Name>`,
      );
    }
    return (await this.get(ref)) as PixelClassifier;
  }

  /** The instance segmenter for an M2F- or MRCNN- id, loading it on first use. */
  async segmenter(id: string): Promise<InstanceSegmenter> {
    const ref = parseModelId(id);
    if (ref.kind !== "M2F" && ref.kind !== "MRCNN") {
      throw new InferenceError(
        "UNKNOWN_MODEL",
        `${id} is a classification model; a segmentation model is M2F- or MRCNN-<Name>`,
      );
    }
    return (await this.get(ref)) as InstanceSegmenter;
  }

  /** Release every loaded model. */
  async close(): Promise<void> {
    for (const id of [...this.cache.keys()]) await this.drop(id);
  }

  private async get(ref: ModelRef): Promise<Loaded> {
    const hit = this.cache.get(ref.id);
    // a model file replaced on disk (another process's addGmm, an upload) is loaded again
    if (hit?.source && fileVersion(hit.source.file) !== hit.source.version) {
      await this.drop(ref.id);
    } else if (hit) {
      this.cache.delete(ref.id); // move to most recent
      this.cache.set(ref.id, hit);
      return hit.model;
    }
    let pending = this.loading.get(ref.id);
    if (!pending) {
      pending = this.load(ref).finally(() => this.loading.delete(ref.id));
      this.loading.set(ref.id, pending);
    }
    return pending;
  }

  private async load(ref: ModelRef): Promise<Loaded> {
    const dir = this.modelsDir ? modelDir(this.modelsDir, ref) : undefined;
    const onDisk = dir !== undefined && existsSync(join(dir, markerFile(ref.kind)));
    let model: Loaded;
    let bytes: number;
    let source: Entry["source"];
    if (ref.kind === "GMM") {
      let dict: unknown;
      let what: string | undefined;
      if (onDisk) {
        const file = join(dir!, CONTRAST_DICT_FILE);
        const version = fileVersion(file);
        if (version !== undefined) source = { file, version };
        dict = await readJson(file, ref.id);
        what = `model ${ref.id}: ${file}`;
      } else if (this.added.has(ref.name)) {
        dict = this.added.get(ref.name);
      } else if (ref.name === "Graphene") {
        dict = GRAPHENE_CONTRAST_DICT;
      } else {
        throw this.unknown(ref);
      }
      const gmm = new GmmClassifier(ref, dict, what);
      model = gmm;
      bytes = gmm.memoryBytes;
    } else {
      if (!onDisk) throw this.unknown(ref);
      try {
        const onnx =
          ref.kind === "M2F" || ref.kind === "MRCNN"
            ? await loadOnnxSegmenter(ref, dir!)
            : await loadOnnxClassifier(ref, dir!);
        model = onnx;
        bytes = onnx.memoryBytes;
      } catch (e) {
        if (isInferenceError(e)) throw e;
        throw new InferenceError(
          "MODEL_LOAD_FAILED",
          `model ${ref.id}: ${join(dir!, ONNX_FILE)} could not be loaded: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    this.store(ref.id, model, bytes, source);
    return model;
  }

  private store(id: string, model: Loaded, bytes: number, source?: Entry["source"]): void {
    this.cache.set(id, { model, bytes, source });
    let total = 0;
    for (const e of this.cache.values()) total += e.bytes;
    // evict least recently used (first in the map), never the one just loaded
    for (const [other, e] of this.cache) {
      if (total <= this.budgetBytes || other === id) break;
      this.cache.delete(other);
      total -= e.bytes;
      void release(e.model);
    }
  }

  private async drop(id: string): Promise<void> {
    const e = this.cache.get(id);
    if (!e) return;
    this.cache.delete(id);
    await release(e.model);
  }

  private unknown(ref: ModelRef): InferenceError {
    const a = this.available();
    const all = [
      ...Object.entries(a.classification_models).flatMap(([k, ns]) => ns.map((n) => `${k}-${n}`)),
      ...Object.entries(a.segmentation_models).flatMap(([k, ns]) => ns.map((n) => `${k}-${n}`)),
    ];
    const where = this.modelsDir
      ? ` (looked for ${join(modelDir(this.modelsDir, ref), markerFile(ref.kind))})`
      : " (no models directory configured)";
    // Bounded, so that many uploads cannot make every error huge (issue 10, D4). Paths are for
    // the operator (CLI, logs); the API strips them from what it answers.
    const shown = all.slice(0, 50);
    const more = all.length > shown.length ? ` and ${all.length - shown.length} more` : "";
    return new InferenceError(
      "UNKNOWN_MODEL",
      `unknown model ${ref.id}${where}; available: ${shown.join(", ")}${more}`,
    );
  }
}

async function release(model: Loaded): Promise<void> {
  const r = (model as { release?: () => Promise<void> }).release;
  if (typeof r === "function") {
    try {
      await r.call(model);
    } catch {
      // a model that fails to release is dropped anyway
    }
  }
}

let shared: ModelRegistry | undefined;
/** The process-wide registry detectImage uses when none is given (embedded models only). */
export function defaultRegistry(): ModelRegistry {
  shared ??= new ModelRegistry();
  return shared;
}
