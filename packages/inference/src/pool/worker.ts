import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { threadId, workerData } from "node:worker_threads";
import sharp from "sharp";
import { type DetectionResult, type DetectOptions, detectImage } from "../detect.js";
import { type InferenceErrorCode, isInferenceError } from "../errors.js";
import { releaseKernelMemory } from "../kernels/instance.js";
import { warmUpKernels } from "../kernels/scans.js";
import {
  configureExecutionProviders,
  type ExecutionProvider,
  executionProviders,
} from "../models/onnx/session.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "../models/registry.js";
import {
  type CalibrationReply,
  type CalibrationTask,
  calibrationTask,
} from "./calibration-task.js";

/**
 * The DetectorPool's worker: one registry per thread (models load lazily in each), detection
 * in this thread. Errors come back as data, because a thrown Error loses its code crossing the
 * thread boundary.
 */
export interface WorkerTask {
  input: Uint8Array;
  options: Omit<DetectOptions, "signal">;
  /** A customer's model namespace: its own models first, then the shared ones. */
  namespace?: string;
}

/** Not a detection: which execution providers this worker's ONNX sessions use. */
export interface ProbeTask {
  probe: "execution-providers";
}
export interface ProbeReply {
  providers: string[];
  /** Which thread answered: a replaced worker has a new one. */
  threadId: number;
}

export type WorkerReply =
  | { ok: true; result: DetectionResult }
  | { ok: false; code: InferenceErrorCode; message: string };

// one libvips thread per detector worker: the pool already runs a worker per core
sharp.concurrency(1);
warmUpKernels();

const data = (workerData ?? {}) as {
  modelsDir?: string;
  memoryBudgetMB?: number;
  executionProviders?: ExecutionProvider[];
};
configureExecutionProviders(data.executionProviders);
const registry = new ModelRegistry({
  modelsDir: data.modelsDir,
  memoryBudgetMB: data.memoryBudgetMB,
});

const namespaces = new Map<string, ModelRegistry>();

/** The registry that holds the task's model: the namespace's when it has it, else the shared. */
function registryFor(task: WorkerTask): ModelRegistry {
  const { namespace } = task;
  if (namespace === undefined || data.modelsDir === undefined) return registry;
  let own = namespaces.get(namespace);
  if (!own) {
    own = new ModelRegistry({
      modelsDir: ModelRegistry.namespaceDir(data.modelsDir, namespace),
      memoryBudgetMB: data.memoryBudgetMB,
    });
    namespaces.set(namespace, own);
  }
  const model = task.options.model;
  return model !== undefined && model !== DEFAULT_MODEL_ID && own.has(model) ? own : registry;
}

/**
 * Kernel memory a worker keeps between images: enough for 1920x1200 frames (about 23 MB), so
 * steady traffic never reallocates; a larger image's memory is given back after it.
 */
const KEEP_KERNEL_BYTES = 32 * 1024 * 1024;

/**
 * A full collection, when V8 lets us have one: dropped WebAssembly memory and image buffers
 * are external to the JS heap, so an idle worker would otherwise hold them until its next
 * allocation-driven GC, which may never come (issue 10: 708 MB 30 s after a burst).
 */
const collect: (() => void) | undefined = (() => {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
})();

function afterTask(): void {
  releaseKernelMemory(KEEP_KERNEL_BYTES);
  // One image's buffers (tens of MB outside the JS heap) are garbage now: collect them after
  // the reply has gone, so a worker holds one image at a time, not several awaiting a GC.
  if (collect) setImmediate(collect);
}

export default async function detect(
  task: WorkerTask | ProbeTask | CalibrationTask,
): Promise<WorkerReply | ProbeReply | CalibrationReply> {
  if ("probe" in task) return { providers: await executionProviders(), threadId };
  try {
    return "calibrate" in task ? await calibrationTask(task.calibrate) : await detectTask(task);
  } finally {
    afterTask();
  }
}

async function detectTask(task: WorkerTask): Promise<WorkerReply> {
  try {
    const result = await detectImage(task.input, { ...task.options, registry: registryFor(task) });
    return { ok: true, result };
  } catch (e) {
    if (isInferenceError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
  }
}
