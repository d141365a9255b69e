import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  alarmRulesFor,
  estimateTierCost,
  type PricingModel,
  recommendForUseCase,
  recommendForWorkload,
  type WorkTrackingRule,
} from "@flakeops/sizing";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/index.js";
import {
  expectHardenedLaunchTemplate,
  expectHealthChecks,
  expectInstanceRefresh,
  expectOnlyAlbIsPublic,
  expectRuleAlarms,
  expectSpot,
  T,
  userDataOf,
} from "./assertions.js";
import {
  fakeArtifact,
  installMocks,
  type MockCloud,
  resolved,
  run,
  setStackConfig,
} from "./harness.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

/**
 * Each example program (examples/<name>/index.ts, what `pulumi up` runs) executed under the
 * mocks with a stack config, exactly as the Pulumi CLI would run it: the default export is
 * the program and its result is the stack's outputs.
 */

/** The rule table's alarms on a tier behind a load balancer. */
const API_ALARMS = alarmRulesFor({ loadBalancer: true, queue: false }).length;

type Program = () => Promise<Record<string, unknown>>;
const EXAMPLES = ["cpu-production", "gpu", "batch-spot", "batch-queue"] as const;
const programs = {} as Record<(typeof EXAMPLES)[number], Program>;

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
  for (const name of EXAMPLES) {
    programs[name] = (await import(`../../../examples/${name}/index.ts`)).default as Program;
  }
});

async function runExample(name: (typeof EXAMPLES)[number], config: Record<string, string> = {}) {
  setStackConfig({ artifact: tarball, ...config });
  const outputs = await run(cloud, () => programs[name]());
  return outputs;
}

/** Everything every deployed tier must satisfy. */
function expectDeployedTier(opts: {
  instanceType: string;
  count: number;
  volumeGiB?: number;
  spot: boolean;
  /** The sizing answer's work-tracking rule, where the tier was sized from a workload. */
  scalingRule?: WorkTrackingRule | null;
}): void {
  const lt = cloud.one(T.launchTemplate).inputs;
  expect(lt.instanceType).toBe(opts.instanceType);
  expect(cloud.one(T.group).inputs.desiredCapacity).toBe(opts.count);
  // An API tier never scales to zero (no CPU series would remain to scale it back out).
  expect(cloud.one(T.group).inputs.minSize).toBeGreaterThanOrEqual(1);
  expectHardenedLaunchTemplate(cloud, opts.volumeGiB ?? 200);
  expectRuleAlarms(cloud, "api", opts.scalingRule ?? null);
  expectOnlyAlbIsPublic(cloud);
  expectHealthChecks(cloud);
  expectInstanceRefresh(cloud);
  expectSpot(cloud, opts.spot);
  if (SHELLCHECK) expect(shellcheck(userDataOf(cloud))).toBe("");
}

function estimate(
  instanceType: string,
  count: number,
  pricing: PricingModel,
  volumeGiB = 200,
  workload: { imagesPerHour?: number; averageCpuPercent?: number; bytesPerImage?: number } = {},
): number {
  return estimateTierCost({ instanceType, count, pricing, volumeGiB, ...workload }).monthlyUSD;
}

describe("examples/cpu-production", () => {
  it("deploys the seed's t3.large with its alarms, and reports the sizing engine's estimate", async () => {
    const outputs = await runExample("cpu-production");
    expectDeployedTier({ instanceType: "t3.large", count: 1, spot: false });
    expect(outputs).toMatchObject({
      instanceType: "t3.large",
      instanceCount: 1,
      spot: false,
      estimatedMonthlyCostUSD: estimate("t3.large", 1, "on-demand"),
    });
    expect(await resolved(outputs.url as string)).toMatch(
      /^http:\/\/api-alb-.*elb\.amazonaws\.com$/,
    );
    const url = await resolved(outputs.url as string);
    expect(await resolved(outputs.healthUrl as string)).toBe(`${url}/health`);
    expect(await resolved(outputs.detectUrl as string)).toBe(`${url}/detect`);
    expect(await resolved(outputs.alarmNames as string[])).toHaveLength(API_ALARMS);
    // Itemized: what AWS bills for what the stack creates; the budget sits above it.
    const items = (outputs.costBreakdown as { item: string }[]).map((l) => l.item);
    expect(items).toEqual(
      expect.arrayContaining(["NAT gateway hours", "Public IPv4 addresses (3)"]),
    );
    // The 1- and 3-year commitments (spot, where the estimate lists it, is not one).
    const options = outputs.savingsOptions as { option: string }[];
    expect(options.filter((o) => /^[13]-year reserved/.test(o.option))).toHaveLength(2);
    expect(Number(cloud.one(T.budget).inputs.limitAmount)).toBeGreaterThan(
      outputs.estimatedMonthlyCostUSD as number,
    );
    // No certificate: the stack says the endpoint is plain HTTP.
    expect(outputs.protocol).toBe("http");
  });

  it("lets the sizing engine pick type and count from imagesPerHour and p95LatencyMs", async () => {
    const rec = recommendForWorkload({ imagesPerHour: 30000, p95LatencyMs: 1500 });
    const outputs = await runExample("cpu-production", {
      imagesPerHour: "30000",
      p95LatencyMs: "1500",
    });
    expectDeployedTier({
      instanceType: rec.instanceType,
      count: rec.count,
      spot: false,
      scalingRule: rec.scalingRule,
    });
    expect(outputs.instanceType).toBe(rec.instanceType);
    // Priced at the sized workload: its ALB capacity units (at the sizing answer's bytes per
    // image) and average CPU (what CPUUtilization shows, as sizing priced the T3 surplus).
    expect(outputs.estimatedMonthlyCostUSD).toBe(
      estimate(rec.instanceType, rec.count, rec.pricing, 200, {
        imagesPerHour: 30000,
        averageCpuPercent: rec.averageCpuPercent,
        bytesPerImage: rec.assumptions.bytesPerImage,
      }),
    );
    // And it is the sizing answer's own whole bill (within rounding): one cost model.
    expect(
      Math.abs((outputs.estimatedMonthlyCostUSD as number) - rec.monthlyUSD) / rec.monthlyUSD,
    ).toBeLessThan(0.01);
  });

  it("follows a use case set on the stack, and the configured volume, bounds and e-mail", async () => {
    const rec = recommendForUseCase("high-throughput");
    await runExample("cpu-production", {
      useCase: "high-throughput",
      volumeGiB: "300",
      minSize: "2",
      maxSize: "6",
      alarmEmail: "ops@example.com",
    });
    expectDeployedTier({ instanceType: rec.instanceType, count: 2, volumeGiB: 300, spot: false });
    expect(cloud.one(T.group).inputs).toMatchObject({ minSize: 2, maxSize: 6 });
    expect(cloud.one(T.subscription).inputs.endpoint).toBe("ops@example.com");
  });

  it("waits for instance refreshes unless the stack turns the gate off", async () => {
    const gate = "command:local:Command";
    await runExample("cpu-production", { refreshTimeoutMinutes: "45" });
    expect(cloud.one(gate).inputs.environment).toMatchObject({ TIMEOUT_SECONDS: String(45 * 60) });
    cloud.resources.length = 0;
    await runExample("cpu-production", { refreshGate: "false" });
    expect(cloud.ofType(gate)).toEqual([]);
  });

  it("migrates t3.micro -> t3.large by updating the launch template; the group only rolls", async () => {
    cloud.launchTemplateVersion = 1;
    await runExample("cpu-production", { instanceType: "t3.micro" });
    const before = { lt: cloud.one(T.launchTemplate).inputs, group: cloud.one(T.group).inputs };
    cloud.launchTemplateVersion = 2;
    await runExample("cpu-production", { instanceType: "t3.large" });
    const after = { lt: cloud.one(T.launchTemplate).inputs, group: cloud.one(T.group).inputs };
    cloud.launchTemplateVersion = 1;
    expect(before.lt.instanceType).toBe("t3.micro");
    expect(after.lt.instanceType).toBe("t3.large");
    expect({ ...after.lt, instanceType: "t3.micro" }).toEqual(before.lt);
    expect({ ...after.group, launchTemplate: before.group.launchTemplate }).toEqual(before.group);
    expect(after.group.launchTemplate).toEqual({
      id: before.group.launchTemplate.id,
      version: "2",
    });
    expect(after.group.instanceRefresh).toMatchObject({ strategy: "Rolling" });
  });

  it("deploys to the configured region through an explicit provider", async () => {
    const outputs = await runExample("cpu-production", {
      region: "eu-west-1",
      // The default provider's settings, which the explicit provider must inherit.
      "aws:profile": "flakeops-prod",
      "aws:defaultTags": JSON.stringify({ tags: { team: "microscopy" } }),
      "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::111122223333:role/deploy" }]),
    });
    const provider = cloud.one("pulumi:providers:aws");
    expect(provider.inputs.region).toBe("eu-west-1");
    expect(provider.inputs.profile).toBe("flakeops-prod");
    expect(JSON.parse(provider.inputs.defaultTags)).toEqual({ tags: { team: "microscopy" } });
    expect(JSON.parse(provider.inputs.assumeRoles)).toEqual([
      { roleArn: "arn:aws:iam::111122223333:role/deploy" },
    ]);
    for (const r of cloud.resources.filter((r) => r.type.startsWith("aws:"))) {
      expect(r.provider, r.name).toMatch(/::pulumi:providers:aws::api-eu-west-1::/);
    }
    const body = JSON.parse(cloud.one(T.dashboard).inputs.dashboardBody);
    for (const w of body.widgets) expect(w.properties.region).toBe("eu-west-1");
    // eu-west-1 is a built-in region: priced with its own book, no stand-in warning.
    expect(outputs.estimatedMonthlyCostUSD).toBe(
      estimateTierCost({ instanceType: "t3.large", count: 1, volumeGiB: 200, region: "eu-west-1" })
        .monthlyUSD,
    );
    expect(outputs.estimatedMonthlyCostUSD).not.toBe(estimate("t3.large", 1, "on-demand"));
    expect(outputs.sizingWarnings).not.toContainEqual(expect.stringMatching(/no price book/));
  });

  it.each([
    [
      { maxSize: "zero" },
      'invalid stack config: maxSize: must be a whole number >= 1 (got "zero")',
    ],
    [{ instanceType: "t3.huge" }, 'instanceType: unknown instance type "t3.huge"'],
    [
      { artifact: "./nowhere/api.tgz" },
      'invalid stack config: artifact: "./nowhere/api.tgz" is neither',
    ],
    [{ spot: "maybe" }, 'spot: must be "true" or "false" (got "maybe")'],
    [
      {
        certificateArn: "arn:aws:acm:eu-west-1:000000000000:certificate/1234abcd",
        "aws:region": "us-east-1",
      },
      "certificateArn: the certificate is in eu-west-1, the stack deploys to us-east-1; accepted: an ACM certificate in us-east-1 (arn:aws:acm:us-east-1:<account>:certificate/<id>)",
    ],
    [
      {
        apiKeysSecretArn: "arn:aws:ssm:eu-west-1:000000000000:parameter/keys",
        region: "us-east-1",
      },
      "apiKeysSecretArn: the secret is in eu-west-1, the stack deploys to us-east-1",
    ],
    [
      { apiKeysSecretArn: "arn:aws:sqs:us-east-1:000000000000:keys" },
      'apiKeysSecretArn "arn:aws:sqs:us-east-1:000000000000:keys" is not a secret ARN; accepted:',
    ],
    [{ instancetype: "c5.large" }, '"instancetype" (did you mean "instanceType"?)'],
    [{ minHealthyPercentage: "150" }, "minHealthyPercentage: must be a whole number 0-100"],
    [{ minSize: "0" }, "api: minSize must be >= 1 for a service behind a load balancer; got 0"],
  ])("fails the preview on %j with one clear line", async (config, message) => {
    setStackConfig({ artifact: tarball, ...config });
    const error = await programs["cpu-production"]().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

/** A GPU tier serves an ONNX model (Mask2Former), synced from S3. */
const GPU_MODELS = { models: "M2F-Graphene", modelsUri: "s3://flakeops-models/prod/" };

describe("examples/gpu", () => {
  it("fails the preview for CPU-only models, with the reason and the wasted $/month", async () => {
    setStackConfig({ artifact: tarball });
    const error = await programs.gpu().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^gpu: g4dn\.xlarge is a GPU type but the API's embedded GMM-Graphene run only on the CPU \(GMM models\): 1 x c\d[a-z]*\.xlarge does the same work for \$\d+\.\d\d\/month less; accepted: /,
    );
    expect((error as Error).message).not.toContain("\n");
  });

  it("deploys a GPU tier for CPU-only models only when forced", async () => {
    await runExample("gpu", { allowCpuOnlyModels: "true" });
    expect(cloud.one(T.launchTemplate).inputs.instanceType).toBe("g4dn.xlarge");
  });

  it("deploys the sizing engine's GPU tier on the Deep Learning Base AMI", async () => {
    const rec = recommendForUseCase("gpu");
    expect(rec.instanceType).toBe("g4dn.xlarge");
    const outputs = await runExample("gpu", GPU_MODELS);
    expectDeployedTier({ instanceType: rec.instanceType, count: rec.count, spot: false });
    expect(cloud.one(T.launchTemplate).inputs.imageId).toBe("ami-dlami-x86_64");
    expect(outputs.estimatedMonthlyCostUSD).toBe(
      estimate(rec.instanceType, rec.count, rec.pricing),
    );
  });

  it("sizes a GPU workload from imagesPerHour", async () => {
    const rec = recommendForWorkload({
      imagesPerHour: 50000,
      gpu: true,
      model: "M2F-Graphene",
      serviceMs: 40,
    });
    await runExample("gpu", { ...GPU_MODELS, imagesPerHour: "50000", serviceMs: "40" });
    expectDeployedTier({
      instanceType: rec.instanceType,
      count: rec.count,
      spot: false,
      scalingRule: rec.scalingRule,
    });
  });
});

describe("examples/batch-spot", () => {
  it("runs the batch tier all-spot, diversified and rebalanced", async () => {
    const rec = recommendForUseCase("batch");
    const outputs = await runExample("batch-spot");
    expectDeployedTier({ instanceType: rec.instanceType, count: rec.count, spot: true });
    const mixed = cloud.one(T.group).inputs.mixedInstancesPolicy;
    expect(
      mixed.launchTemplate.overrides.map((o: { instanceType: string }) => o.instanceType),
    ).toEqual([rec.instanceType, "c6i.large", "c5.xlarge"]);
    expect(mixed.instancesDistribution.onDemandBaseCapacity).toBe(0);
    expect(outputs).toMatchObject({ spot: true, pricing: "spot" });
    expect(outputs.estimatedMonthlyCostUSD).toBe(estimate(rec.instanceType, rec.count, "spot"));
  });

  it("runs on-demand when the stack sets spot false", async () => {
    const rec = recommendForUseCase("batch");
    const outputs = await runExample("batch-spot", { spot: "false" });
    expectDeployedTier({ instanceType: rec.instanceType, count: rec.count, spot: false });
    expect(outputs.estimatedMonthlyCostUSD).toBe(
      estimate(rec.instanceType, rec.count, "on-demand"),
    );
  });
});

describe("examples/batch-queue", () => {
  it("runs queue-fed workers on the batch tier, all spot, without a load balancer", async () => {
    const rec = recommendForUseCase("batch");
    const outputs = await runExample("batch-queue");
    const lt = cloud.one(T.launchTemplate).inputs;
    expect(lt.instanceType).toBe(rec.instanceType);
    expect(cloud.one(T.group).inputs.desiredCapacity).toBe(rec.count);
    expectHardenedLaunchTemplate(cloud, 200);
    expectRuleAlarms(cloud, "batch");
    expectInstanceRefresh(cloud);
    expectSpot(cloud, true);
    expect(cloud.ofType(T.loadBalancer)).toHaveLength(0);
    expect(cloud.ofType(T.ingress)).toHaveLength(0);
    if (SHELLCHECK) expect(shellcheck(userDataOf(cloud))).toBe("");
    expect(outputs).toMatchObject({
      instanceType: rec.instanceType,
      spot: true,
      inputPrefix: "input/",
      resultsPrefix: "results/",
    });
    expect(outputs.estimatedMonthlyCostUSD).toBe(
      estimateTierCost({
        instanceType: rec.instanceType,
        count: rec.count,
        pricing: "spot",
        loadBalancer: false,
        queue: true,
      }).monthlyUSD,
    );
    expect(await resolved(outputs.queueUrl as string)).toMatch(/^https:\/\/sqs\./);
  });
});

describe("as the Pulumi CLI loads them", () => {
  const examplesDir = fileURLToPath(new URL("../../../examples/", import.meta.url));
  const runtimeBlock = (name: string) => {
    const yaml = readFileSync(join(examplesDir, name, "Pulumi.yaml"), "utf8");
    return yaml.slice(yaml.indexOf("runtime:"));
  };

  it("every example is a nodejs program run under tsx with the workspace source condition", () => {
    for (const name of EXAMPLES) {
      const pkg = JSON.parse(readFileSync(join(examplesDir, name, "package.json"), "utf8"));
      expect(pkg).toMatchObject({
        name: `@flakeops/example-${name}`,
        private: true,
        type: "module",
        main: "index.ts",
      });
      expect(pkg.dependencies["@flakeops/infra"]).toBe("workspace:*");
      expect(runtimeBlock(name)).toBe(runtimeBlock("cpu-production"));
    }
    expect(runtimeBlock("cpu-production")).toMatch(/name: nodejs/);
  });

  it("runs an example under plain node with its Pulumi.yaml node arguments", () => {
    const nodeargs = /nodeargs: "([^"]+)"/.exec(runtimeBlock("cpu-production"))![1]!.split(" ");
    const project = "flakeops-cpu-production";
    const result = spawnSync(
      process.execPath,
      [
        ...nodeargs,
        fileURLToPath(new URL("./fixtures/run-under-mocks.mjs", import.meta.url)),
        "index.ts",
        project,
        JSON.stringify({ [`${project}:artifact`]: tarball, [`${project}:maxSize`]: "3" }),
      ],
      // Pulumi runs the program from its project directory.
      { cwd: join(examplesDir, "cpu-production"), encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const outputs = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    expect(outputs).toMatchObject({
      instanceType: "t3.large",
      maxSize: 3,
      estimatedMonthlyCostUSD: estimate("t3.large", 1, "on-demand"),
      url: expect.stringMatching(/^http:\/\/api-alb/),
    });
    expect(outputs.healthUrl).toBe(`${outputs.url}/health`);
    expect(outputs.detectUrl).toBe(`${outputs.url}/detect`);
    expect(outputs.alarmNames).toHaveLength(API_ALARMS);
  });
});

describe("program helpers", () => {
  it("reads the artifact config as an S3 URI, a local path or a tagged image", async () => {
    const { artifactFromConfig } = await import("../src/program/deploy.js");
    expect(artifactFromConfig("s3://flakeops-builds/api/1.4.0.tgz", "/")).toEqual({
      s3Uri: "s3://flakeops-builds/api/1.4.0.tgz",
    });
    expect(artifactFromConfig(tarball, "/")).toEqual({ path: tarball });
    expect(artifactFromConfig("ghcr.io/flakeops/api:1.4.0", "/")).toEqual({
      image: "ghcr.io/flakeops/api:1.4.0",
    });
    // Untagged: a path that does not exist, not an image.
    expect(() => artifactFromConfig("dist/api", "/nonexistent")).toThrow(
      /is neither an existing path/,
    );
    expect(() => artifactFromConfig("s3://Bad Bucket/x", "/")).toThrow(
      /not an s3:\/\/bucket\/key URI/,
    );
  });

  it("lets the stack's tier replace an example's default tier", async () => {
    const { withDefaults } = await import("../src/program/deploy.js");
    expect(withDefaults({}, { instanceType: "t3.large" })).toEqual({ instanceType: "t3.large" });
    expect(withDefaults({ imagesPerHour: 100 }, { instanceType: "t3.large" })).toEqual({
      imagesPerHour: 100,
    });
    expect(withDefaults({ useCase: "testing" }, { instanceType: "t3.large" })).toEqual({
      useCase: "testing",
    });
    expect(withDefaults({ imagesPerHour: 100 }, { useCase: "gpu" })).toEqual({
      imagesPerHour: 100,
      useCase: "gpu",
    });
    expect(withDefaults({ instanceType: "g5.xlarge" }, { useCase: "gpu" })).toEqual({
      instanceType: "g5.xlarge",
    });
    expect(withDefaults({ maxSize: 4 }, { useCase: "batch" })).toEqual({
      maxSize: 4,
      useCase: "batch",
    });
  });
});
