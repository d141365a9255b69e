import { InferenceError } from "../../errors.js";
import type { ModelRef, PixelClassifier } from "../../types.js";
import { type ClassifierMeta, ClassifierMetaSchema } from "./classifier-meta.js";
import {
  floatData,
  type LoadedSession,
  loadSession,
  pickName,
  type Releasable,
  readSideFile,
  runSession,
  tensorMeta,
} from "./session.js";

export const CLASSIFIER_META_FILE = "meta_data.json";
const DEFAULT_BATCH = 65_536;

type OutputKind = NonNullable<ClassifierMeta["output_kind"]>;

/** An ONNX pixel classifier: contrast [N, 3] float32 in, class scores [N, C] out. */
export class OnnxPixelClassifier implements PixelClassifier, Releasable {
  readonly classes: readonly string[];
  readonly memoryBytes: number;
  private readonly kind: OutputKind;
  private readonly background: number | null;
  private readonly columns: number;
  private readonly mean: readonly number[];
  private readonly std: readonly number[];
  private readonly batch: number;
  private readonly minScore: number;
  private readonly maxUncertainty: number;

  constructor(
    readonly ref: ModelRef,
    private readonly loaded: LoadedSession,
    meta: ClassifierMeta,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly uncertaintyName: string | undefined,
    columns: number,
  ) {
    this.memoryBytes = loaded.bytes;
    this.kind = meta.output_kind ?? (ref.kind === "AMM" ? "distances" : "logits");
    this.background = meta.background_class === undefined ? 0 : meta.background_class;
    this.columns = columns;
    const layers = columns - (this.background === null ? 0 : 1);
    this.classes = meta.class_names ?? Array.from({ length: layers }, (_, i) => String(i + 1));
    this.mean = meta.train_mean ?? [0, 0, 0];
    this.std = meta.train_std ?? [1, 1, 1];
    this.batch = meta.batch_size ?? DEFAULT_BATCH;
    this.minScore = meta.min_score ?? 0;
    this.maxUncertainty = meta.max_uncertainty ?? Number.POSITIVE_INFINITY;
  }

  async classify(contrast: Float32Array, options: { stdThreshold: number }): Promise<Int8Array> {
    const n = Math.floor(contrast.length / 3);
    const out = new Int8Array(n);
    for (let start = 0; start < n; start += this.batch) {
      const count = Math.min(this.batch, n - start);
      const input = new Float32Array(count * 3);
      for (let i = 0; i < count * 3; i++) {
        const c = i % 3;
        input[i] = ((contrast[start * 3 + i] ?? 0) - (this.mean[c] ?? 0)) / (this.std[c] ?? 1);
      }
      const results = await runSession(
        this.loaded,
        { [this.inputName]: new this.loaded.ort.Tensor("float32", input, [count, 3]) },
        this.ref.id,
      );
      const scores = floatData(results[this.outputName], this.outputName, this.ref.id);
      if (scores.length !== count * this.columns) {
        throw new InferenceError(
          "INVALID_MODEL",
          `model ${this.ref.id}: ${this.loaded.file} output ${this.outputName} has ${scores.length} values for ${count} pixels; expected [N, ${this.columns}]`,
        );
      }
      const uncertainty = this.uncertaintyName
        ? floatData(results[this.uncertaintyName], this.uncertaintyName, this.ref.id)
        : undefined;
      if (uncertainty && uncertainty.length !== count) {
        throw new InferenceError(
          "INVALID_MODEL",
          `model ${this.ref.id}: ${this.loaded.file} uncertainty output ${this.uncertaintyName} has ${uncertainty.length} values for ${count} pixels; expected [N] or [N, 1]`,
        );
      }
      for (let p = 0; p < count; p++) {
        const cls = this.pick(scores, p * this.columns, options.stdThreshold);
        out[start + p] = uncertainty && !((uncertainty[p] ?? 0) <= this.maxUncertainty) ? -1 : cls;
      }
    }
    return out;
  }

  /** Class index (into `classes`) of one pixel's scores, or -1 for background. */
  private pick(scores: Float32Array, at: number, stdThreshold: number): number {
    const lowerIsBetter = this.kind === "distances";
    let best = 0;
    let bestValue = scores[at] ?? Number.NaN;
    for (let k = 1; k < this.columns; k++) {
      const v = scores[at + k] ?? Number.NaN;
      if (lowerIsBetter ? v < bestValue : v > bestValue) {
        best = k;
        bestValue = v;
      }
    }
    if (Number.isNaN(bestValue) || best === this.background) return -1;
    if (lowerIsBetter) {
      // Same rule as the GMM: background unless within stdThreshold standard deviations.
      if (!(bestValue < stdThreshold)) return -1;
    } else if (this.minScore > 0) {
      let top = bestValue;
      if (this.kind === "logits") {
        let sum = 0;
        for (let k = 0; k < this.columns; k++) sum += Math.exp((scores[at + k] ?? 0) - bestValue);
        top = 1 / sum;
      }
      if (top < this.minScore) return -1;
    }
    return this.background !== null && best > this.background ? best - 1 : best;
  }

  release(): Promise<void> {
    return this.loaded.session.release();
  }
}

/** Load `dir`/model.onnx and `dir`/meta_data.json as a pixel classifier (AMM-*, MLP-*). */
export async function loadOnnxClassifier(ref: ModelRef, dir: string): Promise<OnnxPixelClassifier> {
  if (ref.kind !== "AMM" && ref.kind !== "MLP") {
    throw new InferenceError(
      "UNKNOWN_MODEL",
      `model ${ref.id} is not an ONNX pixel classifier; those are AMM-<Name> and MLP-<Name>`,
    );
  }
  const meta = await readSideFile(dir, CLASSIFIER_META_FILE, ClassifierMetaSchema, ref.id, {});
  const loaded = await loadSession(dir, ref.id);
  try {
    const { session, file } = loaded;
    const inputName = pickName(session.inputNames, meta.input_name, 0, "input", ref.id, file);
    const outputName = pickName(session.outputNames, meta.output_name, 0, "output", ref.id, file);
    const others = session.outputNames.filter((n) => n !== outputName);
    const uncertaintyName =
      meta.uncertainty_output_name !== undefined
        ? pickName(session.outputNames, meta.uncertainty_output_name, 0, "output", ref.id, file)
        : others[0];

    const input = tensorMeta(session.inputMetadata, inputName);
    const shape = input?.shape ?? [];
    const fixedWidth = shape.length === 2 ? shape[1] : undefined;
    if (
      input?.type !== "float32" ||
      shape.length !== 2 ||
      (typeof fixedWidth === "number" && fixedWidth !== 3) ||
      (typeof shape[0] === "number" && shape[0] !== -1)
    ) {
      const got = input ? `${input.type} [${shape.join(", ")}]` : "not a tensor";
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${ref.id}: ${file} input ${inputName} is ${got}; expected float32 [N, 3] (contrast B, G, R per pixel, N dynamic)`,
      );
    }

    const output = tensorMeta(session.outputMetadata, outputName);
    const declared = output?.shape.length === 2 ? output.shape[1] : undefined;
    const background = meta.background_class === undefined ? 0 : meta.background_class;
    let columns: number;
    if (meta.class_names) {
      columns = meta.class_names.length + (background === null ? 0 : 1);
      if (typeof declared === "number" && declared !== columns) {
        throw new InferenceError(
          "INVALID_MODEL",
          `model ${ref.id}: ${file} output ${outputName} has ${declared} classes but meta_data.json class_names gives ${columns} (with background)`,
        );
      }
    } else if (typeof declared === "number" && declared > 0) {
      columns = declared;
    } else {
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${ref.id}: ${file} output ${outputName} has no fixed class count; list class_names in meta_data.json`,
      );
    }
    if (background !== null && background >= columns) {
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${ref.id}: meta_data.json background_class ${background} is outside the ${columns} output classes`,
      );
    }
    if (columns - (background === null ? 0 : 1) > 127) {
      throw new InferenceError("INVALID_MODEL", `model ${ref.id}: more than 127 classes`);
    }
    return new OnnxPixelClassifier(
      ref,
      loaded,
      meta,
      inputName,
      outputName,
      uncertaintyName,
      columns,
    );
  } catch (e) {
    await loaded.session.release();
    throw e;
  }
}
