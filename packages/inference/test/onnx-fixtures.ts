import { onnx } from "onnx-proto";

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

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
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

function attribute(name: string, v: number | number[] | string): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if (Number.isInteger(v)) return { name, type: A.INT, i: v };
  return { name, type: A.FLOAT, f: v };
}

function initializer(i: InitSpec): onnx.ITensorProto {
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
