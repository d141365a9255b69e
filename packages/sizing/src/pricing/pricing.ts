import { requireCount, requirePositive, SizingError } from "../errors.js";
import { round } from "../format.js";
import { getInstanceType, type InstanceType, priceBook } from "./catalog.js";

export const PRICING_MODELS = ["on-demand", "ri-1y", "ri-3y", "spot"] as const;
export type PricingModel = (typeof PRICING_MODELS)[number];

/** AWS's billing month, and the seed's: t3.large at $0.0832/h is $60.74 a month. */
export const HOURS_PER_MONTH = 730;

/** The seed's reserved-instance savings ("1-year RI: ~40 %", "3-year RI: ~60 %"); a type may override them. */
export const DEFAULT_RI_SAVINGS: Readonly<Record<"ri-1y" | "ri-3y", number>> = {
  "ri-1y": 0.4,
  "ri-3y": 0.6,
};

/** The seed's ceiling for spot savings ("Up to 90 %"); the typical discount is per family. */
export const SPOT_MAX_SAVINGS = 0.9;

export interface SpotProfile {
  /** Typical discount from on-demand in us-east-1. Spot is a market: check before relying on it. */
  readonly typicalDiscount: number;
  /** Spot Instance Advisor band: how often capacity was reclaimed in a month. */
  readonly interruptionBand: "<5%" | "5-10%" | "10-15%" | "15-20%" | ">20%";
  /** Where the figures come from: every one is an estimate (no dated spot history is built in). */
  readonly basis: string;
}

const SEED_SPOT =
  "estimate: the engine's per-family table (undated; import spot history for real prices)";

export const SPOT_BY_FAMILY: Readonly<Record<string, SpotProfile>> = {
  t3: { typicalDiscount: 0.65, interruptionBand: "<5%", basis: SEED_SPOT },
  c5: { typicalDiscount: 0.6, interruptionBand: "5-10%", basis: SEED_SPOT },
  c6i: { typicalDiscount: 0.6, interruptionBand: "<5%", basis: SEED_SPOT },
  m5: { typicalDiscount: 0.6, interruptionBand: "5-10%", basis: SEED_SPOT },
  c7g: { typicalDiscount: 0.55, interruptionBand: "<5%", basis: SEED_SPOT },
  g4dn: { typicalDiscount: 0.6, interruptionBand: "10-15%", basis: SEED_SPOT },
  g5: { typicalDiscount: 0.6, interruptionBand: "15-20%", basis: SEED_SPOT },
  g6: { typicalDiscount: 0.55, interruptionBand: "10-15%", basis: SEED_SPOT },
};

/**
 * Families with no spot figures of their own borrow the nearest family's (same role and
 * architecture), and say so in `basis`; nothing is estimated afresh.
 */
const SPOT_PROXY: Readonly<Record<string, string>> = {
  t3a: "t3",
  t4g: "t3",
  c7i: "c6i",
  c6a: "c6i",
  c7a: "c6i",
  m6i: "m5",
  m7i: "m5",
  r6i: "m5",
  c6g: "c7g",
  c8g: "c7g",
  m7g: "c7g",
  r7g: "c7g",
  g6e: "g6",
};

export function spotProfile(type: InstanceType): SpotProfile {
  const own = SPOT_BY_FAMILY[type.family];
  if (own) return own;
  const proxy = SPOT_PROXY[type.family];
  const borrowed = proxy === undefined ? undefined : SPOT_BY_FAMILY[proxy];
  if (!borrowed) throw new Error(`no spot profile for family ${type.family}`); // catalog invariant
  return { ...borrowed, basis: `${borrowed.basis}; ${type.family} carries ${proxy}'s figures` };
}

export function parsePricing(value: string): PricingModel {
  if (!(PRICING_MODELS as readonly string[]).includes(value)) {
    throw new SizingError(
      "UNKNOWN_PRICING",
      `unknown pricing "${value}"; accepted: ${PRICING_MODELS.join(", ")}`,
    );
  }
  return value as PricingModel;
}

export interface PriceOptions {
  region?: string;
  /** Override the reserved-instance savings (0-1) for this call. */
  riSavings?: number;
  /** Override the spot discount (0-1) for this call. */
  spotDiscount?: number;
}

/** Fraction saved against on-demand under a pricing model. */
export function savingsFraction(
  type: InstanceType,
  pricing: PricingModel,
  opts: PriceOptions = {},
): number {
  switch (pricing) {
    case "on-demand":
      return 0;
    case "ri-1y":
    case "ri-3y":
      return fraction(
        "RI savings",
        opts.riSavings ??
          type.riSavings?.[pricing] ??
          bookRiSavings(type, pricing) ??
          DEFAULT_RI_SAVINGS[pricing],
      );
    case "spot":
      return fraction(
        "spot discount",
        opts.spotDiscount ?? bookSpotDiscount(type) ?? spotProfile(type).typicalDiscount,
      );
  }
}

/**
 * The saving of the book's standard no-upfront reservation for the term, where the book has one
 * (`ri-1y`/`ri-3y` are priced as that purchase); undefined otherwise.
 */
function bookRiSavings(type: InstanceType, pricing: "ri-1y" | "ri-3y"): number | undefined {
  const term = pricing === "ri-1y" ? "1yr" : "3yr";
  const rate = priceBook(type.region).reserved[type.type]?.find(
    (r) => r.term === term && r.offeringClass === "standard" && r.purchaseOption === "No Upfront",
  );
  return rate === undefined ? undefined : 1 - rate.hourlyUSD / type.hourlyUSD;
}

/** The saving at the book's cheapest spot zone, where the book has spot history for the type. */
function bookSpotDiscount(type: InstanceType): number | undefined {
  const zones = Object.values(priceBook(type.region).spot[type.type]?.byZone ?? {});
  return zones.length === 0 ? undefined : Math.max(0, 1 - Math.min(...zones) / type.hourlyUSD);
}

/** The unlimited-mode surplus rate a burstable type pays per vCPU-hour (T4g's is lower). */
export function burstSurplusPerVcpuHour(type: InstanceType): number {
  const book = priceBook(type.region);
  return type.arch === "arm64" ? book.t4gSurplusPerVcpuHourUSD : book.t3SurplusPerVcpuHourUSD;
}

/** Where a pricing model's saving comes from, for people and JSON. */
export function savingsBasis(
  type: InstanceType,
  pricing: PricingModel,
  opts: PriceOptions = {},
): string {
  switch (pricing) {
    case "on-demand":
      return "price book: on-demand list price";
    case "ri-1y":
    case "ri-3y":
      if (opts.riSavings !== undefined) return "given: riSavings";
      if (type.riSavings?.[pricing] !== undefined)
        return "estimate: the catalog's figure for the type";
      return bookRiSavings(type, pricing) !== undefined
        ? `price book: ${pricing === "ri-1y" ? "1yr" : "3yr"} standard no-upfront reserved rate`
        : `estimate: a flat ${DEFAULT_RI_SAVINGS[pricing] * 100} % off (the seed's); the book has no reserved rate for ${type.type}`;
    case "spot":
      if (opts.spotDiscount !== undefined) return "given: spot discount";
      return bookSpotDiscount(type) !== undefined
        ? "price book: the cheapest zone's latest spot price"
        : spotProfile(type).basis;
  }
}

function fraction(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new SizingError("BAD_NUMBER", `${name} must be a fraction in [0, 1); got ${value}`);
  }
  return value;
}

function resolve(type: string | InstanceType, region?: string): InstanceType {
  return typeof type === "string" ? getInstanceType(type, region) : type;
}

/** USD per hour for one instance under a pricing model (without T3 surplus). */
export function hourlyPrice(
  type: string | InstanceType,
  pricing: PricingModel = "on-demand",
  opts: PriceOptions = {},
): number {
  const t = resolve(type, opts.region);
  return t.hourlyUSD * (1 - savingsFraction(t, pricing, opts));
}

/**
 * T3 unlimited surplus per hour for one instance whose average CPU is `averageCpuPercent`:
 * every vCPU-hour above the baseline costs the book's surplus rate. 0 for fixed-performance
 * types and at or under the baseline. Not discounted by RIs or spot.
 */
export function t3SurplusHourly(type: string | InstanceType, averageCpuPercent: number): number {
  const t = resolve(type);
  if (!(averageCpuPercent >= 0 && averageCpuPercent <= 100)) {
    throw new SizingError(
      "BAD_NUMBER",
      `average CPU must be a percentage 0-100; got ${String(averageCpuPercent)}`,
    );
  }
  if (!t.burstable) return 0;
  const above = Math.max(0, averageCpuPercent / 100 - t.burstable.baselinePerVcpu);
  return above * t.vcpu * burstSurplusPerVcpuHour(t);
}

export interface CostOptions extends PriceOptions {
  count?: number;
  hours?: number;
  /** Average CPU, percent, for T3 surplus; omitted means at or under the baseline. */
  averageCpuPercent?: number;
}

export interface CostQuote {
  type: string;
  region: string;
  count: number;
  pricing: PricingModel;
  hours: number;
  /** One instance, USD per hour, after RI/spot savings, without surplus. */
  hourlyUSD: number;
  /** T3 unlimited surplus for all instances over the period. */
  surplusUSD: number;
  /** count x hours x hourly + surplus. */
  monthlyUSD: number;
  onDemandMonthlyUSD: number;
  savingsPercent: number;
  /** Where the saving comes from: the price book's rate, or an estimate and what it rests on. */
  basis: string;
}

/** Cost of `count` instances for `hours` (a month of 730 h unless told). Exact, unrounded. */
export function costOf(
  type: string | InstanceType,
  pricing: PricingModel = "on-demand",
  opts: CostOptions = {},
): CostQuote {
  const t = resolve(type, opts.region);
  const count = requireCount("count", opts.count ?? 1);
  const hours = requirePositive("hours", opts.hours ?? HOURS_PER_MONTH);
  const hourlyUSD = hourlyPrice(t, pricing, opts);
  const surplusUSD =
    opts.averageCpuPercent === undefined
      ? 0
      : t3SurplusHourly(t, opts.averageCpuPercent) * count * hours;
  const monthlyUSD = hourlyUSD * count * hours + surplusUSD;
  return {
    type: t.type,
    region: t.region,
    count,
    pricing,
    hours,
    hourlyUSD,
    surplusUSD,
    monthlyUSD,
    onDemandMonthlyUSD: t.hourlyUSD * count * hours + surplusUSD,
    savingsPercent: savingsFraction(t, pricing, opts) * 100,
    basis: savingsBasis(t, pricing, opts),
  };
}

/** USD for `count` instances over a month (or `hours`), T3 surplus included when a CPU is given. */
export function monthlyCost(
  type: string | InstanceType,
  pricing: PricingModel = "on-demand",
  opts: CostOptions = {},
): number {
  return costOf(type, pricing, opts).monthlyUSD;
}

/** Money for people and JSON: cents. */
export function roundUSD(value: number): number {
  return round(value, 2);
}
