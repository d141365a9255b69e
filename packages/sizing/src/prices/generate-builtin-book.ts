import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  offerExcerptName,
  SNAPSHOT_REGIONS,
  spotExcerptName,
} from "./generate-regional-excerpts.js";
import { PriceImport } from "./import.js";

/**
 * The built-in price book is `prices import`'s own output for small checked-in excerpts of the
 * AmazonEC2 offer (data/; each names its source and date in its `disclaimer`), written to
 * data/builtin-book.json, which builtin-book.ts reads and validates. Regenerate after editing
 * an excerpt: `npx tsx packages/sizing/src/prices/generate-builtin-book.ts`.
 */

/** Imported in this order (a later file's rate for the same type and term wins). */
export const EXCERPT_NAMES = [
  // On-demand rates of every catalog type, EBS gp3, NAT gateway, public IPv4.
  "aws-ec2-us-east-1-excerpt.json",
  // Real reserved terms for the one type a public offer excerpt was found for (m5.large).
  "aws-ec2-us-east-1-reserved-excerpt.json",
  // us-west-2, eu-west-1, eu-central-1, ap-northeast-1: on-demand and spot from SkyPilot's
  // snapshot of the price list (generate-regional-excerpts.ts).
  ...SNAPSHOT_REGIONS.flatMap((r) => [offerExcerptName(r), spotExcerptName(r)]),
] as const;
export const excerptUrl = (name: string) => new URL(`../../data/${name}`, import.meta.url);
/** Where the book is written: builtin-book.ts's BUILTIN_BOOK_URL (a test holds them equal). */
export const GENERATED_BOOK_URL = excerptUrl("builtin-book.json");

/** The book file's text: the importer's book, unchanged, as `prices import --out` writes one. */
export async function renderBuiltinBook(): Promise<string> {
  const imp = new PriceImport();
  for (const name of EXCERPT_NAMES) await imp.add(fileURLToPath(excerptUrl(name)), `data/${name}`);
  return `${JSON.stringify(imp.book(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED_BOOK_URL, await renderBuiltinBook());
}
