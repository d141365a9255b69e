import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type OfferSpec, offerJsonChunks } from "../bench/offer-files.js";
import { BUILTIN_BOOK, BUILTIN_BOOK_URL } from "../src/prices/builtin-book.js";
import {
  EXCERPT_NAMES,
  excerptUrl,
  GENERATED_BOOK_URL,
  renderBuiltinBook,
} from "../src/prices/generate-builtin-book.js";
import {
  offerExcerpt,
  offerExcerptName,
  readSnapshotRows,
  SNAPSHOT_REGION_OFFERS,
  SNAPSHOT_REGIONS,
  type SnapshotRegion,
  spotExcerpt,
  spotExcerptName,
} from "../src/prices/generate-regional-excerpts.js";
import { PriceImport } from "../src/prices/import.js";
import {
  INSTANCE_SPECS,
  listInstanceTypes,
  PRICE_BOOKS,
  PRICES_AS_OF,
  REGIONS,
} from "../src/pricing/catalog.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-builtin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const excerpt = (name: string) => JSON.parse(readFileSync(excerptUrl(name), "utf8"));
const [ON_DEMAND, RESERVED] = EXCERPT_NAMES;

/** The offers the catalog's figures make, written by the same offer writer the import tests use. */
function offersFromCatalog(region: string): Record<string, OfferSpec> {
  const b = PRICE_BOOKS[region]!;
  const types = listInstanceTypes(region);
  // Metadata (date, disclaimer naming the source) comes from the files; every figure from the catalog.
  const meta = (name: string) => ({
    publicationDate: excerpt(name).publicationDate as string,
    disclaimer: excerpt(name).disclaimer as string,
    region,
    location: "US East (N. Virginia)",
    decoys: 0,
  });
  return {
    [ON_DEMAND]: {
      ...meta(ON_DEMAND),
      instances: Object.fromEntries(types.map((t) => [t.type, { hourlyUSD: t.hourlyUSD }])),
      gp3PerGBMonthUSD: b.gp3PerGBMonthUSD,
      natHourlyUSD: b.natHourlyUSD,
      natPerGBUSD: b.natPerGBUSD,
      publicIpv4HourlyUSD: b.publicIpv4HourlyUSD,
    },
    [RESERVED]: {
      ...meta(RESERVED),
      skuPrefix: "RI",
      instances: Object.fromEntries(
        types
          .filter((t) => b.reserved[t.type])
          .map((t) => [t.type, { hourlyUSD: t.hourlyUSD, reserved: [...b.reserved[t.type]!] }]),
      ),
    },
  };
}

/** A snapshot region's offer as the catalog prices it (figures from the catalog, metadata from the file). */
function snapshotOffer(region: SnapshotRegion): OfferSpec {
  const e = excerpt(offerExcerptName(region));
  return {
    publicationDate: e.publicationDate,
    disclaimer: e.disclaimer,
    region,
    ...SNAPSHOT_REGION_OFFERS[region],
    decoys: 0,
    instances: Object.fromEntries(
      Object.entries(PRICE_BOOKS[region]!.onDemandHourlyUSD).map(([t, hourlyUSD]) => [
        t,
        { hourlyUSD },
      ]),
    ),
  };
}

/** The catalog's spot quotes for the region, written back as describe-spot-price-history prints them. */
function spotHistoryFromCatalog(region: SnapshotRegion): string {
  const e = excerpt(spotExcerptName(region));
  const SpotPriceHistory = Object.entries(PRICE_BOOKS[region]!.spot).flatMap(([type, q]) =>
    Object.entries(q.byZone).map(([zone, usd]) => ({
      AvailabilityZoneId: zone,
      InstanceType: type,
      ProductDescription: "Linux/UNIX",
      SpotPrice: usd.toFixed(6),
      Timestamp: q.at,
    })),
  );
  return JSON.stringify({ disclaimer: e.disclaimer, SpotPriceHistory });
}

describe("the built-in book is prices import's output for the checked-in excerpts", () => {
  it("importing generated offer files equal to the excerpts reproduces the built-in book exactly", async () => {
    const generated: Record<string, string> = {};
    for (const [name, spec] of Object.entries(offersFromCatalog("us-east-1")))
      generated[name] = [...offerJsonChunks(spec)].join("");
    for (const region of SNAPSHOT_REGIONS) {
      generated[offerExcerptName(region)] = [...offerJsonChunks(snapshotOffer(region))].join("");
      generated[spotExcerptName(region)] = spotHistoryFromCatalog(region);
    }
    // Every excerpt is covered, and read in the generator's order.
    expect(Object.keys(generated).sort()).toEqual([...EXCERPT_NAMES].sort());
    const imp = new PriceImport();
    for (const name of EXCERPT_NAMES) {
      expect(JSON.parse(generated[name]!), name).toEqual(excerpt(name));
      const file = join(dir, name);
      writeFileSync(file, generated[name]!);
      await imp.add(file);
    }
    expect(imp.book()).toEqual(BUILTIN_BOOK);
  });

  it("the regional excerpts are the snapshot rows' figures (regenerated from data/skypilot-aws-vms-rows.csv)", () => {
    const rows = readSnapshotRows();
    for (const region of SNAPSHOT_REGIONS) {
      expect(JSON.parse(offerExcerpt(region, rows))).toEqual(excerpt(offerExcerptName(region)));
      expect(JSON.parse(spotExcerpt(region, rows))).toEqual(excerpt(spotExcerptName(region)));
    }
  });

  it("the generated book file is the importer's output now (regenerate it and compare)", async () => {
    expect(GENERATED_BOOK_URL.href).toBe(BUILTIN_BOOK_URL.href);
    const text = readFileSync(BUILTIN_BOOK_URL, "utf8");
    // The checked-in file is biome-formatted: compare the book it holds, not its spacing.
    expect(JSON.parse(text)).toEqual(JSON.parse(await renderBuiltinBook()));
    expect(JSON.parse(text)).toEqual(BUILTIN_BOOK);
  });

  it("every excerpt names its source and date in its disclaimer", () => {
    for (const name of EXCERPT_NAMES) {
      const e = excerpt(name);
      expect(e.disclaimer).toMatch(/github|aws\/|https:\/\//);
      // An offer's publication date; spot history's newest timestamp ("unknown" when not established).
      const date =
        e.publicationDate ??
        e.SpotPriceHistory.map((q: { Timestamp: string }) => q.Timestamp)
          .sort()
          .at(-1);
      expect(e.disclaimer).toContain(date.slice(0, 10));
    }
  });

  it("the catalog prices from it and carries its date", () => {
    const book = PRICE_BOOKS["us-east-1"]!;
    const region = BUILTIN_BOOK.regions["us-east-1"]!;
    expect(book.onDemandHourlyUSD).toEqual(region.onDemandHourlyUSD);
    expect(book.reserved).toEqual(region.reserved);
    expect(book.asOf).toBe(BUILTIN_BOOK.publishedAt);
    // The book's date is its newest source's: the on-demand excerpt's.
    expect(PRICES_AS_OF).toBe(excerpt(ON_DEMAND).publicationDate.slice(0, 10));
    expect([book.gp3PerGBMonthUSD, book.natHourlyUSD, book.natPerGBUSD]).toEqual([
      region.gp3PerGBMonthUSD,
      region.natHourlyUSD,
      region.natPerGBUSD,
    ]);
    expect(book.publicIpv4HourlyUSD).toBe(region.publicIpv4HourlyUSD);
    // Every catalog type is priced from the excerpt, and the excerpt prices nothing else.
    expect(listInstanceTypes("us-east-1").map((t) => t.type)).toEqual(
      Object.keys(region.onDemandHourlyUSD),
    );
    expect(INSTANCE_SPECS.map((s) => s.type)).toEqual(Object.keys(region.onDemandHourlyUSD));
  });
});

describe("built-in figures (AWS Price List via karpenter's table generated 2026-07-20)", () => {
  const od = (type: string) => PRICE_BOOKS["us-east-1"]!.onDemandHourlyUSD[type];

  it("quotes the issue's figures: t4g.medium $0.0336/h, c6a.large $0.0765/h", () => {
    expect(od("t4g.medium")).toBe(0.0336);
    expect(od("c6a.large")).toBe(0.0765);
  });

  it("holds the wider catalog with arch, cores, SMT, memory and GPUs", () => {
    const families = new Set(listInstanceTypes("us-east-1").map((t) => t.family));
    for (const f of [
      "c6i",
      "c7i",
      "c6a",
      "c7a",
      "c6g",
      "c7g",
      "c8g",
      "m6i",
      "m7i",
      "m7g",
      "r6i",
      "r7g",
      "t3a",
      "t4g",
      "g4dn",
      "g5",
      "g6",
      "g6e",
    ])
      expect(families, f).toContain(f);
    const by = (type: string) => listInstanceTypes("us-east-1").find((t) => t.type === type)!;
    expect(by("r7g.large")).toMatchObject({ arch: "arm64", vcpu: 2, memoryGiB: 16 });
    expect(by("r7g.large")).toMatchObject({ physicalCores: 2, threadsPerCore: 1 });
    expect(by("c6i.xlarge")).toMatchObject({ vcpu: 4, physicalCores: 2, threadsPerCore: 2 });
    // C7a runs one thread per core (AWS: C7a/M7a/R7a threads per core cannot change).
    expect(by("c7a.xlarge")).toMatchObject({ vcpu: 4, physicalCores: 4, threadsPerCore: 1 });
    expect(by("g6e.xlarge").gpu).toEqual({ model: "NVIDIA L40S", count: 1, memoryGiB: 48 });
    expect(by("t4g.medium").burstable).toEqual({ baselinePerVcpu: 0.2, creditsPerHour: 24 });
    for (const t of listInstanceTypes("us-east-1"))
      expect(t.physicalCores * t.threadsPerCore, t.type).toBe(t.vcpu);
  });

  it("m5.large carries the 12 real reserved terms of its offer excerpt (2021-02-05)", () => {
    const ri = PRICE_BOOKS["us-east-1"]!.reserved["m5.large"]!;
    expect(ri).toHaveLength(12);
    expect(ri).toContainEqual({
      term: "1yr",
      purchaseOption: "No Upfront",
      offeringClass: "standard",
      upfrontUSD: 0,
      hourlyUSD: 0.06,
    });
    expect(ri).toContainEqual({
      term: "3yr",
      purchaseOption: "All Upfront",
      offeringClass: "convertible",
      upfrontUSD: 1161,
      hourlyUSD: 0,
    });
  });

  it("every built-in region is listed; us-east-1 prices the whole catalog, the others what the snapshot lists", () => {
    expect([...REGIONS].sort()).toEqual(Object.keys(BUILTIN_BOOK.regions).sort());
    expect(REGIONS[0]).toBe("us-east-1");
    expect(listInstanceTypes("us-east-1")).toHaveLength(INSTANCE_SPECS.length);
    const rows = readSnapshotRows();
    for (const r of SNAPSHOT_REGIONS) {
      const listed = new Set(
        rows.filter((x) => x.region === r && x.price !== null).map((x) => x.type),
      );
      expect(new Set(listInstanceTypes(r).map((t) => t.type)), r).toEqual(listed);
    }
  });
});
