import { alarmRule, type WorkTrackingRule, workTrackingRuleFor } from "../alarm-rules.js";
import { requirePositive, SizingError } from "../errors.js";
import { round } from "../format.js";
import { type InstanceType, isBelowMinimum, listInstanceTypes } from "../pricing/catalog.js";
import { HOURS_PER_MONTH, type PricingModel, roundUSD, spotProfile } from "../pricing/pricing.js";
import { burstSurplusWarning } from "../pricing/warnings.js";
import {
  type Breakdown,
  blendDailyProfile,
  type CostTerm,
  type Shape,
  type ShapeOption,
  shapeOptions,
  type WholeBill,
  wholeBill,
} from "./bill.js";
import { isMemoryBound, workerSlots } from "./capacity.js";
import type { BenchProfile } from "./profile.js";
import { mgc } from "./queueing.js";
import { resolveServiceTime } from "./service-time.js";

export const DEFAULT_PEAK_FACTOR = 2;
export const DEFAULT_P95_LATENCY_MS = 2000;
/**
 * Per-image service time (median, ms) when neither a time nor a profile is given: the shipped
 * profile of the embedded model (see default-profile.ts) as the engine reads it, its pool's
 * throughput per worker; no longer a 200 ms guess.
 */
export const DEFAULT_SERVICE_MS = Math.round(resolveServiceTime({}).serviceMs * 100) / 100;
/** Production runs one instance in each of two availability zones at least (the ALB needs two). */
export const PRODUCTION_MIN_INSTANCES = 2;

/**
 * The day as peak hours at peak x average and base hours at the rate that keeps the average.
 * Needs peak hours x peak factor <= 24 (else the base rate would be negative).
 */
function dailyProfile(imagesPerHour: number, peakFactor: number, peakHoursPerDay?: number) {
  if (peakHoursPerDay === undefined) return undefined;
  if (!(peakHoursPerDay > 0 && peakHoursPerDay <= 24 && peakHoursPerDay * peakFactor <= 24)) {
    throw new SizingError(
      "BAD_NUMBER",
      `peak hours per day must be in (0, 24] with peak hours x peak factor <= 24 (the day's average holds); got ${peakHoursPerDay} h at x${peakFactor}; accepted: at most ${round(24 / peakFactor, 2)} h`,
    );
  }
  const basePerHour =
    peakHoursPerDay === 24
      ? imagesPerHour * peakFactor
      : (24 * imagesPerHour - peakHoursPerDay * imagesPerHour * peakFactor) /
        (24 - peakHoursPerDay);
  return { peakShare: peakHoursPerDay / 24, basePerSecond: basePerHour / 3600 };
}

/** More instances than this is not a tier this engine sizes. */
export const MAX_INSTANCES = 1000;

export interface WorkloadInput {
  imagesPerHour: number;
  /** Peak arrival rate / average arrival rate, >= 1. */
  peakFactor?: number;
  /** Target for the 95th percentile of time in the service (queue + processing), ms. */
  p95LatencyMs?: number;
  /** Median time of one image on one worker (one vCPU, or one GPU with gpu), ms. */
  serviceMs?: number;
  /** Its 95th percentile; defaults to serviceMs (fixed-size images take near-constant time). */
  p95ServiceMs?: number;
  /**
   * Service-time variability (variance / mean^2) for the M/G/c queue; default from the median
   * and p95 (lognormal). 1 is the exponential (M/M/c) case. Given, serviceMs is read as the mean.
   */
  serviceCv2?: number;
  /** A bench profile, instead of serviceMs. */
  profile?: BenchProfile;
  gpu?: boolean;
  /** With gpu and a CPU-only model (GMM): size GPU types anyway and show the idle GPU's cost. */
  forceGpu?: boolean;
  /** The model sized (default: the profile's, else the embedded GMM-Graphene). */
  model?: string;
  /** Memory one worker needs, GiB; defaults to the profile's peak RSS, else DEFAULT_MODEL_MEMORY_GIB. */
  modelMemoryGiB?: number;
  pricing?: PricingModel;
  region?: string;
  /** Bytes per request, upload + answer: ALB capacity units come from them. */
  bytesPerImage?: number;
  /** "api" (ALB, default) or "batch" (S3 + SQS, no ALB). */
  shape?: Shape;
  /**
   * Hours a day at the peak rate; the rest of the day runs at the base rate that keeps the
   * average, and the autoscaled fleet is priced hour by hour. Absent: the peak count all month.
   */
  peakHoursPerDay?: number;
  /** Production: at least 2 instances, one per availability zone. */
  production?: boolean;
}

export interface WorkloadOption {
  instanceType: string;
  count: number;
  workersPerInstance: number;
  /** Worker utilization at peak, 0-1; kept at or under the scale-out threshold. */
  utilization: number;
  /** Worker utilization averaged over the day (peak / peak factor), 0-1. */
  averageUtilization: number;
  p95LatencyMs: number;
  /** Average CPU over the day, percent of all vCPUs (what CPUUtilization shows). */
  averageCpuPercent: number;
  /** Instances off-peak, when a daily profile is priced (else the peak count all month). */
  baseCount: number;
  /** The whole monthly bill of the tier in its shape (instances, EBS, ALB or queue, NAT, ...). */
  monthlyUSD: number;
  costPerMillionImagesUSD: number;
  breakdown: Breakdown;
  dominantCost: CostTerm;
}

export interface WorkloadRecommendation extends WorkloadOption {
  pricing: PricingModel;
  shape: Shape;
  /** The same type and count in the other shape: what the batch shape would save (or cost). */
  shapeComparison: Record<Shape, { monthlyUSD: number; dominantCost: CostTerm }>;
  /**
   * The same fleet behind an ALB (the API shape), behind an NLB, and as the batch shape: each
   * priced whole, whether chosen, whether the latency target allows it, what it gives up.
   */
  shapeOptions: ShapeOption[];
  savingsOptions: WholeBill["savingsOptions"];
  /**
   * Scale on work, not CPU, when CPU cannot show the load (memory-bound, or fewer workers
   * than vCPUs); null when CPU scaling works or the tier is queue-fed (the batch shape).
   */
  scalingRule: WorkTrackingRule | null;
  alternatives: WorkloadOption[];
  warnings: string[];
  assumptions: {
    imagesPerHour: number;
    peakFactor: number;
    peakImagesPerSecond: number;
    p95TargetMs: number;
    serviceMs: number;
    p95ServiceMs: number;
    modelMemoryGiB: number;
    maxUtilization: number;
    serviceTimeSource: "service-ms" | "profile" | "default";
    model: string;
    /** "peak count all month", or the daily profile priced. */
    loadProfile: string;
    minInstances: number;
    /** How vCPUs become workers: stated, since it decides x86 against Graviton. */
    coreScaling: string;
    /** The M/G/c queue's service-time variability; 1 = M/M/c. */
    serviceCv2: number;
    bytesPerImage: number;
  };
}

interface Sized {
  type: InstanceType;
  averageCpuPercent: number;
  option: WorkloadOption;
  savingsOptions: WholeBill["savingsOptions"];
  billIn: (shape: Shape) => WholeBill;
  workerMs: number;
  memoryBound: boolean;
}

/**
 * The cheapest (type, count) for a workload. Each instance runs one worker per vCPU (or GPU)
 * that fits in memory; the tier is an M/G/c queue at peak arrivals (Allen-Cunneen, with the
 * service time's variability). Its p95 latency is the p95 wait plus the p95 service time, and peak utilization stays at or under the
 * cpu-high scale-out threshold (above it the group would keep scaling out).
 */
export function recommendForWorkload(input: WorkloadInput): WorkloadRecommendation {
  const imagesPerHour = requirePositive("images per hour", input.imagesPerHour);
  const peakFactor = requirePositive("peak factor", input.peakFactor ?? DEFAULT_PEAK_FACTOR);
  if (peakFactor < 1) {
    throw new SizingError(
      "BAD_NUMBER",
      `peak factor must be >= 1 (peak / average); got ${peakFactor}`,
    );
  }
  const p95TargetMs = requirePositive(
    "p95 latency target (ms)",
    input.p95LatencyMs ?? DEFAULT_P95_LATENCY_MS,
  );
  const warnings: string[] = [];
  const { profile } = input;
  const st = resolveServiceTime(input);
  warnings.push(...st.notes);
  const { serviceMs, p95ServiceMs, serviceCv2, modelMemoryGiB, bytesPerImage } = st;
  const serviceTimeSource = st.source;
  // At exactly the service time a target is still met by enough workers that < 5 % wait.
  if (p95TargetMs < p95ServiceMs) {
    throw new SizingError(
      "UNREACHABLE_TARGET",
      `p95 latency target ${p95TargetMs} ms is below the p95 service time ${p95ServiceMs} ms, so no tier can meet it; accepted: a target of at least ${p95ServiceMs} ms`,
    );
  }
  const pricing = input.pricing ?? "on-demand";
  const shape = input.shape ?? "api";
  const billOf = (type: InstanceType, count: number, averageCpuPercent: number, s: Shape) =>
    wholeBill({
      instanceType: type.type,
      count,
      shape: s,
      imagesPerHour,
      bytesPerImage,
      pricing,
      region: type.region,
      ...(type.gpu ? {} : { averageCpuPercent }),
    });
  const maxUtilization = alarmRule("cpu-high").threshold / 100;
  const peakPerSecond = (imagesPerHour * peakFactor) / 3600;
  const busyCores = (peakPerSecond * st.meanServiceMs) / 1000;
  const minCount = input.production ? PRODUCTION_MIN_INSTANCES : 1;
  const daily = dailyProfile(imagesPerHour, peakFactor, input.peakHoursPerDay);

  const sized: Sized[] = [];
  for (const type of listInstanceTypes(input.region)) {
    if (Boolean(type.gpu) !== Boolean(input.gpu) || isBelowMinimum(type)) continue;
    // A CPU-only model forced onto GPU types runs on their CPU cores.
    const asCpu = st.gpuIdle ? { ...type, gpu: null } : type;
    const { workers, serviceScale } = workerSlots(asCpu, modelMemoryGiB, st.smtThroughputFactor);
    if (workers === 0) continue;
    const workerMs = st.meanServiceMs * serviceScale;
    const sizeFor = (arrivalsPerSecond: number) => {
      const load = (arrivalsPerSecond * workerMs) / 1000;
      let n = Math.max(minCount, Math.ceil(load / (workers * maxUtilization) - 1e-9));
      for (; n <= MAX_INSTANCES; n++) {
        if (arrivalsPerSecond === 0) return { count: n, utilization: 0, p95LatencyMs: 0 };
        const queue = mgc({
          servers: n * workers,
          arrivalsPerSecond,
          serviceMs: workerMs,
          serviceCv2,
        });
        const p95 = p95ServiceMs * serviceScale + queue.waitQuantileMs(0.95);
        if (p95 <= p95TargetMs)
          return { count: n, utilization: queue.utilization, p95LatencyMs: p95 };
      }
      return undefined;
    };
    const atPeak = sizeFor(peakPerSecond);
    if (atPeak) {
      const { count } = atPeak;
      const queue = { utilization: atPeak.utilization };
      const p95LatencyMs = atPeak.p95LatencyMs;
      // T3 surplus is charged on the day's average CPU: busy cores over all vCPUs (a busy
      // core's idle hyperthread shows as idle CPU).
      const averageCpuPercent = Math.min(
        100,
        ((busyCores / peakFactor) * 100) / (count * type.vcpu),
      );
      const base = daily ? sizeFor(daily.basePerSecond) : undefined;
      const baseCount = base?.count ?? count;
      const billIn = (s: Shape) =>
        daily
          ? blendDailyProfile(
              billOf(type, count, averageCpuPercent, s),
              billOf(type, baseCount, averageCpuPercent, s),
              daily.peakShare,
            )
          : billOf(type, count, averageCpuPercent, s);
      const bill = billIn(shape);
      const monthly = bill.monthlyUSD;
      sized.push({
        type,
        averageCpuPercent,
        option: {
          instanceType: type.type,
          count,
          workersPerInstance: workers,
          utilization: round(queue.utilization, 3),
          averageUtilization: round(queue.utilization / peakFactor, 3),
          p95LatencyMs: round(p95LatencyMs, 1),
          averageCpuPercent: round(averageCpuPercent, 1),
          baseCount,
          monthlyUSD: roundUSD(monthly),
          costPerMillionImagesUSD: roundUSD((monthly / (imagesPerHour * HOURS_PER_MONTH)) * 1e6),
          breakdown: bill.breakdown,
          dominantCost: bill.dominantCost,
        },
        savingsOptions: bill.savingsOptions,
        billIn,
        workerMs,
        memoryBound: isMemoryBound(asCpu, modelMemoryGiB, st.smtThroughputFactor),
      });
    }
  }
  sized.sort(
    (a, b) => a.option.monthlyUSD - b.option.monthlyUSD || a.option.count - b.option.count,
  );
  const best = sized[0];
  if (!best) {
    throw new SizingError(
      "UNREACHABLE_TARGET",
      `no ${input.gpu ? "GPU" : "CPU"} type meets ${imagesPerHour} images/hour at p95 <= ${p95TargetMs} ms with at most ${MAX_INSTANCES} instances and ${modelMemoryGiB.toFixed(2)} GiB per worker; accepted: a lower rate, a looser target or a smaller model`,
    );
  }

  for (const { type, averageCpuPercent } of sized) {
    const warning = burstSurplusWarning(type, averageCpuPercent, pricing);
    if (warning) warnings.push(warning);
  }
  if (best.type.arch === "arm64") {
    warnings.push(
      `${best.type.type} is Graviton (arm64): the estimate assumes its cores run the detector as fast as the ${profile ? `bench machine (${profile.cpuModel})` : "given service time"}; bench on Graviton to confirm`,
    );
  }
  if (pricing === "spot") {
    const band = spotProfile(best.type).interruptionBand;
    warnings.push(
      shape === "api"
        ? `spot for a latency-bound API: ${best.type.family} is reclaimed in the ${band} a month interruption band (AWS Spot Instance Advisor) with 2 minutes' notice, dropping in-flight requests until the group replaces it; keep on-demand base capacity or use the batch shape`
        : `spot: ${best.type.family} interruption band ${band} a month; jobs return to the queue after their visibility timeout`,
    );
  }
  if (st.gpuIdle) {
    const cpu = recommendForWorkload({ ...input, gpu: false, forceGpu: false });
    warnings.push(
      `forced: ${st.model} runs on the CPU only, so ${best.option.count} x ${best.type.type} leave their GPUs idle and cost $${roundUSD(best.option.monthlyUSD - cpu.monthlyUSD)}/month more than ${cpu.count} x ${cpu.instanceType} (wasted)`,
    );
  }

  const shapeComparison = Object.fromEntries(
    (["api", "batch"] as const).map((s) => {
      const b = best.billIn(s);
      return [s, { monthlyUSD: b.monthlyUSD, dominantCost: b.dominantCost }];
    }),
  ) as WorkloadRecommendation["shapeComparison"];
  const scalingRule =
    shape === "api"
      ? workTrackingRuleFor({
          vcpu: best.type.vcpu,
          workersPerInstance: best.option.workersPerInstance,
          serviceMs: best.workerMs,
          memoryBound: best.memoryBound,
        })
      : null;
  return {
    ...best.option,
    pricing,
    shape,
    shapeComparison,
    shapeOptions: shapeOptions({
      shape,
      billIn: best.billIn,
      imagesPerHour,
      bytesPerImage,
      p95TargetMs,
      tracksAlbRequests: scalingRule !== null,
      ...(input.region === undefined ? {} : { region: input.region }),
    }),
    savingsOptions: best.savingsOptions,
    scalingRule,
    alternatives: sized.slice(1).map((s) => s.option),
    warnings,
    assumptions: {
      imagesPerHour,
      peakFactor,
      peakImagesPerSecond: round(peakPerSecond, 4),
      p95TargetMs,
      serviceMs,
      p95ServiceMs,
      modelMemoryGiB: round(modelMemoryGiB, 3),
      maxUtilization,
      serviceTimeSource,
      model: st.model,
      loadProfile: daily
        ? `${input.peakHoursPerDay} h/day at ${round(peakPerSecond * 3600, 0)} images/h, ${24 - input.peakHoursPerDay!} h at ${round(daily.basePerSecond * 3600, 0)}`
        : "priced at the peak count all month (pass peak hours per day for the autoscaled day)",
      minInstances: minCount,
      coreScaling: `x86_64: 2 vCPUs = 1 core, SMT throughput factor ${st.smtThroughputFactor}${profile?.smtThroughputFactor === undefined ? " (default)" : " (measured)"}; arm64: 1 vCPU = 1 core`,
      serviceCv2: round(serviceCv2, 4),
      bytesPerImage,
    },
  };
}
