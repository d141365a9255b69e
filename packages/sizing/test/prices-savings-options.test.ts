import { describe, expect, it } from "vitest";
import {
  breakEvenMonth,
  estimateTierCost,
  HOURS_PER_MONTH,
  priceBook,
  recommendForWorkload,
} from "../src/index.js";

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
