import { z } from "zod";
import { SizingError } from "../errors.js";

/**
 * A price book: what `prices import` writes from AWS's own price list files, per region. Every
 * figure is the file's, unrounded; `sources` names the files and their publication dates.
 */

export const BOOK_FORMAT = "flakeops-price-book/1";

const Usd = z.number().nonnegative();

export const ReservedRateSchema = z.object({
  term: z.enum(["1yr", "3yr"]),
  purchaseOption: z.enum(["No Upfront", "Partial Upfront", "All Upfront"]),
  offeringClass: z.enum(["standard", "convertible"]),
  upfrontUSD: Usd,
  hourlyUSD: Usd,
});
export type ReservedRate = z.infer<typeof ReservedRateSchema>;

export const SavingsPlanRateSchema = z.object({
  plan: z.enum(["Compute", "EC2Instance"]),
  term: z.enum(["1yr", "3yr"]),
  purchaseOption: z.enum(["No Upfront", "Partial Upfront", "All Upfront"]),
  hourlyUSD: Usd,
});
export type SavingsPlanRate = z.infer<typeof SavingsPlanRateSchema>;

export const SpotQuoteSchema = z.object({
  /** The latest price in each availability zone, USD/h. */
  byZone: z.record(z.string(), Usd),
  at: z.string(),
});
export type SpotQuote = z.infer<typeof SpotQuoteSchema>;

export const RegionPricesSchema = z.object({
  onDemandHourlyUSD: z.record(z.string(), Usd),
  reserved: z.record(z.string(), z.array(ReservedRateSchema)),
  savingsPlans: z.record(z.string(), z.array(SavingsPlanRateSchema)),
  spot: z.record(z.string(), SpotQuoteSchema),
  gp3PerGBMonthUSD: Usd.optional(),
  natHourlyUSD: Usd.optional(),
  natPerGBUSD: Usd.optional(),
  publicIpv4HourlyUSD: Usd.optional(),
});
export type RegionPrices = z.infer<typeof RegionPricesSchema>;

export const ImportedBookSchema = z.object({
  format: z.literal(BOOK_FORMAT),
  /** The newest publication date among the sources (YYYY-MM-DD). */
  publishedAt: z.string(),
  sources: z.array(
    z.object({ kind: z.string(), publishedAt: z.string(), regions: z.array(z.string()) }),
  ),
  regions: z.record(z.string(), RegionPricesSchema),
});
export type ImportedBook = z.infer<typeof ImportedBookSchema>;

export function emptyRegion(): RegionPrices {
  return { onDemandHourlyUSD: {}, reserved: {}, savingsPlans: {}, spot: {} };
}

/** A book read back from disk; a file that is not one is an input error naming the format. */
export function parseImportedBook(text: string, where: string): ImportedBook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SizingError(
      "BAD_ARGUMENT",
      `${where} is not JSON; accepted: a price book written by \`prices import\``,
    );
  }
  const parsed = ImportedBookSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SizingError(
      "BAD_ARGUMENT",
      `${where} is not a price book (${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}); accepted: a ${BOOK_FORMAT} file written by \`prices import\``,
    );
  }
  return parsed.data;
}

/** YYYY-MM-DD, as a publication date is written; anything else is a date not known. */
export const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/** Books older than this many days say so on every answer priced from them. */
export const STALE_AFTER_DAYS = 90;

/** The warning a book of `publishedAt` owes on `today`, or null while it is fresh. */
export function stalenessWarning(publishedAt: string, today: Date = new Date()): string | null {
  const published = Date.parse(`${publishedAt.slice(0, 10)}T00:00:00Z`);
  if (!Number.isFinite(published)) return `prices have no valid publication date (${publishedAt})`;
  const days = Math.floor((today.getTime() - published) / 86_400_000);
  return days > STALE_AFTER_DAYS
    ? `prices are ${days} days old (published ${publishedAt.slice(0, 10)}, over ${STALE_AFTER_DAYS}): import a current price list with \`prices import\``
    : null;
}
