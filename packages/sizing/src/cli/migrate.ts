import Table from "cli-table3";
import { numberFlag, requiredFlag } from "../cli-kit.js";
import { usd } from "../format.js";
import { priceBook } from "../pricing/catalog.js";
import { planMigration } from "../rightsize/migrate.js";
import {
  COUNT,
  type Command,
  noPositionals,
  PRICING_FLAG,
  pricingOf,
  REGION_FLAG,
  regionOf,
} from "./command.js";
import { withNotes } from "./table.js";

/** Column widths that keep the migrate table within 120 terminal columns (borders included). */
const MIGRATE_COLUMNS = [4, 22, 44, 45];

export const migrateCommand: Command = {
  name: "migrate",
  summary: "the guide's migration from one type to another, step by step, with the cost change",
  forms: [["from", "to"]],
  flags: {
    from: { type: "string", value: "TYPE", help: "the type the stack runs now" },
    to: { type: "string", value: "TYPE", help: "the type to move to" },
    count: { type: "string", value: "N", help: "instances, for the cost change (default 1)" },
    ...PRICING_FLAG,
    ...REGION_FLAG,
  },
  run({ values, positionals }) {
    const pricing = pricingOf(values);
    noPositionals("migrate", positionals);
    const count = numberFlag(values.count, "count", COUNT);
    const plan = planMigration(
      requiredFlag(values, "from", "migrate"),
      requiredFlag(values, "to", "migrate"),
      {
        region: regionOf(values),
        ...(count === undefined ? {} : { count }),
        ...(pricing ? { pricing } : {}),
      },
    );
    const t = new Table({
      head: ["#", "step", "what", "commands"],
      colWidths: MIGRATE_COLUMNS,
      wordWrap: true,
      style: { head: [], border: [] },
    });
    for (const [i, s] of plan.steps.entries()) {
      t.push([i + 1, s.title, s.detail, s.commands.join("\n")]);
    }
    const book = priceBook(regionOf(values));
    const summary = `${plan.from} -> ${plan.to} (${plan.count} x, ${plan.pricing}): ${usd(plan.fromMonthlyUSD)} -> ${usd(plan.toMonthlyUSD)} per month, delta ${usd(plan.monthlyDeltaUSD)} (${book.currency}, prices as of ${book.asOf})`;
    const doc = { ...plan, currency: book.currency, pricesAsOf: book.asOf };
    return { doc, table: withNotes(`${t.toString()}\n${summary}`, plan.warnings) };
  },
};
