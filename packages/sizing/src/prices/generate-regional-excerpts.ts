import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { csvCells } from "./import.js";

/**
 * The built-in us-west-2, eu-west-1, eu-central-1 and ap-northeast-1 books come from one public
 * snapshot of AWS's price list: SkyPilot's catalog (skypilot-org/skypilot-catalog
 * catalogs/v7/aws/vms.csv). Its fetcher (skypilot-org/skypilot
 * sky/catalog/data_fetchers/fetch_aws.py, commit 5512c52c96e1b5df453da0aa2f581fcade130d95) takes
 * `Price` from the region's AmazonEC2 offer CSV (TermType OnDemand, Operating System Linux,
 * Pre Installed S/W empty, CapacityStatus Used, Tenancy Shared) and `SpotPrice` from
 * DescribeSpotPriceHistory (Linux/UNIX, StartTime = the fetch) per zone, keyed by zone ID.
 *
 * data/skypilot-aws-vms-rows.csv holds the snapshot's rows for the catalog's types in those
 * regions (and us-east-1, to cross-check against the karpenter figures), verbatim. This script
 * writes from them, per region, an AmazonEC2 offer excerpt (same writer as the test offers) and
 * a describe-spot-price-history excerpt; `prices import` then reads both like any user's files.
 * (The offer is the bulk API's JSON layout; test/builtin-book.test.ts checks it equals the test
 * offer writer's, bench/offer-files.ts, for the same rates.)
 * Regenerate: `npx tsx packages/sizing/src/prices/generate-regional-excerpts.ts`, then
 * `npx biome format --write packages/sizing/data` (the tests compare the JSON, not its layout).
 */

export const SNAPSHOT = {
  repo: "skypilot-org/skypilot-catalog",
  path: "catalogs/v7/aws/vms.csv",
  commit: "001367d22a0033fac286a8c71aeac7109e431bcb",
  /**
   * The snapshot's own date could not be established (its commit date is not in the public copy
   * read); the books say so instead of guessing, and every answer shows it as their date.
   */
  date: "unknown",
} as const;

/**
 * Per region: the AWS Price List's `location` (as in the region's offer file), and the excerpt's
 * placeholder SKU prefix (excerpts imported together need distinct SKUs).
 */
export const SNAPSHOT_REGION_OFFERS = {
  "us-west-2": { location: "US West (Oregon)", skuPrefix: "UW" },
  "eu-west-1": { location: "EU (Ireland)", skuPrefix: "EW" },
  "eu-central-1": { location: "EU (Frankfurt)", skuPrefix: "EC" },
  "ap-northeast-1": { location: "Asia Pacific (Tokyo)", skuPrefix: "AN" },
} as const;
export type SnapshotRegion = keyof typeof SNAPSHOT_REGION_OFFERS;
export const SNAPSHOT_REGIONS = Object.keys(SNAPSHOT_REGION_OFFERS) as SnapshotRegion[];

export const ROWS_URL = new URL("../../data/skypilot-aws-vms-rows.csv", import.meta.url);
export const offerExcerptName = (region: string) => `aws-ec2-${region}-excerpt.json`;
export const spotExcerptName = (region: string) => `aws-spot-${region}-excerpt.json`;
const dataUrl = (name: string) => new URL(`../../data/${name}`, import.meta.url);

export interface SnapshotRow {
  type: string;
  /** On-demand Linux USD/h; null where the snapshot has none. */
  price: number | null;
  /** Spot USD/h in the zone; null where the snapshot has none. */
  spot: number | null;
  region: string;
  /** A zone ID (use1-az1): the same physical zone in every account, unlike a zone name. */
  zoneId: string;
}

const num = (cell: string | undefined) => (cell ? Number(cell) : null);

export function readSnapshotRows(text: string = readFileSync(ROWS_URL, "utf8")): SnapshotRow[] {
  const [header, ...lines] = text.trim().split("\n");
  const cols = csvCells(header!);
  const at = (name: string) => cols.indexOf(name);
  return lines.map((line) => {
    // GpuInfo is a quoted cell with commas in it.
    const c = csvCells(line);
    return {
      type: c[at("InstanceType")]!,
      price: num(c[at("Price")]),
      spot: num(c[at("SpotPrice")]),
      region: c[at("Region")]!,
      zoneId: c[at("AvailabilityZone")]!,
    };
  });
}

const disclaimer = (what: string) =>
  `Excerpt for flakeops-sizing's built-in book. ${what} from SkyPilot's snapshot of the AWS price list, https://github.com/${SNAPSHOT.repo} ${SNAPSHOT.path} at commit ${SNAPSHOT.commit} (rows in data/skypilot-aws-vms-rows.csv); snapshot date ${SNAPSHOT.date}: not established. SKUs are placeholders.`;

const OD = "JRTCKXETXF";

/** The region's AmazonEC2 offer excerpt: each type's on-demand Linux rate, nothing else. */
export function offerExcerpt(region: SnapshotRegion, rows: readonly SnapshotRow[]): string {
  const products: Record<string, unknown> = {};
  const onDemand: Record<string, unknown> = {};
  // One price per type and region (the snapshot repeats it on each zone's row).
  const prices = new Map<string, number>();
  for (const r of rows) if (r.region === region && r.price !== null) prices.set(r.type, r.price);
  let n = 0;
  for (const [type, price] of prices) {
    const r = { type, price };
    const { skuPrefix, location } = SNAPSHOT_REGION_OFFERS[region];
    const sku = `${skuPrefix}${String(++n).padStart(15 - skuPrefix.length, "0")}`;
    const code = `${sku}.${OD}`;
    products[sku] = {
      sku,
      productFamily: "Compute Instance",
      attributes: {
        servicecode: "AmazonEC2",
        location,
        locationType: "AWS Region",
        regionCode: region,
        instanceType: r.type,
        operatingSystem: "Linux",
        tenancy: "Shared",
        preInstalledSw: "NA",
        capacitystatus: "Used",
        licenseModel: "No License required",
        usagetype: `BoxUsage:${r.type}`,
        operation: "RunInstances",
      },
    };
    onDemand[sku] = {
      [code]: {
        offerTermCode: OD,
        sku,
        effectiveDate: SNAPSHOT.date,
        priceDimensions: {
          [`${code}.0`]: {
            rateCode: `${code}.0`,
            description: `$${r.price} per On Demand Linux ${r.type} Instance Hour`,
            beginRange: "0",
            endRange: "Inf",
            unit: "Hrs",
            pricePerUnit: { USD: r.price.toFixed(10) },
            appliesTo: [],
          },
        },
        termAttributes: {},
      },
    };
  }
  const head = {
    formatVersion: "v1.0",
    disclaimer: disclaimer("Linux shared-tenancy on-demand USD/h (the snapshot's Price column)"),
    offerCode: "AmazonEC2",
    version: SNAPSHOT.date.replace(/\D/g, ""),
    publicationDate: SNAPSHOT.date,
  };
  // One product and one term a line, as the offer files list them.
  const lines = (o: Record<string, unknown>, indent: string) =>
    Object.entries(o)
      .map(([k, v]) => `${indent}${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(",\n");
  return [
    `${JSON.stringify(head, null, 2).slice(0, -2)},`,
    `  "products": {\n${lines(products, "    ")}\n  },`,
    `  "terms": {\n    "OnDemand": {\n${lines(onDemand, "      ")}\n    },\n    "Reserved": {}\n  }\n}\n`,
  ].join("\n");
}

/** The region's spot prices as `aws ec2 describe-spot-price-history` prints them (zone IDs). */
export function spotExcerpt(region: SnapshotRegion, rows: readonly SnapshotRow[]): string {
  const history = rows
    .filter((r) => r.region === region && r.spot !== null)
    .map((r) => ({
      AvailabilityZoneId: r.zoneId,
      InstanceType: r.type,
      ProductDescription: "Linux/UNIX",
      SpotPrice: r.spot!.toFixed(6),
      Timestamp: SNAPSHOT.date,
    }));
  const head = JSON.stringify(
    { disclaimer: disclaimer("Spot USD/h per zone ID (the snapshot's SpotPrice column)") },
    null,
    2,
  );
  const records = history.map((h) => `    ${JSON.stringify(h)}`).join(",\n");
  return `${head.slice(0, -2)},\n  "SpotPriceHistory": [\n${records}\n  ]\n}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = readSnapshotRows();
  for (const region of SNAPSHOT_REGIONS) {
    writeFileSync(dataUrl(offerExcerptName(region)), offerExcerpt(region, rows));
    writeFileSync(dataUrl(spotExcerptName(region)), spotExcerpt(region, rows));
  }
}
