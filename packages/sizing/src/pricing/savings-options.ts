import type { ReservedRate, SavingsPlanRate } from "../prices/book.js";
import { type InstanceType, priceBook } from "./catalog.js";
import { DEFAULT_RI_SAVINGS, HOURS_PER_MONTH, roundUSD, spotProfile } from "./pricing.js";

/**
 * What a commitment (reserved instances, Savings Plans) or spot would do to a tier's instance
 * line, from the price book's own rates where it has them: every reserved term x payment option x
 * class, Compute and EC2 Instance Savings Plans, and spot. Where the book has no rate for the
 * type, the option is an estimate and says so in `basis`. None of it is in the tier's estimate.
 */

export interface SavingsOption {
  /** What to buy, in words. */
  option: string;
  kind: "reserved" | "compute-savings-plan" | "ec2-instance-savings-plan" | "spot";
  /** Commitment length; null for spot. */
  term: "1yr" | "3yr" | null;
  purchaseOption: "No Upfront" | "Partial Upfront" | "All Upfront" | null;
  /** Reserved instances only. */
  offeringClass?: "standard" | "convertible";
  /** Paid once at purchase, all instances. */
  upfrontUSD: number;
  /** Billed every month of the term, all instances. */
  recurringMonthlyUSD: number;
  /** The month's cost over the term: recurring plus the upfront spread over the term's months. */
  monthlyUSD: number;
  /** On-demand instance cost a month minus monthlyUSD. */
  savesUSD: number;
  /**
   * The first month whose cumulative cost (upfront included) is below cumulative on-demand;
   * null for spot (nothing committed) or when that never happens within the term.
   */
  breakEvenMonth: number | null;
  /** "price book" (the book's own rate) or "estimate: <what it rests on>". */
  basis: string;
}

const TERM_MONTHS = { "1yr": 12, "3yr": 36 } as const;
const TERM_WORDS = { "1yr": "1-year", "3yr": "3-year" } as const;

/** The first month m (1..term) with upfront + m x recurring < m x onDemand, else null. */
export function breakEvenMonth(
  upfrontUSD: number,
  recurringMonthlyUSD: number,
  onDemandMonthlyUSD: number,
  termMonths: number,
): number | null {
  for (let m = 1; m <= termMonths; m++)
    if (upfrontUSD + m * recurringMonthlyUSD < m * onDemandMonthlyUSD - 1e-9) return m;
  return null;
}

interface Commitment {
  option: string;
  kind: SavingsOption["kind"];
  term: "1yr" | "3yr";
  purchaseOption: NonNullable<SavingsOption["purchaseOption"]>;
  offeringClass?: "standard" | "convertible";
  upfrontPerInstance: number;
  hourlyPerInstance: number;
  basis: string;
}

/** Savings Plans commit dollars an hour; all upfront pays the term's hours at once, partial half (AWS's minimum). */
function planUpfrontShare(p: SavingsPlanRate["purchaseOption"]): number {
  return p === "All Upfront" ? 1 : p === "Partial Upfront" ? 0.5 : 0;
}

function commitments(type: InstanceType): Commitment[] {
  const book = priceBook(type.region);
  const reserved: readonly ReservedRate[] = book.reserved[type.type] ?? [];
  const plans: readonly SavingsPlanRate[] = book.savingsPlans[type.type] ?? [];
  const out: Commitment[] = reserved.map((r) => ({
    option: `${TERM_WORDS[r.term]} ${r.offeringClass} reserved instances (${r.purchaseOption.toLowerCase()})`,
    kind: "reserved",
    term: r.term,
    purchaseOption: r.purchaseOption,
    offeringClass: r.offeringClass,
    upfrontPerInstance: r.upfrontUSD,
    hourlyPerInstance: r.hourlyUSD,
    basis: "price book",
  }));
  for (const p of plans) {
    const termHours = TERM_MONTHS[p.term] * HOURS_PER_MONTH;
    const share = planUpfrontShare(p.purchaseOption);
    out.push({
      option: `${TERM_WORDS[p.term]} ${p.plan === "Compute" ? "Compute" : "EC2 Instance"} Savings Plan (${p.purchaseOption.toLowerCase()})`,
      kind: p.plan === "Compute" ? "compute-savings-plan" : "ec2-instance-savings-plan",
      term: p.term,
      purchaseOption: p.purchaseOption,
      upfrontPerInstance: share * p.hourlyUSD * termHours,
      hourlyPerInstance: (1 - share) * p.hourlyUSD,
      basis: "price book",
    });
  }
  if (reserved.length === 0 && plans.length === 0) {
    // No published rate for this type in the book: the engine's flat model, labelled.
    for (const term of ["1yr", "3yr"] as const) {
      const pricing = term === "1yr" ? "ri-1y" : "ri-3y";
      const saving = type.riSavings?.[pricing] ?? DEFAULT_RI_SAVINGS[pricing];
      out.push({
        option: `${TERM_WORDS[term]} reserved instances or Compute Savings Plan (no upfront)`,
        kind: "reserved",
        term,
        purchaseOption: "No Upfront",
        upfrontPerInstance: 0,
        hourlyPerInstance: type.hourlyUSD * (1 - saving),
        basis: `estimate: a flat ${Math.round(saving * 100)} % off on-demand (the seed's ${term === "1yr" ? "~40" : "~60"} %); the book has no reserved or Savings Plans rate for ${type.type}`,
      });
    }
  }
  return out;
}

/** The spot price an hour: the book's cheapest zone where it has spot history, else the family's typical discount. */
function spotHourly(type: InstanceType): { hourly: number; basis: string } {
  const quote = priceBook(type.region).spot[type.type];
  const zones = Object.entries(quote?.byZone ?? {}).sort(([, a], [, b]) => a - b);
  if (quote && zones.length > 0)
    return {
      hourly: zones[0]![1],
      basis: `price book: the cheapest zone, ${zones[0]![0]} (spot history to ${quote.at})`,
    };
  const p = spotProfile(type);
  return { hourly: type.hourlyUSD * (1 - p.typicalDiscount), basis: p.basis };
}

/**
 * Every savings option for `count` instances of `type` bought on-demand at `onDemandMonthlyUSD`
 * a month (the tier's instance line): commitments bill every hour of the month (730 h).
 */
export function savingsOptionsFor(
  type: InstanceType,
  count: number,
  onDemandMonthlyUSD: number,
  hours: number,
): SavingsOption[] {
  const options: SavingsOption[] = commitments(type).map((c) => {
    const months = TERM_MONTHS[c.term];
    const upfrontUSD = c.upfrontPerInstance * count;
    const recurringMonthlyUSD = c.hourlyPerInstance * HOURS_PER_MONTH * count;
    const monthlyUSD = recurringMonthlyUSD + upfrontUSD / months;
    return {
      option: c.option,
      kind: c.kind,
      term: c.term,
      purchaseOption: c.purchaseOption,
      ...(c.offeringClass ? { offeringClass: c.offeringClass } : {}),
      upfrontUSD: roundUSD(upfrontUSD),
      recurringMonthlyUSD: roundUSD(recurringMonthlyUSD),
      monthlyUSD: roundUSD(monthlyUSD),
      savesUSD: roundUSD(onDemandMonthlyUSD - monthlyUSD),
      breakEvenMonth: breakEvenMonth(upfrontUSD, recurringMonthlyUSD, onDemandMonthlyUSD, months),
      basis: c.basis,
    };
  });
  const spot = spotHourly(type);
  const spotMonthly = spot.hourly * hours * count;
  options.push({
    option: "spot instances (can be reclaimed with 2 minutes' notice)",
    kind: "spot",
    term: null,
    purchaseOption: null,
    upfrontUSD: 0,
    recurringMonthlyUSD: roundUSD(spotMonthly),
    monthlyUSD: roundUSD(spotMonthly),
    savesUSD: roundUSD(onDemandMonthlyUSD - spotMonthly),
    breakEvenMonth: null,
    basis: spot.basis,
  });
  return options;
}
