import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { stringFlag, usageError } from "../cli-kit.js";
import { stalenessWarning } from "../prices/book.js";
import { PriceImport } from "../prices/import.js";
import type { Command } from "./command.js";
import { newTable, withNotes } from "./table.js";

/** `prices import <file...> [--out BOOK]`: AWS price list files into one price book. */
export const pricesCommand: Command = {
  name: "prices",
  summary:
    "import AWS price list files (EC2 offer JSON/CSV, Savings Plans offers, spot price history) into a price book",
  args: "import <file...>",
  flags: {
    out: {
      type: "string",
      value: "BOOK",
      help: "write the book here (default: print it with --json)",
    },
  },
  async run({ values, positionals, io }) {
    const [action, ...files] = positionals;
    if (action !== "import")
      throw usageError(`prices ${action ?? ""}`.trim(), "prices import <file...>");
    if (files.length === 0)
      throw usageError("prices import needs at least one file", "AWS price list files");
    const imp = new PriceImport();
    const cwd = io.cwd ?? process.cwd();
    for (const f of files) await imp.add(resolve(cwd, f), f);
    const book = imp.book();
    const out = stringFlag(values.out);
    if (out) writeFileSync(resolve(cwd, out), `${JSON.stringify(book, null, 1)}\n`);
    const regions = Object.keys(book.regions);
    const instances = Object.fromEntries(
      regions.map((r) => [r, Object.keys(book.regions[r]!.onDemandHourlyUSD).length]),
    );
    const stale = stalenessWarning(book.publishedAt);
    const t = newTable(["region", "on-demand types", "RI types", "SP types", "spot types"]);
    for (const r of regions) {
      const p = book.regions[r]!;
      t.push([
        r,
        Object.keys(p.onDemandHourlyUSD).length,
        Object.keys(p.reserved).length,
        Object.keys(p.savingsPlans).length,
        Object.keys(p.spot).length,
      ]);
    }
    return {
      doc: {
        regions,
        publishedAt: book.publishedAt,
        instances,
        out: out ?? null,
        ...(out ? {} : { book }),
        warnings: stale ? [stale] : [],
      },
      table: withNotes(
        `${t.toString()}\npublished ${book.publishedAt}${out ? `; written to ${out}` : ""}`,
        stale ? [stale] : [],
      ),
    };
  },
};
