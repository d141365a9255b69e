import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { costOf, HOURS_PER_MONTH, previewCost, priceBook } from "../src/index.js";
import { parsePreviewDigest } from "../src/preview/digest.js";
import { runSizingCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-preview-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const book = priceBook("us-east-1");
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";
const gp3 = (gib: number) => [
  { deviceName: "/dev/xvda", ebs: { volumeSize: gib, volumeType: "gp3" } },
];

type State = { type: string; id?: string; inputs: Record<string, unknown> };
function step(op: string, name: string, oldState?: State, newState?: State) {
  const type = (newState ?? oldState)!.type;
  return {
    op,
    urn: urn(type, name),
    ...(oldState ? { oldState } : {}),
    ...(newState ? { newState } : {}),
  };
}
const lt = (instanceType: string, gib = 200): State => ({
  type: LT,
  id: "lt-0abc",
  inputs: { instanceType, blockDeviceMappings: gp3(gib) },
});
const asg = (desired: number): State => ({
  type: ASG,
  inputs: { desiredCapacity: desired, launchTemplate: { id: "lt-0abc", version: "$Latest" } },
});
const doc = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ steps, ...extra });

const cli = (...argv: string[]) => runSizingCli(argv, dir);
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

describe("preview-cost: the document `pulumi preview --json` prints", () => {
  it("prices a group with its launch template's type, count and gp3 volume", () => {
    const cost = previewCost(
      doc([
        step("create", "lt", undefined, lt("c6i.large", 100)),
        step("create", "asg", undefined, asg(3)),
      ]),
    );
    const group = cost.resources.find((r) => r.type === ASG)!;
    const expected =
      costOf("c6i.large", "on-demand", { count: 3 }).monthlyUSD + 3 * 100 * book.gp3PerGBMonthUSD;
    expect(group.monthlyUSD).toBeCloseTo(expected, 2);
    expect(group.detail).toContain("3 x c6i.large");
    expect(cost.resources.find((r) => r.type === LT)!.monthlyUSD).toBe(0);
    expect(cost.monthlyDeltaUSD).toBe(cost.monthlyUSD);
    expect(cost.pricesAsOf).toBe(book.asOf);
  });

  it("an update prices the difference; same counts in the total, not in the delta", () => {
    const cost = previewCost(
      doc([
        step("update", "lt", lt("t3.large"), lt("t3.xlarge")),
        step("same", "asg", asg(2), asg(2)),
      ]),
    );
    const delta = 2 * (costOf("t3.xlarge").monthlyUSD - costOf("t3.large").monthlyUSD);
    expect(cost.monthlyDeltaUSD).toBeCloseTo(delta, 2);
    expect(cost.monthlyUSD).toBeGreaterThan(cost.monthlyDeltaUSD);
  });

  it("a delete subtracts and a replace counts both sides", () => {
    const eip = { type: "aws:ec2/eip:Eip", inputs: { domain: "vpc" } };
    const ipv4 = book.publicIpv4HourlyUSD * HOURS_PER_MONTH;
    const deleted = previewCost(doc([step("delete", "ip", eip)]));
    expect(deleted.monthlyUSD).toBe(0);
    expect(deleted.monthlyDeltaUSD).toBeCloseTo(-ipv4, 2);
    const vol = (size: number) => ({
      type: "aws:ebs/volume:Volume",
      inputs: { size, type: "gp3" },
    });
    const replaced = previewCost(
      doc([
        step("create-replacement", "v", vol(100), vol(300)),
        step("replace", "v", vol(100), vol(300)),
        step("delete-replaced", "v", vol(100)),
      ]),
    );
    expect(replaced.resources).toHaveLength(1);
    expect(replaced.resources[0]!.op).toBe("replace");
    expect(replaced.monthlyUSD).toBeCloseTo(300 * book.gp3PerGBMonthUSD, 2);
    expect(replaced.monthlyDeltaUSD).toBeCloseTo(200 * book.gp3PerGBMonthUSD, 2);
  });

  it("a secret or unknown value, or an unknown type, is unpriced, never guessed", () => {
    const cost = previewCost(
      doc([
        step("create", "secret", undefined, {
          type: "aws:ec2/instance:Instance",
          inputs: { instanceType: "[secret]" },
        }),
        step("create", "db", undefined, {
          type: "aws:rds/instance:Instance",
          inputs: { instanceClass: "db.t3.micro" },
        }),
        step("create", "io", undefined, {
          type: "aws:ebs/volume:Volume",
          inputs: { size: 10, type: "io2" },
        }),
      ]),
    );
    expect(cost.resources).toEqual([]);
    expect(cost.unpriced.map((u) => u.reason)).toEqual([
      "instance type is a secret ([secret])",
      "aws:rds/instance:Instance is not a type this pricer knows",
      "volume type io2 is not in the price book (gp3 is)",
    ]);
    expect(cost.monthlyUSD).toBe(0);
  });

  it("prices spot groups (mixed instances), ALB, NAT, alarms, dashboards; budgets and queues are free", () => {
    const cost = previewCost(
      doc([
        step("create", "lt", undefined, lt("c5.large", 50)),
        step("create", "asg", undefined, {
          type: ASG,
          inputs: {
            desiredCapacity: 2,
            mixedInstancesPolicy: {
              instancesDistribution: {
                onDemandBaseCapacity: 0,
                onDemandPercentageAboveBaseCapacity: 0,
              },
              launchTemplate: { launchTemplateSpecification: { launchTemplateId: "lt-0abc" } },
            },
          },
        }),
        step("create", "alb", undefined, {
          type: "aws:lb/loadBalancer:LoadBalancer",
          inputs: { loadBalancerType: "application" },
        }),
        step("create", "nat", undefined, { type: "aws:ec2/natGateway:NatGateway", inputs: {} }),
        step("create", "a", undefined, {
          type: "aws:cloudwatch/metricAlarm:MetricAlarm",
          inputs: { metricName: "CPUUtilization" },
        }),
        step("create", "d", undefined, { type: "aws:cloudwatch/dashboard:Dashboard", inputs: {} }),
        step("create", "b", undefined, { type: "aws:budgets/budget:Budget", inputs: {} }),
        step("create", "q", undefined, { type: "aws:sqs/queue:Queue", inputs: {} }),
      ]),
    );
    expect(cost.unpriced).toEqual([]);
    const by = (type: string) => cost.resources.find((r) => r.type === type)!.monthlyUSD;
    expect(by(ASG)).toBeCloseTo(
      costOf("c5.large", "spot", { count: 2 }).monthlyUSD + 100 * book.gp3PerGBMonthUSD,
      2,
    );
    expect(by("aws:cloudwatch/metricAlarm:MetricAlarm")).toBe(book.alarmMonthlyUSD);
    expect(by("aws:cloudwatch/dashboard:Dashboard")).toBe(book.dashboardMonthlyUSD);
    expect(by("aws:budgets/budget:Budget")).toBe(0);
    expect(by("aws:sqs/queue:Queue")).toBe(0);
    expect(by("aws:ec2/natGateway:NatGateway")).toBeGreaterThan(
      book.natHourlyUSD * HOURS_PER_MONTH,
    );
  });
});

describe("preview-cost: load balancers and scaling policies", () => {
  it("an NLB is priced at the NLB's hourly and NLCU rates, an ALB at the ALB's", () => {
    const LB = "aws:lb/loadBalancer:LoadBalancer";
    const cost = previewCost(
      doc([
        step("create", "alb", undefined, { type: LB, inputs: { loadBalancerType: "application" } }),
        step("create", "nlb", undefined, { type: LB, inputs: { loadBalancerType: "network" } }),
      ]),
    );
    const [alb, nlb] = cost.resources;
    // One capacity unit assumed, two public IPv4 addresses (two AZs at least).
    const ipv4 = 2 * book.publicIpv4HourlyUSD;
    expect(alb!.monthlyUSD).toBeCloseTo(
      (book.albHourlyUSD + book.albLcuHourlyUSD + ipv4) * HOURS_PER_MONTH,
      2,
    );
    expect(nlb!.monthlyUSD).toBeCloseTo(
      (book.nlbHourlyUSD + book.nlbLcuHourlyUSD + ipv4) * HOURS_PER_MONTH,
      2,
    );
    expect(book.nlbLcuHourlyUSD).toBe(0.006);
    expect(nlb!.detail).toMatch(/NLCU/);
  });

  it("a target tracking policy costs its two AWS-managed alarms; a step policy is free", () => {
    const POLICY = "aws:autoscaling/policy:Policy";
    const cost = previewCost(
      doc([
        step("create", "tt", undefined, {
          type: POLICY,
          inputs: { policyType: "TargetTrackingScaling" },
        }),
        step("create", "step", undefined, { type: POLICY, inputs: { policyType: "StepScaling" } }),
      ]),
    );
    const [tracking, stepPolicy] = cost.resources;
    expect(tracking!.monthlyUSD).toBe(2 * book.alarmMonthlyUSD);
    expect(tracking!.detail).toMatch(/2 AWS-managed alarms/);
    expect(stepPolicy!.monthlyUSD).toBe(0);
    expect(cost.unpriced).toEqual([]);
  });
});

describe("preview-cost CLI", () => {
  const plan = file(
    "plan.json",
    doc([
      step("create", "lt", undefined, lt("t3.large")),
      step("create", "asg", undefined, asg(2)),
    ]),
  );

  it("prints the contract's JSON and a table", async () => {
    const r = await cli("preview-cost", plan, "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining([
        "monthlyUSD",
        "monthlyDeltaUSD",
        "resources",
        "unpriced",
        "pricesAsOf",
      ]),
    );
    expect(out.resources[0]).toEqual(
      expect.objectContaining({ urn: expect.any(String), type: LT, op: "create" }),
    );
    const table = await cli("preview-cost", plan);
    expect(table.stdout).toContain("2 x t3.large");
  });

  it("--budget exits 1 when the delta exceeds it, 0 when it does not", async () => {
    const over = await cli("preview-cost", plan, "--budget", "10");
    expect(over.code).toBe(1);
    expect(over.stdout).toContain("exceeds the budget of $10.00");
    expect((await cli("preview-cost", plan, "--budget", "100000")).code).toBe(0);
    expect((await cli("preview-cost", plan, "--budget", "-1")).code).toBe(2);
  });

  const bad: [string, string, RegExp][] = [
    ["a preview with no steps", doc([]), /the preview has no steps.*accepted:/],
    ["not JSON", '{ "steps": [', /the preview is not JSON; accepted:/],
    [
      "not a digest",
      JSON.stringify({ steps: [{ op: "launch", urn: "x" }] }),
      /not a Pulumi preview digest.*accepted:/,
    ],
    [
      "a failed run",
      doc([step("create", "lt", undefined, lt("t3.large"))], {
        diagnostics: [
          {
            message: "error: creating EC2 Launch Template: UnauthorizedOperation\n",
            severity: "error",
          },
        ],
      }),
      /the preview failed \(1 error diagnostic: error: creating EC2 Launch Template: UnauthorizedOperation\).*accepted:/,
    ],
    [
      "an unknown region",
      doc([step("create", "lt", undefined, lt("t3.large"))], {
        config: { "aws:region": "mars-north-1" },
      }),
      /no prices for region "mars-north-1"; accepted:/,
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`${what}: one line naming what is accepted, exit 2`, async () => {
      const r = await cli("preview-cost", file("bad.json", text));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // Bad input in the document itself is BAD_PREVIEW; a region without prices is UNKNOWN_REGION.
      if (!what.includes("region"))
        expect(() => parsePreviewDigest(text)).toThrow(
          expect.objectContaining({ code: "BAD_PREVIEW" }),
        );
    });
  }
});
