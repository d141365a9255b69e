import { describe, expect, it } from "vitest";
import { recommendForWorkload } from "../src/index.js";
import { runSizingCli, sizingErrorOf } from "./helpers.js";

const cli = (...argv: string[]) => runSizingCli(argv);

describe("the whole monthly bill (issue 11 audit)", () => {
  it("counts per-instance disks and metrics: 35 x c7g.2xlarge beats 139 x c7g.large at 2 M images/h", () => {
    const rec = recommendForWorkload({ imagesPerHour: 2_000_000, serviceMs: 200 });
    // Since the catalog has t4g and c6g, the cheapest whole bill is neither of these two (the
    // scenario test holds it against a brute force); the trap is shown within one family.
    const big = [rec, ...rec.alternatives].find((a) => a.instanceType === "c7g.2xlarge")!;
    expect(big).toMatchObject({ count: 35 });
    expect(rec.monthlyUSD).toBeLessThanOrEqual(big.monthlyUSD);
    // The audit's 139 x t3.medium ($6,247 of instances) are 278 once 2 x86 vCPUs count as one
    // core; the same trap is now 139 x c7g.large: cheaper instances, 139 disks ($2,224).
    const t3 = rec.alternatives.find((a) => a.instanceType === "c7g.large")!;
    expect(t3.count).toBe(139);
    expect(t3.breakdown.instancesUSD).toBeLessThan(big.breakdown.instancesUSD);
    expect(t3.breakdown.ebsUSD).toBe(139 * 200 * 0.08);
    expect(big.breakdown.ebsUSD).toBe(35 * 200 * 0.08);
    expect(t3.monthlyUSD).toBeGreaterThan(big.monthlyUSD);
    // Every instance brings its disk: the chosen bill's EBS follows its count.
    expect(rec.breakdown.ebsUSD).toBe(rec.count * 200 * 0.08);
    const sum = Object.values(rec.breakdown).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(rec.monthlyUSD, 1);
  });

  it("prices ALB capacity from bytes per image: 800 LCU at 2 M x 0.4 MB an hour", () => {
    const rec = recommendForWorkload({ imagesPerHour: 2_000_000, serviceMs: 20 });
    // 800 GB/h -> 800 LCU x $0.008 x 730 h + $0.0225 x 730 h.
    expect(rec.breakdown.loadBalancerUSD).toBeCloseTo(800 * 0.008 * 730 + 0.0225 * 730, 1);
    expect(rec.dominantCost).toBe("loadBalancerUSD");
    // ALB processing alone is about $3.2 per million images at 0.4 MB.
    expect(rec.costPerMillionImagesUSD).toBeGreaterThan(3.2);
    // The batch shape drops the ALB but pays two S3 PUTs an image ($10 per million images):
    // dearer at this rate, and the comparison says so.
    expect(rec.shapeComparison.batch).toMatchObject({ dominantCost: "queueAndStorageUSD" });
    expect(rec.shapeComparison.batch.monthlyUSD).toBeGreaterThan(
      rec.shapeComparison.api.monthlyUSD,
    );
    // At a low rate the ALB's fixed hours dominate the difference: batch is cheaper.
    const low = recommendForWorkload({ imagesPerHour: 1000, serviceMs: 20 });
    expect(low.shapeComparison.batch.monthlyUSD).toBeLessThan(low.shapeComparison.api.monthlyUSD);
    const batch = recommendForWorkload({ imagesPerHour: 2_000_000, serviceMs: 20, shape: "batch" });
    expect(batch.breakdown.loadBalancerUSD).toBe(0);
    expect(batch.breakdown.queueAndStorageUSD).toBeGreaterThan(0);
    expect(batch.shape).toBe("batch");
  });

  it("more bytes per image cost more ALB capacity", () => {
    const small = recommendForWorkload({
      imagesPerHour: 200_000,
      serviceMs: 20,
      bytesPerImage: 1e5,
    });
    const big = recommendForWorkload({ imagesPerHour: 200_000, serviceMs: 20, bytesPerImage: 2e6 });
    expect(big.breakdown.loadBalancerUSD).toBeGreaterThan(small.breakdown.loadBalancerUSD);
  });

  it("refuses bytes per image <= 0 (exit 2, one line saying what is accepted)", async () => {
    expect(
      sizingErrorOf(() => recommendForWorkload({ imagesPerHour: 10, bytesPerImage: 0 })).message,
    ).toMatch(/bytes per image must be a positive number.*accepted: bytes > 0/);
    const r = await cli("recommend", "--images-per-hour", "1000", "--bytes-per-image", "-5");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/bytes-per-image/);
  });

  it("the CLI's JSON carries breakdown, dominantCost, shape and savingsOptions", async () => {
    const r = await cli("recommend", "--images-per-hour", "20000", "--service-ms", "20", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.breakdown)).toEqual(
      expect.arrayContaining([
        "instancesUSD",
        "ebsUSD",
        "loadBalancerUSD",
        "natUSD",
        "ipv4USD",
        "metricsUSD",
      ]),
    );
    expect(doc.shape).toBe("api");
    expect(doc.dominantCost).toMatch(/USD$/);
    expect(doc.savingsOptions.length).toBeGreaterThan(0);
  });
});
