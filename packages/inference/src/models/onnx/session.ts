import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as ort from "onnxruntime-node";
import type { z } from "zod";
import { InferenceError } from "../../errors.js";

/**
 * Loading an ONNX model folder: model.onnx plus a JSON side file. Every failure is an
 * InferenceError naming the file, so a user sees which file to fix.
 */

export const MODEL_FILE = "model.onnx";

/** Something the registry's cache can drop to free memory. */
export interface Releasable {
  /** Approximate resident bytes (the model file size; onnxruntime holds about as much). */
  readonly memoryBytes: number;
  release(): Promise<void>;
}

/**
 * onnxruntime's native addon loads on the first ONNX model, not on import, so a service that
 * only runs the GMM never loads it (measured: +5 MB resident on import alone; its sessions and
 * thread pools come on top).
 */
let runtime: Promise<typeof ort> | undefined;
export function onnxRuntime(): Promise<typeof ort> {
  runtime ??= import("onnxruntime-node");
  return runtime;
}

/**
 * Execution providers a session may use, by onnxruntime-node's names (listSupportedBackends):
 * the configuration accepts these, in order of preference.
 */
export const EXECUTION_PROVIDERS = ["cuda", "tensorrt", "webgpu", "cpu"] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/**
 * `FLAKEOPS_EXECUTION_PROVIDERS` ("cuda,cpu"): the list, or undefined for the default (empty or
 * unset). An unknown name is BAD_OPTION listing the accepted ones.
 */
export function parseExecutionProviders(raw: string | undefined): ExecutionProvider[] | undefined {
  const names = (raw ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  for (const n of names) {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(n)) {
      throw new InferenceError(
        "BAD_OPTION",
        `unknown execution provider "${n}"; accepted: ${EXECUTION_PROVIDERS.join(", ")} (comma-separated, in order of preference)`,
      );
    }
  }
  return [...new Set(names)] as ExecutionProvider[];
}

/**
 * The providers a session gets: the requested ones when all are usable here; by default CUDA
 * then CPU when onnxruntime-node can use CUDA on this host, else CPU alone.
 */
export function chooseExecutionProviders(
  requested: readonly ExecutionProvider[] | undefined,
  usable: readonly string[],
): ExecutionProvider[] {
  if (requested === undefined) return usable.includes("cuda") ? ["cuda", "cpu"] : ["cpu"];
  const missing = requested.filter((p) => !usable.includes(p));
  if (missing.length > 0) {
    throw new InferenceError(
      "BAD_OPTION",
      `execution provider ${missing.join(", ")} is not available on this host; onnxruntime-node can use: ${usable.join(", ")}`,
    );
  }
  return [...requested];
}

/**
 * The backends onnxruntime-node can use here: those it bundles, and the others (CUDA,
 * TensorRT) only when their provider library sits next to its binding, which its installer
 * puts there on hosts with CUDA (onnxruntime-node's script/install.js).
 */
export function usableBackends(runtime: typeof ort): string[] {
  const list = (
    runtime as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }
  ).listSupportedBackends?.() ?? [{ name: "cpu", bundled: true }];
  const bindingDirs = onnxBindingDirs();
  return list
    .filter(
      (b) =>
        b.bundled ||
        bindingDirs.some((d) => existsSync(join(d, `libonnxruntime_providers_${b.name}.so`))),
    )
    .map((b) => b.name);
}

function onnxBindingDirs(): string[] {
  try {
    const root = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
    const bin = join(root, "bin");
    return readdirSync(bin).map((napi) => join(bin, napi, process.platform, process.arch));
  } catch {
    return [];
  }
}

let configured: ExecutionProvider[] | undefined;
let configuredSet = false;
/** Set this thread's provider preference (the pool passes its option to each worker). */
export function configureExecutionProviders(list: ExecutionProvider[] | undefined): void {
  configured = list;
  configuredSet = true;
  chosen = undefined;
}

let chosen: Promise<ExecutionProvider[]> | undefined;
/** The providers this thread's sessions use (configured, else FLAKEOPS_EXECUTION_PROVIDERS). */
export function executionProviders(): Promise<ExecutionProvider[]> {
  chosen ??= onnxRuntime().then((runtime) =>
    chooseExecutionProviders(
      configuredSet
        ? configured
        : parseExecutionProviders(process.env.FLAKEOPS_EXECUTION_PROVIDERS),
      usableBackends(runtime),
    ),
  );
  return chosen;
}

export interface LoadedSession {
  /** The runtime the session came from, for building its input tensors. */
  readonly ort: typeof ort;
  readonly session: ort.InferenceSession;
  readonly file: string;
  readonly bytes: number;
}

export async function loadSession(dir: string, modelId: string): Promise<LoadedSession> {
  const file = join(dir, MODEL_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "unreadable";
    throw new InferenceError(
      "MODEL_LOAD_FAILED",
      `model ${modelId}: ${file} is ${why}; an ONNX model folder holds ${MODEL_FILE}`,
      { cause: e },
    );
  }
  if (bytes.length === 0) {
    throw new InferenceError("INVALID_MODEL", `model ${modelId}: ${file} is empty`);
  }
  const runtime = await onnxRuntime();
  const providers = await executionProviders();
  try {
    const session = await runtime.InferenceSession.create(bytes, {
      executionProviders: providers,
      graphOptimizationLevel: "all",
      // One thread per session: the service runs a worker per core, so more would oversubscribe.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    return { ort: runtime, session, file, bytes: bytes.length };
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${modelId}: ${file} is not a loadable ONNX model (${detail})`,
      { cause: e },
    );
  }
}

/** Read and validate the model's JSON side file; a missing file gives `fallback`. */
export async function readSideFile<T>(
  dir: string,
  name: string,
  schema: z.ZodType<T>,
  modelId: string,
  fallback: unknown,
): Promise<T> {
  const file = join(dir, name);
  let raw: unknown = fallback;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") {
      const detail = e instanceof Error ? e.message : String(e);
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${modelId}: ${file} is not valid JSON (${detail})`,
        {
          cause: e,
        },
      );
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(root)";
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${modelId}: ${file}: ${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

export function tensorMeta(
  list: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): ort.InferenceSession.TensorValueMetadata | undefined {
  const m = list.find((v) => v.name === name);
  return m?.isTensor ? m : undefined;
}

/** Pick a named input/output, or the one at `index` when no name is configured. */
export function pickName(
  names: readonly string[],
  wanted: string | undefined,
  index: number,
  what: string,
  modelId: string,
  file: string,
): string {
  if (wanted !== undefined) {
    if (!names.includes(wanted)) {
      throw new InferenceError(
        "INVALID_MODEL",
        `model ${modelId}: ${file} has no ${what} "${wanted}" (it has ${names.join(", ") || "none"})`,
      );
    }
    return wanted;
  }
  const name = names[index];
  if (name === undefined) {
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${modelId}: ${file} has ${names.length} ${what}s; expected at least ${index + 1}`,
    );
  }
  return name;
}

/** Run once, turning onnxruntime's failures (bad shapes etc.) into INVALID_MODEL. */
export async function runSession(
  loaded: LoadedSession,
  feeds: Record<string, ort.Tensor>,
  modelId: string,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await loaded.session.run(feeds);
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${modelId}: ${loaded.file} failed to run (${detail})`,
      {
        cause: e,
      },
    );
  }
}

export function floatData(t: ort.Tensor | undefined, what: string, modelId: string): Float32Array {
  if (t === undefined) {
    throw new InferenceError("INVALID_MODEL", `model ${modelId}: output ${what} is missing`);
  }
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (
    d instanceof Float64Array ||
    d instanceof Int32Array ||
    d instanceof Uint8Array ||
    d instanceof Int8Array ||
    d instanceof Uint16Array ||
    d instanceof Int16Array
  ) {
    return Float32Array.from(d);
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    return Float32Array.from(d, (v) => Number(v));
  }
  if (Array.isArray(d) && typeof d[0] === "boolean") {
    return Float32Array.from(d as unknown as boolean[], (v) => (v ? 1 : 0));
  }
  throw new InferenceError(
    "INVALID_MODEL",
    `model ${modelId}: output ${what} has type ${t.type}; expected a numeric tensor`,
  );
}
