import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { DetectorPool } from "@flakeops/inference";
import {
  CUSTOMER_ID_PATTERN,
  CUSTOMER_ID_RULE,
  DEFAULT_PORT,
  DRAIN_SECONDS,
  SHUTDOWN_DEADLINE_SECONDS,
} from "./contract.js";
import { DEFAULT_DMI_DIR } from "./services/imds.js";

/**
 * Everything the service reads from its environment, parsed once in main.ts and passed to
 * createApp: tests build a Config by hand instead of mutating process.env.
 */
export interface Config {
  port: number;
  host: string;
  /** MaskTerial-style models directory; undefined = only the embedded default model. */
  modelsDir: string | undefined;
  /** Detector worker threads (default: the cores). */
  workers: number;
  /** Requests allowed to wait for a worker on top of those running. */
  maxQueue: number;
  /** Upload cap for /detect and /predict, in bytes, enforced while the body streams in. */
  maxBodyBytes: number;
  /** Upload cap for /upload/gmm. */
  maxModelBytes: number;
  /** Decoded pixel limit, checked from the image header before decoding. */
  maxPixels: number;
  /** Per-request deadline for queueing + detection. */
  requestTimeoutMs: number;
  /** After SIGTERM: /health answers 503 and new work is refused this long, listener open. */
  drainMs: number;
  /** How long in-flight requests still get after the drain. */
  shutdownDeadlineMs: number;
  /** Uploads being received at once, all clients together (services/uploads.ts). */
  maxUploads: number;
  /** Bytes held by the uploads in progress, all clients together. */
  maxUploadBytes: number;
  /** Uploads at once from one client (API key, else address). */
  maxUploadsPerClient: number;
  /** Minimum average upload rate after the grace period, else 408 and close. */
  minUploadBytesPerSecond: number;
  uploadGraceMs: number;
  /** API key -> customer_id; empty = auth off. */
  apiKeys: ReadonlyMap<string, string>;
  /** Admin key -> id: may change the shared models (and acts as that id). */
  adminKeys: ReadonlyMap<string, string>;
  /** Non-admin callers may add and delete their own GMMs (a local opt-in; deployed: false). */
  allowModelUploads: boolean;
  /** Quota per model namespace (a customer's own, or the shared one): models... */
  maxModelsPerNamespace: number;
  /** ...and bytes on disk. */
  maxModelStoreBytes: number;
  /** Allowed CORS origins for the /detect family ("*" = any); MaskTerial routes are always open. */
  corsOrigins: readonly string[];
  /** IMDS base URL, or undefined to never ask (off EC2, tests). */
  imdsUrl: string | undefined;
  imdsTimeoutMs: number;
  /**
   * ONNX execution providers in order of preference, e.g. ["cuda", "cpu"]; undefined = CUDA
   * when onnxruntime-node can use it here, else CPU.
   */
  executionProviders: string[] | undefined;
  /** The DMI identity directory read before asking IMDS (tests point it at a fixture). */
  dmiDir: string;
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULT_IMDS_URL = "http://169.254.169.254";

/**
 * The one place the defaults live: loadConfig passes only what the environment sets, and
 * everything else comes from here (tests pass their own overrides).
 */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const workers = overrides.workers ?? Math.max(1, availableParallelism());
  return {
    port: DEFAULT_PORT,
    host: "0.0.0.0",
    modelsDir: undefined,
    workers,
    maxQueue: workers * 4,
    maxBodyBytes: 20 * 1024 * 1024,
    maxModelBytes: 1024 * 1024,
    maxPixels: 4096 * 4096,
    requestTimeoutMs: 30_000,
    drainMs: DRAIN_SECONDS * 1000,
    shutdownDeadlineMs: SHUTDOWN_DEADLINE_SECONDS * 1000,
    maxUploads: 64,
    maxUploadBytes: 256 * 1024 * 1024,
    maxUploadsPerClient: 8,
    // 8 KiB/s: a 1 MB microscope image within the default 30 s budget needs 34 KiB/s anyway.
    minUploadBytesPerSecond: 8 * 1024,
    uploadGraceMs: 5_000,
    apiKeys: new Map(),
    adminKeys: new Map(),
    allowModelUploads: false,
    maxModelsPerNamespace: 20,
    maxModelStoreBytes: 20 * 1024 * 1024,
    corsOrigins: [],
    imdsUrl: undefined,
    imdsTimeoutMs: 300,
    dmiDir: DEFAULT_DMI_DIR,
    executionProviders: undefined,
    logLevel: "info",
    ...overrides,
  };
}

function int(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${raw}: expected an integer in [${min}, ${max}]`);
  }
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (raw === "true" || raw === "false") return raw === "true";
  throw new ConfigError(`${name}=${raw}: expected true or false`);
}

function addKey(keys: Map<string, string>, key: string, customer: string, source: string): void {
  if (key.length < 8) throw new ConfigError(`${source}: API keys must have at least 8 characters`);
  if (!CUSTOMER_ID_PATTERN.test(customer)) {
    throw new ConfigError(
      `${source}: customer_id "${customer}" must match ${CUSTOMER_ID_PATTERN} (${CUSTOMER_ID_RULE})`,
    );
  }
  keys.set(key, customer);
}

/** `key:customer,key:customer` (env) and/or a JSON file `{ "<key>": "<customer_id>" }`. */
export function parseApiKeys(
  env: NodeJS.ProcessEnv,
  variable: "FLAKEOPS_API_KEYS" | "FLAKEOPS_ADMIN_KEYS" = "FLAKEOPS_API_KEYS",
): Map<string, string> {
  const keys = new Map<string, string>();
  const FILE = `${variable}_FILE`;
  const inline = env[variable]?.trim();
  if (inline) {
    for (const pair of inline.split(",")) {
      const i = pair.lastIndexOf(":");
      if (i < 1) throw new ConfigError(`${variable}: expected key:customer_id[,key:customer_id]`);
      addKey(keys, pair.slice(0, i).trim(), pair.slice(i + 1).trim(), variable);
    }
  }
  const file = env[FILE]?.trim();
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${FILE}: cannot read ${file}: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError(`${FILE}: expected a JSON object { key: customer_id }`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== "string") throw new ConfigError(`${FILE}: value of a key is not a string`);
      addKey(keys, k, v, FILE);
    }
  }
  return keys;
}

type IntegerKey = {
  [K in keyof Config]: Config[K] extends number ? K : never;
}[keyof Config];

/** The integer settings: the variable that sets each and the range it accepts. */
const INTEGER_ENV: readonly (readonly [IntegerKey, string, number, number])[] = [
  ["workers", "FLAKEOPS_WORKERS", 1, 256],
  ["port", "PORT", 0, 65535],
  ["maxQueue", "FLAKEOPS_MAX_QUEUE", 0, 100_000],
  ["maxBodyBytes", "FLAKEOPS_MAX_BODY_BYTES", 1024, 2 ** 31],
  ["maxModelBytes", "FLAKEOPS_MAX_MODEL_BYTES", 1024, 2 ** 31],
  ["maxPixels", "FLAKEOPS_MAX_PIXELS", 1, 2 ** 31],
  ["requestTimeoutMs", "FLAKEOPS_REQUEST_TIMEOUT_MS", 100, 3_600_000],
  ["shutdownDeadlineMs", "FLAKEOPS_SHUTDOWN_DEADLINE_MS", 0, 3_600_000],
  ["drainMs", "FLAKEOPS_DRAIN_MS", 0, 3_600_000],
  ["maxUploads", "FLAKEOPS_MAX_UPLOADS", 1, 100_000],
  ["maxUploadBytes", "FLAKEOPS_MAX_UPLOAD_BYTES", 1024, 2 ** 40],
  ["maxUploadsPerClient", "FLAKEOPS_MAX_UPLOADS_PER_CLIENT", 1, 100_000],
  ["minUploadBytesPerSecond", "FLAKEOPS_MIN_UPLOAD_BYTES_PER_SECOND", 0, 2 ** 31],
  ["uploadGraceMs", "FLAKEOPS_UPLOAD_GRACE_MS", 0, 3_600_000],
  ["maxModelsPerNamespace", "FLAKEOPS_MAX_MODELS", 0, 100_000],
  ["maxModelStoreBytes", "FLAKEOPS_MAX_MODEL_STORE_BYTES", 0, 2 ** 40],
  ["imdsTimeoutMs", "FLAKEOPS_IMDS_TIMEOUT_MS", 1, 10_000],
];

/** The Config the environment describes: what it sets, defaultConfig's values for the rest. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set: Partial<Config> = {};
  for (const [key, name, min, max] of INTEGER_ENV) {
    const n = int(env, name, min, max);
    if (n !== undefined) set[key] = n;
  }
  const text = (name: string) => env[name]?.trim() || undefined;
  const host = text("HOST");
  if (host !== undefined) set.host = host;
  const logLevel = text("LOG_LEVEL");
  if (logLevel !== undefined) set.logLevel = logLevel;
  const imds = text("FLAKEOPS_IMDS_URL");
  let executionProviders: string[] | undefined;
  try {
    executionProviders = DetectorPool.parseExecutionProviders(env.FLAKEOPS_EXECUTION_PROVIDERS);
  } catch (e) {
    throw new ConfigError(`FLAKEOPS_EXECUTION_PROVIDERS: ${(e as Error).message}`);
  }
  return defaultConfig({
    ...set,
    executionProviders,
    modelsDir: text("FLAKEOPS_MODELS_DIR"),
    apiKeys: parseApiKeys(env),
    adminKeys: parseApiKeys(env, "FLAKEOPS_ADMIN_KEYS"),
    allowModelUploads: bool(env, "FLAKEOPS_ALLOW_MODEL_UPLOADS") ?? false,
    corsOrigins: (env.FLAKEOPS_CORS_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    // Off EC2 the lookup costs one short timeout, once; "off" skips it entirely.
    imdsUrl: imds === "off" ? undefined : (imds ?? DEFAULT_IMDS_URL),
  });
}
