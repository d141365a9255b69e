import { describe, expect, it } from "vitest";
import {
  estimateAutoscaledTierCost,
  estimateTierCost,
  recommendForWorkload,
  SizingError,
} from "../src/index.js";
import { sizingErrorOf } from "./helpers.js";

/**
 * The tier estimate over an autoscaled day (what @flakeops/infra's budget and
 * estimatedMonthlyCostUSD use with peakHoursPerDay): the peak count for the peak hours, the
 * base count the rest, as recommendForWorkload prices the day.
 */
describe("estimateAutoscaledTierCost", () => {
  const input = { instanceType: "c7g.large", count: 6, imagesPerHour: 50_000 };

  it("blends the count-following lines by hours and keeps the others whole", () => {
    const day = estimateAutoscaledTierCost(input, { baseCount: 2, peakHoursPerDay: 6 });
    const peak = estimateTierCost(input);
    const base = estimateTierCost({ ...input, count: 2 });
    expect(day.monthlyUSD).toBeCloseTo(0.25 * peak.monthlyUSD + 0.75 * base.monthlyUSD, 2);
    const line = (c: typeof day, re: RegExp) => c.lines.find((l) => re.test(l.item))!;
    expect(line(day, /^EC2 /).monthlyUSD).toBeCloseTo(
      0.25 * line(peak, /^EC2 /).monthlyUSD + 0.75 * line(base, /^EC2 /).monthlyUSD,
      2,
    );
    expect(line(day, /^EC2 /).item).toBe(
      "EC2 6 x c7g.large (on-demand) for 6 h/day; EC2 2 x c7g.large (on-demand) the other 18 h",
    );
    // The ALB, NAT and alarms do not follow the count: the same line as either estimate.
    for (const re of [
      /^Application Load Balancer hours/,
      /^NAT gateway hours/,
      /^CloudWatch alarms/,
    ])
      expect(line(day, re)).toEqual(line(peak, re));
    const sum = day.lines.reduce((s, l) => s + l.monthlyUSD, 0);
    expect(sum).toBeCloseTo(day.monthlyUSD, 1);
  });

  it("is the plain estimate when the count does not change or the peak lasts all day", () => {
    const plain = estimateTierCost(input);
    expect(estimateAutoscaledTierCost(input, { baseCount: 6, peakHoursPerDay: 6 })).toEqual(plain);
    expect(estimateAutoscaledTierCost(input, { baseCount: 2, peakHoursPerDay: 24 })).toEqual(plain);
  });

  it("agrees with the sizing answer's autoscaled bill within 1 %", () => {
    const rec = recommendForWorkload({ imagesPerHour: 200_000, peakFactor: 3, peakHoursPerDay: 6 });
    expect(rec.baseCount).toBeLessThan(rec.count);
    const day = estimateAutoscaledTierCost(
      {
        instanceType: rec.instanceType,
        count: rec.count,
        imagesPerHour: 200_000,
        bytesPerImage: rec.assumptions.bytesPerImage,
        averageCpuPercent: rec.averageCpuPercent,
      },
      { baseCount: rec.baseCount, peakHoursPerDay: 6 },
    );
    expect(Math.abs(day.monthlyUSD - rec.monthlyUSD) / rec.monthlyUSD).toBeLessThan(0.01);
  });

  it.each([
    [{ baseCount: 2, peakHoursPerDay: 0 }, /peak hours per day must be in \(0, 24\]/],
    [{ baseCount: 2, peakHoursPerDay: 25 }, /peak hours per day must be in \(0, 24\]/],
    [{ baseCount: 7, peakHoursPerDay: 6 }, /off-peak count must be a whole number 1-6/],
    [{ baseCount: 0, peakHoursPerDay: 6 }, /off-peak count must be a whole number 1-6/],
    [{ baseCount: 1.5, peakHoursPerDay: 6 }, /off-peak count must be a whole number 1-6/],
  ])("refuses %j with a typed error", (autoscaled, message) => {
    const error = sizingErrorOf(() => estimateAutoscaledTierCost(input, autoscaled));
    expect(error).toBeInstanceOf(SizingError);
    expect(error.code).toBe("BAD_NUMBER");
    expect(error.message).toMatch(message);
  });
});
