import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type OfferSpec, offerCsv, offerJsonChunks } from "../bench/offer-files.js";
import { parseImportedBook, STALE_AFTER_DAYS, stalenessWarning } from "../src/prices/book.js";
import { PriceImport } from "../src/prices/import.js";
import { runSizingCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-prices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const SPEC: OfferSpec = {
  publicationDate: "2026-11-01T00:00:00Z",
  region: "eu-west-1",
  location: "EU (Ireland)",
  instances: {
    "t3.large": {
      hourlyUSD: 0.0912,
      reserved: [
        {
          term: "1yr",
          offeringClass: "standard",
          purchaseOption: "No Upfront",
          upfrontUSD: 0,
          hourlyUSD: 0.0574,
        },
        {
          term: "1yr",
          offeringClass: "standard",
          purchaseOption: "All Upfront",
          upfrontUSD: 481,
          hourlyUSD: 0,
        },
        {
          term: "3yr",
          offeringClass: "convertible",
          purchaseOption: "Partial Upfront",
          upfrontUSD: 690,
          hourlyUSD: 0.0263,
        },
      ],
    },
    "c7g.large": { hourlyUSD: 0.0772 },
  },
  gp3PerGBMonthUSD: 0.088,
  natHourlyUSD: 0.048,
  natPerGBUSD: 0.048,
  publicIpv4HourlyUSD: 0.005,
  decoys: 4,
};

async function importFiles(...paths: string[]) {
  const imp = new PriceImport();
  for (const p of paths) await imp.add(p);
  return imp.book();
}

const cli = (...argv: string[]) => runSizingCli(argv, dir);

describe("prices import: the AmazonEC2 offer", () => {
  it("JSON and CSV of one offer give the same book, with every figure as the file has it", async () => {
    const json = await importFiles(file("offer.json", [...offerJsonChunks(SPEC)].join("")));
    const csv = await importFiles(file("offer.csv", offerCsv(SPEC)));
    expect(csv.regions).toEqual(json.regions);
    expect(json.publishedAt).toBe("2026-11-01");
    const r = json.regions["eu-west-1"]!;
    // Linux shared only: the Windows, dedicated, unused-reservation and SQL rows are skipped.
    expect(r.onDemandHourlyUSD).toEqual({ "t3.large": 0.0912, "c7g.large": 0.0772 });
    expect(r.reserved["t3.large"]).toEqual([
      {
        term: "1yr",
        purchaseOption: "No Upfront",
        offeringClass: "standard",
        upfrontUSD: 0,
        hourlyUSD: 0.0574,
      },
      {
        term: "1yr",
        purchaseOption: "All Upfront",
        offeringClass: "standard",
        upfrontUSD: 481,
        hourlyUSD: 0,
      },
      {
        term: "3yr",
        purchaseOption: "Partial Upfront",
        offeringClass: "convertible",
        upfrontUSD: 690,
        hourlyUSD: 0.0263,
      },
    ]);
    expect(r).toMatchObject({
      gp3PerGBMonthUSD: 0.088,
      natHourlyUSD: 0.048,
      natPerGBUSD: 0.048,
      publicIpv4HourlyUSD: 0.005,
    });
  });

  it("adds Savings Plans rates and spot prices from their own files", async () => {
    const sp = file(
      "sp.json",
      JSON.stringify({
        version: "20261101000000",
        publicationDate: "2026-11-02T00:00:00Z",
        regionCode: "eu-west-1",
        products: [
          {
            sku: "CSP1",
            productFamily: "ComputeSavingsPlans",
            attributes: { purchaseTerm: "1yr", purchaseOption: "No Upfront" },
          },
          {
            sku: "ISP3",
            productFamily: "EC2InstanceSavingsPlans",
            attributes: { purchaseTerm: "3yr", purchaseOption: "All Upfront" },
          },
        ],
        terms: {
          savingsPlan: [
            {
              sku: "CSP1",
              rates: [
                {
                  discountedUsageType: "EU-BoxUsage:t3.large",
                  discountedOperation: "RunInstances",
                  discountedServiceCode: "AmazonEC2",
                  unit: "Hrs",
                  discountedRate: { price: "0.0651", currency: "USD" },
                },
                {
                  discountedUsageType: "EU-BoxUsage:t3.large",
                  discountedOperation: "RunInstances:0002",
                  discountedServiceCode: "AmazonEC2",
                  unit: "Hrs",
                  discountedRate: { price: "0.1", currency: "USD" },
                },
              ],
            },
            {
              sku: "ISP3",
              rates: [
                {
                  discountedUsageType: "EU-BoxUsage:t3.large",
                  discountedOperation: "RunInstances",
                  discountedServiceCode: "AmazonEC2",
                  unit: "Hrs",
                  discountedRate: { price: "0.0351", currency: "USD" },
                },
              ],
            },
          ],
        },
      }),
    );
    const spot = file(
      "spot.json",
      JSON.stringify({
        SpotPriceHistory: [
          {
            AvailabilityZone: "eu-west-1a",
            InstanceType: "t3.large",
            ProductDescription: "Linux/UNIX",
            SpotPrice: "0.031200",
            Timestamp: "2026-11-03T10:00:00+00:00",
          },
          {
            AvailabilityZone: "eu-west-1a",
            InstanceType: "t3.large",
            ProductDescription: "Linux/UNIX",
            SpotPrice: "0.040000",
            Timestamp: "2026-11-02T10:00:00+00:00",
          },
          {
            AvailabilityZone: "eu-west-1b",
            InstanceType: "t3.large",
            ProductDescription: "Linux/UNIX",
            SpotPrice: "0.029800",
            Timestamp: "2026-11-03T09:00:00+00:00",
          },
          {
            AvailabilityZone: "eu-west-1b",
            InstanceType: "t3.large",
            ProductDescription: "Windows",
            SpotPrice: "0.1",
            Timestamp: "2026-11-03T09:00:00+00:00",
          },
        ],
      }),
    );
    const book = await importFiles(file("o.json", [...offerJsonChunks(SPEC)].join("")), sp, spot);
    const r = book.regions["eu-west-1"]!;
    expect(r.savingsPlans["t3.large"]).toEqual([
      { plan: "Compute", term: "1yr", purchaseOption: "No Upfront", hourlyUSD: 0.0651 },
      { plan: "EC2Instance", term: "3yr", purchaseOption: "All Upfront", hourlyUSD: 0.0351 },
    ]);
    expect(r.spot["t3.large"]).toEqual({
      byZone: { "eu-west-1a": 0.0312, "eu-west-1b": 0.0298 },
      at: "2026-11-03T10:00:00+00:00",
    });
    expect(book.publishedAt).toBe("2026-11-03");
    expect(book.sources.map((s) => s.kind)).toEqual(["ec2", "savings-plans", "spot"]);
  });
});

describe("prices import CLI", () => {
  it("writes a book that reads back, and answers the contract's fields", async () => {
    const offer = file("cli-offer.json", [...offerJsonChunks(SPEC)].join(""));
    const r = await cli("prices", "import", offer, "--out", "book.json", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      regions: ["eu-west-1"],
      publishedAt: "2026-11-01",
      instances: { "eu-west-1": 2 },
      out: "book.json",
    });
    const { readFileSync } = await import("node:fs");
    expect(
      parseImportedBook(readFileSync(join(dir, "book.json"), "utf8"), "book.json").regions[
        "eu-west-1"
      ]!.onDemandHourlyUSD["t3.large"],
    ).toBe(0.0912);
  });

  const full = [...offerJsonChunks(SPEC)].join("");
  const bad: [string, string, string, RegExp][] = [
    [
      "a truncated offer",
      "cut.json",
      full.slice(0, Math.floor(full.length / 2)),
      /is not complete JSON.*; accepted: the AmazonEC2 offer/,
    ],
    [
      "JSON that is no offer",
      "other.json",
      JSON.stringify({ hello: "world" }),
      /holds no products, savings plans or spot prices; accepted: the AmazonEC2 offer/,
    ],
    [
      "another service's offer (JSON)",
      "s3.json",
      full.replace('"AmazonEC2"', '"AmazonS3"'),
      /is the offer for another service \(AmazonS3\); accepted:/,
    ],
    [
      "another service's offer (CSV)",
      "s3.csv",
      offerCsv(SPEC).replace('"OfferCode","AmazonEC2"', '"OfferCode","AmazonRDS"'),
      /is the offer for another service \(AmazonRDS\); accepted:/,
    ],
    ["neither JSON nor CSV", "x.txt", "hello", /is neither JSON nor an offer CSV; accepted:/],
  ];
  for (const [what, name, text, message] of bad) {
    it(`${what}: one line naming what is accepted, exit 2`, async () => {
      const r = await cli("prices", "import", file(name, text));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // The library throws the typed error the CLI prints.
      await expect(new PriceImport().add(join(dir, name))).rejects.toMatchObject({
        code: "BAD_OFFER",
      });
    });
  }
});

describe("staleness", () => {
  it(`a book older than ${STALE_AFTER_DAYS} days says so; a fresh one does not`, () => {
    const today = new Date("2026-11-30T12:00:00Z");
    expect(stalenessWarning("2026-09-01", today)).toBeNull();
    expect(stalenessWarning("2025-06-01", today)).toMatch(
      /prices are 547 days old \(published 2025-06-01, over 90\)/,
    );
  });

  it("prices import warns on an old offer", async () => {
    const old = file(
      "old.json",
      [...offerJsonChunks({ ...SPEC, publicationDate: "2024-01-01T00:00:00Z" })].join(""),
    );
    const r = await cli("prices", "import", old, "--out", "old-book.json", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).warnings[0]).toMatch(
      /prices are \d+ days old \(published 2024-01-01/,
    );
  });
});

describe("--prices / FLAKEOPS_PRICE_BOOK", () => {
  const us = (publicationDate: string): OfferSpec => ({
    ...SPEC,
    publicationDate,
    region: "us-east-1",
    location: "US East (N. Virginia)",
    instances: { "t3.large": { hourlyUSD: 0.0999 } },
  });

  it("every command prices from the named book, and an old book warns on every answer", async () => {
    const old = file("us-old.json", [...offerJsonChunks(us("2025-01-01T00:00:00Z"))].join(""));
    expect((await cli("prices", "import", old, "--out", "us-old-book.json")).code).toBe(0);
    const r = await cli("cost", "t3.large", "--prices", "us-old-book.json", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.hourlyUSD).toBe(0.0999);
    expect(doc.priceWarnings[0]).toMatch(/prices are \d+ days old \(published 2025-01-01/);
    const table = await cli("catalog", "--prices", "us-old-book.json");
    expect(table.stdout).toMatch(/warning: prices are \d+ days old/);
    expect(table.stdout).toContain("t3.large");
    expect(table.stdout).not.toContain("c5.large"); // only what the book prices
  });

  it("FLAKEOPS_PRICE_BOOK names it too; a fresh book adds no warning", async () => {
    const fresh = new Date(Date.now() - 86_400_000).toISOString();
    const offer = file("us-fresh.json", [...offerJsonChunks(us(fresh))].join(""));
    expect((await cli("prices", "import", offer, "--out", "us-fresh-book.json")).code).toBe(0);
    process.env.FLAKEOPS_PRICE_BOOK = "us-fresh-book.json";
    try {
      const doc = JSON.parse((await cli("cost", "t3.large", "--json")).stdout);
      expect(doc.hourlyUSD).toBe(0.0999);
      expect(doc.priceWarnings).toBeUndefined();
    } finally {
      delete process.env.FLAKEOPS_PRICE_BOOK;
    }
    // Back on the built-in book.
    expect(JSON.parse((await cli("cost", "t3.large", "--json")).stdout).hourlyUSD).toBe(0.0832);
  });

  it("a book that is not one: exit 2 naming what is accepted", async () => {
    const r = await cli("cost", "t3.large", "--prices", file("nope.json", "{}"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /is not a price book .*accepted: a flakeops-price-book\/1 file written by `prices import`/,
    );
  });
});
