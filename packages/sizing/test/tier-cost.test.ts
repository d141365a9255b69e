import { describe, expect, it } from "vitest";
import { albLcuPerHour, estimateTierCost, TIER_COST_TERMS } from "../src/index.js";

/**
 * The cost model against a bill computed by hand from AWS's published us-east-1 prices (a
 * separate formula: these constants are read off the pricing pages, not the engine's book).
 *   EC2 t3.large on-demand Linux $0.0832/h      https://aws.amazon.com/ec2/pricing/on-demand/
 *   EBS gp3 $0.08/GB-month                      https://aws.amazon.com/ebs/pricing/
 *   ALB $0.0225/h + $0.008/LCU-hour             https://aws.amazon.com/elasticloadbalancing/pricing/
 *   NAT gateway $0.045/h + $0.045/GB            https://aws.amazon.com/vpc/pricing/
 *   Public IPv4 $0.005/h per address (2024-02)  https://aws.amazon.com/vpc/pricing/
 *   Custom metric $0.30/month, PutMetricData $0.01/1,000 requests, standard alarm $0.10/month,
 *   dashboard $3/month                          https://aws.amazon.com/cloudwatch/pricing/
 */
const MONTH_HOURS = 730;

/** examples/cpu-production as deployed: 1 x t3.large behind an ALB in its own two-AZ VPC. */
function cpuProductionByHand(): { item: string; usd: number }[] {
  const instances = 1;
  return [
    { item: "EC2 t3.large", usd: instances * 0.0832 * MONTH_HOURS },
    { item: "EBS gp3 200 GiB", usd: instances * 200 * 0.08 },
    { item: "ALB hours", usd: 0.0225 * MONTH_HOURS },
    { item: "ALB 1 LCU", usd: 1 * 0.008 * MONTH_HOURS },
    { item: "NAT gateway hours", usd: 0.045 * MONTH_HOURS },
    { item: "NAT 1 GB processed", usd: 1 * 0.045 },
    { item: "3 public IPv4 (ALB x2, NAT EIP)", usd: 3 * 0.005 * MONTH_HOURS },
    // mem_used_percent and disk_used_percent, per instance and aggregated by group.
    { item: "4 custom metrics", usd: 4 * 0.3 },
    { item: "PutMetricData, 1/min/instance", usd: ((instances * 60 * MONTH_HOURS) / 1000) * 0.01 },
    // 4 group rules + healthy hosts, 5XX rate, p95 latency.
    { item: "7 alarms", usd: 7 * 0.1 },
    { item: "dashboard", usd: 3 },
  ];
}

describe("the tier cost model against a hand-computed bill", () => {
  it("prices examples/cpu-production within 5 % of the bill by hand", () => {
    const byHand = cpuProductionByHand().reduce((sum, l) => sum + l.usd, 0);
    expect(byHand).toBeCloseTo(148.18, 2);
    const estimate = estimateTierCost({ instanceType: "t3.large", count: 1 }).monthlyUSD;
    expect(Math.abs(estimate - byHand) / byHand).toBeLessThan(0.05);
  });

  it("never estimates reserved pricing: RI and Savings Plans are savings options", () => {
    const onDemand = estimateTierCost({ instanceType: "t3.large", count: 1 });
    const askedRi = estimateTierCost({ instanceType: "t3.large", count: 1, pricing: "ri-1y" });
    expect(askedRi.pricing).toBe("on-demand");
    expect(askedRi.monthlyUSD).toBe(onDemand.monthlyUSD);
    // t3.large has no reserved or Savings Plans rate in the built-in book: the flat model, labelled.
    expect(askedRi.savingsOptions.map((o) => o.option)).toEqual([
      "1-year reserved instances or Compute Savings Plan (no upfront)",
      "3-year reserved instances or Compute Savings Plan (no upfront)",
      "spot instances (can be reclaimed with 2 minutes' notice)",
    ]);
    for (const o of askedRi.savingsOptions) {
      expect(o.savesUSD).toBeGreaterThan(0);
      expect(o.basis).toMatch(/^estimate: /);
    }
    expect(
      estimateTierCost({ instanceType: "c5.large", count: 1, pricing: "spot" }).savingsOptions,
    ).toEqual([]);
  });

  it("derives ALB capacity units from the workload's bytes per image", () => {
    // 30,000 images/h x 400 kB = 12 GB/h: 12 LCU (bytes dominate 30000/3600/25 = 0.33).
    expect(albLcuPerHour(30000, 400_000)).toBeCloseTo(12, 6);
    const tier = estimateTierCost({
      instanceType: "c5.xlarge",
      count: 2,
      imagesPerHour: 30000,
      bytesPerImage: 400_000,
    });
    const lcu = tier.lines.find((l) => l.item.startsWith("ALB capacity"))!;
    expect(lcu).toEqual({
      term: "loadBalancer",
      item: "ALB capacity (12 LCU at 30000 images/h)",
      monthlyUSD: 70.08,
    });
  });

  it("adds WAF's web ACL, rule and requests when the ALB has one", () => {
    const tier = estimateTierCost({
      instanceType: "c5.xlarge",
      count: 1,
      imagesPerHour: 10000,
      wafRules: 1,
    });
    // $5 + $1 + 7.3 million requests x $0.60
    expect(tier.lines.find((l) => l.item.startsWith("WAF"))).toEqual({
      term: "loadBalancer",
      item: "WAF web ACL (1 rule)",
      monthlyUSD: 10.38,
    });
  });

  it("charges T3 surplus at the sized utilization, and drops NAT and IPv4 lines it does not create", () => {
    const busy = estimateTierCost({ instanceType: "t3.large", count: 1, averageCpuPercent: 60 });
    expect(busy.lines.find((l) => l.item.startsWith("T3 unlimited surplus"))).toEqual({
      term: "instances",
      item: "T3 unlimited surplus at 60% average CPU",
      monthlyUSD: 21.9, // (60 % - 30 % baseline) x 2 vCPU x $0.05 x 730 h
    });
    const existing = estimateTierCost({
      instanceType: "c5.large",
      count: 1,
      loadBalancer: false,
      natGateway: false,
    });
    expect(existing.lines.some((l) => /NAT|IPv4|ALB/.test(l.item))).toBe(false);
  });
});

describe("tier cost lines carry a stable term key", () => {
  it("every line has one of TIER_COST_TERMS, and the terms sum to the total", () => {
    const tier = estimateTierCost({
      instanceType: "t3.large",
      count: 2,
      averageCpuPercent: 60,
      imagesPerHour: 10000,
      wafRules: 1,
    });
    const byTerm = new Map<string, number>();
    for (const l of tier.lines) {
      expect(TIER_COST_TERMS).toContain(l.term);
      byTerm.set(l.term, (byTerm.get(l.term) ?? 0) + l.monthlyUSD);
    }
    // The full tier bills every term once or more.
    expect([...byTerm.keys()].sort()).toEqual([...TIER_COST_TERMS].sort());
    expect(tier.lines.filter((l) => l.term === "instances").map((l) => l.item)).toEqual([
      "EC2 2 x t3.large (on-demand)",
      "T3 unlimited surplus at 60% average CPU",
    ]);
    expect(tier.lines.filter((l) => l.term === "loadBalancer")).toHaveLength(3); // hours, LCU, WAF
    const sum = [...byTerm.values()].reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(tier.monthlyUSD, 1);
  });
});
