import { ALARM_RULES, alarmRulesFor } from "../alarm-rules.js";
import { requirePositive } from "../errors.js";
import { DEFAULT_REGION, DEFAULT_VOLUME_GIB, getInstanceType, priceBook } from "./catalog.js";
import { costOf, HOURS_PER_MONTH, type PricingModel, roundUSD } from "./pricing.js";
import { type SavingsOption, savingsOptionsFor } from "./savings-options.js";

/**
 * What a deployed tier costs a month, itemized: every line AWS bills for what the components
 * create. Instances are priced as bought (on-demand or spot: the stack buys no reservation);
 * reserved instances and Savings Plans are listed as savings options, never in the estimate.
 */

export interface TierCostInput {
  instanceType: string;
  count: number;
  /** How the tier is billed; "ri-1y"/"ri-3y" are priced on-demand (the stack buys no RI) and shown as savings. */
  pricing?: PricingModel;
  /** gp3 root volume per instance, GiB (the seed's 200 GB). */
  volumeGiB?: number;
  /** An ALB in front (two AZs: two public IPv4 addresses). Default true. */
  loadBalancer?: boolean;
  /** A queue-fed tier (its queue alarms count). */
  queue?: boolean;
  /** The component's own VPC: one NAT gateway with its Elastic IP. Default true. */
  natGateway?: boolean;
  /** GB a month through the NAT (S3 takes the gateway endpoint). Default 1: agent, SSM, packages. */
  natGBPerMonth?: number;
  /** Requests an hour through the ALB; absent: one LCU on average is assumed. */
  imagesPerHour?: number;
  /** Bytes per request, upload and response (the sample images are 0.27-0.43 MB). */
  bytesPerImage?: number;
  /** WAF rules on the ALB (a web ACL with that many rules). Default 0: no WAF. */
  wafRules?: number;
  /** Default: the rule table's alarms for the tier's shape. */
  alarms?: number;
  dashboard?: boolean;
  /** The CloudWatch agent runs on the instances (its custom metrics and puts). Default true. */
  agent?: boolean;
  /** Average CPU, percent, at the sized load: T3 unlimited surplus above the baseline. */
  averageCpuPercent?: number;
  region?: string;
  hoursPerMonth?: number;
}

/** What each line of a tier's bill is, as a stable key (callers group by it, never by `item` text). */
export const TIER_COST_TERMS = [
  "instances",
  "ebs",
  "loadBalancer",
  "nat",
  "ipv4",
  "metrics",
  "alarms",
  "dashboard",
] as const;
export type TierCostTerm = (typeof TIER_COST_TERMS)[number];

export interface TierCostLine {
  term: TierCostTerm;
  item: string;
  monthlyUSD: number;
}

export interface TierCost {
  instanceType: string;
  count: number;
  /** What the estimate prices the instances at (as bought). */
  pricing: PricingModel;
  region: string;
  hoursPerMonth: number;
  monthlyUSD: number;
  lines: TierCostLine[];
  /** Commitments and spot that would lower the instance line (book rates, else labelled estimates); not in monthlyUSD. */
  savingsOptions: SavingsOption[];
}

/** Default bytes per request: about the sample microscope images (JPEG, 0.27-0.43 MB) plus the JSON answer. */
export const DEFAULT_BYTES_PER_IMAGE = 400_000;

/** Distinct CloudWatch-agent metrics the alarm table reads. */
export const AGENT_METRICS = new Set(
  ALARM_RULES.filter((r) => r.namespace === "CWAgent").map((r) => r.metric),
).size;

/** The agent puts its batch once a minute per instance (metrics_collection_interval 60). */
export const PUTS_PER_INSTANCE_HOUR = 60;

/** GB a month through a NAT gateway when nothing says: the agent, SSM and packages (S3 takes the gateway endpoint). */
export const DEFAULT_NAT_GB_PER_MONTH = 1;

/** ALB capacity units when the traffic is not known: one on average. */
export const ASSUMED_ALB_LCU = 1;

/** An internet-facing ALB holds one public IPv4 address per availability zone, and it needs two. */
export const ALB_MIN_AZS = 2;

/**
 * ALB capacity units an hour: the largest of its dimensions
 * (https://aws.amazon.com/elasticloadbalancing/pricing/: 25 new connections/s, 3,000 active
 * connections/min, 1 GB/h processed for EC2 targets, 1,000 rule evaluations/s). One request
 * per connection is the worst case; processed bytes dominate for image uploads.
 */
export function albLcuPerHour(imagesPerHour: number, bytesPerImage: number): number {
  const gbPerHour = (imagesPerHour * bytesPerImage) / 1e9;
  const newConnectionsPerSecond = imagesPerHour / 3600;
  return Math.max(gbPerHour, newConnectionsPerSecond / 25, newConnectionsPerSecond / 1000);
}

export function estimateTierCost(input: TierCostInput): TierCost {
  const region = input.region ?? DEFAULT_REGION;
  const book = priceBook(region);
  const requested = input.pricing ?? "on-demand";
  const bought: PricingModel = requested === "spot" ? "spot" : "on-demand";
  const hours = requirePositive("hoursPerMonth", input.hoursPerMonth ?? HOURS_PER_MONTH);
  const share = hours / HOURS_PER_MONTH;
  const volumeGiB = requirePositive("volumeGiB", input.volumeGiB ?? DEFAULT_VOLUME_GIB, true);
  const loadBalancer = input.loadBalancer ?? true;
  const nat = input.natGateway ?? true;
  const alarms = requirePositive(
    "alarms",
    input.alarms ?? alarmRulesFor({ loadBalancer, queue: input.queue ?? false }).length,
    true,
  );
  const cpu =
    input.averageCpuPercent === undefined ? {} : { averageCpuPercent: input.averageCpuPercent };
  const ec2 = costOf(input.instanceType, bought, { count: input.count, hours, region, ...cpu });
  const lines: TierCost["lines"] = [
    {
      term: "instances",
      item: `EC2 ${ec2.count} x ${ec2.type} (${bought})`,
      monthlyUSD: ec2.monthlyUSD - ec2.surplusUSD,
    },
  ];
  if (ec2.surplusUSD > 0)
    lines.push({
      term: "instances",
      item: `T3 unlimited surplus at ${input.averageCpuPercent}% average CPU`,
      monthlyUSD: ec2.surplusUSD,
    });
  lines.push({
    term: "ebs",
    item: `EBS gp3 ${ec2.count} x ${volumeGiB} GiB`,
    monthlyUSD: ec2.count * volumeGiB * book.gp3PerGBMonthUSD * share,
  });
  let publicIpv4 = 0;
  if (loadBalancer) {
    const lcu =
      input.imagesPerHour === undefined
        ? ASSUMED_ALB_LCU
        : albLcuPerHour(
            requirePositive("imagesPerHour", input.imagesPerHour, true),
            requirePositive("bytesPerImage", input.bytesPerImage ?? DEFAULT_BYTES_PER_IMAGE),
          );
    lines.push({
      term: "loadBalancer",
      item: "Application Load Balancer hours",
      monthlyUSD: book.albHourlyUSD * hours,
    });
    lines.push({
      term: "loadBalancer",
      item: `ALB capacity (${roundUSD(lcu)} LCU${input.imagesPerHour === undefined ? ", assumed" : ` at ${input.imagesPerHour} images/h`})`,
      monthlyUSD: book.albLcuHourlyUSD * lcu * hours,
    });
    publicIpv4 += ALB_MIN_AZS; // one per availability zone of the internet-facing ALB
    const wafRules = requirePositive("wafRules", input.wafRules ?? 0, true);
    if (wafRules > 0) {
      // Requests inspected: the workload's, else none assumed.
      const millions = ((input.imagesPerHour ?? 0) * hours) / 1e6;
      lines.push({
        term: "loadBalancer",
        item: `WAF web ACL (${wafRules} rule${wafRules === 1 ? "" : "s"})`,
        monthlyUSD:
          (book.wafWebAclMonthlyUSD + wafRules * book.wafRuleMonthlyUSD) * share +
          millions * book.wafPerMillionRequestsUSD,
      });
    }
  }
  if (nat) {
    const gb = requirePositive(
      "natGBPerMonth",
      input.natGBPerMonth ?? DEFAULT_NAT_GB_PER_MONTH,
      true,
    );
    lines.push({ term: "nat", item: "NAT gateway hours", monthlyUSD: book.natHourlyUSD * hours });
    lines.push({
      term: "nat",
      item: `NAT processing (${gb} GB)`,
      monthlyUSD: book.natPerGBUSD * gb,
    });
    publicIpv4 += 1; // its Elastic IP
  }
  if (publicIpv4 > 0)
    lines.push({
      term: "ipv4",
      item: `Public IPv4 addresses (${publicIpv4})`,
      monthlyUSD: publicIpv4 * book.publicIpv4HourlyUSD * hours,
    });
  if (input.agent ?? true) {
    // Each instance's own series (InstanceId dimension) plus the group's aggregate.
    const metrics = AGENT_METRICS * (ec2.count + 1);
    lines.push({
      term: "metrics",
      item: `CloudWatch agent metrics (${metrics})`,
      monthlyUSD: metrics * book.customMetricMonthlyUSD * share,
    });
    lines.push({
      term: "metrics",
      item: "CloudWatch PutMetricData (agent, once a minute per instance)",
      monthlyUSD:
        (ec2.count * PUTS_PER_INSTANCE_HOUR * hours * book.putMetricDataPer1000USD) / 1000,
    });
  }
  if (alarms > 0)
    lines.push({
      term: "alarms",
      item: `CloudWatch alarms (${alarms})`,
      monthlyUSD: alarms * book.alarmMonthlyUSD,
    });
  if (input.dashboard ?? true)
    lines.push({
      term: "dashboard",
      item: "CloudWatch dashboard",
      monthlyUSD: book.dashboardMonthlyUSD,
    });

  // Commitments lower the instance line (not the T3 surplus); spot bought already has none.
  const savingsOptions =
    bought === "spot"
      ? []
      : savingsOptionsFor(
          getInstanceType(ec2.type, region),
          ec2.count,
          ec2.monthlyUSD - ec2.surplusUSD,
          hours,
        );
  return {
    instanceType: ec2.type,
    count: ec2.count,
    pricing: bought,
    region,
    hoursPerMonth: hours,
    monthlyUSD: roundUSD(lines.reduce((sum, l) => sum + l.monthlyUSD, 0)),
    lines: lines.map((l) => ({ ...l, monthlyUSD: roundUSD(l.monthlyUSD) })),
    savingsOptions,
  };
}
