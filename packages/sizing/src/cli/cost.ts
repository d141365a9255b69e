import { numberFlag, usageError } from "../cli-kit.js";
import { usd } from "../format.js";
import { costOf, HOURS_PER_MONTH, roundUSD } from "../pricing/pricing.js";
import {
  COUNT,
  type Command,
  NON_NEGATIVE,
  POSITIVE,
  PRICING_FLAG,
  pricingOf,
  REGION_FLAG,
  regionOf,
} from "./command.js";
import { hourly, newTable, withNotes } from "./table.js";

export const costCommand: Command = {
  name: "cost",
  summary: "what instances of a type cost under a pricing model",
  args: "<type>",
  flags: {
    count: { type: "string", value: "N", help: "instances (default 1)" },
    hours: { type: "string", value: "H", help: `hours (default a month, ${HOURS_PER_MONTH})` },
    ...PRICING_FLAG,
    "average-cpu": {
      type: "string",
      value: "P",
      help: "average CPU percent, to price T3 unlimited surplus",
    },
    ...REGION_FLAG,
  },
  run({ values, positionals }) {
    const pricing = pricingOf(values);
    const [type, extra] = positionals;
    if (!type) {
      throw usageError(
        "cost needs an instance type",
        "a type from `flakeops-sizing catalog`, e.g. cost t3.large",
      );
    }
    if (extra) throw usageError(`cost takes one instance type; got also "${extra}"`, "one type");
    const count = numberFlag(values.count, "count", COUNT) ?? 1;
    const hours = numberFlag(values.hours, "hours", POSITIVE) ?? HOURS_PER_MONTH;
    const averageCpuPercent = numberFlag(values["average-cpu"], "average-cpu", NON_NEGATIVE);
    const quote = costOf(type, pricing ?? "on-demand", {
      count,
      hours,
      region: regionOf(values),
      ...(averageCpuPercent === undefined ? {} : { averageCpuPercent }),
    });
    const doc = {
      type: quote.type,
      count: quote.count,
      pricing: quote.pricing,
      region: quote.region,
      hours: quote.hours,
      hourlyUSD: Number(quote.hourlyUSD.toFixed(6)),
      monthlyUSD: roundUSD(quote.monthlyUSD),
      onDemandMonthlyUSD: roundUSD(quote.onDemandMonthlyUSD),
      savingsPercent: quote.savingsPercent,
      surplusUSD: roundUSD(quote.surplusUSD),
      basis: quote.basis,
    };
    const t = newTable([
      "type",
      "count",
      "pricing",
      "hourly (each)",
      `total for ${hours} h`,
      "on-demand",
      "saved",
    ]);
    t.push([
      doc.type,
      doc.count,
      doc.pricing,
      hourly(doc.hourlyUSD),
      usd(doc.monthlyUSD),
      usd(doc.onDemandMonthlyUSD),
      `${doc.savingsPercent.toFixed(0)} %`,
    ]);
    const notes = [
      ...(doc.surplusUSD > 0 ? [`includes ${usd(doc.surplusUSD)} of T3 unlimited surplus`] : []),
      ...(doc.pricing === "on-demand" ? [] : [`${doc.pricing}: ${doc.basis}`]),
    ];
    return { doc, table: withNotes(t.toString(), notes, "note") };
  },
};
