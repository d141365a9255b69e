import { requirePositive, SizingError } from "../errors.js";
import { DEFAULT_REGION, priceBook } from "../pricing/catalog.js";
import { HOURS_PER_MONTH, type PricingModel, roundUSD } from "../pricing/pricing.js";
import { requestPrices } from "../pricing/request-prices.js";
import {
  estimateTierCost,
  type TierCost,
  type TierCostInput,
  type TierCostTerm,
} from "../pricing/tier-cost.js";

/**
 * The whole monthly bill of a workload tier, composed from tier-cost (the one cost model) and
 * grouped into the terms the sizing answer names. The batch shape (clients put images in S3,
 * workers read an SQS queue) has no ALB; its per-image request charges are priced here.
 */

export type Shape = "api" | "batch";
export const SHAPES: readonly Shape[] = ["api", "batch"];

/**
 * Requests per image in the batch shape; the prices per request are the price book's
 * (`requestPrices`). Free tiers are ignored (they do not scale). Transfer S3 <-> EC2 in one
 * region is free through the gateway endpoint.
 */
export const BATCH_REQUESTS_PER_IMAGE = {
  /** Send, receive, delete per job; empty long polls are one request per 20 s per worker, ignored. */
  sqs: 3,
  /** The client's upload and the result's write: two PUTs; the worker's read: one GET. */
  s3Puts: 2,
  s3Gets: 1,
} as const;

export interface Breakdown {
  instancesUSD: number;
  ebsUSD: number;
  loadBalancerUSD: number;
  natUSD: number;
  ipv4USD: number;
  metricsUSD: number;
  alarmsUSD: number;
  dashboardUSD: number;
  /** Batch shape: SQS and S3 requests. */
  queueAndStorageUSD: number;
}

export type CostTerm = keyof Breakdown;

export interface WholeBill {
  shape: Shape;
  monthlyUSD: number;
  breakdown: Breakdown;
  dominantCost: CostTerm;
  savingsOptions: TierCost["savingsOptions"];
}

export interface WholeBillInput {
  instanceType: string;
  count: number;
  shape: Shape;
  /** Average rate: what the month's requests and bytes add up from. */
  imagesPerHour: number;
  bytesPerImage: number;
  pricing: PricingModel;
  averageCpuPercent?: number;
  region?: string;
}

/** tier-cost's line terms, by the breakdown field they add to. */
const BREAKDOWN_OF_TERM: Readonly<Record<TierCostTerm, CostTerm>> = {
  instances: "instancesUSD",
  ebs: "ebsUSD",
  loadBalancer: "loadBalancerUSD",
  nat: "natUSD",
  ipv4: "ipv4USD",
  metrics: "metricsUSD",
  alarms: "alarmsUSD",
  dashboard: "dashboardUSD",
};

function emptyBreakdown(): Breakdown {
  return {
    instancesUSD: 0,
    ebsUSD: 0,
    loadBalancerUSD: 0,
    natUSD: 0,
    ipv4USD: 0,
    metricsUSD: 0,
    alarmsUSD: 0,
    dashboardUSD: 0,
    queueAndStorageUSD: 0,
  };
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** The batch shape's SQS + S3 request charges for a month at the average rate. */
export function batchRequestsMonthlyUSD(imagesPerMonth: number, region?: string): number {
  const p = requestPrices(region);
  const n = BATCH_REQUESTS_PER_IMAGE;
  return (
    (imagesPerMonth * n.sqs * p.sqsPerMillionRequestsUSD) / 1e6 +
    (imagesPerMonth * n.s3Puts * p.s3PutPer1000USD) / 1000 +
    (imagesPerMonth * n.s3Gets * p.s3GetPer1000USD) / 1000
  );
}

export function wholeBill(input: WholeBillInput): WholeBill {
  requirePositive("bytes per image", input.bytesPerImage);
  const batch = input.shape === "batch";
  const tier = estimateTierCost({
    instanceType: input.instanceType,
    count: input.count,
    pricing: input.pricing,
    loadBalancer: !batch,
    queue: batch,
    imagesPerHour: input.imagesPerHour,
    bytesPerImage: input.bytesPerImage,
    ...(input.averageCpuPercent === undefined
      ? {}
      : { averageCpuPercent: input.averageCpuPercent }),
    ...(input.region === undefined ? {} : { region: input.region }),
  });
  const breakdown = emptyBreakdown();
  for (const line of tier.lines) {
    breakdown[BREAKDOWN_OF_TERM[line.term]] += line.monthlyUSD;
  }
  if (batch) {
    // A month of requests at the average rate, whatever the fleet's hours.
    breakdown.queueAndStorageUSD += batchRequestsMonthlyUSD(
      input.imagesPerHour * HOURS_PER_MONTH,
      input.region,
    );
  }
  for (const k of Object.keys(breakdown) as CostTerm[]) breakdown[k] = cents(breakdown[k]);
  const terms = Object.entries(breakdown) as [CostTerm, number][];
  const dominantCost = terms.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return {
    shape: input.shape,
    monthlyUSD: cents(terms.reduce((s, [, v]) => s + v, 0)),
    breakdown,
    dominantCost,
    savingsOptions: tier.savingsOptions,
  };
}

/** Terms that follow the instance count (each instance has its disk and its agent metrics). */
const PER_INSTANCE_TERMS: readonly CostTerm[] = ["instancesUSD", "ebsUSD", "metricsUSD"];

/**
 * The month of an autoscaled fleet: `peak` instances for peakShare of the day, `base` for the
 * rest. Per-instance terms are blended by hours; the rest (ALB, NAT, alarms) run all month
 * and follow the requests, which the peak bill already prices at the average rate.
 */
export function blendDailyProfile(peak: WholeBill, base: WholeBill, peakShare: number): WholeBill {
  const breakdown = { ...peak.breakdown };
  for (const term of PER_INSTANCE_TERMS) {
    breakdown[term] = cents(
      peakShare * peak.breakdown[term] + (1 - peakShare) * base.breakdown[term],
    );
  }
  const terms = Object.entries(breakdown) as [CostTerm, number][];
  return {
    shape: peak.shape,
    monthlyUSD: cents(terms.reduce((s, [, v]) => s + v, 0)),
    breakdown,
    dominantCost: terms.reduce((a, b) => (b[1] > a[1] ? b : a))[0],
    savingsOptions: base.savingsOptions,
  };
}

/**
 * estimateTierCost for an autoscaled day, as recommendForWorkload prices it: `input.count`
 * instances for peakHoursPerDay hours, `baseCount` the rest. Lines that follow the count are
 * blended by hours; the others (ALB, NAT, alarms) are the same in both and stay whole.
 * @flakeops/infra's estimate for a tier with peak hours is this function.
 */
export function estimateAutoscaledTierCost(
  input: TierCostInput,
  autoscaled: { baseCount: number; peakHoursPerDay: number },
): TierCost {
  const { baseCount, peakHoursPerDay } = autoscaled;
  if (!(peakHoursPerDay > 0 && peakHoursPerDay <= 24)) {
    throw new SizingError(
      "BAD_NUMBER",
      `peak hours per day must be in (0, 24]; got ${peakHoursPerDay}; accepted: hours a day at the peak count`,
    );
  }
  if (!(Number.isInteger(baseCount) && baseCount >= 1 && baseCount <= input.count)) {
    throw new SizingError(
      "BAD_NUMBER",
      `the off-peak count must be a whole number 1-${input.count} (the peak count); got ${baseCount}`,
    );
  }
  const peak = estimateTierCost(input);
  if (baseCount === input.count || peakHoursPerDay === 24) return peak;
  const base = estimateTierCost({ ...input, count: baseCount });
  const share = peakHoursPerDay / 24;
  // Items name their counts ("EC2 3 x c7g.large"): matched with the numbers left out.
  const shapeOf = (item: string) => item.replace(/\d[\d.,]*/g, "#");
  const baseByShape = new Map(base.lines.map((l) => [shapeOf(l.item), l]));
  const lines = peak.lines.map((l) => {
    const off = baseByShape.get(shapeOf(l.item));
    baseByShape.delete(shapeOf(l.item));
    if (off && off.item === l.item && off.monthlyUSD === l.monthlyUSD) return l;
    return {
      ...l,
      item: off
        ? `${l.item} for ${peakHoursPerDay} h/day; ${off.item} the other ${24 - peakHoursPerDay} h`
        : `${l.item} for ${peakHoursPerDay} h/day`,
      monthlyUSD: roundUSD(share * l.monthlyUSD + (1 - share) * (off?.monthlyUSD ?? 0)),
    };
  });
  for (const off of baseByShape.values()) {
    lines.push({
      ...off,
      item: `${off.item} off-peak`,
      monthlyUSD: roundUSD((1 - share) * off.monthlyUSD),
    });
  }
  return {
    ...peak,
    monthlyUSD: roundUSD(share * peak.monthlyUSD + (1 - share) * base.monthlyUSD),
    lines,
    savingsOptions: base.savingsOptions,
  };
}

/**
 * NLCUs an hour for TCP traffic, the largest of its dimensions
 * (https://aws.amazon.com/elasticloadbalancing/pricing/): 800 new flows/s,
 * 100,000 active flows (sampled per minute), 1 GB/h processed. One request per flow; a flow is
 * active for `flowSeconds` (the request's time in the service), so active = rate x duration.
 */
export function nlbLcuPerHour(
  imagesPerHour: number,
  bytesPerImage: number,
  flowSeconds: number,
): number {
  const newFlowsPerSecond = imagesPerHour / 3600;
  return Math.max(
    (imagesPerHour * bytesPerImage) / 1e9,
    newFlowsPerSecond / 800,
    (newFlowsPerSecond * flowSeconds) / 100_000,
  );
}

/**
 * The API-shape bill with an NLB in place of the ALB: the load-balancer term is the NLB's hours
 * and NLCUs at the average rate; the rest (instances, NAT, one public IPv4 per AZ, alarms) is
 * the same. Only the ALB's line leaves: the tier has no WAF when sized from a workload.
 */
export function withNetworkLoadBalancer(
  api: WholeBill,
  traffic: { imagesPerHour: number; bytesPerImage: number; flowSeconds: number; region?: string },
): WholeBill {
  if (api.shape !== "api") throw new Error("an NLB replaces the API shape's ALB");
  const nlcu = nlbLcuPerHour(traffic.imagesPerHour, traffic.bytesPerImage, traffic.flowSeconds);
  const book = priceBook(traffic.region ?? DEFAULT_REGION);
  const breakdown = {
    ...api.breakdown,
    loadBalancerUSD: cents(HOURS_PER_MONTH * (book.nlbHourlyUSD + nlcu * book.nlbLcuHourlyUSD)),
  };
  const terms = Object.entries(breakdown) as [CostTerm, number][];
  return {
    ...api,
    breakdown,
    monthlyUSD: cents(terms.reduce((s, [, v]) => s + v, 0)),
    dominantCost: terms.reduce((a, b) => (b[1] > a[1] ? b : a))[0],
  };
}

/**
 * The batch shape's turnaround: the client learns of its result by polling S3 or the queue, at
 * SQS's longest long-poll wait (20 s, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html),
 * so a p95 target below it needs the API shape.
 */
export const BATCH_TURNAROUND_MS = 20_000;

export type LoadBalancerKind = "application" | "network" | "none";

/** One way to put the same fleet in front of its clients, priced whole. */
export interface ShapeOption {
  shape: Shape;
  loadBalancer: LoadBalancerKind;
  monthlyUSD: number;
  dominantCost: CostTerm;
  /** The shape the answer prices and @flakeops/infra deploys. */
  chosen: boolean;
  /** Whether the p95 target holds in this shape. */
  latencyAllows: boolean;
  /** What it gives up against the ALB, or why it is (not) chosen. */
  note: string;
}

/**
 * The API behind an ALB (chosen for the API shape: @flakeops/infra deploys it), behind an NLB,
 * and the batch shape, each with the same fleet. The NLB is a layer-4 pass-through (it adds
 * less latency than the ALB), so any target the ALB meets it meets; the batch shape answers
 * through S3 and a queue, in seconds.
 */
export function shapeOptions(input: {
  shape: Shape;
  billIn: (shape: Shape) => WholeBill;
  imagesPerHour: number;
  bytesPerImage: number;
  p95TargetMs: number;
  /** The tier scales on ALB requests per target (its work-tracking rule). */
  tracksAlbRequests: boolean;
  region?: string;
}): ShapeOption[] {
  const alb = input.billIn("api");
  const nlb = withNetworkLoadBalancer(alb, {
    imagesPerHour: input.imagesPerHour,
    bytesPerImage: input.bytesPerImage,
    flowSeconds: input.p95TargetMs / 1000,
    ...(input.region === undefined ? {} : { region: input.region }),
  });
  const batch = input.billIn("batch");
  const nlbSaves = roundUSD(alb.monthlyUSD - nlb.monthlyUSD);
  const lost = [
    "per-request (path, host) routing",
    "WAF (it attaches to ALBs, not NLBs)",
    "the ALB's HTTP metrics (the 5XX-rate and p95-latency alarms lose their source)",
    ...(input.tracksAlbRequests ? ["ALBRequestCountPerTarget, which this tier scales on"] : []),
  ];
  return [
    {
      shape: "api",
      loadBalancer: "application",
      monthlyUSD: alb.monthlyUSD,
      dominantCost: alb.dominantCost,
      chosen: input.shape === "api",
      latencyAllows: true,
      note: "the API shape @flakeops/infra deploys: HTTP health checks, routing, WAF, ALB metrics",
    },
    {
      shape: "api",
      loadBalancer: "network",
      monthlyUSD: nlb.monthlyUSD,
      dominantCost: nlb.dominantCost,
      chosen: false,
      latencyAllows: true,
      note: `latency allows (a layer-4 pass-through adds less than the ALB; HTTP health checks on the health path still work; TLS at an NLB TLS listener or on the instances); it loses ${lost.join(", ")}. ${nlbSaves > 0 ? `It would save $${nlbSaves}/month, but` : "It saves nothing, and"} the ALB stays: @flakeops/infra deploys an ALB, because the tier's 5XX-rate and p95-latency alarms, WAF and requests-per-target scaling read it`,
    },
    {
      shape: "batch",
      loadBalancer: "none",
      monthlyUSD: batch.monthlyUSD,
      dominantCost: batch.dominantCost,
      chosen: input.shape === "batch",
      latencyAllows: input.p95TargetMs >= BATCH_TURNAROUND_MS,
      note: "clients put images in S3 and read results back; workers read SQS; no load balancer (for work that can wait)",
    },
  ];
}
