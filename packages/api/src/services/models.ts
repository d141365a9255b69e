import { ModelRegistry } from "@flakeops/inference";
import type { Config } from "../config.js";
import { ApiError } from "../http/errors.js";

/** Who is asking: the key's customer (when auth is on) and whether the key is an admin's. */
export interface Caller {
  customer: string | undefined;
  admin: boolean;
}

type Available = ReturnType<ModelRegistry["available"]>;

/**
 * The models as each caller sees them (issue 10, D2/D4). The shared registry (embedded models,
 * the operator's models directory) is read-only unless the caller holds an admin key. With
 * FLAKEOPS_ALLOW_MODEL_UPLOADS=true, callers add their own GMMs: each customer into their own
 * namespace when auth is on (ModelRegistry.namespaceDir), everyone into the shared models when
 * it is off (a local, single-user setup). Names are never reused, and each namespace has a
 * quota on count and bytes.
 */
export class ModelCatalog {
  private readonly namespaces = new Map<string, ModelRegistry>();
  /** One model change at a time per namespace, so a quota check cannot race its write. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly config: Config,
    readonly shared: ModelRegistry,
    private readonly authEnabled: boolean,
  ) {}

  /** The namespace a customer's detections look in first (undefined: shared only). */
  namespaceOf(caller: Caller): string | undefined {
    return this.authEnabled && !caller.admin ? caller.customer : undefined;
  }

  available(caller: Caller): Available {
    const shared = this.shared.available();
    const own = this.own(caller);
    if (!own) return shared;
    const mine = own.available();
    const merged = structuredClone(shared);
    for (const group of ["classification_models", "segmentation_models"] as const) {
      const into = merged[group] as Record<string, string[]>;
      for (const [kind, names] of Object.entries(mine[group] as Record<string, string[]>)) {
        into[kind] = [...new Set([...(into[kind] ?? []), ...names])].sort();
      }
    }
    return merged;
  }

  has(caller: Caller, id: string): boolean {
    return this.shared.has(id) || (this.own(caller)?.has(id) ?? false);
  }

  /** Add a GMM where this caller may write; "already exists" wherever the caller can see it. */
  async addGmm(caller: Caller, name: string, dict: unknown, bytes: number): Promise<void> {
    const target = this.writable(caller);
    const id = `GMM-${name}`;
    if (target !== this.shared && this.shared.has(id)) {
      throw new ApiError(
        400,
        "MODEL_EXISTS",
        `Model ${name} already exists, please choose a different name`,
      );
    }
    await this.serially(target, async () => {
      const usage = await target.usage();
      const { maxModelsPerNamespace: maxModels, maxModelStoreBytes: maxBytes } = this.config;
      if (usage.models >= maxModels) {
        throw new ApiError(
          403,
          "MODEL_QUOTA",
          `the model quota is reached (${usage.models} of ${maxModels} models); delete one first`,
        );
      }
      if (usage.bytes + bytes > maxBytes) {
        throw new ApiError(
          403,
          "MODEL_QUOTA",
          `the model storage quota is reached (${usage.bytes} + ${bytes} bytes over ${maxBytes}); delete a model first`,
        );
      }
      await target.addGmm(name, dict);
    });
  }

  /** Delete a model this caller may write; false when it is not there. */
  async delete(caller: Caller, id: string): Promise<boolean> {
    const target = this.writable(caller);
    if (!target.has(id)) return false;
    await this.serially(target, () => target.deleteModel(id));
    return true;
  }

  /** A model's files as this caller sees it (own namespace first), or undefined. */
  async files(
    caller: Caller,
    id: string,
  ): Promise<{ name: string; bytes: Uint8Array }[] | undefined> {
    const own = this.own(caller);
    if (own?.has(id)) return own.modelFiles(id);
    if (this.shared.has(id)) return this.shared.modelFiles(id);
    return undefined;
  }

  private writable(caller: Caller): ModelRegistry {
    if (caller.admin) return this.shared;
    if (!this.config.allowModelUploads) {
      throw new ApiError(
        403,
        "MODELS_READ_ONLY",
        "models are read-only on this server: changing them needs an admin key (FLAKEOPS_ADMIN_KEYS), or FLAKEOPS_ALLOW_MODEL_UPLOADS=true for a local setup",
      );
    }
    return this.own(caller) ?? this.shared;
  }

  private own(caller: Caller): ModelRegistry | undefined {
    const ns = this.namespaceOf(caller);
    const base = this.shared.modelsDir;
    if (ns === undefined || base === undefined) return undefined;
    let r = this.namespaces.get(ns);
    if (!r) {
      r = new ModelRegistry({ modelsDir: ModelRegistry.namespaceDir(base, ns) });
      this.namespaces.set(ns, r);
    }
    return r;
  }

  private serially<T>(target: ModelRegistry, work: () => Promise<T>): Promise<T> {
    const key = target.modelsDir ?? "";
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => {});
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}
