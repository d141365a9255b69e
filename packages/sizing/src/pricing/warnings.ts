import { pct, usd } from "../format.js";
import {
  type InstanceType,
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  NOT_RECOMMENDED_TYPES,
} from "./catalog.js";
import {
  burstSurplusPerVcpuHour,
  HOURS_PER_MONTH,
  hourlyPrice,
  type PricingModel,
  spotProfile,
  t3SurplusHourly,
} from "./pricing.js";

/** The cheapest fixed-performance CPU type with the same vCPUs and architecture as `type`. */
export function comparableFixedType(
  type: InstanceType,
  pricing: PricingModel = "on-demand",
): InstanceType | undefined {
  return listInstanceTypes(type.region)
    .filter((t) => !t.burstable && !t.gpu && t.arch === type.arch && t.vcpu === type.vcpu)
    .sort((a, b) => hourlyPrice(a, pricing) - hourlyPrice(b, pricing))[0];
}

/**
 * Average CPU (percent) above which a T3 type, with its unlimited surplus, costs more than its
 * comparable fixed-performance type; undefined for non-T3 types.
 */
export function breakEvenCpuPercent(
  type: InstanceType,
  pricing: PricingModel = "on-demand",
): { percent: number; versus: InstanceType } | undefined {
  const versus = comparableFixedType(type, pricing);
  if (!type.burstable || !versus) return undefined;
  const gap = hourlyPrice(versus, pricing) - hourlyPrice(type, pricing);
  const perPercent = (type.vcpu * burstSurplusPerVcpuHour(type)) / 100;
  const percent = Math.max(
    type.burstable.baselinePerVcpu * 100,
    type.burstable.baselinePerVcpu * 100 + gap / perPercent,
  );
  return { percent, versus };
}

/**
 * The warning the engine owes when T3 surplus at `averageCpuPercent` makes `type` dearer than
 * its comparable fixed-performance type; null when it does not.
 */
export function burstSurplusWarning(
  type: InstanceType,
  averageCpuPercent: number,
  pricing: PricingModel = "on-demand",
): string | null {
  const versus = comparableFixedType(type, pricing);
  const surplus = t3SurplusHourly(type, averageCpuPercent);
  if (!type.burstable || !versus || surplus === 0) return null;
  const t3Monthly = (hourlyPrice(type, pricing) + surplus) * HOURS_PER_MONTH;
  const fixedMonthly = hourlyPrice(versus, pricing) * HOURS_PER_MONTH;
  if (t3Monthly <= fixedMonthly) return null;
  return (
    `at ${pct(averageCpuPercent)} average CPU a ${type.type} costs ${usd(t3Monthly)}/month per instance ` +
    `(${usd(surplus * HOURS_PER_MONTH)} of it T3 unlimited surplus above its ${pct(type.burstable.baselinePerVcpu * 100)} baseline), ` +
    `more than a ${versus.type} (${versus.vcpu} vCPU, ${versus.memoryGiB} GiB) at ${usd(fixedMonthly)}: ` +
    `for sustained load a fixed-performance type is cheaper`
  );
}

/** What a user should know about a type before running the service on it. */
export function capacityWarnings(type: InstanceType, pricing: PricingModel): string[] {
  const warnings: string[] = [];
  if (NOT_RECOMMENDED_TYPES.includes(type.type)) {
    warnings.push(
      `${type.type} is not recommended (the seed): ${type.memoryGiB} GiB cannot hold the service`,
    );
  } else if (isBelowMinimum(type)) {
    warnings.push(
      `${type.type} is below the minimum (${MIN_INSTANCE_TYPE}, ${type.memoryGiB} GiB of memory)`,
    );
  }
  const breakEven = breakEvenCpuPercent(type, pricing);
  if (breakEven) {
    warnings.push(
      `${type.type} is burstable: above ${pct(breakEven.percent)} average CPU its T3 unlimited surplus makes it cost more than a ${breakEven.versus.type}; size a measured load with --images-per-hour`,
    );
  }
  if (pricing === "spot") {
    const spot = spotProfile(type);
    warnings.push(
      `spot capacity can be reclaimed with 2 minutes' notice (${type.family}: interruption band ${spot.interruptionBand}); run only work that can be retried`,
    );
  }
  return warnings;
}
