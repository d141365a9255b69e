import type * as ort from "onnxruntime-node";
import sharp from "sharp";
import { InferenceError } from "../../errors.js";
import type { BgrImage, InstanceSegmenter, ModelRef, SegmentationInstance } from "../../types.js";
import { resizePlane } from "./resize.js";
import { type SegmenterConfig, SegmenterConfigSchema } from "./segmenter-config.js";
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

export const SEGMENTER_CONFIG_FILE = "config.json";

/** A proposed instance, with the segmentation model's own class when it outputs one. */
export interface OnnxSegmentationInstance extends SegmentationInstance {
  /** The model's own class output for this instance, as it gives it (if it has one). */
  readonly classIndex?: number;
}

export interface SegmentOptions {
  /** Skip (do not resize) instances scoring below this; they would be filtered anyway. */
  readonly minScore?: number;
}

type Layout = "NCHW" | "NHWC" | "CHW" | "HWC";
const channelsFirst = (l: Layout) => l === "NCHW" || l === "CHW";
const batched = (l: Layout) => l === "NCHW" || l === "NHWC";

/** Shape of the image tensor for a layout, with c = 3. */
function layoutDims(l: Layout, h: number | string, w: number | string): (number | string)[] {
  const core = channelsFirst(l) ? [3, h, w] : [h, w, 3];
  return batched(l) ? [1, ...core] : core;
}

interface InputPlan {
  readonly name: string;
  readonly layout: Layout;
  readonly rgb: boolean;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Fixed [height, width] or undefined to feed the image at its own size. */
  readonly size: readonly [number, number] | undefined;
}

interface OutputPlan {
  readonly masks: string;
  readonly scores: string;
  readonly classes: string | undefined;
  readonly logits: boolean;
  readonly threshold: number;
}

/** An ONNX instance segmenter: one image in, masks [K, H, W] + scores [K] (+ classes) out. */
export class OnnxInstanceSegmenter implements InstanceSegmenter, Releasable {
  readonly memoryBytes: number;

  constructor(
    readonly ref: ModelRef,
    private readonly loaded: LoadedSession,
    private readonly input: InputPlan,
    private readonly output: OutputPlan,
  ) {
    this.memoryBytes = loaded.bytes;
  }

  async segment(
    image: BgrImage,
    options: SegmentOptions = {},
  ): Promise<OnnxSegmentationInstance[]> {
    const [h, w] = this.input.size ?? [image.height, image.width];
    const pixels = await resizeBgr(image, w, h);
    const tensor = this.toTensor(pixels, w, h);
    const results = await runSession(this.loaded, { [this.input.name]: tensor }, this.ref.id);
    return this.readInstances(results, image, options.minScore ?? Number.NEGATIVE_INFINITY);
  }

  private toTensor(pixels: Uint8Array, w: number, h: number): ort.Tensor {
    const { layout, rgb, mean, std } = this.input;
    const plane = w * h;
    const data = new Float32Array(plane * 3);
    for (let c = 0; c < 3; c++) {
      const from = rgb ? 2 - c : c; // source is BGR
      const m = mean[c] ?? 0;
      const s = std[c] ?? 1;
      for (let p = 0; p < plane; p++) {
        const v = ((pixels[p * 3 + from] ?? 0) - m) / s;
        data[channelsFirst(layout) ? c * plane + p : p * 3 + c] = v;
      }
    }
    const dims = layoutDims(layout, h, w) as number[];
    return new this.loaded.ort.Tensor("float32", data, dims);
  }

  private readInstances(
    results: ort.InferenceSession.OnnxValueMapType,
    image: BgrImage,
    minScore: number,
  ): OnnxSegmentationInstance[] {
    const { file } = this.loaded;
    const id = this.ref.id;
    const scores = floatData(results[this.output.scores], this.output.scores, id);
    const masksTensor = results[this.output.masks];
    const masks = floatData(masksTensor, this.output.masks, id);
    const classes = this.output.classes
      ? floatData(results[this.output.classes], this.output.classes, id)
      : undefined;
    const k = scores.length;
    const dims = masksTensor?.dims ?? [];
    const mh = Number(dims[dims.length - 2] ?? 0);
    const mw = Number(dims[dims.length - 1] ?? 0);
    if (k === 0) return [];
    if (dims.length < 3 || mh * mw * k !== masks.length) {
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${id}: ${file} output ${this.output.masks} has shape [${dims.join(", ")}] for ${k} scores; expected [K, H, W] (or [1, K, H, W])`,
      );
    }
    if (classes && classes.length !== k) {
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${id}: ${file} output ${this.output.classes} has ${classes.length} values for ${k} scores; expected [K]`,
      );
    }
    const cut = this.output.logits
      ? Math.log(this.output.threshold / (1 - this.output.threshold))
      : this.output.threshold;
    const out: OnnxSegmentationInstance[] = [];
    for (let i = 0; i < k; i++) {
      const score = scores[i] ?? 0;
      if (!(score >= minScore)) continue;
      const plane = resizePlane(
        masks.subarray(i * mh * mw, (i + 1) * mh * mw),
        mw,
        mh,
        image.width,
        image.height,
      );
      const mask = new Uint8Array(plane.length);
      let any = false;
      for (let p = 0; p < plane.length; p++) {
        if ((plane[p] ?? 0) > cut) {
          mask[p] = 1;
          any = true;
        }
      }
      if (!any) continue;
      const cls = classes?.[i];
      out.push(cls === undefined ? { mask, score } : { mask, score, classIndex: Math.round(cls) });
    }
    return out;
  }

  release(): Promise<void> {
    return this.loaded.session.release();
  }
}

async function resizeBgr(image: BgrImage, w: number, h: number): Promise<Uint8Array> {
  if (image.width === w && image.height === h) return image.data;
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const buf = await sharp(image.data, { raw })
    .resize(w, h, { fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Load `dir`/model.onnx and `dir`/config.json as an instance segmenter (M2F-*, MRCNN-*). */
export async function loadOnnxSegmenter(
  ref: ModelRef,
  dir: string,
): Promise<OnnxInstanceSegmenter> {
  if (ref.kind !== "M2F" && ref.kind !== "MRCNN") {
    throw new InferenceError(
      "UNKNOWN_MODEL",
      `model ${ref.id} is not a segmentation model; those are M2F-<Name> and MRCNN-<Name>`,
    );
  }
  const config = await readSideFile(dir, SEGMENTER_CONFIG_FILE, SegmenterConfigSchema, ref.id, {});
  const loaded = await loadSession(dir, ref.id);
  try {
    return new OnnxInstanceSegmenter(
      ref,
      loaded,
      planInput(ref, loaded, config),
      planOutput(ref, loaded, config),
    );
  } catch (e) {
    await loaded.session.release();
    throw e;
  }
}

function planInput(ref: ModelRef, loaded: LoadedSession, config: SegmenterConfig): InputPlan {
  const { session, file } = loaded;
  const name = pickName(session.inputNames, config.input_name, 0, "input", ref.id, file);
  const layout = config.input_layout ?? "NCHW";
  const meta = tensorMeta(session.inputMetadata, name);
  const shape = meta?.shape ?? [];
  const offset = batched(layout) ? 1 : 0;
  const [cAt, hAt, wAt] = (channelsFirst(layout) ? [0, 1, 2] : [2, 0, 1]).map(
    (i) => i + offset,
  ) as [number, number, number];
  const fixed = (d: number | string | undefined) =>
    typeof d === "number" && d > 0 ? d : undefined;
  const channels = fixed(shape[cAt]);
  const batch = batched(layout) ? fixed(shape[0]) : undefined;
  if (
    meta?.type !== "float32" ||
    shape.length !== (batched(layout) ? 4 : 3) ||
    (channels !== undefined && channels !== 3) ||
    (batch !== undefined && batch !== 1)
  ) {
    const got = meta ? `${meta.type} [${shape.join(", ")}]` : "not a tensor";
    const want = `[${layoutDims(layout, "H", "W").join(", ")}]`;
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${ref.id}: ${file} input ${name} is ${got}; expected float32 ${want} (input_layout ${layout} in config.json; NCHW, NHWC, CHW or HWC)`,
    );
  }
  const fh = fixed(shape[hAt]);
  const fw = fixed(shape[wAt]);
  const declared = fh !== undefined && fw !== undefined ? ([fh, fw] as const) : undefined;
  const size = config.input_size ?? declared;
  if (config.input_size && declared && (declared[0] !== size?.[0] || declared[1] !== size?.[1])) {
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${ref.id}: config.json input_size [${config.input_size.join(", ")}] differs from the model's fixed input [${declared.join(", ")}]`,
    );
  }
  return {
    name,
    layout,
    rgb: (config.input_format ?? config.INPUT?.FORMAT ?? "BGR") === "RGB",
    mean: config.pixel_mean ?? config.MODEL?.PIXEL_MEAN ?? [0, 0, 0],
    std: config.pixel_std ?? config.MODEL?.PIXEL_STD ?? [1, 1, 1],
    size,
  };
}

function planOutput(ref: ModelRef, loaded: LoadedSession, config: SegmenterConfig): OutputPlan {
  const { session, file } = loaded;
  const names = session.outputNames;
  // Configured name, else a conventional one (detectron2 / torchvision exports), else position.
  const find = (
    configured: string | undefined,
    conventional: string[],
    index: number | undefined,
  ) => {
    if (configured !== undefined) return pickName(names, configured, 0, "output", ref.id, file);
    const named = conventional.find((n) => names.includes(n));
    if (named !== undefined || index === undefined) return named;
    return pickName(names, undefined, index, "output", ref.id, file);
  };
  const masks = find(config.masks_output, ["masks", "pred_masks", "mask_probs"], 0)!;
  const scores = find(config.scores_output, ["scores", "pred_scores"], 1)!;
  const classes = find(config.classes_output, ["classes", "labels", "pred_classes"], undefined);
  if (masks === scores) {
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${ref.id}: ${file} needs separate masks and scores outputs (it has ${names.join(", ")})`,
    );
  }
  return {
    masks,
    scores,
    classes,
    logits: config.mask_format === "logits",
    threshold: config.mask_threshold ?? 0.5,
  };
}
