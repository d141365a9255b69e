import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { SizingError } from "../errors.js";
import { BOOK_FORMAT, type ImportedBook, isDate } from "./book.js";
import {
  type Attributes,
  Ec2OfferAccumulator,
  notEc2Offer,
  type PriceDimension,
  usdOf,
} from "./ec2-offer.js";
import { walkJsonFile } from "./json-stream.js";
import { SavingsPlansAccumulator, SpotAccumulator, spotZone } from "./savings-and-spot.js";

/**
 * `prices import`: AWS's price list files into one book. Each file is read as a stream (JSON
 * with stream-json, CSV line by line), so a multi-GB offer needs memory for the kept SKUs only.
 */

// biome-ignore lint/suspicious/noExplicitAny: offer records are untyped JSON
type Json = any;

export interface ImportResult {
  book: ImportedBook;
  bytes: number;
}

export class PriceImport {
  readonly ec2 = new Ec2OfferAccumulator();
  readonly savingsPlans = new SavingsPlansAccumulator((c) => this.ec2.region(c));
  readonly spot = new SpotAccumulator((c) => this.ec2.region(c));
  readonly sources: ImportedBook["sources"] = [];
  bytes = 0;

  async add(file: string, name: string = file): Promise<void> {
    const head = await firstBytes(file);
    if (head.startsWith("{")) await this.addJson(file, name);
    else if (/^"?FormatVersion"?,/.test(head)) await this.addCsv(file, name);
    else throw notEc2Offer(`${name} is neither JSON nor an offer CSV`);
  }

  private async addJson(file: string, name: string): Promise<void> {
    const top: Record<string, unknown> = {};
    let kind: "ec2" | "savings-plans" | "spot" | undefined;
    const regions = new Set<string>();
    try {
      const { bytes } = await walkJsonFile(file, {
        select: (p) =>
          (p[0] === "products" && p.length === 2) ||
          (p[0] === "terms" && p.length === 3) ||
          (p[0] === "SpotPriceHistory" && p.length === 2),
        scalar: (p, v) => {
          if (p.length !== 1) return;
          top[p[0]!] = v;
          if (p[0] === "offerCode" && v !== "AmazonEC2" && !/SavingsPlan/.test(String(v)))
            throw notEc2Offer(`${name} is the offer for another service (${String(v)})`);
        },
        value: (p, v: Json) => {
          if (p[0] === "SpotPriceHistory") {
            kind = "spot";
            this.spot.add(v);
            const { region } = spotZone(v);
            if (region) regions.add(region);
          } else if (p[0] === "products" && p[1] === "[]") {
            kind = "savings-plans";
            this.savingsPlans.addProduct(v);
          } else if (p[0] === "products") {
            if (top.offerCode !== "AmazonEC2")
              throw notEc2Offer(`${name} has products but no offerCode before them`);
            kind = "ec2";
            this.ec2.addProduct(String(v?.sku ?? p[1]), v?.productFamily, v?.attributes ?? {});
            if (typeof v?.attributes?.regionCode === "string") regions.add(v.attributes.regionCode);
          } else if (p[1] === "savingsPlan") {
            this.savingsPlans.addTerm(v, top.regionCode as string | undefined);
          } else if (p[1] === "OnDemand" || p[1] === "Reserved") {
            for (const [code, term] of Object.entries(v as Record<string, Json>))
              this.ec2.addTerm(jsonTerm(p[1], p[2]!, code, term));
          }
        },
      });
      this.bytes += bytes;
    } catch (e) {
      if (e instanceof SizingError) throw e;
      throw notEc2Offer(
        `${name} is not complete JSON (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      );
    }
    if (!kind) throw notEc2Offer(`${name} holds no products, savings plans or spot prices`);
    if (kind === "savings-plans" && typeof top.regionCode === "string") regions.add(top.regionCode);
    const publishedAt = String(top.publicationDate ?? latestSpot(this, regions) ?? "");
    if (!publishedAt) throw notEc2Offer(`${name} has no publicationDate`);
    this.sources.push({
      kind,
      publishedAt: publishedAt.slice(0, 10),
      regions: [...regions].sort(),
    });
  }

  /** The offer CSV: five metadata lines (FormatVersion, Disclaimer, Publication Date, Version, OfferCode), a header, one row per price dimension. */
  private async addCsv(file: string, name: string): Promise<void> {
    const meta: Record<string, string> = {};
    let header: string[] | undefined;
    let col: Record<string, number> = {};
    const seen = new Set<string>();
    const regions = new Set<string>();
    this.bytes += statSync(file).size;
    const lines = createInterface({
      input: createReadStream(file),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let n = 0;
    for await (const line of lines) {
      n++;
      const cells = csvCells(line);
      if (n <= 5) {
        meta[cells[0] ?? ""] = cells[1] ?? "";
        if (n === 5 && meta.OfferCode !== "AmazonEC2")
          throw notEc2Offer(
            `${name} is the offer for another service (${meta.OfferCode ?? "no OfferCode line"})`,
          );
        continue;
      }
      if (!header) {
        header = cells;
        col = Object.fromEntries(cells.map((h, i) => [h, i]));
        if (col.SKU === undefined || col.PricePerUnit === undefined)
          throw notEc2Offer(`${name} has no SKU/PricePerUnit header`);
        continue;
      }
      const get = (h: string) => cells[col[h] ?? -1];
      const sku = get("SKU")!;
      if (!seen.has(sku)) {
        seen.add(sku);
        // CSV headers are the JSON attribute names, capitalized with spaces ("Instance Type" = instanceType).
        const attrs: Attributes = {};
        for (const [h, i] of Object.entries(col)) attrs[camel(h)] = cells[i];
        attrs.usagetype = get("usageType");
        attrs.capacitystatus = get("CapacityStatus");
        attrs.preInstalledSw = get("Pre Installed S/W");
        attrs.volumeApiName = get("Volume API Name");
        this.ec2.addProduct(sku, get("Product Family"), attrs);
        if (attrs.regionCode) regions.add(attrs.regionCode);
      }
      const type = get("TermType");
      if (type !== "OnDemand" && type !== "Reserved") continue;
      this.ec2.addTerm({
        type,
        sku,
        offerTermCode: get("OfferTermCode") ?? "",
        dimensions: [
          {
            unit: get("Unit") ?? "",
            usd: usdOf(get("PricePerUnit"), `${name} line ${n}`),
            beginRange: get("StartingRange"),
          },
        ],
        leaseContractLength: get("LeaseContractLength"),
        purchaseOption: get("PurchaseOption"),
        offeringClass: get("OfferingClass"),
      });
    }
    if (!header) throw notEc2Offer(`${name} ends before its header`);
    const publishedAt = meta["Publication Date"] ?? "";
    if (!publishedAt) throw notEc2Offer(`${name} has no Publication Date line`);
    this.sources.push({
      kind: "ec2",
      publishedAt: publishedAt.slice(0, 10),
      regions: [...regions].sort(),
    });
  }

  book(): ImportedBook {
    if (this.sources.length === 0)
      throw new SizingError(
        "BAD_ARGUMENT",
        "no files to import; accepted: one or more price list files",
      );
    const regions = Object.fromEntries(
      [...this.ec2.regions].sort(([a], [b]) => a.localeCompare(b)),
    );
    // The newest dated source; a source whose date is unknown never counts as newer.
    const dated = this.sources
      .map((s) => s.publishedAt)
      .filter(isDate)
      .sort();
    const publishedAt = dated.at(-1) ?? this.sources[0]!.publishedAt;
    return { format: BOOK_FORMAT, publishedAt, sources: this.sources, regions };
  }
}

function latestSpot(imp: PriceImport, regions: Set<string>): string | undefined {
  const stamps = [...regions].flatMap((r) =>
    Object.values(imp.ec2.region(r).spot).map((q) => q.at),
  );
  return stamps.sort().at(-1);
}

function jsonTerm(type: "OnDemand" | "Reserved", sku: string, code: string, term: Json) {
  const dimensions: PriceDimension[] = Object.values(
    (term?.priceDimensions ?? {}) as Record<string, Json>,
  ).map((d) => ({
    unit: String(d.unit),
    usd: usdOf(d.pricePerUnit?.USD, `${sku}.${code}`),
    description: d.description,
    beginRange: d.beginRange,
  }));
  const a = term?.termAttributes ?? {};
  return {
    type,
    sku,
    offerTermCode: code,
    dimensions,
    leaseContractLength: a.LeaseContractLength,
    purchaseOption: a.PurchaseOption,
    offeringClass: a.OfferingClass,
  };
}

const camel = (h: string) =>
  h
    .replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase())
    .replace(/^./, (c) => c.toLowerCase());

/** One CSV line's cells (RFC 4180 quoting; the offer quotes every cell). */
export function csvCells(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      cells.push(v);
      i++; // the comma
    } else {
      const end = line.indexOf(",", i);
      cells.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return cells;
}

async function firstBytes(file: string): Promise<string> {
  try {
    for await (const chunk of createReadStream(file, { start: 0, end: 63, encoding: "utf8" }))
      return String(chunk).trimStart();
    return "";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SizingError(
      "FILE_NOT_FOUND",
      `cannot read "${file}" (${code === "ENOENT" ? "no such file" : code}); accepted: a readable price list file`,
    );
  }
}
