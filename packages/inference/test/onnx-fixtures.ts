import onnxProto, { type onnx as P } from "onnx-proto";
import { expect } from "vitest";
import { InferenceError } from "../src/errors.js";

// onnx-proto is CommonJS; its named export is only visible through the default import in Node.
const { onnx } = onnxProto;

/**
 * Tiny ONNX graphs with known weights, built in the test itself (no weights can be
 * downloaded here). Each returns model.onnx bytes that onnxruntime-node loads from memory.
 */

type Dim = number | string;
export interface ValueSpec {
  name: string;
  shape: Dim[];
  type?: "float" | "int64";
}
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | number[] | string>;
}
export interface InitSpec {
  name: string;
  dims: number[];
  values: number[];
  type?: "float" | "int64";
}

const T = onnx.TensorProto.DataType;

function valueInfo(v: ValueSpec): P.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type === "int64" ? T.INT64 : T.FLOAT,
        shape: {
          dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, v: number | number[] | string): P.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if (Number.isInteger(v)) return { name, type: A.INT, i: v };
  return { name, type: A.FLOAT, f: v };
}

function initializer(i: InitSpec): P.ITensorProto {
  const raw =
    i.type === "int64"
      ? new Uint8Array(BigInt64Array.from(i.values, (v) => BigInt(v)).buffer)
      : new Uint8Array(Float32Array.from(i.values).buffer);
  return {
    name: i.name,
    dims: i.dims,
    dataType: i.type === "int64" ? T.INT64 : T.FLOAT,
    rawData: raw,
  };
}

export function buildModel(spec: {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: InitSpec[];
  opset?: number;
}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "flakeops-test",
    opsetImport: [{ domain: "", version: spec.opset ?? 13 }],
    graph: {
      name: "g",
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.initializers ?? []).map(initializer),
      node: spec.nodes.map((n, k) => ({
        name: `n${k}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attribute(name, v)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A nearest-mean classifier as one linear layer plus the |x|^2 term:
 * -|x - mu_k|^2 / s^2 = (2 mu_k . x - |mu_k|^2 - |x|^2) / s^2, so the argmax is the nearest
 * mean. `kind: "distances"` outputs |x - mu_k| / s instead (an AMM head's Mahalanobis
 * distance for covariance s^2 I). An optional second output "uncertainty" = the smallest
 * squared distance / s^2.
 */
export function nearestMeanModel(opts: {
  means: number[][];
  sigma: number;
  kind: "logits" | "distances";
  uncertainty?: boolean;
  inputShape?: Dim[];
}): Uint8Array {
  const { means, sigma } = opts;
  const k = means.length;
  const s2 = sigma * sigma;
  const w: number[] = [];
  for (let c = 0; c < 3; c++) for (let j = 0; j < k; j++) w.push((2 * (means[j]?.[c] ?? 0)) / s2);
  const b = means.map((m) => -(m[0]! ** 2 + m[1]! ** 2 + m[2]! ** 2) / s2);
  const nodes: NodeSpec[] = [
    { op: "Gemm", inputs: ["contrast", "W", "B"], outputs: ["lin"] },
    { op: "Mul", inputs: ["contrast", "contrast"], outputs: ["sq"] },
    { op: "MatMul", inputs: ["sq", "ones"], outputs: ["norm"] },
    { op: "Sub", inputs: ["lin", "norm"], outputs: ["neg_d2"] },
  ];
  if (opts.kind === "logits") {
    nodes.push({ op: "Identity", inputs: ["neg_d2"], outputs: ["scores"] });
  } else {
    nodes.push(
      { op: "Neg", inputs: ["neg_d2"], outputs: ["d2"] },
      { op: "Relu", inputs: ["d2"], outputs: ["d2pos"] },
      { op: "Sqrt", inputs: ["d2pos"], outputs: ["scores"] },
    );
  }
  const outputs: ValueSpec[] = [{ name: "scores", shape: ["N", k] }];
  if (opts.uncertainty) {
    nodes.push(
      {
        op: "ReduceMax",
        inputs: ["neg_d2"],
        outputs: ["maxneg"],
        attrs: { axes: [1], keepdims: 0 },
      },
      { op: "Neg", inputs: ["maxneg"], outputs: ["uncertainty"] },
    );
    outputs.push({ name: "uncertainty", shape: ["N"] });
  }
  return buildModel({
    inputs: [{ name: "contrast", shape: opts.inputShape ?? ["N", 3] }],
    outputs,
    nodes,
    initializers: [
      { name: "W", dims: [3, k], values: w },
      { name: "B", dims: [k], values: b },
      { name: "ones", dims: [3, 1], values: [1 / s2, 1 / s2, 1 / s2] },
    ],
  });
}

/**
 * A segmentation model whose instance k is the set of pixels whose channel `channel`
 * (after the model's normalisation) lies in bands[k] = [lo, hi]:
 * mask_k = sigmoid(gain (v - lo)) * sigmoid(gain (hi - v)). Scores and classes are constants.
 * Outputs masks [1, K, H, W] (probabilities), scores [K], classes [K] (int64).
 */
export function bandSegmenterModel(opts: {
  bands: [number, number][];
  scores: number[];
  classes?: number[];
  channel: number;
  layout?: "NCHW" | "NHWC" | "CHW";
  /** torchvision Mask R-CNN style outputs: boxes, labels, scores, masks [K, 1, H, W]. */
  torchvision?: boolean;
  gain?: number;
  size?: [number, number];
}): Uint8Array {
  const k = opts.bands.length;
  const gain = opts.gain ?? 200;
  const weights: number[] = [];
  const bias: number[] = [];
  // First K channels: gain (v - lo); next K: gain (hi - v).
  for (const sign of [1, -1]) {
    for (const [lo, hi] of opts.bands) {
      for (let c = 0; c < 3; c++) weights.push(c === opts.channel ? sign * gain : 0);
      bias.push(sign === 1 ? -gain * lo : gain * hi);
    }
  }
  const [h, w] = opts.size ?? ["H", "W"];
  const layout = opts.layout ?? "NCHW";
  const nodes: NodeSpec[] = [];
  let x = "image";
  if (layout === "NHWC") {
    nodes.push({ op: "Transpose", inputs: [x], outputs: ["nchw"], attrs: { perm: [0, 3, 1, 2] } });
    x = "nchw";
  } else if (layout === "CHW") {
    nodes.push({ op: "Unsqueeze", inputs: [x, "axis0"], outputs: ["nchw"] });
    x = "nchw";
  }
  const tv = opts.torchvision === true;
  nodes.push(
    {
      op: "Conv",
      inputs: [x, "convW", "convB"],
      outputs: ["edges"],
      attrs: { kernel_shape: [1, 1] },
    },
    { op: "Sigmoid", inputs: ["edges"], outputs: ["soft"] },
    { op: "Split", inputs: ["soft", "split"], outputs: ["low", "high"], attrs: { axis: 1 } },
    { op: "Mul", inputs: ["low", "high"], outputs: [tv ? "m1k" : "masks"] },
    { op: "Identity", inputs: ["scoreValues"], outputs: ["scores"] },
  );
  const initializers: InitSpec[] = [
    { name: "convW", dims: [2 * k, 3, 1, 1], values: weights },
    { name: "convB", dims: [2 * k], values: bias },
    { name: "split", dims: [2], values: [k, k], type: "int64" },
    { name: "scoreValues", dims: [k], values: opts.scores },
    { name: "axis0", dims: [1], values: [0], type: "int64" },
  ];
  let outputs: ValueSpec[];
  if (tv) {
    // torchvision order and names: boxes [K, 4], labels [K], scores [K], masks [K, 1, H, W].
    nodes.push(
      { op: "Transpose", inputs: ["m1k"], outputs: ["masks"], attrs: { perm: [1, 0, 2, 3] } },
      { op: "Identity", inputs: ["boxValues"], outputs: ["boxes"] },
      { op: "Identity", inputs: ["labelValues"], outputs: ["labels"] },
    );
    initializers.push(
      { name: "boxValues", dims: [k, 4], values: new Array(4 * k).fill(0) },
      {
        name: "labelValues",
        dims: [k],
        values: opts.classes ?? new Array(k).fill(1),
        type: "int64",
      },
    );
    outputs = [
      { name: "boxes", shape: [k, 4] },
      { name: "labels", shape: [k], type: "int64" },
      { name: "scores", shape: [k] },
      { name: "masks", shape: [k, 1, h, w] },
    ];
  } else {
    outputs = [
      { name: "masks", shape: [1, k, h, w] },
      { name: "scores", shape: [k] },
    ];
    if (opts.classes) {
      nodes.push({ op: "Identity", inputs: ["classValues"], outputs: ["classes"] });
      outputs.push({ name: "classes", shape: [k], type: "int64" });
      initializers.push({ name: "classValues", dims: [k], values: opts.classes, type: "int64" });
    }
  }
  const inputShape = layout === "NHWC" ? [1, h, w, 3] : layout === "CHW" ? [3, h, w] : [1, 3, h, w];
  return buildModel({
    inputs: [{ name: "image", shape: inputShape }],
    outputs,
    nodes,
    initializers,
  });
}

/** A BGR image of one colour with axis-aligned rectangles painted on it. */
export function paintedImage(
  width: number,
  height: number,
  background: [number, number, number],
  rects: { x: number; y: number; w: number; h: number; bgr: [number, number, number] }[],
): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(background, p * 3);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) data.set(r.bgr, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** Row-major 0/1 mask of a rectangle. */
export function rectMask(
  width: number,
  height: number,
  r: { x: number; y: number; w: number; h: number },
): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = r.y; y < r.y + r.h; y++) m.fill(1, y * width + r.x, y * width + r.x + r.w);
  return m;
}

/** Await a load that must fail, and return its InferenceError for the caller's assertions. */
export async function loadFailure(p: Promise<unknown>): Promise<InferenceError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InferenceError);
  return e as InferenceError;
}
