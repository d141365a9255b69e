import type { RegionPrices, SavingsPlanRate } from "./book.js";
import { notEc2Offer, usdOf } from "./ec2-offer.js";

/**
 * The Savings Plans offer files (AWS Price List, savingsPlan/v1.0: `regionCode`, `products[]`
 * with `productFamily` ComputeSavingsPlans | EC2InstanceSavingsPlans and `attributes.purchaseTerm`
 * / `purchaseOption`, and `terms.savingsPlan[]` whose `rates[]` give a `discountedRate` per
 * `discountedUsageType`), and `aws ec2 describe-spot-price-history` output (`SpotPriceHistory[]`
 * with AvailabilityZone or AvailabilityZoneId, InstanceType, ProductDescription, SpotPrice,
 * Timestamp).
 */

const PLANS: Record<string, SavingsPlanRate["plan"]> = {
  ComputeSavingsPlans: "Compute",
  EC2InstanceSavingsPlans: "EC2Instance",
};

// biome-ignore lint/suspicious/noExplicitAny: offer records are untyped JSON
type Json = any;

export class SavingsPlansAccumulator {
  private readonly plans = new Map<string, Omit<SavingsPlanRate, "hourlyUSD">>();

  constructor(private readonly region: (code: string) => RegionPrices) {}

  addProduct(p: Json): void {
    const plan = PLANS[p?.productFamily];
    const term = p?.attributes?.purchaseTerm;
    const purchaseOption = p?.attributes?.purchaseOption;
    if (!plan || (term !== "1yr" && term !== "3yr")) return;
    if (!["No Upfront", "Partial Upfront", "All Upfront"].includes(purchaseOption)) return;
    this.plans.set(String(p.sku), { plan, term, purchaseOption });
  }

  /** One `terms.savingsPlan[]` entry, in the file of `regionCode`. */
  addTerm(t: Json, regionCode: string | undefined): void {
    const plan = this.plans.get(String(t?.sku));
    if (!plan || !Array.isArray(t.rates)) return;
    if (!regionCode) throw notEc2Offer("a Savings Plans offer without regionCode");
    const r = this.region(regionCode);
    for (const rate of t.rates as Json[]) {
      // Linux (RunInstances, no :suffix) on shared tenancy (BoxUsage); other regions prefix the usage type.
      const m = /(?:^|-)BoxUsage:(.+)$/.exec(String(rate.discountedUsageType ?? ""));
      if (
        !m ||
        rate.discountedServiceCode !== "AmazonEC2" ||
        rate.discountedOperation !== "RunInstances"
      )
        continue;
      const type = m[1]!;
      r.savingsPlans[type] ??= [];
      const list = r.savingsPlans[type]!;
      list.push({
        ...plan,
        hourlyUSD: usdOf(rate.discountedRate?.price, `savings plan rate for ${type}`),
      });
      list.sort(
        (a, b) =>
          a.plan.localeCompare(b.plan) ||
          a.term.localeCompare(b.term) ||
          a.purchaseOption.localeCompare(b.purchaseOption),
      );
    }
  }
}

/** The region of an availability zone ("us-east-1a" -> "us-east-1"; local zones "us-west-2-lax-1a" -> "us-west-2"). */
export function regionOfZone(zone: string): string | undefined {
  return /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)/.exec(zone)?.[1];
}

const DIRECTIONS: Record<string, string> = {
  n: "north",
  s: "south",
  e: "east",
  w: "west",
  c: "central",
  ne: "northeast",
  se: "southeast",
  nw: "northwest",
  sw: "southwest",
};

/**
 * The region of a zone ID ("use1-az1" -> "us-east-1", "apne1-az4" -> "ap-northeast-1"): the ID
 * is the region's country code, direction initials and number, then "-az" and the zone's number
 * (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html). Zone IDs name the
 * same physical zone in every account; spot history carries one as AvailabilityZoneId.
 */
export function regionOfZoneId(id: string): string | undefined {
  const m = /^([a-z]{2})(ne|se|nw|sw|n|s|e|w|c)(\d+)-az\d+$/.exec(id);
  return m ? `${m[1]}-${DIRECTIONS[m[2]!]}-${m[3]}` : undefined;
}

/** A spot price record's zone (name, else ID) and the region it is in. */
export function spotZone(q: Json): { zone: string; region: string | undefined } {
  if (typeof q?.AvailabilityZone === "string")
    return { zone: q.AvailabilityZone, region: regionOfZone(q.AvailabilityZone) };
  const id = String(q?.AvailabilityZoneId ?? "");
  return { zone: id, region: regionOfZoneId(id) };
}

export class SpotAccumulator {
  /** When each type's price in each zone was stamped, to keep the newest. */
  private readonly stamps = new Map<string, string>();

  constructor(private readonly region: (code: string) => RegionPrices) {}

  add(q: Json): void {
    if (
      q?.ProductDescription !== "Linux/UNIX" &&
      q?.ProductDescription !== "Linux/UNIX (Amazon VPC)"
    )
      return;
    const { zone, region: code } = spotZone(q);
    if (!code || typeof q.InstanceType !== "string")
      throw notEc2Offer(
        `a spot price without a zone or instance type (${JSON.stringify(q).slice(0, 80)})`,
      );
    const at = String(q.Timestamp ?? "");
    const key = `${q.InstanceType}|${zone}`;
    const seen = this.stamps.get(key);
    if (seen !== undefined && seen >= at) return;
    this.stamps.set(key, at);
    const spot = this.region(code).spot;
    spot[q.InstanceType] ??= { byZone: {}, at };
    const quote = spot[q.InstanceType]!;
    quote.byZone[zone] = usdOf(q.SpotPrice, `spot price in ${zone}`);
    if (at > quote.at) quote.at = at;
  }
}
