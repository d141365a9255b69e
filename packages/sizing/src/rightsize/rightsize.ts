import { type AlarmMetric, alarmRule } from "../alarm-rules.js";
import { requirePositive, SizingError } from "../errors.js";
import { pct as percent, round } from "../format.js";
import {
  DEFAULT_VOLUME_GIB,
  familyLadder,
  getInstanceType,
  type InstanceType,
  isBelowMinimum,
  MIN_INSTANCE_TYPE,
  priceBook,
} from "../pricing/catalog.js";
import { costOf, type PricingModel, roundUSD } from "../pricing/pricing.js";
import { burstSurplusWarning } from "../pricing/warnings.js";
import type { MetricStats } from "./metrics.js";

/** Downsizing needs a week of data (a weekly cycle), and memory p95 under half. */
export const DOWNSIZE_MIN_DAYS = 7;
export const DOWNSIZE_MAX_MEMORY_P95 = 50;
/** A grown volume should hold today's peak at three quarters of the disk-high threshold. */
const DISK_TARGET_SHARE = 0.75;

export interface RightsizeInput {
  instanceType: string;
  metrics: Partial<Record<AlarmMetric, MetricStats>>;
  /** Days the datapoints span. */
  days: number;
  /** The instance's gp3 volume, GiB (the seed's 200 GB). */
  volumeGiB?: number;
  pricing?: PricingModel;
  region?: string;
}

export interface RightsizeResult {
  action: "upsize" | "downsize" | "keep";
  from: string;
  to: string;
  reasons: string[];
  warnings: string[];
  /** Per month, instance change plus volume growth; negative when the change costs more. */
  monthlySavingsUSD: number;
  days: number;
  metrics: Partial<Record<AlarmMetric, { p95: number; max: number }>>;
  volume: { action: "grow" | "keep"; fromGiB: number; toGiB: number; monthlyDeltaUSD: number };
}

const pct = (v: number) => percent(v, 1);

/**
 * Read a running instance's metrics against the alarm table: upsize when CPU or memory p95 is
 * above its scale-out threshold, downsize one size when CPU p95 is under the scale-in threshold
 * and memory p95 under 50 % over at least 7 days (and the smaller size would neither alarm nor
 * cost more), grow the volume when disk is above its threshold.
 */
export function rightsize(input: RightsizeInput): RightsizeResult {
  const from = getInstanceType(input.instanceType, input.region);
  const pricing = input.pricing ?? "on-demand";
  const days = requirePositive("days of data", input.days, true);
  const volumeGiB = requirePositive("volume (GiB)", input.volumeGiB ?? DEFAULT_VOLUME_GIB);
  const cpu = input.metrics.CPUUtilization;
  if (!cpu) {
    throw new SizingError(
      "BAD_METRICS",
      "no CPUUtilization datapoints; accepted: a metrics file with CPUUtilization (and ideally mem_used_percent, disk_used_percent)",
    );
  }
  const mem = input.metrics.mem_used_percent;
  const disk = input.metrics.disk_used_percent;
  const cpuHigh = alarmRule("cpu-high").threshold;
  const memHigh = alarmRule("memory-high").threshold;
  const cpuLow = alarmRule("cpu-low").threshold;
  const diskHigh = alarmRule("disk-high").threshold;

  const projectedCpu = (to: InstanceType) => (cpu.p95 * from.vcpu) / to.vcpu;
  const projectedMem = (to: InstanceType) => (mem ? (mem.p95 * from.memoryGiB) / to.memoryGiB : 0);
  const monthly = (t: InstanceType) =>
    costOf(
      t,
      pricing,
      cpu.mean === undefined ? {} : { averageCpuPercent: (cpu.mean * from.vcpu) / t.vcpu },
    ).monthlyUSD;

  const reasons: string[] = [];
  const warnings: string[] = [];
  const ladder = familyLadder(from);
  const index = ladder.findIndex((t) => t.type === from.type);
  let to = from;

  const cpuOver = cpu.p95 > cpuHigh;
  const memOver = mem !== undefined && mem.p95 > memHigh;
  if (cpuOver || memOver) {
    if (cpuOver)
      reasons.push(`CPU p95 ${pct(cpu.p95)} is above the cpu-high threshold ${cpuHigh} %`);
    if (memOver)
      reasons.push(`memory p95 ${pct(mem!.p95)} is above the memory-high threshold ${memHigh} %`);
    const larger = ladder.slice(index + 1);
    const enough = larger.find((t) => projectedCpu(t) <= cpuHigh && projectedMem(t) <= memHigh);
    to = enough ?? larger.at(-1) ?? from;
    if (to === from) {
      reasons.push(
        `${from.type} is already the largest ${from.family} in the catalog: scale out (more instances) instead`,
      );
    } else {
      reasons.push(
        `${to.type} would run at CPU p95 ${pct(projectedCpu(to))}${mem ? `, memory p95 ${pct(projectedMem(to))}` : ""}`,
      );
      if (!enough) warnings.push(`even ${to.type} stays above a threshold: scale out as well`);
    }
  } else if (cpu.p95 >= cpuLow) {
    reasons.push(
      `CPU p95 ${pct(cpu.p95)} is between the cpu-low (${cpuLow} %) and cpu-high (${cpuHigh} %) thresholds`,
    );
  } else if (!mem) {
    reasons.push(
      `CPU p95 ${pct(cpu.p95)} is low, but there are no mem_used_percent datapoints: memory must be known before downsizing (install the CloudWatch agent)`,
    );
  } else if (mem.p95 >= DOWNSIZE_MAX_MEMORY_P95) {
    reasons.push(
      `CPU p95 ${pct(cpu.p95)} is low, but memory p95 ${pct(mem.p95)} is not under ${DOWNSIZE_MAX_MEMORY_P95} %`,
    );
  } else if (days < DOWNSIZE_MIN_DAYS) {
    reasons.push(
      `CPU and memory are low, but the data spans ${days.toFixed(1)} days; downsizing needs at least ${DOWNSIZE_MIN_DAYS}`,
    );
  } else {
    const smaller = ladder[index - 1];
    const base = `CPU p95 ${pct(cpu.p95)} < ${cpuLow} % and memory p95 ${pct(mem.p95)} < ${DOWNSIZE_MAX_MEMORY_P95} % over ${days.toFixed(1)} days`;
    if (!smaller || isBelowMinimum(smaller)) {
      reasons.push(
        `${base}, but ${from.type} is the smallest ${from.family} at or above the minimum (${MIN_INSTANCE_TYPE})`,
      );
    } else if (projectedCpu(smaller) > cpuHigh || projectedMem(smaller) > memHigh) {
      reasons.push(
        `${base}, but ${smaller.type} would run at CPU p95 ${pct(projectedCpu(smaller))}, memory p95 ${pct(projectedMem(smaller))}: over a scale-out threshold`,
      );
    } else if (monthly(smaller) >= monthly(from)) {
      reasons.push(
        `${base}, but ${smaller.type} would cost no less once its T3 surplus is counted`,
      );
    } else {
      to = smaller;
      reasons.push(
        `${base}: ${smaller.type} would run at CPU p95 ${pct(projectedCpu(smaller))}, memory p95 ${pct(projectedMem(smaller))}; one size at a time, re-run after ${DOWNSIZE_MIN_DAYS} days`,
      );
    }
  }

  let volume: RightsizeResult["volume"] = {
    action: "keep",
    fromGiB: volumeGiB,
    toGiB: volumeGiB,
    monthlyDeltaUSD: 0,
  };
  if (disk && disk.max > diskHigh) {
    const toGiB = Math.ceil((volumeGiB * disk.max) / (diskHigh * DISK_TARGET_SHARE));
    const monthlyDeltaUSD = (toGiB - volumeGiB) * priceBook(from.region).gp3PerGBMonthUSD;
    volume = {
      action: "grow",
      fromGiB: volumeGiB,
      toGiB,
      monthlyDeltaUSD: roundUSD(monthlyDeltaUSD),
    };
    reasons.push(
      `disk max ${pct(disk.max)} is above the disk-high threshold ${diskHigh} %: grow the volume from ${volumeGiB} to ${toGiB} GiB (gp3 grows online)`,
    );
  }

  if (cpu.mean !== undefined) {
    const warning = burstSurplusWarning(to, (cpu.mean * from.vcpu) / to.vcpu, pricing);
    if (warning) warnings.push(warning);
  }

  const metrics: RightsizeResult["metrics"] = {};
  for (const [name, s] of Object.entries(input.metrics) as [AlarmMetric, MetricStats][]) {
    metrics[name] = { p95: round(s.p95, 1), max: round(s.max, 1) };
  }
  return {
    action:
      to === from
        ? "keep"
        : to.vcpu > from.vcpu || to.memoryGiB > from.memoryGiB
          ? "upsize"
          : "downsize",
    from: from.type,
    to: to.type,
    reasons,
    warnings,
    monthlySavingsUSD: roundUSD(monthly(from) - monthly(to) - volume.monthlyDeltaUSD),
    days: round(days, 1),
    metrics,
    volume,
  };
}
