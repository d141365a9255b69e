import { describe, expect, it } from "vitest";
import {
  alarmRule,
  getInstanceType,
  recommendForWorkload,
  scalingForTier,
  workerSlots,
} from "../src/index.js";
import { runSizingCli } from "./helpers.js";

/**
 * `flakeops-sizing alarms --instance-type T`: which signal that tier scales on. A memory-bound
 * tier, or one with fewer workers than vCPUs, gets the work-tracking rule in place of the CPU
 * step-scaling rows (issue 11: "3 workers on 8 vCPUs show about 30 % CPU at peak, so the
 * scale-in alarm fires all day").
 */

async function json(...argv: string[]) {
  const { code, stdout, stderr } = await runSizingCli(["alarms", ...argv, "--json"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

describe("alarms --instance-type: the tier's scaling signal", () => {
  it("a memory-bound tier: 8 GiB workers on m5.2xlarge scale on requests per target", async () => {
    const doc = await json("--instance-type", "m5.2xlarge", "--model-memory-gib", "8");
    // 32 GiB x 85 % less the system's reserve holds 3 workers of 8 GiB on 4 cores (8 vCPUs).
    const slots = workerSlots(getInstanceType("m5.2xlarge"), 8);
    expect(slots.workers).toBe(3);
    expect(doc.tier).toMatchObject({
      instanceType: "m5.2xlarge",
      vcpu: 8,
      workersPerInstance: 3,
      memoryBound: true,
    });
    expect(doc.scalingRule).toMatchObject({
      id: "requests-per-target",
      predefinedMetricType: "ALBRequestCountPerTarget",
      replaces: ["cpu-high", "cpu-low"],
    });
    // Each instance held at the scale-out utilization: workers x 60 s / service time x 80 %.
    const expected = Math.floor(
      (3 * 60_000 * (alarmRule("cpu-high").threshold / 100)) / doc.tier.workerServiceMs,
    );
    expect(Math.abs(doc.scalingRule.targetValue - expected)).toBeLessThanOrEqual(1);
    expect(doc.scalingRule.reason).toMatch(/^memory-bound: 3 workers fit in memory on 8 vCPUs/);
    const replaced = doc.rules.filter((r: { replacedBy?: string }) => r.replacedBy);
    expect(replaced.map((r: { id: string }) => r.id)).toEqual(["cpu-high", "cpu-low"]);
  });

  it("says so in the table: replaced rows, the target-tracking row and the reason", async () => {
    const { code, stdout } = await runSizingCli([
      "alarms",
      "--instance-type",
      "m5.2xlarge",
      "--model-memory-gib",
      "8",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/cpu-high .*replaced by requests-per-target/);
    expect(stdout).toMatch(/cpu-low .*replaced by requests-per-target/);
    expect(stdout).toMatch(
      /requests-per-target .*RequestCountPerTarget \(target tracking\).*= \d+ requests\/target\/min/,
    );
    expect(stdout).toMatch(
      /scaling: m5\.2xlarge scales on ALBRequestCountPerTarget \(target \d+\/min\) instead of cpu-high and cpu-low: memory-bound/,
    );
    // Units per metric, not "%" everywhere.
    expect(stdout).toMatch(/healthy-hosts-low .*< 1 hosts/);
    expect(stdout).toMatch(/latency-high .*> 2 s/);
  });

  it("a Graviton tier with a worker per vCPU keeps CPU step scaling", async () => {
    const doc = await json("--instance-type", "c7g.xlarge");
    expect(doc.tier).toMatchObject({ vcpu: 4, workersPerInstance: 4, memoryBound: false });
    expect(doc.scalingRule).toBeNull();
    expect(doc.rules.some((r: { replacedBy?: string }) => r.replacedBy)).toBe(false);
    const { stdout } = await runSizingCli(["alarms", "--instance-type", "c7g.xlarge"]);
    expect(stdout).toMatch(/scaling: c7g\.xlarge scales on CPU: 4 workers on 4 vCPUs/);
    expect(stdout).not.toMatch(/replaced by/);
  });

  it("an x86 tier runs a worker per core: half its vCPUs, so it tracks requests", () => {
    const tier = scalingForTier({ instanceType: "c6i.xlarge" });
    expect(tier).toMatchObject({ vcpu: 4, workersPerInstance: 2, memoryBound: false });
    expect(tier.scalingRule?.reason).toBe(
      "2 workers on 4 vCPUs: CPU cannot reach the 80 % scale-out threshold at full load",
    );
  });

  it("agrees with the rule recommendForWorkload gives the same tier", () => {
    const rec = recommendForWorkload({ imagesPerHour: 20000, modelMemoryGiB: 8, serviceMs: 40 });
    const tier = scalingForTier({
      instanceType: rec.instanceType,
      modelMemoryGiB: 8,
      serviceMs: 40,
    });
    expect(tier.scalingRule).toEqual(rec.scalingRule);
  });

  it("without --instance-type lists the table as before, nothing replaced", async () => {
    const doc = await json();
    expect(doc.scalingRule).toBeUndefined();
    expect(doc.rules.some((r: { replacedBy?: string }) => r.replacedBy)).toBe(false);
  });

  it.each([
    [["--instance-type", "t3.huge"], /unknown instance type|t3\.huge/],
    [
      ["--instance-type", "t3.large", "--model-memory-gib", "80"],
      /does not fit one worker on t3\.large.*accepted: /,
    ],
    [["--instance-type", "t3.large", "--service-ms", "0"], /service-ms/],
    [["--instance-type", "g4dn.xlarge"], /runs on the CPU only.*accepted: /],
  ])("bad input %j exits 2 with one line", async (argv, message) => {
    const { code, stdout, stderr } = await runSizingCli(["alarms", ...argv]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
