import { workerData } from "node:worker_threads";
import sharp from "sharp";
import { type DetectionResult, type DetectOptions, detectImage } from "../detect.js";
import { type InferenceErrorCode, isInferenceError } from "../errors.js";
import { warmUpKernels } from "../kernels/scans.js";
import { ModelRegistry } from "../models/registry.js";

/**
 * The DetectorPool's worker: one registry per thread (models load lazily in each), detection
 * in this thread. Errors come back as data, because a thrown Error loses its code crossing the
 * thread boundary.
 */
export interface WorkerTask {
  input: Uint8Array;
  options: Omit<DetectOptions, "signal">;
}

export type WorkerReply =
  | { ok: true; result: DetectionResult }
  | { ok: false; code: InferenceErrorCode; message: string };

// one libvips thread per detector worker: the pool already runs a worker per core
sharp.concurrency(1);
warmUpKernels();

const data = (workerData ?? {}) as { modelsDir?: string; memoryBudgetMB?: number };
const registry = new ModelRegistry({
  modelsDir: data.modelsDir,
  memoryBudgetMB: data.memoryBudgetMB,
});

export default async function detect(task: WorkerTask): Promise<WorkerReply> {
  try {
    return { ok: true, result: await detectImage(task.input, { ...task.options, registry }) };
  } catch (e) {
    if (isInferenceError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
  }
}
