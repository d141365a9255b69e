import { describe, expect, it } from "vitest";
import { recommendForWorkload, workTrackingRuleFor } from "../src/index.js";
import { sizingErrorOf } from "./helpers.js";

describe("autoscaled, available, honest about spot (issue 11)", () => {
  it("prices the autoscaled day, not the peak count all month", () => {
    const input = { imagesPerHour: 200_000, serviceMs: 20, peakFactor: 2 };
    const flat = recommendForWorkload(input);
    const daily = recommendForWorkload({ ...input, peakHoursPerDay: 8 });
    expect(flat.baseCount).toBe(flat.count);
    expect(flat.assumptions.loadProfile).toMatch(/peak count all month/);
    // 8 h at 400k/h, 16 h at 100k/h: fewer instances off-peak, a smaller instance line.
    expect(daily.assumptions.loadProfile).toBe("8 h/day at 400000 images/h, 16 h at 100000");
    expect(daily.baseCount).toBeLessThan(daily.count);
    expect(daily.breakdown.instancesUSD).toBeLessThan(flat.breakdown.instancesUSD);
    expect(daily.monthlyUSD).toBeLessThan(flat.monthlyUSD);
    // Requests (ALB capacity) are the month's average either way.
    expect(daily.breakdown.loadBalancerUSD).toBe(flat.breakdown.loadBalancerUSD);
  });

  it("refuses a day whose peak cannot average out", () => {
    const e = sizingErrorOf(() =>
      recommendForWorkload({ imagesPerHour: 1000, peakFactor: 4, peakHoursPerDay: 8 }),
    );
    expect(e.message).toMatch(/peak hours x peak factor <= 24.*accepted: at most 6 h/);
  });

  it("gives production at least 2 instances (2 AZs)", () => {
    const dev = recommendForWorkload({ imagesPerHour: 100, serviceMs: 20 });
    const prod = recommendForWorkload({ imagesPerHour: 100, serviceMs: 20, production: true });
    expect(dev.count).toBe(1);
    expect(prod.assumptions.minInstances).toBe(2);
    for (const o of [prod, ...prod.alternatives]) expect(o.count).toBeGreaterThanOrEqual(2);
  });

  it("proposes spot for the latency-bound API only with its interruption band and a warning", () => {
    const rec = recommendForWorkload({ imagesPerHour: 20_000, serviceMs: 20, pricing: "spot" });
    const spot = rec.warnings.find((w) => w.startsWith("spot for a latency-bound API"));
    expect(spot).toMatch(/interruption band .* 2 minutes' notice/);
    const batch = recommendForWorkload({
      imagesPerHour: 20_000,
      serviceMs: 20,
      pricing: "spot",
      shape: "batch",
    });
    expect(batch.warnings.join("\n")).toMatch(/spot: \S+ interruption band .* return to the queue/);
  });
});

describe("scale on the bottleneck (issue 11)", () => {
  it("an 8 GiB model (3 workers on 8 vCPUs) scales on requests per target, not CPU", () => {
    const rec = recommendForWorkload({ imagesPerHour: 20_000, serviceMs: 200, modelMemoryGiB: 8 });
    expect(rec.workersPerInstance).toBeLessThan(8);
    expect(rec.scalingRule).toMatchObject({
      predefinedMetricType: "ALBRequestCountPerTarget",
      replaces: ["cpu-high", "cpu-low"],
    });
    expect(rec.scalingRule!.reason).toMatch(/memory-bound/);
    // Per-instance capacity at the 80 % scale-out threshold: workers x 60 000 / 200 ms x 0.8.
    expect(rec.scalingRule!.targetValue).toBe(Math.floor(rec.workersPerInstance * 300 * 0.8));
  });

  it("keeps CPU scaling where every vCPU runs a worker, and the batch shape scales on its queue", () => {
    expect(
      workTrackingRuleFor({ vcpu: 4, workersPerInstance: 4, serviceMs: 20, memoryBound: false }),
    ).toBeNull();
    expect(
      workTrackingRuleFor({ vcpu: 4, workersPerInstance: 2, serviceMs: 20, memoryBound: false })
        ?.reason,
    ).toMatch(/2 workers on 4 vCPUs: CPU cannot reach the 80 % scale-out threshold/);
    const batch = recommendForWorkload({
      imagesPerHour: 20_000,
      serviceMs: 200,
      modelMemoryGiB: 8,
      shape: "batch",
    });
    expect(batch.scalingRule).toBeNull();
  });
});
