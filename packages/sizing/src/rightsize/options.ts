import { round } from "../format.js";
import { type InstanceType, isBelowMinimum, listInstanceTypes } from "../pricing/catalog.js";
import { roundUSD } from "../pricing/pricing.js";

export interface RightsizeOption {
  instanceType: string;
  monthlyUSD: number;
  /** Per month against the running type, surplus included; negative costs more. */
  monthlySavingsUSD: number;
  projectedCpuPercent: number;
  projectedMemoryPercent: number;
  /** low: same family; medium: another family, same architecture; high: Graviton or burstable. */
  performanceRisk: "low" | "medium" | "high";
}

/**
 * Every type (across families: c/m/r, Intel, AMD, Graviton) that would hold the instance's
 * CPU and memory under the scale-out thresholds less headroom, ranked by savings, as Compute
 * Optimizer lists its options. CPU carries over by vCPU count; the risk says how far that
 * assumption is stretched.
 */
export function rightsizeOptions(args: {
  from: InstanceType;
  cpuPercent: number;
  memoryPercent: number | undefined;
  cpuLimit: number;
  memoryLimit: number;
  monthly: (t: InstanceType) => number;
  limit?: number;
}): RightsizeOption[] {
  const { from, cpuPercent, memoryPercent, cpuLimit, memoryLimit, monthly } = args;
  const current = monthly(from);
  const options: RightsizeOption[] = [];
  for (const t of listInstanceTypes(from.region)) {
    if (t.type === from.type || t.gpu || isBelowMinimum(t)) continue;
    const cpu = (cpuPercent * from.vcpu) / t.vcpu;
    const memory = memoryPercent === undefined ? 0 : (memoryPercent * from.memoryGiB) / t.memoryGiB;
    if (cpu > cpuLimit || memory > memoryLimit) continue;
    const cost = monthly(t);
    options.push({
      instanceType: t.type,
      monthlyUSD: roundUSD(cost),
      monthlySavingsUSD: roundUSD(current - cost),
      projectedCpuPercent: round(cpu, 1),
      projectedMemoryPercent: round(memory, 1),
      performanceRisk:
        t.family === from.family
          ? "low"
          : t.arch !== from.arch || (t.burstable && !from.burstable)
            ? "high"
            : "medium",
    });
  }
  options.sort((a, b) => b.monthlySavingsUSD - a.monthlySavingsUSD);
  return options.slice(0, args.limit ?? 8);
}
