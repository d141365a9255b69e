import { requirePositive, SizingError } from "../errors.js";
import { DEFAULT_MODEL_MEMORY_GIB } from "../pricing/catalog.js";
import { DEFAULT_BYTES_PER_IMAGE } from "../pricing/tier-cost.js";
import { DEFAULT_SMT_THROUGHPUT_FACTOR } from "./capacity.js";
import { EMBEDDED_MODEL_PROFILE } from "./default-profile.js";
import type { BenchProfile } from "./profile.js";
import { serviceCv2FromQuantiles } from "./queueing.js";

/**
 * What one image costs a worker, resolved from the caller's figures, a bench profile or the
 * shipped profile of the embedded model, with every assumption said in `notes`.
 */

/** Model kinds (the id's prefix) that have no GPU path in the detector: a GPU would idle. */
export const CPU_ONLY_MODEL_KINDS: readonly string[] = ["GMM"];

/**
 * Without a GPU profile: how many times faster one GPU runs a model kind than one CPU core.
 * A stated assumption (ONNX CNN/transformer inference on a T4-class GPU against one core),
 * printed with every answer that uses it; a GPU profile replaces it.
 */
export const GPU_SPEEDUP_BY_MODEL_KIND: Readonly<Record<string, number>> = {
  AMM: 4,
  MLP: 4,
  M2F: 20,
  MRCNN: 20,
};

export interface ServiceTimeInput {
  serviceMs?: number;
  p95ServiceMs?: number;
  serviceCv2?: number;
  profile?: BenchProfile;
  /** The model being sized (e.g. "GMM-Graphene"); a profile of another model is refused. */
  model?: string;
  gpu?: boolean;
  /** Size GPU types for a CPU-only model anyway, to see what the idle GPU costs. */
  forceGpu?: boolean;
  modelMemoryGiB?: number;
  bytesPerImage?: number;
}

export interface ServiceTime {
  model: string;
  /** Median of one image on one core (or one GPU), ms. */
  serviceMs: number;
  p95ServiceMs: number;
  /** The mean the queue runs on, ms. */
  meanServiceMs: number;
  serviceCv2: number;
  modelMemoryGiB: number;
  bytesPerImage: number;
  smtThroughputFactor: number;
  /** GPU types run the model on their CPU cores (a forced GPU request for a CPU-only model). */
  gpuIdle: boolean;
  source: "service-ms" | "profile" | "default";
  notes: string[];
}

export function resolveServiceTime(input: ServiceTimeInput): ServiceTime {
  if (input.serviceMs !== undefined && input.profile) {
    throw new SizingError("BAD_ARGUMENT", "give a service time or a profile, not both");
  }
  const notes: string[] = [];
  const model = input.model ?? input.profile?.model ?? EMBEDDED_MODEL_PROFILE.model;
  if (input.profile && input.profile.model !== model) {
    throw new SizingError(
      "BAD_PROFILE",
      `the profile measured ${input.profile.model}, not ${model}; accepted: a profile of ${model} (\`pnpm bench\` with that model)`,
    );
  }
  const kind = model.split("-")[0]!;
  const gpuIdle = Boolean(input.gpu) && CPU_ONLY_MODEL_KINDS.includes(kind);
  if (gpuIdle && !input.forceGpu) {
    throw new SizingError(
      "BAD_ARGUMENT",
      `${model} runs on the CPU only (${kind} models have no GPU path), so a GPU would sit idle; accepted: --gpu with an ONNX model (${Object.keys(GPU_SPEEDUP_BY_MODEL_KIND).join(", ")}), or --force-gpu to see the wasted $/month`,
    );
  }
  let profile = input.profile;
  let source: ServiceTime["source"] = profile ? "profile" : "service-ms";
  if (!profile && input.serviceMs === undefined) {
    if (model !== EMBEDDED_MODEL_PROFILE.model) {
      throw new SizingError(
        "BAD_ARGUMENT",
        `no service time for ${model}: the shipped profile is of ${EMBEDDED_MODEL_PROFILE.model}; accepted: --service-ms or a --profile of ${model}`,
      );
    }
    profile = EMBEDDED_MODEL_PROFILE;
    source = "default";
    notes.push(
      `no service time given: used the shipped profile of ${profile.model} (${profile.serviceMsPerImage} ms median, p95 ${profile.p95ServiceMs} ms per 1920x1200 image on one ${profile.cpuModel} vCPU, measured ${profile.measuredAt.slice(0, 10)}); pass --service-ms or a --profile from \`flakeops-detect bench --profile-out\` (the built CLI) on your machine`,
    );
  }
  let serviceMs = requirePositive(
    "service time (ms)",
    profile?.serviceMsPerImage ?? input.serviceMs!,
  );
  let p95ServiceMs = Math.max(
    serviceMs,
    requirePositive(
      "p95 service time (ms)",
      profile?.p95ServiceMs ?? input.p95ServiceMs ?? serviceMs,
    ),
  );
  if (input.gpu && !gpuIdle && !profile?.gpu) {
    const factor = GPU_SPEEDUP_BY_MODEL_KIND[kind];
    if (factor === undefined) {
      throw new SizingError(
        "BAD_ARGUMENT",
        `no GPU speed-up known for ${kind} models; accepted: a GPU --profile, or a model of kind ${Object.keys(GPU_SPEEDUP_BY_MODEL_KIND).join(", ")}`,
      );
    }
    serviceMs /= factor;
    p95ServiceMs /= factor;
    notes.push(
      `GPU throughput assumed ${factor}x one CPU core for ${kind} models (${serviceMs.toFixed(1)} ms per image per GPU); bench on a GPU (a profile with "gpu") to replace the factor`,
    );
  }
  const serviceCv2 = requirePositive(
    "service-time variability (Cs^2)",
    input.serviceCv2 ?? serviceCv2FromQuantiles(serviceMs, p95ServiceMs),
    true,
  );
  // The queue runs on the mean: a lognormal's is above its median by e^(sigma^2 / 2) =
  // sqrt(1 + Cs^2); with the variability given, the service time is taken as the mean.
  let meanServiceMs =
    input.serviceCv2 === undefined ? serviceMs * Math.sqrt(1 + serviceCv2) : serviceMs;
  if (profile && profile.workers > 0 && !input.gpu) {
    // What a tier serves is the pool's throughput, not one image alone: with every worker busy,
    // the pool's own work (handing images over, collecting after each) and the threads sharing
    // the cores show there. Where it is slower, it is the mean service time (the spread kept).
    const perWorkerMs = (1000 * profile.workers) / profile.imagesPerSecond;
    const overhead = perWorkerMs / meanServiceMs;
    if (overhead > 1) {
      serviceMs *= overhead;
      p95ServiceMs *= overhead;
      meanServiceMs = perWorkerMs;
      notes.push(
        `service time from the profile's pool: ${profile.imagesPerSecond} images/s on ${profile.workers} workers is ${perWorkerMs.toFixed(1)} ms per image per worker, ${overhead.toFixed(2)}x its single-image mean`,
      );
    }
  }
  const explicitProfile = input.profile;
  const modelMemoryGiB = requirePositive(
    "model memory (GiB)",
    input.modelMemoryGiB ??
      (explicitProfile ? explicitProfile.peakRssMB / 1024 : DEFAULT_MODEL_MEMORY_GIB),
  );
  const bytesPerImage = input.bytesPerImage ?? profile?.bytesPerImage ?? DEFAULT_BYTES_PER_IMAGE;
  if (!(Number.isFinite(bytesPerImage) && bytesPerImage > 0)) {
    throw new SizingError(
      "BAD_NUMBER",
      `bytes per image must be a positive number (upload + answer); got ${bytesPerImage}; accepted: bytes > 0, e.g. ${DEFAULT_BYTES_PER_IMAGE}`,
    );
  }
  const smtThroughputFactor = profile?.smtThroughputFactor ?? DEFAULT_SMT_THROUGHPUT_FACTOR;
  return {
    model,
    serviceMs,
    p95ServiceMs,
    meanServiceMs,
    serviceCv2,
    modelMemoryGiB,
    bytesPerImage,
    smtThroughputFactor,
    gpuIdle,
    source,
    notes,
  };
}
