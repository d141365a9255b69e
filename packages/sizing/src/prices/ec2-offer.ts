import { SizingError } from "../errors.js";
import { emptyRegion, type RegionPrices, type ReservedRate } from "./book.js";

/**
 * What the AmazonEC2 offer (AWS Price List bulk API; JSON and CSV carry the same products and
 * terms) contributes to a book: Linux shared-tenancy on-demand and reserved rates per instance
 * type, EBS gp3, NAT gateway and public IPv4. Products arrive before their terms in both
 * formats, so only the SKUs that matter are remembered: memory stays small on multi-GB files.
 */

export type Attributes = Record<string, string | undefined>;

type SkuRole =
  | { kind: "instance"; region: string; type: string }
  | { kind: "gp3" | "nat-hours" | "nat-gb" | "ipv4"; region: string };

/** Which book line a product is, if any. Field names and values as the offer spells them. */
export function skuRole(productFamily: string | undefined, a: Attributes): SkuRole | undefined {
  const region = a.regionCode;
  if (!region) return undefined;
  const usage = a.usagetype ?? "";
  if (productFamily === "Compute Instance") {
    // One row per OS x tenancy x licence x pre-installed software x capacity status: Linux,
    // shared, nothing pre-installed, "Used" (capacity reservations bill as UnusedBox/AllocatedBox).
    const linuxShared =
      a.operatingSystem === "Linux" &&
      a.tenancy === "Shared" &&
      a.preInstalledSw === "NA" &&
      a.capacitystatus === "Used" &&
      (a.licenseModel ?? "No License required") === "No License required";
    return linuxShared && a.instanceType
      ? { kind: "instance", region, type: a.instanceType }
      : undefined;
  }
  if (productFamily === "Storage" && a.volumeApiName === "gp3") return { kind: "gp3", region };
  if (productFamily === "NAT Gateway" && usage.endsWith("NatGateway-Hours"))
    return { kind: "nat-hours", region };
  if (productFamily === "NAT Gateway" && usage.endsWith("NatGateway-Bytes"))
    return { kind: "nat-gb", region };
  if (productFamily === "IP Address" && usage.endsWith("PublicIPv4:InUseAddress"))
    return { kind: "ipv4", region };
  return undefined;
}

export interface PriceDimension {
  unit: string;
  usd: number;
  description?: string | undefined;
  beginRange?: string | undefined;
}

export interface TermInfo {
  type: "OnDemand" | "Reserved";
  sku: string;
  offerTermCode: string;
  dimensions: PriceDimension[];
  leaseContractLength?: string | undefined;
  purchaseOption?: string | undefined;
  offeringClass?: string | undefined;
}

const TERMS = ["1yr", "3yr"] as const;
const OPTIONS = ["No Upfront", "Partial Upfront", "All Upfront"] as const;
const CLASSES = ["standard", "convertible"] as const;

export class Ec2OfferAccumulator {
  readonly regions = new Map<string, RegionPrices>();
  private readonly roles = new Map<string, SkuRole>();
  private readonly reservedByCode = new Map<string, ReservedRate>();
  products = 0;

  region(code: string): RegionPrices {
    const known = this.regions.get(code);
    if (known) return known;
    const r = emptyRegion();
    this.regions.set(code, r);
    return r;
  }

  addProduct(sku: string, productFamily: string | undefined, attributes: Attributes): void {
    this.products++;
    const role = skuRole(productFamily, attributes);
    if (role) {
      this.roles.set(sku, role);
      this.region(role.region);
    }
  }

  addTerm(term: TermInfo): void {
    const role = this.roles.get(term.sku);
    if (!role) return;
    const r = this.region(role.region);
    const first = (unit: string) =>
      term.dimensions.find(
        (d) => d.unit === unit && (d.beginRange === undefined || Number(d.beginRange) === 0),
      );
    if (term.type === "OnDemand") {
      if (role.kind === "instance") {
        const hrs = first("Hrs");
        if (hrs) r.onDemandHourlyUSD[role.type] = hrs.usd;
      } else if (role.kind === "gp3") setIf(r, "gp3PerGBMonthUSD", first("GB-Mo")?.usd);
      else if (role.kind === "nat-hours") setIf(r, "natHourlyUSD", first("Hrs")?.usd);
      else if (role.kind === "nat-gb")
        setIf(r, "natPerGBUSD", first("GB")?.usd ?? first("Quantity")?.usd);
      else if (role.kind === "ipv4") setIf(r, "publicIpv4HourlyUSD", first("Hrs")?.usd);
      return;
    }
    if (role.kind !== "instance") return;
    // The CSV gives a reserved term's upfront fee and hourly rate on separate rows: merge by term code.
    const code = `${term.sku}.${term.offerTermCode}`;
    const known = this.reservedByCode.get(code);
    if (known) {
      const upfront = term.dimensions.find((d) => d.unit === "Quantity");
      const hourly = term.dimensions.find((d) => d.unit === "Hrs");
      if (upfront) known.upfrontUSD = upfront.usd;
      if (hourly) known.hourlyUSD = hourly.usd;
      return;
    }
    const rate = reservedRate(term);
    if (!rate) return;
    this.reservedByCode.set(code, rate);
    r.reserved[role.type] ??= [];
    const list = r.reserved[role.type]!;
    list.push(rate);
    list.sort(
      (a, b) =>
        TERMS.indexOf(a.term) - TERMS.indexOf(b.term) ||
        CLASSES.indexOf(a.offeringClass) - CLASSES.indexOf(b.offeringClass) ||
        OPTIONS.indexOf(a.purchaseOption) - OPTIONS.indexOf(b.purchaseOption),
    );
  }
}

function setIf(
  r: RegionPrices,
  key: "gp3PerGBMonthUSD" | "natHourlyUSD" | "natPerGBUSD" | "publicIpv4HourlyUSD",
  v: number | undefined,
) {
  if (v !== undefined) r[key] = v;
}

function reservedRate(term: TermInfo): ReservedRate | undefined {
  const t = TERMS.find((x) => x === term.leaseContractLength);
  const p = OPTIONS.find((x) => x === term.purchaseOption);
  const c = CLASSES.find((x) => x === term.offeringClass);
  if (!t || !p || !c) return undefined;
  return {
    term: t,
    purchaseOption: p,
    offeringClass: c,
    upfrontUSD: term.dimensions.find((d) => d.unit === "Quantity")?.usd ?? 0,
    hourlyUSD: term.dimensions.find((d) => d.unit === "Hrs")?.usd ?? 0,
  };
}

/** The one line a file that is not the EC2 offer gets. */
export function notEc2Offer(what: string): SizingError {
  return new SizingError(
    "BAD_OFFER",
    `${what}; accepted: the AmazonEC2 offer (JSON or CSV from the AWS Price List bulk API), a Savings Plans offer, or \`aws ec2 describe-spot-price-history\` JSON`,
  );
}

/** A USD figure as the offer writes it ("0.0832000000"). */
export function usdOf(text: string | undefined, where: string): number {
  const v = Number(text);
  if (text === undefined || text === "" || !Number.isFinite(v) || v < 0)
    throw notEc2Offer(`${where}: price "${text}" is not a number`);
  return v;
}
