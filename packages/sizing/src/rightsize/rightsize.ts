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
import { type RightsizeOption, rightsizeOptions } from "./options.js";

export type { RightsizeOption } from "./options.js";

/**
 * Right-sizing needs at least 30 hours of datapoints (Compute Optimizer's minimum,
 * https://docs.aws.amazon.com/compute-optimizer/latest/ug/requirements.html), counted as
 * distinct clock hours so that two datapoints days apart are not enough.
 */
export const MIN_HOURS_OF_DATA = 30;
export const STATISTICS = ["p95", "p99", "max"] as const;
export type Statistic = (typeof STATISTICS)[number];
/** Compute Optimizer reads p99 by default; max is the burst check. */
export const DEFAULT_STATISTIC: Statistic = "p99";
/** Downsizing needs a week of data (a weekly cycle), and memory under half. */
export const DOWNSIZE_MIN_DAYS = 7;
export const DOWNSIZE_MAX_MEMORY_P95 = 50;
/** A grown volume should hold today's peak at three quarters of the disk-high threshold. */
/** ...and the trend's growth for this long; a disk that fills sooner is grown now. */
const DISK_HORIZON_DAYS = 90;
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
  /** Which figure of CPU and memory is read (default p99). */
  statistic?: Statistic;
  /** Room kept under each threshold after a change, percent of the threshold (default 0). */
  headroomPercent?: number;
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
  metrics: Partial<
    Record<AlarmMetric, { p95: number; p99: number; max: number; hoursCovered: number }>
  >;
  volume: {
    action: "grow" | "keep";
    fromGiB: number;
    toGiB: number;
    monthlyDeltaUSD: number;
    /** From the disk's trend; null when it is not growing. */
    daysUntilFull: number | null;
    /** The volume after growth, at the same trend, reaches the disk-high threshold in. */
    daysUntilThresholdAfter: number | null;
  };
  statistic: Statistic;
  headroomPercent: number;
  /** Types that would hold the load, across families, ranked by savings. */
  options: RightsizeOption[];
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
  const statistic = input.statistic ?? DEFAULT_STATISTIC;
  const headroomPercent = requirePositive("headroom (%)", input.headroomPercent ?? 0, true);
  if (headroomPercent >= 100) {
    throw new SizingError("BAD_NUMBER", `headroom must be under 100 %; got ${headroomPercent}`);
  }
  const room = 1 - headroomPercent / 100;
  for (const [name, m] of [
    ["CPUUtilization", cpu],
    ["mem_used_percent", mem],
  ] as const) {
    if (m && m.hoursCovered < MIN_HOURS_OF_DATA) {
      throw new SizingError(
        "BAD_METRICS",
        `${name} covers ${m.hoursCovered} h of datapoints; right-sizing needs at least ${MIN_HOURS_OF_DATA} h spread over the period (${MIN_HOURS_OF_DATA - m.hoursCovered} h missing); accepted: an export with datapoints in at least ${MIN_HOURS_OF_DATA} distinct hours`,
      );
    }
  }
  const cpuFig = cpu[statistic];
  const memFig = mem?.[statistic];
  const cpuHigh = alarmRule("cpu-high").threshold;
  const memHigh = alarmRule("memory-high").threshold;
  const cpuLow = alarmRule("cpu-low").threshold;
  const diskHigh = alarmRule("disk-high").threshold;

  const projectedCpu = (to: InstanceType) => (cpuFig * from.vcpu) / to.vcpu;
  const projectedMem = (to: InstanceType) =>
    memFig ? (memFig * from.memoryGiB) / to.memoryGiB : 0;
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

  const cpuOver = cpuFig > cpuHigh * room;
  const memOver = memFig !== undefined && memFig > memHigh * room;
  if (cpuOver || memOver) {
    if (cpuOver)
      reasons.push(
        `CPU ${statistic} ${pct(cpuFig)} is above the cpu-high threshold ${cpuHigh} %${room < 1 ? ` less ${headroomPercent} % headroom` : ""}`,
      );
    if (memOver)
      reasons.push(
        `memory ${statistic} ${pct(memFig!)} is above the memory-high threshold ${memHigh} %`,
      );
    const larger = ladder.slice(index + 1);
    const enough = larger.find(
      (t) => projectedCpu(t) <= cpuHigh * room && projectedMem(t) <= memHigh * room,
    );
    to = enough ?? larger.at(-1) ?? from;
    if (to === from) {
      reasons.push(
        `${from.type} is already the largest ${from.family} in the catalog: scale out (more instances) instead`,
      );
    } else {
      reasons.push(
        `${to.type} would run at CPU ${statistic} ${pct(projectedCpu(to))}${mem ? `, memory ${statistic} ${pct(projectedMem(to))}` : ""}`,
      );
      if (!enough) warnings.push(`even ${to.type} stays above a threshold: scale out as well`);
    }
  } else if (cpuFig >= cpuLow) {
    reasons.push(
      `CPU ${statistic} ${pct(cpuFig)} is between the cpu-low (${cpuLow} %) and cpu-high (${cpuHigh} %) thresholds`,
    );
  } else if (!mem) {
    reasons.push(
      `CPU ${statistic} ${pct(cpuFig)} is low, but there are no mem_used_percent datapoints: memory must be known before downsizing (install the CloudWatch agent)`,
    );
  } else if (memFig! >= DOWNSIZE_MAX_MEMORY_P95) {
    reasons.push(
      `CPU ${statistic} ${pct(cpuFig)} is low, but memory ${statistic} ${pct(memFig!)} is not under ${DOWNSIZE_MAX_MEMORY_P95} %`,
    );
  } else if (days < DOWNSIZE_MIN_DAYS) {
    reasons.push(
      `CPU and memory are low, but the data spans ${days.toFixed(1)} days; downsizing needs at least ${DOWNSIZE_MIN_DAYS}`,
    );
  } else {
    const smaller = ladder[index - 1];
    const base = `CPU ${statistic} ${pct(cpuFig)} < ${cpuLow} % and memory ${statistic} ${pct(memFig!)} < ${DOWNSIZE_MAX_MEMORY_P95} % over ${days.toFixed(1)} days`;
    if (!smaller || isBelowMinimum(smaller)) {
      reasons.push(
        `${base}, but ${from.type} is the smallest ${from.family} at or above the minimum (${MIN_INSTANCE_TYPE})`,
      );
    } else if (projectedCpu(smaller) > cpuHigh * room || projectedMem(smaller) > memHigh * room) {
      reasons.push(
        `${base}, but ${smaller.type} would run at CPU ${statistic} ${pct(projectedCpu(smaller))}, memory ${statistic} ${pct(projectedMem(smaller))}: over a scale-out threshold`,
      );
    } else if (monthly(smaller) >= monthly(from)) {
      reasons.push(
        `${base}, but ${smaller.type} would cost no less once its T3 surplus is counted`,
      );
    } else {
      to = smaller;
      reasons.push(
        `${base}: ${smaller.type} would run at CPU ${statistic} ${pct(projectedCpu(smaller))}, memory ${statistic} ${pct(projectedMem(smaller))}; one size at a time, re-run after ${DOWNSIZE_MIN_DAYS} days`,
      );
    }
  }

  // The disk's trend: days until full now, and sizing a grown volume for its growth too.
  const growthPerDay =
    disk?.trendPerDay !== undefined && disk.trendPerDay > 0 ? disk.trendPerDay : 0;
  const usedNow = disk ? (disk.last ?? disk.max) : 0;
  const daysUntilFull = growthPerDay > 0 ? round((100 - usedNow) / growthPerDay, 1) : null;
  const growthGiBPerDay = (growthPerDay * volumeGiB) / 100;
  const thresholdDays = (toGiB: number) =>
    growthGiBPerDay > 0
      ? round(((toGiB * diskHigh) / 100 - (usedNow * volumeGiB) / 100) / growthGiBPerDay, 1)
      : null;
  let volume: RightsizeResult["volume"] = {
    action: "keep",
    fromGiB: volumeGiB,
    toGiB: volumeGiB,
    monthlyDeltaUSD: 0,
    daysUntilFull,
    daysUntilThresholdAfter: thresholdDays(volumeGiB),
  };
  const fillsSoon = daysUntilFull !== null && daysUntilFull < DISK_HORIZON_DAYS;
  if (disk && (disk.max > diskHigh || fillsSoon)) {
    const usedGiB = (volumeGiB * Math.max(disk.max, usedNow)) / 100;
    // Today's peak at three quarters of the threshold, plus the horizon's growth.
    const toGiB = Math.ceil(
      (usedGiB + growthGiBPerDay * DISK_HORIZON_DAYS) / ((diskHigh / 100) * DISK_TARGET_SHARE),
    );
    const monthlyDeltaUSD = (toGiB - volumeGiB) * priceBook(from.region).gp3PerGBMonthUSD;
    volume = {
      action: "grow",
      fromGiB: volumeGiB,
      toGiB,
      monthlyDeltaUSD: roundUSD(monthlyDeltaUSD),
      daysUntilFull,
      daysUntilThresholdAfter: thresholdDays(toGiB),
    };
    reasons.push(
      `disk max ${pct(disk.max)}${daysUntilFull === null ? "" : `, growing ${pct(growthPerDay)} a day (full in ${daysUntilFull} days)`}: grow the volume from ${volumeGiB} to ${toGiB} GiB (gp3 grows online), sized for ${DISK_HORIZON_DAYS} days of growth`,
    );
  }

  if (cpu.mean !== undefined) {
    const warning = burstSurplusWarning(to, (cpu.mean * from.vcpu) / to.vcpu, pricing);
    if (warning) warnings.push(warning);
  }

  const metrics: RightsizeResult["metrics"] = {};
  for (const [name, s] of Object.entries(input.metrics) as [AlarmMetric, MetricStats][]) {
    metrics[name] = {
      p95: round(s.p95, 1),
      p99: round(s.p99, 1),
      max: round(s.max, 1),
      hoursCovered: s.hoursCovered,
    };
  }
  const options = rightsizeOptions({
    from,
    cpuPercent: cpuFig,
    memoryPercent: memFig,
    cpuLimit: cpuHigh * room,
    memoryLimit: memHigh * room,
    monthly,
  });
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
    statistic,
    headroomPercent,
    options,
  };
}
