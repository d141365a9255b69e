import type { RegionPrices, SavingsPlanRate } from "./book.js";
import { notEc2Offer, usdOf } from "./ec2-offer.js";

/**
 * The Savings Plans offer files (AWS Price List, savingsPlan/v1.0: `regionCode`, `products[]`
 * with `productFamily` ComputeSavingsPlans | EC2InstanceSavingsPlans and `attributes.purchaseTerm`
 * / `purchaseOption`, and `terms.savingsPlan[]` whose `rates[]` give a `discountedRate` per
 * `discountedUsageType`), and `aws ec2 describe-spot-price-history` output (`SpotPriceHistory[]`
 * with AvailabilityZone, InstanceType, ProductDescription, SpotPrice, Timestamp).
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
    const zone = String(q.AvailabilityZone ?? "");
    const code = regionOfZone(zone);
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
