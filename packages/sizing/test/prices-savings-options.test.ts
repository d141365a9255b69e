import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offerJsonChunks } from "../bench/offer-files.js";
import {
  breakEvenMonth,
  costOf,
  estimateTierCost,
  HOURS_PER_MONTH,
  priceBook,
  recommendForWorkload,
} from "../src/index.js";
import { PriceImport } from "../src/prices/import.js";
import { useImportedBook } from "../src/pricing/catalog.js";

/** m5.large us-east-1: the built-in book's 12 reserved terms (AWS offer, published 2021-02-05). */
describe("savings options from the book's reserved rates", () => {
  const tier = estimateTierCost({ instanceType: "m5.large", count: 2 });
  const od = 2 * 0.096 * HOURS_PER_MONTH; // $140.16 on-demand a month for two
  const find = (option: string) => tier.savingsOptions.find((o) => o.option === option)!;

  it("lists every term x class x payment option, plus spot, each from the book", () => {
    const ri = tier.savingsOptions.filter((o) => o.kind === "reserved");
    expect(ri).toHaveLength(12);
    for (const o of ri) expect(o.basis).toBe("price book");
    expect(new Set(ri.map((o) => `${o.term} ${o.offeringClass} ${o.purchaseOption}`)).size).toBe(
      12,
    );
    expect(tier.savingsOptions.at(-1)!.kind).toBe("spot");
  });

  it("figures equal the book's rates to the cent", () => {
    const book = priceBook("us-east-1").reserved["m5.large"]!;
    for (const o of tier.savingsOptions.filter((x) => x.kind === "reserved")) {
      const r = book.find(
        (b) =>
          b.term === o.term &&
          b.offeringClass === o.offeringClass &&
          b.purchaseOption === o.purchaseOption,
      )!;
      expect(o.upfrontUSD).toBe(Math.round(2 * r.upfrontUSD * 100) / 100);
      expect(o.recurringMonthlyUSD).toBe(Math.round(2 * r.hourlyUSD * HOURS_PER_MONTH * 100) / 100);
    }
    // 1-year standard no upfront: $0.060/h -> 2 x 0.06 x 730 = $87.60 a month, saves $52.56.
    expect(find("1-year standard reserved instances (no upfront)")).toMatchObject({
      upfrontUSD: 0,
      recurringMonthlyUSD: 87.6,
      monthlyUSD: 87.6,
      savesUSD: 52.56,
      breakEvenMonth: 1,
    });
    // 3-year standard all upfront: $949 each, nothing hourly: 2 x 949 / 36 = $52.72 a month.
    expect(find("3-year standard reserved instances (all upfront)")).toMatchObject({
      upfrontUSD: 1898,
      recurringMonthlyUSD: 0,
      monthlyUSD: 52.72,
      savesUSD: 87.44,
    });
  });

  it("break-even months, worked by hand", () => {
    // 1-year standard all upfront: 2 x $494 = $988 against $140.16 a month on-demand:
    // 988 < 140.16 m  =>  m > 7.05  =>  month 8.
    expect(find("1-year standard reserved instances (all upfront)").breakEvenMonth).toBe(8);
    // 1-year standard partial: 2 x $252 + m x 2 x 0.029 x 730 (= $42.34) < $140.16 m
    // => 504 < 97.82 m => m > 5.15 => month 6.
    expect(find("1-year standard reserved instances (partial upfront)").breakEvenMonth).toBe(6);
    // 3-year convertible all upfront: $2,322 < 140.16 m => m > 16.57 => month 17.
    expect(find("3-year convertible reserved instances (all upfront)").breakEvenMonth).toBe(17);
    // The function itself: never within the term -> null; no upfront and cheaper -> month 1.
    expect(breakEvenMonth(1000, 50, 60, 12)).toBeNull(); // 1000 + 50m < 60m needs m > 100
    expect(breakEvenMonth(0, 50, 60, 12)).toBe(1);
    expect(breakEvenMonth(100, 0, 10, 10)).toBeNull(); // 100 < 10 m needs m > 10: month 11
    expect(breakEvenMonth(100, 0, 10, 12)).toBe(11);
  });

  it("spot and estimates say what they rest on", () => {
    const spot = tier.savingsOptions.at(-1)!;
    expect(spot).toMatchObject({ term: null, breakEvenMonth: null, upfrontUSD: 0 });
    expect(spot.basis).toMatch(/^estimate: /);
    expect(od).toBeCloseTo(140.16, 10);
  });

  it("a recommendation carries them", () => {
    const rec = recommendForWorkload({ imagesPerHour: 3600, serviceMs: 200 });
    expect(rec.savingsOptions.length).toBeGreaterThanOrEqual(3);
    for (const o of rec.savingsOptions)
      expect(o).toEqual(
        expect.objectContaining({
          option: expect.any(String),
          upfrontUSD: expect.any(Number),
          monthlyUSD: expect.any(Number),
          savesUSD: expect.any(Number),
          basis: expect.any(String),
        }),
      );
  });
});

describe("savings options from an imported book's Savings Plans and spot", () => {
  const dir = mkdtempSync(join(tmpdir(), "sizing-savings-"));
  afterAll(() => {
    useImportedBook(undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("lists Compute and EC2 Instance Savings Plans to the cent, and spot at the cheapest zone", async () => {
    const offer = write(
      "ec2.json",
      [
        ...offerJsonChunks({
          publicationDate: "2026-11-01T00:00:00Z",
          region: "us-east-1",
          location: "US East (N. Virginia)",
          instances: { "t3.large": { hourlyUSD: 0.0832 } },
          decoys: 0,
        }),
      ].join(""),
    );
    const rate = (sku: string, price: string) => ({
      sku,
      rates: [
        {
          discountedUsageType: "BoxUsage:t3.large",
          discountedOperation: "RunInstances",
          discountedServiceCode: "AmazonEC2",
          unit: "Hrs",
          discountedRate: { price, currency: "USD" },
        },
      ],
    });
    const sp = write(
      "sp.json",
      JSON.stringify({
        version: "20261101000000",
        publicationDate: "2026-11-01T00:00:00Z",
        regionCode: "us-east-1",
        products: [
          {
            sku: "C1N",
            productFamily: "ComputeSavingsPlans",
            attributes: { purchaseTerm: "1yr", purchaseOption: "No Upfront" },
          },
          {
            sku: "I3A",
            productFamily: "EC2InstanceSavingsPlans",
            attributes: { purchaseTerm: "3yr", purchaseOption: "All Upfront" },
          },
        ],
        terms: { savingsPlan: [rate("C1N", "0.0599"), rate("I3A", "0.0341")] },
      }),
    );
    const spot = write(
      "spot.json",
      JSON.stringify({
        SpotPriceHistory: [
          {
            AvailabilityZone: "us-east-1a",
            InstanceType: "t3.large",
            ProductDescription: "Linux/UNIX",
            SpotPrice: "0.031200",
            Timestamp: "2026-11-03T10:00:00+00:00",
          },
          {
            AvailabilityZone: "us-east-1b",
            InstanceType: "t3.large",
            ProductDescription: "Linux/UNIX",
            SpotPrice: "0.029800",
            Timestamp: "2026-11-03T09:00:00+00:00",
          },
        ],
      }),
    );
    const imp = new PriceImport();
    for (const f of [offer, sp, spot]) await imp.add(f);
    useImportedBook(imp.book());
    const options = estimateTierCost({ instanceType: "t3.large", count: 1 }).savingsOptions;
    const od = 0.0832 * HOURS_PER_MONTH; // $60.736
    expect(options.map((o) => o.kind)).toEqual([
      "compute-savings-plan",
      "ec2-instance-savings-plan",
      "spot",
    ]);
    // 1-year Compute SP, no upfront: $0.0599 x 730 = $43.73 a month.
    expect(options[0]).toMatchObject({
      option: "1-year Compute Savings Plan (no upfront)",
      upfrontUSD: 0,
      monthlyUSD: 43.73,
      savesUSD: 17.01,
      breakEvenMonth: 1,
      basis: "price book",
    });
    // 3-year EC2 Instance SP, all upfront: $0.0341 x 730 h x 36 months = $896.15 at once;
    // 896.15 < 60.736 m => m > 14.75 => month 15.
    expect(options[1]).toMatchObject({
      option: "3-year EC2 Instance Savings Plan (all upfront)",
      upfrontUSD: 896.15,
      recurringMonthlyUSD: 0,
      monthlyUSD: 24.89,
      breakEvenMonth: 15,
      basis: "price book",
    });
    expect(options[2]).toMatchObject({ monthlyUSD: 21.75, savesUSD: 38.98 }); // 0.0298 x 730
    expect(options[2]!.basis).toBe(
      "price book: the cheapest zone, us-east-1b (spot history to 2026-11-03T10:00:00+00:00)",
    );
    expect(od).toBeCloseTo(60.736, 10);
    // The spot pricing model takes the same price.
    const quote = costOf("t3.large", "spot");
    expect(quote.hourlyUSD).toBeCloseTo(0.0298, 12);
    expect(quote.basis).toBe("price book: the cheapest zone's latest spot price");
  });
});
