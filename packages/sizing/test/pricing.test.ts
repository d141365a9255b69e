import { describe, expect, it } from "vitest";
import {
  breakEvenCpuPercent,
  burstSurplusWarning,
  costOf,
  estimateTierCost,
  getInstanceType,
  hourlyPrice,
  monthlyCost,
  SPOT_BY_FAMILY,
  SPOT_MAX_SAVINGS,
  t3SurplusHourly,
} from "../src/index.js";
import { sizingErrorOf } from "./helpers.js";

describe("pricing", () => {
  it("prices a month as 730 h, and honours count and hours", () => {
    expect(monthlyCost("c5.large")).toBeCloseTo(62.05, 10);
    expect(monthlyCost("t3.large", "on-demand", { count: 3, hours: 100 })).toBeCloseTo(24.96, 10);
  });

  it("discounts spot by a typical per-family figure within the seed's 'up to 90 %'", () => {
    expect(hourlyPrice("g4dn.xlarge", "spot")).toBeCloseTo(0.526 * 0.4, 12);
    for (const spot of Object.values(SPOT_BY_FAMILY)) {
      expect(spot.typicalDiscount).toBeLessThanOrEqual(SPOT_MAX_SAVINGS);
    }
    expect(hourlyPrice("t3.large", "spot", { spotDiscount: 0.9 })).toBeCloseTo(0.00832, 12);
  });

  it("lets a caller override RI savings, and refuses nonsense fractions", () => {
    expect(hourlyPrice("t3.large", "ri-1y", { riSavings: 0.375 })).toBeCloseTo(0.052, 12);
    expect(sizingErrorOf(() => hourlyPrice("t3.large", "ri-1y", { riSavings: 1.5 })).code).toBe(
      "BAD_NUMBER",
    );
  });

  it("charges T3 unlimited surplus at $0.05 per vCPU-hour above the baseline only", () => {
    expect(t3SurplusHourly("t3.large", 30)).toBe(0);
    expect(t3SurplusHourly("t3.large", 20)).toBe(0);
    // 100 % on a t3.large: 70 points over a 30 % baseline on 2 vCPUs = 1.4 vCPU-h per hour.
    expect(t3SurplusHourly("t3.large", 100)).toBeCloseTo(0.07, 12);
    expect(t3SurplusHourly("c5.large", 100)).toBe(0);
    expect(sizingErrorOf(() => t3SurplusHourly("t3.large", 120)).message).toBe(
      "average CPU must be a percentage 0-100; got 120",
    );
    const quote = costOf("t3.large", "on-demand", { averageCpuPercent: 100 });
    expect(quote.monthlyUSD).toBeCloseTo((0.0832 + 0.07) * 730, 10);
    expect(quote.surplusUSD).toBeCloseTo(0.07 * 730, 10);
  });

  it("says when sustained load makes a t3.large dearer than a fixed-performance type", () => {
    const t3large = getInstanceType("t3.large");
    const even = breakEvenCpuPercent(t3large)!;
    // c6a.large ($0.0765/h) is cheaper than a t3.large ($0.0832/h) even at the baseline: the
    // break-even is the baseline itself.
    expect(even.versus.type).toBe("c6a.large");
    expect(even.percent).toBe(30);
    expect(burstSurplusWarning(t3large, 30)).toBeNull(); // no surplus at the baseline
    expect(burstSurplusWarning(t3large, 60)).toBe(
      "at 60 % average CPU a t3.large costs $82.64/month per instance ($21.90 of it T3 unlimited surplus above its 30 % baseline), more than a c6a.large (2 vCPU, 4 GiB) at $55.84: for sustained load a fixed-performance type is cheaper",
    );
    // Against c5.large the old break-even holds: 0.0832 + (u - 0.30) x 2 x 0.05 = 0.085 => 31.8 %.
    const t3 = getInstanceType("t3.large");
    const c5 = getInstanceType("c5.large");
    expect(30 + ((c5.hourlyUSD - t3.hourlyUSD) / (2 * 0.05)) * 100).toBeCloseTo(31.8, 10);
  });

  it("charges T4g's surplus at its own rate ($0.04 per vCPU-hour, not T3's $0.05)", () => {
    // (60 % - 20 %) x 2 vCPU x $0.04 = $0.032 an hour
    expect(t3SurplusHourly("t4g.medium", 60)).toBeCloseTo(0.032, 10);
    expect(t3SurplusHourly("t3a.medium", 60)).toBeCloseTo(0.04, 10);
  });

  it("estimates a whole tier: instances, volumes, load balancer, NAT, IPv4, metrics, alarms, dashboard", () => {
    const tier = estimateTierCost({ instanceType: "t3.large", count: 2 });
    expect(tier.lines).toEqual([
      { term: "instances", item: "EC2 2 x t3.large (on-demand)", monthlyUSD: 121.47 },
      { term: "ebs", item: "EBS gp3 2 x 200 GiB", monthlyUSD: 32 },
      { term: "loadBalancer", item: "Application Load Balancer hours", monthlyUSD: 16.43 },
      { term: "loadBalancer", item: "ALB capacity (1 LCU, assumed)", monthlyUSD: 5.84 },
      { term: "nat", item: "NAT gateway hours", monthlyUSD: 32.85 },
      { term: "nat", item: "NAT processing (1 GB)", monthlyUSD: 0.05 },
      // Two for the ALB (one per AZ), one for the NAT gateway's Elastic IP.
      { term: "ipv4", item: "Public IPv4 addresses (3)", monthlyUSD: 10.95 },
      // Two agent metrics per instance plus the group's aggregates.
      { term: "metrics", item: "CloudWatch agent metrics (6)", monthlyUSD: 1.8 },
      {
        term: "metrics",
        item: "CloudWatch PutMetricData (agent, once a minute per instance)",
        monthlyUSD: 0.88,
      },
      // The rule table's alarms on a tier behind a load balancer (the group's and the ALB's).
      { term: "alarms", item: "CloudWatch alarms (7)", monthlyUSD: 0.7 },
      { term: "dashboard", item: "CloudWatch dashboard", monthlyUSD: 3 },
    ]);
    expect(tier.monthlyUSD).toBe(225.96);
    const bare = estimateTierCost({
      instanceType: "t3.large",
      count: 1,
      loadBalancer: false,
      natGateway: false,
      alarms: 0,
      dashboard: false,
      agent: false,
    });
    expect(bare.monthlyUSD).toBe(76.74); // the seed's "$60/month" plus its 200 GB volume
  });

  it("refuses bad counts and hours", () => {
    expect(sizingErrorOf(() => costOf("t3.large", "on-demand", { count: 0 })).message).toMatch(
      /count must be a whole number >= 1/,
    );
    expect(sizingErrorOf(() => costOf("t3.large", "on-demand", { count: 1.5 })).code).toBe(
      "BAD_NUMBER",
    );
    expect(sizingErrorOf(() => costOf("t3.large", "on-demand", { hours: -1 })).code).toBe(
      "BAD_NUMBER",
    );
    expect(
      sizingErrorOf(() => estimateTierCost({ instanceType: "t3.large", count: 1, volumeGiB: -5 }))
        .code,
    ).toBe("BAD_NUMBER");
  });

  it("prices ri-1y/ri-3y from the book's standard no-upfront rate where it has one, and says so", () => {
    // m5.large: $0.060/h (1yr) and $0.041/h (3yr) against $0.096/h on-demand.
    const one = costOf("m5.large", "ri-1y");
    expect(one.hourlyUSD).toBeCloseTo(0.06, 12);
    expect(one.savingsPercent).toBeCloseTo(37.5, 10);
    expect(one.basis).toBe("price book: 1yr standard no-upfront reserved rate");
    expect(costOf("m5.large", "ri-3y").hourlyUSD).toBeCloseTo(0.041, 12);
    // t3.large has no reserved rate in the book: the seed's flat 40 %, labelled an estimate.
    const t3 = costOf("t3.large", "ri-1y");
    expect(t3.savingsPercent).toBeCloseTo(40, 10);
    expect(t3.basis).toMatch(/^estimate: a flat 40 % off/);
    expect(costOf("c6a.large", "spot").basis).toMatch(/^estimate: .*c6a carries c6i's figures$/);
  });
});
