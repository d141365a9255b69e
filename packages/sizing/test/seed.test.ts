import { describe, expect, it } from "vitest";
import {
  getInstanceType,
  HOURS_PER_MONTH,
  hourlyPrice,
  monthlyCost,
  priceBook,
} from "../src/index.js";

/**
 * The seed's three instance tables (shared/seed/maskterial-performance-guide.md), restated as
 * they are printed, "~" prices and all. The catalog holds list prices; this walks every row.
 */
const SEED_ROWS = [
  // Recommended for Production (CPU)
  { type: "t3.large", vcpu: 2, memoryGB: 8, hourlyUSD: 0.083 },
  { type: "t3.xlarge", vcpu: 4, memoryGB: 16, hourlyUSD: 0.166 },
  { type: "c5.large", vcpu: 2, memoryGB: 4, hourlyUSD: 0.085 },
  // Minimum Requirements
  { type: "t3.medium", vcpu: 2, memoryGB: 4, hourlyUSD: 0.0416 },
  { type: "t3.micro", vcpu: 2, memoryGB: 1, hourlyUSD: 0.0208 },
  // GPU Instances
  { type: "g4dn.xlarge", vcpu: 4, memoryGB: 16, hourlyUSD: 0.526, gpu: "T4" },
  { type: "g4dn.2xlarge", vcpu: 8, memoryGB: 32, hourlyUSD: 0.736, gpu: "T4" },
];

/** "~$0.083" is a rounding of 0.0832; a gap over 1 % is a wrong price, not rounding. */
const PRICE_TOLERANCE = 0.01;

function deviations(): string[] {
  return SEED_ROWS.flatMap((row) => {
    const t = getInstanceType(row.type);
    const found: string[] = [];
    if (t.vcpu !== row.vcpu) found.push(`${row.type} vCPU: seed ${row.vcpu}, catalog ${t.vcpu}`);
    if (t.memoryGiB !== row.memoryGB) {
      found.push(`${row.type} memory: seed ${row.memoryGB}, catalog ${t.memoryGiB}`);
    }
    if (Math.abs(row.hourlyUSD - t.hourlyUSD) / t.hourlyUSD > PRICE_TOLERANCE) {
      found.push(`${row.type} hourlyUSD: seed ${row.hourlyUSD}, catalog ${t.hourlyUSD}`);
    }
    if (row.gpu && !t.gpu?.model.includes(row.gpu)) found.push(`${row.type} GPU: seed ${row.gpu}`);
    return found;
  });
}

describe("the seed's tables against the catalog", () => {
  it("deviate in exactly the two wrong prices", () => {
    expect(deviations()).toEqual([
      // $0.0208 is t3.small's price; t3.micro lists at half that.
      "t3.micro hourlyUSD: seed 0.0208, catalog 0.0104",
      "g4dn.2xlarge hourlyUSD: seed 0.736, catalog 0.752",
    ]);
    expect(getInstanceType("t3.small").hourlyUSD).toBe(0.0208);
  });

  it("t3.large is the seed's ~$60/month, and its 200 GB volume the $16 it leaves out", () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(monthlyCost("t3.large")).toBeCloseTo(60.736, 10);
    expect(200 * priceBook().gp3PerGBMonthUSD).toBe(16);
  });

  it("reserved instances save the seed's ~40 % (1 year) and ~60 % (3 years)", () => {
    expect(hourlyPrice("t3.large", "ri-1y")).toBeCloseTo(0.0832 * 0.6, 12);
    expect(hourlyPrice("t3.large", "ri-3y")).toBeCloseTo(0.0832 * 0.4, 12);
  });
});
