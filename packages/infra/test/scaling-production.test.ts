import {
  alarmRulesFor,
  estimateAutoscaledTierCost,
  estimateTierCost,
  recommendForWorkload,
  workTrackingRuleFor,
} from "@flakeops/sizing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BatchWorkers,
  ConfigError,
  InferenceService,
  type InferenceServiceArgs,
  ProductionCapacityError,
  parseStackConfig,
  resolveTier,
} from "../src/index.js";
import { expectRuleAlarms, T, userDataOf } from "./assertions.js";
import { fakeArtifact, installMocks, type MockCloud, run, setStackConfig } from "./harness.js";

/**
 * Issue 11, infra's half: the tier scales on the sizing answer's work-tracking rule instead of
 * CPU, production keeps two instances in two zones, and an autoscaled day is priced as the
 * sizing engine prices it.
 */

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

function deploy(args: Partial<InferenceServiceArgs> = {}): Promise<InferenceService> {
  return run(
    cloud,
    () =>
      new InferenceService("api", {
        instanceType: "t3.xlarge",
        artifact: { path: tarball },
        ...args,
      }),
  );
}

async function failure(args: Partial<InferenceServiceArgs>): Promise<Error> {
  const error = await deploy(args).then(
    () => undefined,
    (e: Error) => e,
  );
  if (!error) throw new Error(`expected ${JSON.stringify(args)} to fail the preview`);
  expect(error.message).not.toContain("\n");
  return error;
}

/** A memory-bound tier: an 8 GiB model, one worker on a 4-vCPU t3.xlarge. */
const MEMORY_BOUND = workTrackingRuleFor({
  vcpu: 4,
  workersPerInstance: 1,
  serviceMs: 25,
  memoryBound: true,
})!;

describe("scaling on the bottleneck (the sizing answer's work-tracking rule)", () => {
  it("replaces the CPU step scaling with target tracking on ALB requests per target", async () => {
    const svc = await deploy({ scalingRule: MEMORY_BOUND, count: 2 });
    expectRuleAlarms(cloud, "api", MEMORY_BOUND);
    const ids = cloud.ofType(T.alarm).map((a) => a.name.replace(/^api-/, ""));
    expect(ids).not.toContain("cpu-high");
    expect(ids).not.toContain("cpu-low");
    expect(ids).toContain("memory-high");
    // The rule's target, as sizing gave it (80 % of one instance's requests a minute).
    const policy = cloud
      .ofType(T.policy)
      .find((p) => p.inputs.policyType === "TargetTrackingScaling")!;
    expect(policy.inputs.targetTrackingConfiguration.targetValue).toBe(MEMORY_BOUND.targetValue);
    expect(MEMORY_BOUND.targetValue).toBe(Math.floor((60_000 / 25) * 0.8));
    expect(policy.inputs.estimatedInstanceWarmup).toBe(300);
    // Its two managed alarms are billed like the ones it replaces: the estimate is unchanged.
    const rules = alarmRulesFor({ loadBalancer: true, queue: false });
    expect(cloud.ofType(T.alarm)).toHaveLength(rules.length - 2);
    expect(svc.estimatedMonthlyCostUSD).toBe(
      estimateTierCost({ instanceType: "t3.xlarge", count: 2 }).monthlyUSD,
    );
    expect(svc.cost.lines).toContainEqual(
      expect.objectContaining({ item: `CloudWatch alarms (${rules.length})` }),
    );
  });

  it("keeps CPU step scaling without a rule", async () => {
    await deploy();
    expectRuleAlarms(cloud);
  });

  it("deploys the rule resolveTier takes from the sizing answer for a workload", async () => {
    const rec = recommendForWorkload({ imagesPerHour: 20000, modelMemoryGiB: 8 });
    expect(rec.scalingRule?.reason).toMatch(/memory-bound/);
    const tier = resolveTier(parseStackConfig({ imagesPerHour: "20000" }));
    const sized = recommendForWorkload({ imagesPerHour: 20000 });
    // The same object sizing answered: infra carries it, it does not recompute it.
    expect(tier.scalingRule).toEqual(sized.scalingRule ?? undefined);
  });

  it.each([
    [{ ...MEMORY_BOUND, targetValue: 0 }, /scalingRule\.targetValue must be a positive number/],
    [{ ...MEMORY_BOUND, targetValue: Number.NaN }, /scalingRule\.targetValue must be a positive/],
  ])("refuses a target AWS would refuse (%j)", async (scalingRule, message) => {
    const error = await failure({ scalingRule });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(cloud.ofType(T.policy)).toEqual([]);
  });

  it("refuses the rule on a queue-fed tier, which has no load balancer to track", async () => {
    const error = await run(
      cloud,
      () =>
        new BatchWorkers("batch", {
          instanceType: "c5.large",
          artifact: { path: tarball },
          scalingRule: MEMORY_BOUND,
        }),
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/this tier has no load balancer; accepted: no scalingRule/);
    expect(cloud.resources).toEqual([]);
  });
});

describe("detector workers per instance (the sizing answer's, not one per vCPU)", () => {
  it("runs the sized number of workers on each instance (the API's FLAKEOPS_WORKERS)", async () => {
    await deploy({ workersPerInstance: 1 });
    expect(userDataOf(cloud)).toMatch(/^Environment="?FLAKEOPS_WORKERS=1"?$/m);
    await deploy();
    expect(userDataOf(cloud)).not.toContain("FLAKEOPS_WORKERS");
  });

  it("resolveTier carries the workload answer's workersPerInstance", () => {
    const tier = resolveTier(parseStackConfig({ imagesPerHour: "20000" }));
    const sized = recommendForWorkload({ imagesPerHour: 20000 });
    expect(tier.workersPerInstance).toBe(sized.workersPerInstance);
  });

  it.each([0, 1.5, 5])("refuses %s workers on a 4-vCPU t3.xlarge", async (workersPerInstance) => {
    const error = await failure({ workersPerInstance });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/workersPerInstance must be a whole number 1-4/);
  });
});

describe("production", () => {
  it("runs two instances over the new VPC's two zones", async () => {
    await deploy({ production: true, count: 2 });
    const group = cloud.one(T.group).inputs;
    expect(group.minSize).toBe(2);
    expect(group.desiredCapacity).toBe(2);
    expect(group.vpcZoneIdentifiers).toEqual(["subnet-priv-a", "subnet-priv-b"]);
  });

  it.each([
    [
      { production: true },
      /production needs at least 2 instances in 2 availability zones; got minSize 1 \(count 1\)/,
    ],
    [{ production: true, count: 3, minSize: 1 }, /got minSize 1 \(count 3\)/],
    [
      {
        production: true,
        count: 2,
        network: {
          vpcId: "vpc-1",
          publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
          privateSubnetIds: ["subnet-priv-a"],
        },
      },
      /production needs instances in 2 availability zones; the network gives the group 1 subnet/,
    ],
  ])("refuses %j with a typed error, before registering anything", async (args, message) => {
    const error = await failure(args as Partial<InferenceServiceArgs>);
    expect(error).toBeInstanceOf(ProductionCapacityError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/accepted: /);
    expect(cloud.resources).toEqual([]);
  });

  it("is the production use case's default, and a stack key", () => {
    expect(resolveTier(parseStackConfig({})).production).toBe(true);
    const tier = resolveTier(parseStackConfig({ imagesPerHour: "1000", production: "true" }));
    expect(tier).toMatchObject({ production: true, minSize: 2, count: 2 });
    expect(resolveTier(parseStackConfig({ instanceType: "c5.large" })).production).toBe(false);
  });
});

describe("peak hours: the autoscaled day", () => {
  it("prices count at peak and minSize off-peak, as sizing does", async () => {
    const svc = await deploy({ count: 4, minSize: 2, peakHoursPerDay: 6 });
    const expected = estimateAutoscaledTierCost(
      { instanceType: "t3.xlarge", count: 4 },
      { baseCount: 2, peakHoursPerDay: 6 },
    );
    expect(svc.estimatedMonthlyCostUSD).toBe(expected.monthlyUSD);
    const whole = (n: number) =>
      estimateTierCost({ instanceType: "t3.xlarge", count: n }).monthlyUSD;
    expect(svc.estimatedMonthlyCostUSD).toBeCloseTo(whole(4) * 0.25 + whole(2) * 0.75, 1);
    expect(svc.estimatedMonthlyCostUSD).toBeLessThan(whole(4));
  });

  it("agrees with the sizing answer's whole bill within 1 % when the stack sizes a workload", async () => {
    const config = { imagesPerHour: "200000", peakFactor: "3", peakHoursPerDay: "6" };
    const rec = recommendForWorkload({ imagesPerHour: 200000, peakFactor: 3, peakHoursPerDay: 6 });
    expect(rec.baseCount).toBeLessThan(rec.count);
    const program = (await import(`../../../examples/${"cpu-production"}/index.ts`))
      .default as () => Promise<Record<string, unknown>>;
    setStackConfig({ artifact: tarball, ...config });
    const outputs = await run(cloud, () => program());
    const group = cloud.one(T.group).inputs;
    expect(group).toMatchObject({ desiredCapacity: rec.count, minSize: rec.baseCount });
    const estimate = outputs.estimatedMonthlyCostUSD as number;
    expect(Math.abs(estimate - rec.monthlyUSD) / rec.monthlyUSD).toBeLessThan(0.01);
  }, 60_000);

  it.each([[0], [25], [Number.NaN]])("refuses peakHoursPerDay %s", async (peakHoursPerDay) => {
    const error = await failure({ count: 2, minSize: 1, peakHoursPerDay });
    expect(error.message).toMatch(/peakHoursPerDay must be in \(0, 24\]/);
  });
});
