import { describe, expect, it } from "vitest";
import {
  BATCH_TURNAROUND_MS,
  HOURS_PER_MONTH,
  nlbLcuPerHour,
  recommendForWorkload,
} from "../src/index.js";
import { runSizingCli } from "./helpers.js";

/**
 * Issue 11: "Compare the API shape (ALB) with the batch shape (S3 + SQS, no ALB) and an NLB
 * where latency allows." The NLB's bill is written out here from AWS's ELB pricing page
 * (us-east-1: $0.0225 per NLB-hour, $0.006 per NLCU-hour; an NLCU is 800 new TCP flows/s,
 * 100,000 active flows a minute or 1 GB/h processed), not read from the engine.
 */
const NLB_HOUR = 0.0225;
const NLCU_HOUR = 0.006;

function nlbMonthly(imagesPerHour: number, bytes: number, flowSeconds: number): number {
  const perSecond = imagesPerHour / 3600;
  const nlcu = Math.max(
    (imagesPerHour * bytes) / 1e9,
    perSecond / 800,
    (perSecond * flowSeconds) / 1e5,
  );
  return HOURS_PER_MONTH * (NLB_HOUR + nlcu * NLCU_HOUR);
}

describe("the API behind an NLB, priced whole", () => {
  it("lists the ALB (chosen), the NLB and the batch shape with their monthly cost", () => {
    const rec = recommendForWorkload({ imagesPerHour: 200_000, bytesPerImage: 500_000 });
    expect(rec.shapeOptions.map((o) => [o.shape, o.loadBalancer, o.chosen])).toEqual([
      ["api", "application", true],
      ["api", "network", false],
      ["batch", "none", false],
    ]);
    const [alb, nlb, batch] = rec.shapeOptions;
    expect(alb!.monthlyUSD).toBe(rec.monthlyUSD);
    expect(batch!.monthlyUSD).toBe(rec.shapeComparison.batch.monthlyUSD);
    // Same fleet: the NLB bill is the ALB bill with the load-balancer term swapped.
    const nlbTerm = nlbMonthly(200_000, 500_000, rec.assumptions.p95TargetMs / 1000);
    expect(nlb!.monthlyUSD).toBeCloseTo(
      rec.monthlyUSD - rec.breakdown.loadBalancerUSD + nlbTerm,
      1,
    );
    // 100 GB/h: 100 LCU on either; an NLCU costs $0.006 against the LCU's $0.008.
    expect(nlbTerm).toBeCloseTo(730 * (0.0225 + 100 * 0.006), 6);
    expect(nlb!.monthlyUSD).toBeLessThan(alb!.monthlyUSD);
    expect(nlb!.latencyAllows).toBe(true);
    expect(nlb!.note).toMatch(/^latency allows \(a layer-4 pass-through/);
    expect(nlb!.note).toMatch(/loses per-request \(path, host\) routing, WAF/);
    expect(nlb!.note).toMatch(
      /It would save \$\d+(\.\d+)?\/month, but the ALB stays: @flakeops\/infra deploys an ALB/,
    );
    // Real-time p95 (2 s) is below the batch shape's turnaround.
    expect(batch!.latencyAllows).toBe(false);
  });

  it("names the work-tracking rule among what an NLB loses, where the tier scales on it", () => {
    const rec = recommendForWorkload({ imagesPerHour: 20_000, modelMemoryGiB: 8 });
    expect(rec.scalingRule).not.toBeNull();
    expect(rec.shapeOptions[1]!.note).toMatch(
      /ALBRequestCountPerTarget, which this tier scales on/,
    );
  });

  it("the batch shape is chosen for batch work, and latency allows it at a long target", () => {
    const rec = recommendForWorkload({
      imagesPerHour: 5000,
      shape: "batch",
      p95LatencyMs: BATCH_TURNAROUND_MS,
    });
    const chosen = rec.shapeOptions.filter((o) => o.chosen);
    expect(chosen).toEqual([expect.objectContaining({ shape: "batch", latencyAllows: true })]);
    expect(chosen[0]!.monthlyUSD).toBe(rec.monthlyUSD);
  });

  it("counts NLCUs by the largest dimension: bytes, new flows or active flows", () => {
    expect(nlbLcuPerHour(3600, 1e6, 1)).toBeCloseTo(3.6, 9); // 3.6 GB/h
    expect(nlbLcuPerHour(3600 * 1600, 1, 1)).toBeCloseTo(2, 9); // 1,600 new flows/s
    expect(nlbLcuPerHour(3600 * 1000, 1, 300)).toBeCloseTo(3, 9); // 300,000 active flows
  });

  it("recommend prints every shape, the chosen one marked, and why the ALB stays", async () => {
    const { code, stdout } = await runSizingCli(["recommend", "--images-per-hour", "200000"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /shapes: api behind an ALB \$[\d.]+ \(chosen\), api behind an NLB \$[\d.]+, batch \(S3 \+ SQS, no load balancer\) \$[\d.]+ \(too slow for the target\)/,
    );
    expect(stdout).toMatch(/^nlb: latency allows .* the ALB stays: /m);
    const json = await runSizingCli(["recommend", "--images-per-hour", "200000", "--json"]);
    const doc = JSON.parse(json.stdout);
    expect(doc.shapeOptions).toHaveLength(3);
    expect(doc.shapeOptions.filter((o: { chosen: boolean }) => o.chosen)).toHaveLength(1);
  });
});
