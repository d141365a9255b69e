import { SizingError } from "../errors.js";
import { familyLadder, getInstanceType, type InstanceType } from "../pricing/catalog.js";
import { costOf, type PricingModel, roundUSD } from "../pricing/pricing.js";
import { capacityWarnings } from "../pricing/warnings.js";
import { workersPerInstance } from "./capacity.js";

export const USE_CASES = [
  "testing",
  "development",
  "production",
  "high-throughput",
  "gpu",
  "batch",
] as const;
export type UseCase = (typeof USE_CASES)[number];

export interface UseCaseRule {
  readonly useCase: UseCase;
  readonly instanceType: string;
  readonly pricing: PricingModel;
  readonly reason: string;
}

/** The seed's "Recommendations" section, as data. */
export const USE_CASE_RULES: readonly UseCaseRule[] = [
  {
    useCase: "testing",
    instanceType: "t3.medium",
    pricing: "on-demand",
    reason: "the seed: t3.medium is sufficient for testing (and is the minimum)",
  },
  {
    useCase: "development",
    instanceType: "t3.large",
    pricing: "on-demand",
    reason: "the seed: t3.large is better for development",
  },
  {
    useCase: "production",
    instanceType: "t3.large",
    pricing: "ri-1y",
    reason:
      "the seed: t3.large is a good balance of performance and cost; an always-on instance is cheaper as a 1-year reserved instance",
  },
  {
    useCase: "high-throughput",
    instanceType: "t3.xlarge",
    pricing: "on-demand",
    reason:
      "the seed: t3.xlarge for high throughput; on-demand because a scaling group adds and removes it",
  },
  {
    useCase: "gpu",
    instanceType: "g4dn.xlarge",
    pricing: "on-demand",
    reason: "the seed: g4dn.xlarge (1x T4) for GPU acceleration",
  },
  {
    useCase: "batch",
    instanceType: "c5.large",
    pricing: "spot",
    reason:
      "the seed: spot instances for batch processing; a compute-optimized type because batch runs flat out, where T3 would pay surplus",
  },
];

export function parseUseCase(value: string): UseCase {
  if (!(USE_CASES as readonly string[]).includes(value)) {
    throw new SizingError(
      "UNKNOWN_USE_CASE",
      `unknown use case "${value}"; accepted: ${USE_CASES.join(", ")}`,
    );
  }
  return value as UseCase;
}

export interface UseCaseRecommendation {
  useCase: UseCase;
  instanceType: string;
  pricing: PricingModel;
  count: number;
  hourlyUSD: number;
  monthlyUSD: number;
  reason: string;
  warnings: string[];
}

/**
 * The seed's rule for a use case. When the model's memory (modelMemoryGiB, per worker) does not
 * fit the rule's type, the next size up in its family that holds it is returned, with a warning.
 */
export function recommendForUseCase(
  useCase: UseCase,
  opts: { modelMemoryGiB?: number; region?: string } = {},
): UseCaseRecommendation {
  const rule = USE_CASE_RULES.find((r) => r.useCase === parseUseCase(useCase))!;
  let type: InstanceType = getInstanceType(rule.instanceType, opts.region);
  const warnings: string[] = [];
  let reason = rule.reason;
  if (opts.modelMemoryGiB !== undefined) {
    const memory = opts.modelMemoryGiB;
    const fits = familyLadder(type).find(
      (t) => t.memoryGiB >= type.memoryGiB && workersPerInstance(t, memory) > 0,
    );
    if (!fits) {
      throw new SizingError(
        "UNREACHABLE_TARGET",
        `a ${memory} GiB model does not fit any ${type.family} type; accepted: a model memory that fits ${familyLadder(type).at(-1)!.type}`,
      );
    }
    if (fits.type !== type.type) {
      reason += `; ${fits.type} instead of ${type.type} because a ${memory} GiB model does not fit ${type.memoryGiB} GiB`;
      warnings.push(
        `${type.type} cannot hold a ${memory} GiB model under the memory alarm: using ${fits.type}`,
      );
      type = fits;
    }
  }
  warnings.push(...capacityWarnings(type, rule.pricing));
  const quote = costOf(type, rule.pricing);
  return {
    useCase,
    instanceType: type.type,
    pricing: rule.pricing,
    count: 1,
    hourlyUSD: quote.hourlyUSD,
    monthlyUSD: roundUSD(quote.monthlyUSD),
    reason,
    warnings,
  };
}
