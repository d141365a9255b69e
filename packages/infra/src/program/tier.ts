import {
  DEFAULT_REGION,
  getInstanceType,
  PRODUCTION_MIN_INSTANCES,
  type PricingModel,
  REGIONS,
  recommendForUseCase,
  recommendForWorkload,
  type UseCase,
  type WorkTrackingRule,
} from "@flakeops/sizing";
import { ConfigError, sizingOrFail } from "../errors.js";
import type { StackConfig } from "./config.js";

/** The tier to deploy: what InferenceService's sizing args take (spread it in). */
export interface Tier {
  readonly instanceType: string;
  /** Desired instances. */
  readonly count: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** How the instances are (expected to be) billed; the cost estimate uses it. */
  readonly pricing: PricingModel;
  readonly spot: boolean;
  /** Where the type came from, and why. */
  readonly source: "instanceType" | "workload" | "useCase";
  readonly reason: string;
  readonly warnings: readonly string[];
  /** The sized workload, where the tier was sized from one (the estimate's ALB capacity and T3 surplus). */
  readonly imagesPerHour?: number;
  readonly averageCpuPercent?: number;
  /** Bytes per request the workload was sized with (the estimate's ALB capacity units). */
  readonly bytesPerImage?: number;
  /** The sizing answer's work-tracking rule, where CPU cannot show the tier's load. */
  readonly scalingRule?: WorkTrackingRule;
  /** Detector workers per instance the workload was sized with (fewer than vCPUs when memory-bound). */
  readonly workersPerInstance?: number;
  /** At least two instances in two availability zones. */
  readonly production: boolean;
  /** The autoscaled day the workload was sized for (count at peak, minSize off-peak). */
  readonly peakHoursPerDay?: number;
}

export const DEFAULT_USE_CASE: UseCase = "production";

/**
 * Decide the tier from the stack config by asking @flakeops/sizing (no sizing logic here).
 * Size bounds: `minSize`/`maxSize` when set; otherwise the recommendation's count is the floor
 * and the group may grow to twice it (at least one more), so the scale-out alarms have room.
 */
export function resolveTier(config: StackConfig): Tier {
  // Deploying to a region the price book lacks is fine; the sizing uses the default region's prices.
  const region =
    config.region !== undefined && REGIONS.includes(config.region) ? config.region : undefined;
  const regionWarnings =
    config.region !== undefined && region === undefined
      ? [`no price book for ${config.region}: sizing uses ${DEFAULT_REGION} prices`]
      : [];
  let picked: {
    instanceType: string;
    count: number;
    pricing: PricingModel;
    reason: string;
    warnings: string[];
    imagesPerHour?: number;
    averageCpuPercent?: number;
    bytesPerImage?: number;
    scalingRule?: WorkTrackingRule;
    workersPerInstance?: number;
    baseCount?: number;
  };
  let source: Tier["source"];
  if (config.instanceType !== undefined) {
    const type = sizingOrFail("instanceType", () => getInstanceType(config.instanceType!, region));
    source = "instanceType";
    picked = {
      instanceType: type.type,
      count: config.desiredCount ?? Math.max(1, config.minSize ?? 1),
      pricing: "on-demand",
      reason: "set explicitly in the stack config",
      warnings: [],
    };
  } else if (config.imagesPerHour !== undefined) {
    const production = config.production ?? false;
    const model = sizedModel(config);
    const rec = sizingOrFail("imagesPerHour", () =>
      recommendForWorkload({
        imagesPerHour: config.imagesPerHour!,
        ...(config.p95LatencyMs === undefined ? {} : { p95LatencyMs: config.p95LatencyMs }),
        ...(config.peakFactor === undefined ? {} : { peakFactor: config.peakFactor }),
        ...(config.serviceMs === undefined ? {} : { serviceMs: config.serviceMs }),
        ...(config.useCase === "gpu" ? { gpu: true } : {}),
        // Sized for the model the tier serves: on a GPU tier the first one that can use it.
        ...(model === undefined ? {} : { model }),
        ...(region === undefined ? {} : { region }),
        ...(production ? { production } : {}),
        ...(config.peakHoursPerDay === undefined
          ? {}
          : { peakHoursPerDay: config.peakHoursPerDay }),
      }),
    );
    source = "workload";
    picked = {
      instanceType: rec.instanceType,
      count: config.desiredCount ?? rec.count,
      pricing: rec.pricing,
      reason: `${config.imagesPerHour} images/hour at p95 <= ${rec.assumptions.p95TargetMs} ms: ${rec.count} x ${rec.instanceType} (p95 ${rec.p95LatencyMs} ms, ${Math.round(rec.utilization * 100)}% peak utilization)`,
      warnings: rec.warnings,
      imagesPerHour: config.imagesPerHour!,
      // What CPUUtilization shows over the day (busy cores over all vCPUs): the T3 surplus.
      averageCpuPercent: rec.averageCpuPercent,
      bytesPerImage: rec.assumptions.bytesPerImage,
      ...(rec.scalingRule ? { scalingRule: rec.scalingRule } : {}),
      workersPerInstance: rec.workersPerInstance,
      // Off-peak the group may shrink to the base count the day was priced with.
      ...(config.peakHoursPerDay === undefined ? {} : { baseCount: rec.baseCount }),
    };
  } else {
    const useCase = config.useCase ?? DEFAULT_USE_CASE;
    const rec = sizingOrFail("useCase", () =>
      recommendForUseCase(useCase, region === undefined ? {} : { region }),
    );
    source = "useCase";
    picked = {
      instanceType: rec.instanceType,
      count: config.desiredCount ?? rec.count,
      pricing: rec.pricing,
      reason: `${useCase}: ${rec.reason}`,
      warnings: rec.warnings,
    };
  }

  const spot = config.spot ?? picked.pricing === "spot";
  const pricing: PricingModel = spot
    ? "spot"
    : picked.pricing === "spot"
      ? "on-demand"
      : picked.pricing;
  // Production keeps two instances, one per availability zone of the (two-AZ) network, so
  // losing an instance or a zone leaves the API serving.
  const production =
    config.production ??
    (source === "useCase" && (config.useCase ?? DEFAULT_USE_CASE) === "production");
  const floor = production ? PRODUCTION_MIN_INSTANCES : 0;
  const base = config.minSize === undefined ? Math.max(picked.count, floor) : picked.count;
  const minSize =
    config.minSize ?? (picked.baseCount === undefined ? base : Math.max(picked.baseCount, floor));
  const maxSize = config.maxSize ?? Math.max(minSize, base * 2, base + 1);
  if (minSize > maxSize) {
    throw new ConfigError(
      `invalid stack config: minSize (${minSize}) exceeds maxSize (${maxSize})`,
    );
  }
  const count = Math.min(Math.max(base, minSize, 1), maxSize);
  const { baseCount: _base, ...sized } = picked;
  return {
    ...sized,
    production,
    ...(config.peakHoursPerDay === undefined ? {} : { peakHoursPerDay: config.peakHoursPerDay }),
    warnings: [...regionWarnings, ...picked.warnings],
    count,
    minSize,
    maxSize,
    pricing,
    spot,
    source,
  };
}

/** The model a workload is sized for: the first declared (a GPU tier's first non-GMM one). */
function sizedModel(config: StackConfig): string | undefined {
  const models = config.models ?? [];
  return config.useCase === "gpu"
    ? (models.find((m) => !m.startsWith("GMM-")) ?? models[0])
    : models[0];
}
