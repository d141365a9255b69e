import {
  type CliIo,
  type FlagSpecs,
  type FlagValues,
  readTextFile,
  stringFlag,
} from "../cli-kit.js";
import { parseImportedBook, stalenessWarning } from "../prices/book.js";
import { DEFAULT_REGION, useImportedBook } from "../pricing/catalog.js";
import { regionPriceWarnings } from "../pricing/region-warnings.js";
import type { Output } from "./command.js";

/** Every command prices from the built-in book, or from the one `--prices` / FLAKEOPS_PRICE_BOOK names. */
export const PRICES_FLAG = {
  prices: {
    type: "string",
    value: "BOOK",
    help: "a price book written by `prices import` (default: $FLAKEOPS_PRICE_BOOK, else the built-in one)",
  },
} as const satisfies FlagSpecs;

export const PRICE_BOOK_ENV = "FLAKEOPS_PRICE_BOOK";

/**
 * Load the user's book if one is named, and say what the answer owes: the warning for a book
 * older than 90 days (or undated), the built-in region's borrowed rates, and the imported regions
 * no built-in book backs (no ALB/CloudWatch rates).
 */
export function selectPriceBook(
  values: FlagValues,
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const path = stringFlag(values.prices) ?? (env[PRICE_BOOK_ENV] || undefined);
  if (!path) {
    useImportedBook(undefined);
    // The region's own date and notes (borrowed us-east-1 rates); an unknown region exits 2 here.
    return regionPriceWarnings(stringFlag(values.region) ?? DEFAULT_REGION);
  }
  const book = parseImportedBook(readTextFile(io, path, "price book"), `price book "${path}"`);
  const { unused } = useImportedBook(book);
  const stale = stalenessWarning(book.publishedAt);
  return [
    ...(stale ? [stale] : []),
    ...(unused.length > 0
      ? [
          `the price book's ${unused.join(", ")} ${unused.length === 1 ? "has" : "have"} no built-in load balancer and CloudWatch rates and ${unused.length === 1 ? "is" : "are"} not used`,
        ]
      : []),
  ];
}

/** The answer with the price warnings: a `priceWarnings` field in JSON, "warning:" lines under the table. */
export function withPriceWarnings(out: Output, warnings: readonly string[]): Output {
  if (warnings.length === 0) return out;
  const doc =
    out.doc !== null && typeof out.doc === "object" && !Array.isArray(out.doc)
      ? { ...out.doc, priceWarnings: warnings }
      : out.doc;
  return { ...out, doc, table: [out.table, ...warnings.map((w) => `warning: ${w}`)].join("\n") };
}
