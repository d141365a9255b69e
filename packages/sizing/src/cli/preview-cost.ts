import { EXIT_UNEXPECTED, numberFlag, readTextFile, stringFlag, usageError } from "../cli-kit.js";
import { usd } from "../format.js";
import { previewCost } from "../preview/preview-cost.js";
import { type Command, NON_NEGATIVE, REGION_FLAG } from "./command.js";
import { newTable, withNotes } from "./table.js";

/** Exit status when the deployment would add more a month than --budget allows (for CI). */
export const EXIT_OVER_BUDGET = EXIT_UNEXPECTED;

export const previewCostCommand: Command = {
  name: "preview-cost",
  summary: "what the document `pulumi preview --json` printed would cost a month, and the change",
  args: "<preview.json>",
  flags: {
    budget: {
      type: "string",
      value: "USD",
      help: "exit 1 when the monthly delta exceeds this many USD",
    },
    "s3-gb": {
      type: "string",
      value: "GB",
      help: "S3 Standard storage across the buckets, GB a month (default 0: a preview cannot know it)",
    },
    ...REGION_FLAG,
  },
  run({ values, positionals, io }) {
    const [file, extra] = positionals;
    if (file === undefined || extra !== undefined)
      throw usageError(
        "preview-cost takes one file",
        "<preview.json> from `pulumi preview --json`",
      );
    const budget = numberFlag(values.budget, "budget", NON_NEGATIVE);
    const s3GB = numberFlag(values["s3-gb"], "s3-gb", NON_NEGATIVE);
    const region = stringFlag(values.region);
    const cost = previewCost(readTextFile(io, file, "preview"), {
      ...(region ? { region } : {}),
      ...(s3GB === undefined ? {} : { s3GB }),
    });
    const overBudget = budget !== undefined && cost.monthlyDeltaUSD > budget;
    const t = newTable(["resource", "op", "monthly", "change", "detail"]);
    for (const r of cost.resources) {
      if (r.monthlyUSD === 0 && r.monthlyDeltaUSD === 0) continue;
      t.push([
        r.urn.split("::").pop() ?? r.urn,
        r.op,
        usd(r.monthlyUSD),
        usd(r.monthlyDeltaUSD),
        r.detail,
      ]);
    }
    const notes = [
      ...cost.unpriced.map((u) => `unpriced ${u.type} ${u.urn.split("::").pop()}: ${u.reason}`),
      ...(overBudget
        ? [`the change, ${usd(cost.monthlyDeltaUSD)}/month, exceeds the budget of ${usd(budget)}`]
        : []),
    ];
    const summary = `${cost.region}, prices as of ${cost.pricesAsOf}: ${usd(cost.monthlyUSD)}/month after, change ${usd(cost.monthlyDeltaUSD)}/month (free resources not listed)`;
    return {
      doc: { ...cost, ...(budget === undefined ? {} : { budgetUSD: budget, overBudget }) },
      table: withNotes(`${t.toString()}\n${summary}`, notes, "note"),
      ...(overBudget ? { exitCode: EXIT_OVER_BUDGET } : {}),
    };
  },
};
