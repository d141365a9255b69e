import { CATALOG, type InstanceType, monthlyCost, type PricingModel } from "@flakeops/sizing";
import { ConfigError } from "../errors.js";

/**
 * Whether a GPU tier would use its GPU. Model ids are `<kind>-<name>` (MaskTerial's layout, as
 * @flakeops/inference reads it). GMM classifiers are plain arithmetic that @flakeops/inference
 * runs in JavaScript on the CPU; every other kind (M2F, MRCNN, MLP, AMM) is an ONNX graph that
 * onnxruntime can hand to CUDA. A tier that serves no ONNX kind pays for a GPU it never touches.
 */
export const CPU_ONLY_MODEL_KINDS: readonly string[] = ["GMM"];

/** What the API serves when no models are declared: its embedded GMM (CPU-only). */
export const UNDECLARED_MODELS = "the API's embedded GMM-Graphene";

export function usesGpu(models: readonly string[]): boolean {
  return models.some((id) => !CPU_ONLY_MODEL_KINDS.includes(id.split("-")[0]!));
}

/** The cheapest non-GPU, non-burstable type of the same architecture with as many vCPUs. */
export function cpuEquivalent(type: InstanceType, pricing: PricingModel): InstanceType {
  const candidates = CATALOG.filter(
    (t) => t.gpu === null && t.burstable === null && t.arch === type.arch && t.vcpu >= type.vcpu,
  ).sort((a, b) => monthlyCost(a, pricing) - monthlyCost(b, pricing));
  return candidates[0]!;
}

/**
 * A GPU tier for CPU-only models fails the preview, saying why and what is accepted; forced
 * (`allowCpuOnlyModels`), it returns the warning with the wasted dollars a month.
 */
export function checkGpuUse(
  name: string,
  opts: {
    type: InstanceType;
    count: number;
    pricing: PricingModel;
    models: readonly string[] | undefined;
    allowCpuOnlyModels: boolean;
  },
): string | undefined {
  const { type, count, pricing, models } = opts;
  if (type.gpu === null || (models !== undefined && usesGpu(models))) return undefined;
  const served =
    models === undefined || models.length === 0 ? UNDECLARED_MODELS : models.join(", ");
  const cpu = cpuEquivalent(type, pricing);
  const wasted = (count * (monthlyCost(type, pricing) - monthlyCost(cpu, pricing))).toFixed(2);
  const why = `${name}: ${type.type} is a GPU type but ${served} run only on the CPU (${CPU_ONLY_MODEL_KINDS.join(", ")} models): ${count} x ${cpu.type} does the same work for $${wasted}/month less`;
  if (!opts.allowCpuOnlyModels) {
    throw new ConfigError(
      `${why}; accepted: models that include an ONNX kind (e.g. models: M2F-<name>, with modelsUri), a CPU instance type, or allowCpuOnlyModels: true`,
    );
  }
  return `${why} (allowed by allowCpuOnlyModels)`;
}
