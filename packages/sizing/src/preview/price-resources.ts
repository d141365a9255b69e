import { type PriceBook, priceBook } from "../pricing/catalog.js";
import { costOf, HOURS_PER_MONTH, type PricingModel } from "../pricing/pricing.js";
import {
  ALB_MIN_AZS,
  ASSUMED_ALB_LCU,
  DEFAULT_NAT_GB_PER_MONTH,
  PUTS_PER_INSTANCE_HOUR,
} from "../pricing/tier-cost.js";
import type { ResourceState } from "./digest.js";
import { FREE_TYPES } from "./free-types.js";

/**
 * One side (before or after) of a deployment, priced resource by resource with the same book
 * and functions `estimateTierCost` uses. What cannot be priced from its inputs is unpriced with
 * the reason, never guessed.
 */

export interface Priced {
  monthlyUSD: number;
  detail: string;
}
export interface Unpriced {
  unpriced: string;
}
export type PriceResult = Priced | Unpriced;

export interface WorldResource {
  urn: string;
  state: ResourceState;
}

export interface WorldOptions {
  region: string;
  /** S3 storage a month, GB, across the buckets (the preview cannot know it). */
  s3GB: number;
}

/** Pulumi's placeholder for a value not known until apply (pulumi/pulumi, sdk plugin.UnknownStringValue). */
/** Alarms AWS creates for each target tracking policy (scale-out and scale-in). */
const TARGET_TRACKING_ALARMS = 2;

export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** What `preview --json` prints for a secret value. */
export const SECRET_VALUE = "[secret]";

class Unpriceable extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped property bags
type Bag = Record<string, any>;

function props(state: ResourceState): Bag {
  return { ...(state.outputs ?? {}), ...(state.inputs ?? {}) };
}

/** A value the price needs; a secret or unknown one makes the resource unpriced. */
function known<T>(value: T, what: string): T {
  if (value === SECRET_VALUE) throw new Unpriceable(`${what} is a secret ([secret])`);
  if (value === UNKNOWN_VALUE) throw new Unpriceable(`${what} is not known until apply`);
  return value;
}

function num(value: unknown, what: string): number {
  const v = known(value, what);
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0)
    throw new Unpriceable(`${what} is not a number (${JSON.stringify(v)})`);
  return n;
}

/** gp3 volumes in a launch template's or instance's block devices; other types are unpriced. */
function volumesGiB(devices: unknown, book: PriceBook): { gib: number; perGiB: number } {
  let gib = 0;
  for (const d of Array.isArray(devices) ? (devices as Bag[]) : []) {
    const ebs = d.ebs ?? d;
    if (ebs.volumeSize === undefined) continue;
    const type = known(ebs.volumeType ?? "gp3", "volume type");
    if (type !== "gp3")
      throw new Unpriceable(`volume type ${type} is not in the price book (gp3 is)`);
    gib += num(ebs.volumeSize, "volume size");
  }
  return { gib, perGiB: book.gp3PerGBMonthUSD };
}

function instanceMonthly(type: unknown, pricing: PricingModel, count: number, region: string) {
  const t = known(type, "instance type");
  if (typeof t !== "string") throw new Unpriceable("no instance type");
  try {
    return costOf(t, pricing, { count, region }).monthlyUSD;
  } catch (e) {
    throw new Unpriceable(e instanceof Error ? e.message : String(e));
  }
}

/** A launch template's identities an auto-scaling group may reference it by. */
function templateKeys(r: WorldResource): string[] {
  const p = props(r.state);
  return [r.state.id, p.id, p.name].filter(
    (k): k is string => typeof k === "string" && k !== UNKNOWN_VALUE,
  );
}

function groupTemplateRef(group: Bag): string | undefined {
  const spec = group.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification;
  const ref =
    group.launchTemplate?.id ??
    group.launchTemplate?.name ??
    spec?.launchTemplateId ??
    spec?.launchTemplateName;
  return typeof ref === "string" ? ref : undefined;
}

/** On-demand and spot instances of a group (EC2 Auto Scaling's instances distribution). */
function groupSplit(
  group: Bag,
  template: Bag,
  desired: number,
): { onDemand: number; spot: number } {
  const dist = group.mixedInstancesPolicy?.instancesDistribution;
  if (dist) {
    const base = Math.min(desired, num(dist.onDemandBaseCapacity ?? 0, "on-demand base capacity"));
    const pct = num(dist.onDemandPercentageAboveBaseCapacity ?? 100, "on-demand percentage");
    const onDemand = base + Math.ceil(((desired - base) * pct) / 100);
    return { onDemand, spot: desired - onDemand };
  }
  const market = template.instanceMarketOptions?.marketType;
  return market === "spot" ? { onDemand: 0, spot: desired } : { onDemand: desired, spot: 0 };
}

/** Price every resource of one side of the deployment. */
export function priceWorld(
  world: readonly WorldResource[],
  opts: WorldOptions,
): Map<string, PriceResult> {
  const book = priceBook(opts.region);
  const results = new Map<string, PriceResult>();
  const ofType = (t: string) => world.filter((r) => r.state.type === t);
  const templates = ofType("aws:ec2/launchTemplate:LaunchTemplate");
  const groups = ofType("aws:autoscaling/group:Group");
  const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
  // The agent publishes what the alarms on its namespace read (one series per instance plus the group's).
  const agentMetrics = new Set(
    alarms
      .map((a) => props(a.state))
      .filter((p) => p.namespace === "CWAgent")
      .map((p) => p.metricName),
  ).size;
  const natChildren = ofType("aws:ec2/natGateway:NatGateway").length > 0;

  const templateOf = new Map<string, WorldResource>();
  for (const g of groups) {
    const ref = groupTemplateRef(props(g.state));
    const found = templates.find((t) => ref !== undefined && templateKeys(t).includes(ref));
    if (found) templateOf.set(g.urn, found);
  }
  // Before apply a new template's id is unknown; one template and one group can only pair together.
  if (templates.length === 1 && groups.length === 1 && templateOf.size === 0)
    templateOf.set(groups[0]!.urn, templates[0]!);
  const pairedTemplates = new Map([...templateOf].map(([g, t]) => [t.urn, g]));

  const price = (r: WorldResource): Priced => {
    const p = props(r.state);
    const type = r.state.type;
    if (type === "aws:autoscaling/group:Group") {
      const template = templateOf.get(r.urn);
      if (!template) throw new Unpriceable("its launch template is not in the preview");
      const lt = props(template.state);
      const desired = num(p.desiredCapacity ?? p.minSize ?? 0, "desired capacity");
      const split = groupSplit(p, lt, desired);
      const ec2 =
        (split.onDemand
          ? instanceMonthly(lt.instanceType, "on-demand", split.onDemand, opts.region)
          : 0) +
        (split.spot ? instanceMonthly(lt.instanceType, "spot", split.spot, opts.region) : 0);
      const vol = volumesGiB(lt.blockDeviceMappings, book);
      const ebs = desired * vol.gib * vol.perGiB;
      const metrics = agentMetrics * (desired + 1);
      const agent =
        desired > 0 && agentMetrics > 0
          ? metrics * book.customMetricMonthlyUSD +
            (desired * PUTS_PER_INSTANCE_HOUR * HOURS_PER_MONTH * book.putMetricDataPer1000USD) /
              1000
          : 0;
      return {
        monthlyUSD: ec2 + ebs + agent,
        detail:
          `${desired} x ${lt.instanceType}` +
          `${split.spot ? ` (${split.spot} spot)` : ""} + ${desired} x ${vol.gib} GiB gp3` +
          `${agent ? ` + ${metrics} CloudWatch agent metrics` : ""}`,
      };
    }
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") {
      const group = pairedTemplates.get(r.urn);
      return {
        monthlyUSD: 0,
        detail: group ? "priced with its auto-scaling group" : "a template alone costs nothing",
      };
    }
    if (type === "aws:ec2/instance:Instance") {
      const spot = p.instanceMarketOptions?.marketType === "spot";
      const ec2 = instanceMonthly(p.instanceType, spot ? "spot" : "on-demand", 1, opts.region);
      const vol = volumesGiB(
        [...(p.rootBlockDevice ? [p.rootBlockDevice] : []), ...(p.ebsBlockDevices ?? [])],
        book,
      );
      const ipv4 =
        p.associatePublicIpAddress === true ? book.publicIpv4HourlyUSD * HOURS_PER_MONTH : 0;
      return {
        monthlyUSD: ec2 + vol.gib * vol.perGiB + ipv4,
        detail: `1 x ${p.instanceType}${spot ? " (spot)" : ""}, ${vol.gib} GiB gp3${ipv4 ? ", public IPv4" : ""}`,
      };
    }
    if (type === "aws:ebs/volume:Volume") {
      const vol = volumesGiB([{ volumeSize: p.size, volumeType: p.type ?? "gp3" }], book);
      return { monthlyUSD: vol.gib * vol.perGiB, detail: `${vol.gib} GiB gp3` };
    }
    if (
      type === "aws:lb/loadBalancer:LoadBalancer" ||
      type === "aws:alb/loadBalancer:LoadBalancer"
    ) {
      const kind = known(p.loadBalancerType ?? "application", "load balancer type");
      if (kind !== "application" && kind !== "network")
        throw new Unpriceable(`load balancer type ${kind} is not in the price book`);
      const subnets = Array.isArray(p.subnets)
        ? p.subnets.length
        : Array.isArray(p.subnetMappings)
          ? p.subnetMappings.length
          : 0;
      const ipv4 = p.internal === true ? 0 : Math.max(ALB_MIN_AZS, subnets);
      const [hourly, perUnit, unit] =
        kind === "application"
          ? [book.albHourlyUSD, book.albLcuHourlyUSD, "LCU"]
          : [book.nlbHourlyUSD, book.nlbLcuHourlyUSD, "NLCU"];
      return {
        monthlyUSD:
          (hourly + perUnit * ASSUMED_ALB_LCU + ipv4 * book.publicIpv4HourlyUSD) * HOURS_PER_MONTH,
        detail: `${kind} load balancer, ${ASSUMED_ALB_LCU} ${unit} assumed, ${ipv4} public IPv4`,
      };
    }
    if (type === "aws:ec2/natGateway:NatGateway") {
      return {
        monthlyUSD:
          book.natHourlyUSD * HOURS_PER_MONTH + book.natPerGBUSD * DEFAULT_NAT_GB_PER_MONTH,
        detail: `hours + ${DEFAULT_NAT_GB_PER_MONTH} GB processed (its address is the EIP)`,
      };
    }
    if (type === "aws:ec2/eip:Eip") {
      return {
        monthlyUSD: book.publicIpv4HourlyUSD * HOURS_PER_MONTH,
        detail: "public IPv4 address",
      };
    }
    if (type === "awsx:ec2:Vpc") {
      // awsx's component: its NAT gateways and EIPs are its children; price them here only when absent.
      if (natChildren)
        return { monthlyUSD: 0, detail: "priced by its NAT gateway and EIP children" };
      const strategy = known(p.natGateways?.strategy ?? "OnePerAz", "NAT gateway strategy");
      const azs = num(p.numberOfAvailabilityZones ?? 3, "availability zones");
      const nats = strategy === "None" ? 0 : strategy === "Single" ? 1 : azs;
      return {
        monthlyUSD:
          nats *
          ((book.natHourlyUSD + book.publicIpv4HourlyUSD) * HOURS_PER_MONTH +
            book.natPerGBUSD * DEFAULT_NAT_GB_PER_MONTH),
        detail: `${nats} NAT gateway${nats === 1 ? "" : "s"} (${strategy}) with ${nats} EIP, ${DEFAULT_NAT_GB_PER_MONTH} GB processed each`,
      };
    }
    if (type === "aws:cloudwatch/metricAlarm:MetricAlarm") {
      return { monthlyUSD: book.alarmMonthlyUSD, detail: "standard-resolution alarm" };
    }
    if (type === "aws:autoscaling/policy:Policy" && p.policyType === "TargetTrackingScaling") {
      // "Don't edit or delete the CloudWatch alarms that are configured for the target tracking
      // scaling policy": AWS creates two (high and low) per policy and bills them as alarms
      // (EC2 Auto Scaling User Guide, target tracking scaling policies).
      return {
        monthlyUSD: TARGET_TRACKING_ALARMS * book.alarmMonthlyUSD,
        detail: `target tracking: its ${TARGET_TRACKING_ALARMS} AWS-managed alarms`,
      };
    }
    if (type === "aws:cloudwatch/dashboard:Dashboard") {
      return { monthlyUSD: book.dashboardMonthlyUSD, detail: "dashboard" };
    }
    if (type === "aws:s3/bucket:Bucket" || type === "aws:s3/bucketV2:BucketV2") {
      const buckets = ofType(type).length;
      const gb = opts.s3GB / buckets;
      return {
        monthlyUSD: gb * book.s3StandardPerGBMonthUSD,
        detail: `${gb} GB S3 Standard (from --s3-gb, split across ${buckets} bucket${buckets === 1 ? "" : "s"}); requests by use`,
      };
    }
    if (
      type === "aws:ec2/vpcEndpoint:VpcEndpoint" &&
      (p.vpcEndpointType ?? "Gateway") !== "Gateway"
    )
      throw new Unpriceable(
        `a ${p.vpcEndpointType} endpoint is billed hourly per AZ; not in the price book`,
      );
    const free = FREE_TYPES[type];
    if (free) return { monthlyUSD: 0, detail: free };
    if (r.state.custom === false)
      return { monthlyUSD: 0, detail: "component: its children are priced" };
    throw new Unpriceable(`${type} is not a type this pricer knows`);
  };

  for (const r of world) {
    try {
      results.set(r.urn, price(r));
    } catch (e) {
      if (!(e instanceof Unpriceable)) throw e;
      results.set(r.urn, { unpriced: e.message });
    }
  }
  return results;
}
