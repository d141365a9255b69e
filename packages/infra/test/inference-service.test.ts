import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { alarmRulesFor, estimateTierCost } from "@flakeops/sizing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  budgetLimitUSD,
  ConfigError,
  DASHBOARD_GRAPHS,
  INFERENCE_SERVICE_TYPE,
  InferenceService,
  type InferenceServiceArgs,
  SESSION_MANAGER_STATEMENT,
} from "../src/index.js";
import {
  arnOf,
  expectHardenedLaunchTemplate,
  expectHealthChecks,
  expectInstanceRefresh,
  expectOnlyAlbIsPublic,
  expectRuleAlarms,
  expectSpot,
  physicalName,
  T,
  userDataOf,
} from "./assertions.js";
import { fakeArtifact, installMocks, type MockCloud, resolved, run } from "./harness.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

let cloud: MockCloud;
let tarball: string;
let deployDir: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
  deployDir = join(dirname(tarball), "api");
  mkdirSync(join(deployDir, "dist"), { recursive: true });
  writeFileSync(join(deployDir, "dist", "main.js"), "// the API");
});

function deploy(args: Partial<InferenceServiceArgs> = {}): Promise<InferenceService> {
  return run(
    cloud,
    () =>
      new InferenceService("api", {
        instanceType: "t3.large",
        artifact: { path: tarball },
        ...args,
      }),
  );
}

describe("InferenceService (CPU, defaults)", () => {
  let svc: InferenceService;
  beforeAll(async () => {
    svc = await deploy();
  });

  it("is a component whose children are all parented to it", async () => {
    // Transformations pass down the parent chain only: a resource that sees the component's
    // transformation is its descendant.
    const descendants: string[] = [];
    const svc = await run(
      cloud,
      () =>
        new InferenceService(
          "api",
          { instanceType: "t3.large", artifact: { path: tarball } },
          {
            transformations: [
              (a) => {
                descendants.push(`${a.type}::${a.name}`);
                return undefined;
              },
            ],
          },
        ),
    );
    const component = cloud.one(INFERENCE_SERVICE_TYPE);
    expect(component.name).toBe("api");
    const children = cloud.resources
      .filter((r) => r !== component)
      .map((r) => `${r.type}::${r.name}`);
    expect(children.length).toBeGreaterThan(25);
    expect(descendants.filter((d) => !d.startsWith(INFERENCE_SERVICE_TYPE)).sort()).toEqual(
      children.sort(),
    );
    expect(await resolved(svc.urn)).toBe(
      `urn:pulumi:dev::flakeops-test::${INFERENCE_SERVICE_TYPE}::api`,
    );
  });

  it("puts the instance type in the launch template, on Amazon Linux 2023 for its architecture", () => {
    const lt = cloud.one(T.launchTemplate).inputs;
    expect(lt.instanceType).toBe("t3.large");
    expect(lt.imageId).toBe("ami-al2023-x86_64");
    const ami = cloud.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi")!;
    expect(ami.inputs.owners).toEqual(["amazon"]);
    expect(ami.inputs.mostRecent).toBe(true);
    expect(ami.inputs.filters).toContainEqual({
      name: "name",
      values: ["al2023-ami-2023.*-x86_64"],
    });
    expect(ami.inputs.filters).toContainEqual({ name: "architecture", values: ["x86_64"] });
  });

  it("requires IMDSv2 and boots from an encrypted 200 GiB gp3 volume", () => {
    expectHardenedLaunchTemplate(cloud, 200);
    expect(cloud.one(T.launchTemplate).inputs.metadataOptions.httpPutResponseHopLimit).toBe(1);
  });

  it("creates exactly the rule table's four alarms, wired to step-scaling policies or the topic", () => {
    expectRuleAlarms(cloud);
  });

  it("opens nothing to the internet but the load balancer's listener; no SSH", () => {
    expectOnlyAlbIsPublic(cloud);
    expect(cloud.ofType(T.listener).map((l) => l.inputs.port)).toEqual([80]);
  });

  it("health-checks /health through the load balancer", () => {
    expectHealthChecks(cloud);
  });

  it("sizes the group from the args and rolls it by instance refresh", () => {
    const group = cloud.one(T.group).inputs;
    expect(group).toMatchObject({ minSize: 1, maxSize: 2, desiredCapacity: 1 });
    expect(group.vpcZoneIdentifiers).toEqual(["subnet-priv-a", "subnet-priv-b"]);
    expect(cloud.one(T.loadBalancer).inputs.subnets).toEqual(["subnet-pub-a", "subnet-pub-b"]);
    expectInstanceRefresh(cloud);
    expectSpot(cloud, false);
  });

  it("gives the instances only Session Manager, the CloudWatch agent and read of their artifact", () => {
    // Not AmazonSSMManagedInstanceCore: it reads every parameter of the account.
    expect(cloud.ofType(T.attachment).map((a) => a.inputs.policyArn)).toEqual([
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]);
    const node = JSON.parse(policyNamed("api-node").inputs.policy).Statement;
    expect(node).toEqual([SESSION_MANAGER_STATEMENT]);
    expect(JSON.stringify(node)).not.toMatch(/ssm:GetParameter/);
    const object = cloud.one(T.bucketObject).inputs;
    const policy = JSON.parse(policyNamed("api-artifact-read").inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${object.bucket}/${object.key}`],
      },
    ]);
    expect(JSON.parse(cloud.one(T.role).inputs.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: "ec2.amazonaws.com",
    });
  });

  it("ships the artifact under a content-hashed key and boots it with a shellcheck-clean script", () => {
    const object = cloud.one(T.bucketObject).inputs;
    expect(object.key).toMatch(/^api\/[0-9a-f]{16}\.tgz$/);
    const script = userDataOf(cloud);
    expect(script).toContain(`aws s3 cp 's3://${object.bucket}/${object.key}'`);
    expect(script).toContain("ExecStart=/usr/local/bin/flakeops-node dist/main.js");
    if (SHELLCHECK) expect(shellcheck(script)).toBe("");
  });

  it("graphs CPU, memory, disk and network I/O for the group", async () => {
    const dashboard = cloud.one(T.dashboard).inputs;
    expect(await resolved(svc.dashboardName)).toBe(dashboard.dashboardName);
    const body = JSON.parse(dashboard.dashboardBody);
    expect(body.widgets).toHaveLength(DASHBOARD_GRAPHS.length);
    const metrics = body.widgets.flatMap((w: { properties: { metrics: string[][] } }) =>
      w.properties.metrics.map((m) => m[1]),
    );
    expect(metrics).toEqual([
      "CPUUtilization",
      "mem_used_percent",
      "disk_used_percent",
      "NetworkIn",
      "NetworkOut",
    ]);
    const group = physicalName(cloud.one(T.group));
    for (const w of body.widgets)
      for (const m of w.properties.metrics)
        expect(m.slice(2, 4)).toEqual(["AutoScalingGroupName", group]);
  });

  it("budgets the sizing engine's estimate plus the margin, alerting the topic", async () => {
    const estimate = estimateTierCost({
      instanceType: "t3.large",
      count: 1,
      pricing: "on-demand",
      volumeGiB: 200,
    });
    expect(svc.estimatedMonthlyCostUSD).toBe(estimate.monthlyUSD);
    const budget = cloud.one(T.budget).inputs;
    expect(budget).toMatchObject({ budgetType: "COST", timeUnit: "MONTHLY", limitUnit: "USD" });
    expect(budget.limitAmount).toBe(budgetLimitUSD(estimate.monthlyUSD, 0.2));
    expect(Number(budget.limitAmount)).toBeCloseTo(estimate.monthlyUSD * 1.2, 1);
    for (const n of budget.notifications)
      expect(n.subscriberSnsTopicArns).toEqual([arnOf(cloud.one(T.topic))]);
    expect(cloud.ofType(T.subscription)).toHaveLength(0);
  });

  it("exposes the url, its health and detect URLs, group, alarms and dashboard as outputs", async () => {
    expect(await resolved(svc.url)).toBe("http://api-alb-123.us-east-1.elb.amazonaws.com");
    expect(await resolved(svc.healthUrl)).toBe(
      "http://api-alb-123.us-east-1.elb.amazonaws.com/health",
    );
    expect(await resolved(svc.detectUrl)).toBe(
      "http://api-alb-123.us-east-1.elb.amazonaws.com/detect",
    );
    expect(await resolved(svc.groupName)).toBe(physicalName(cloud.one(T.group)));
    expect((await resolved(svc.alarmNames)).sort()).toEqual(
      alarmRulesFor({ loadBalancer: true, queue: false })
        .map((r) => `api-${r.id}-1a2b3c4`)
        .sort(),
    );
  });
});

describe("InferenceService options", () => {
  it("changing the instance type changes only the launch template; the group rolls, it is not replaced", async () => {
    cloud.launchTemplateVersion = 1;
    await deploy({ instanceType: "t3.micro" });
    const before = { lt: cloud.one(T.launchTemplate).inputs, group: cloud.one(T.group).inputs };
    cloud.launchTemplateVersion = 2; // what the provider reports after updating the template
    await deploy({ instanceType: "t3.large" });
    const after = { lt: cloud.one(T.launchTemplate).inputs, group: cloud.one(T.group).inputs };
    cloud.launchTemplateVersion = 1;

    expect(changedKeys(before.lt, after.lt)).toEqual(["instanceType"]);
    expect(after.lt.instanceType).toBe("t3.large");
    // The group's only change is the template version it runs, which is what starts the refresh.
    expect(changedKeys(before.group, after.group)).toEqual(["launchTemplate"]);
    expect(before.group.launchTemplate.version).toBe("1");
    expect(after.group.launchTemplate.version).toBe("2");
    expect(after.group.instanceRefresh.strategy).toBe("Rolling");
    // The type never reaches the group, so nothing about the group itself is replaced.
    expect(JSON.stringify(after.group)).not.toMatch(/t3\./);
  });

  it("takes an arm64 AMI for Graviton types (architecture from the catalog)", async () => {
    await deploy({ instanceType: "c7g.large" });
    expect(cloud.one(T.launchTemplate).inputs.imageId).toBe("ami-al2023-arm64");
  });

  it("boots GPU types from the Deep Learning Base AMI with the NVIDIA driver", async () => {
    await deploy({
      instanceType: "g4dn.xlarge",
      artifact: { image: "ghcr.io/flakeops/api:1.0.0" },
      models: ["M2F-Graphene"],
    });
    const ami = cloud.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi")!;
    expect(ami.inputs.filters).toContainEqual({
      name: "name",
      values: ["Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) *"],
    });
    const lt = cloud.one(T.launchTemplate).inputs;
    expect(lt.imageId).toBe("ami-dlami-x86_64");
    expect(lt.instanceType).toBe("g4dn.xlarge");
    // A container reaches IMDSv2 through the docker bridge: one more hop.
    expect(lt.metadataOptions.httpPutResponseHopLimit).toBe(2);
    expect(userDataOf(cloud)).toContain("--gpus all");
    // No S3 artifact: no S3 read at all; a public image: no ECR access.
    expect(cloud.ofType(T.rolePolicy).map((p) => p.name)).toEqual(["api-node"]);
    expect(cloud.ofType(T.attachment)).toHaveLength(1);
    expectRuleAlarms(cloud);
  });

  it("lets instances pull an ECR image (read-only) and log in before pulling", async () => {
    const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/flakeops/api:1.4.0";
    await deploy({ artifact: { image } });
    expect(cloud.ofType(T.attachment).map((a) => a.inputs.policyArn)).toContain(
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    );
    expect(userDataOf(cloud)).toContain(
      "docker login --username AWS --password-stdin 123456789012.dkr.ecr",
    );
    expect(cloud.one(T.launchTemplate).inputs.imageId).toBe("ami-al2023-x86_64");
  });

  it("runs spot through a mixed-instances policy with capacity rebalancing, only when asked", async () => {
    await deploy({ instanceType: "c5.large", spot: { alternativeTypes: ["c6i.large"] }, count: 2 });
    expectSpot(cloud, true);
    expectInstanceRefresh(cloud);
    const group = cloud.one(T.group).inputs;
    expect(group.mixedInstancesPolicy.launchTemplate.overrides).toEqual([
      { instanceType: "c5.large" },
      { instanceType: "c6i.large" },
    ]);
    expect(group).toMatchObject({ minSize: 2, desiredCapacity: 2, maxSize: 4 });
    expectRuleAlarms(cloud);
  });

  it("refuses a spot alternative of another architecture", async () => {
    expect(
      () =>
        new InferenceService("bad", {
          instanceType: "c5.large",
          spot: { alternativeTypes: ["c7g.large"] },
          artifact: { path: tarball },
        }),
    ).toThrow(/c7g\.large is arm64, c5\.large is x86_64/);
  });

  it("uses an existing VPC instead of creating one", async () => {
    await deploy({
      network: {
        vpcId: "vpc-existing",
        publicSubnetIds: ["subnet-p1", "subnet-p2"],
        privateSubnetIds: ["subnet-q1", "subnet-q2"],
      },
    });
    expect(cloud.ofType(T.vpc)).toHaveLength(0);
    for (const g of cloud.ofType(T.securityGroup)) expect(g.inputs.vpcId).toBe("vpc-existing");
    expect(cloud.one(T.group).inputs.vpcZoneIdentifiers).toEqual(["subnet-q1", "subnet-q2"]);
    expect(cloud.one(T.loadBalancer).inputs.subnets).toEqual(["subnet-p1", "subnet-p2"]);
  });

  it("serves HTTPS on 443 with a certificate, 80 redirecting, and opens only those", async () => {
    const svc = await deploy({
      certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/abc",
    });
    const listeners = cloud.ofType(T.listener).map((l) => l.inputs);
    expect(listeners.map((l) => l.port).sort()).toEqual([443, 80]);
    expect(listeners.find((l) => l.port === 80)!.defaultActions[0].type).toBe("redirect");
    expectOnlyAlbIsPublic(cloud);
    expect(await resolved(svc.healthUrl)).toMatch(/^https:\/\/api-alb-.*\/health$/);
    expect(await resolved(svc.detectUrl)).toMatch(/^https:\/\/api-alb-.*\/detect$/);
  });

  it("applies the volume size, the e-mail subscription, models and the one-file bundle", async () => {
    // A deploy directory is refused (Pulumi's archive walk drops pnpm's links, pulumi/pulumi#13349).
    await expect(deploy({ artifact: { path: deployDir } })).rejects.toThrow(/pulumi\/pulumi#13349/);
    await deploy({
      volumeGiB: 120,
      alarmEmail: "ops@example.com",
      modelsUri: "s3://flakeops-models/prod/",
    });
    expectHardenedLaunchTemplate(cloud, 120);
    expect(cloud.one(T.subscription).inputs).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
    const key = cloud.one(T.bucketObject).inputs.key;
    expect(key).toMatch(/^api\/[0-9a-f]{16}\.tgz$/);
    const statements = JSON.parse(policyNamed("api-artifact-read").inputs.policy).Statement;
    expect(statements[0].Resource).toContain("arn:aws:s3:::flakeops-models/prod/*");
    expect(statements[1]).toEqual({
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::flakeops-models"],
    });
    const script = userDataOf(cloud);
    expect(script).toContain(key);
    expect(script).toContain("aws s3 sync 's3://flakeops-models/prod/'");
    if (SHELLCHECK) expect(shellcheck(script)).toBe("");
    const budget = cloud.one(T.budget).inputs;
    expect(budget.notifications[0].subscriberEmailAddresses).toEqual(["ops@example.com"]);
  });

  it("lets the role read exactly the configured key secrets, and puts only their ARNs in user data", async () => {
    const apiKeys = "arn:aws:ssm:us-east-1:000000000000:parameter/flakeops/api-keys";
    const adminKeys = "arn:aws:secretsmanager:us-east-1:000000000000:secret:flakeops/admin";
    await deploy({ apiKeysSecretArn: apiKeys, adminKeysSecretArn: adminKeys, region: "us-east-1" });
    const node = JSON.parse(policyNamed("api-node").inputs.policy).Statement;
    expect(node).toEqual([
      SESSION_MANAGER_STATEMENT,
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [apiKeys] },
      {
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [adminKeys, `${adminKeys}-??????`],
      },
    ]);
    const script = userDataOf(cloud);
    expect(script).toContain(apiKeys);
    expect(script).toContain(adminKeys);
  });

  it("routes S3 through a gateway endpoint on a new VPC's private route tables, not the NAT", async () => {
    await deploy();
    expect(cloud.one("aws:ec2/vpcEndpoint:VpcEndpoint").inputs).toMatchObject({
      vpcId: "vpc-0mock",
      serviceName: "com.amazonaws.us-east-1.s3",
      vpcEndpointType: "Gateway",
      routeTableIds: ["rtb-subnet-priv-a", "rtb-subnet-priv-b"],
    });
    await deploy({
      network: {
        vpcId: "vpc-existing",
        publicSubnetIds: ["subnet-1", "subnet-2"],
        privateSubnetIds: ["subnet-3", "subnet-4"],
      },
    });
    // An existing VPC is the user's: no endpoint added to it.
    expect(cloud.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).toHaveLength(0);
  });

  it("writes ALB access logs to an encrypted private bucket and rate-limits IPs with WAF, when asked", async () => {
    await deploy();
    expect(cloud.ofType("aws:wafv2/webAcl:WebAcl")).toHaveLength(0);
    expect(cloud.one(T.loadBalancer).inputs.accessLogs).toBeUndefined();
    const deployed = await deploy({ accessLogs: true, rateLimitPerIp: 2000 });
    const svc = () => deployed;
    const logs = cloud.ofType("aws:s3/bucket:Bucket").find((b) => b.name === "api-access-logs")!;
    expect(cloud.one(T.loadBalancer).inputs.accessLogs).toEqual({
      bucket: `${logs.name}-1a2b3c4`,
      enabled: true,
      prefix: "api",
    });
    const sse = cloud
      .ofType(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      )
      .find((r) => r.name === "api-access-logs")!;
    expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    const policy = JSON.parse(
      cloud.ofType("aws:s3/bucketPolicy:BucketPolicy").find((r) => r.name === "api-access-logs")!
        .inputs.policy,
    );
    expect(policy.Statement[0].Resource).toBe(`arn:aws:s3:::${logs.name}-1a2b3c4/AWSLogs/*`);
    const acl = cloud.one("aws:wafv2/webAcl:WebAcl").inputs;
    expect(acl.scope).toBe("REGIONAL");
    expect(acl.rules[0].statement.rateBasedStatement).toEqual({
      limit: 2000,
      aggregateKeyType: "IP",
    });
    expect(acl.rules[0].action).toEqual({ block: {} });
    expect(cloud.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs.resourceArn).toBe(
      arnOf(cloud.one(T.loadBalancer)),
    );
    expect(svc().cost.lines.map((l) => l.item)).toContain("WAF web ACL (1 rule)");
  });

  it("maps the root volume onto a pinned AMI's own root device", async () => {
    await deploy({ amiId: "ami-0pinned12345678" });
    const lt = cloud.one(T.launchTemplate).inputs;
    expect(lt.imageId).toBe("ami-0pinned12345678");
    expect(lt.blockDeviceMappings).toHaveLength(1);
    expect(lt.blockDeviceMappings[0].deviceName).toBe("/dev/sda1");
    const lookup = cloud.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi")!;
    expect(lookup.inputs.filters).toEqual([{ name: "image-id", values: ["ami-0pinned12345678"] }]);
  });

  it.each([
    [{ instanceType: "t3.nano" }, /^instanceType: .*t3\.nano/],
    [
      { artifact: { path: "/nonexistent/api.tgz" } },
      /artifact path "\/nonexistent\/api\.tgz" does not exist; build the API first/,
    ],
    [{ artifact: { s3Uri: "s3://bucket/" } }, /must name an object/],
    [{ artifact: { image: "not an image" } }, /not a container image reference/],
    [{ count: 3, maxSize: 2 }, /minSize <= count <= maxSize/],
    [{ volumeGiB: 2 }, /volumeGiB must be a whole number 8-16384/],
    [{ modelsUri: "/models" }, /modelsUri must be an s3:\/\/bucket\/prefix URI/],
    [
      { instanceType: "g4dn.xlarge" },
      /g4dn\.xlarge is a GPU type but the API's embedded GMM-Graphene run only on the CPU .*c\d[a-z]*\.xlarge does the same work for \$\d+\.\d\d\/month less; accepted: models that include an ONNX kind/,
    ],
    [{ instanceType: "g4dn.xlarge", models: ["GMM-Graphene"] }, /GMM-Graphene run only on the CPU/],
    [
      { apiKeysSecretArn: "arn:aws:s3:::flakeops-keys/keys.json" },
      /apiKeysSecretArn "arn:aws:s3:::flakeops-keys\/keys\.json" is not a secret ARN; accepted: arn:aws:ssm:/,
    ],
    [
      {
        region: "us-east-1",
        apiKeysSecretArn: "arn:aws:ssm:eu-west-1:000000000000:parameter/flakeops/api-keys",
      },
      /apiKeysSecretArn is in eu-west-1, the stack deploys to us-east-1; accepted: a secret in us-east-1/,
    ],
    [{ rateLimitPerIp: 5 }, /rateLimitPerIp must be a whole number 10-2000000000; got 5/],
    [{ minHealthyPercentage: 101 }, /minHealthyPercentage must be a whole number 0-100; got 101/],
    [{ minHealthyPercentage: -1 }, /minHealthyPercentage must be a whole number 0-100; got -1/],
    [{ minSize: 0, count: 1 }, /minSize must be >= 1 for a service behind a load balancer/],
    [
      { name: "Flakeops_Production_API" },
      /component name "Flakeops_Production_API" must be 1-20 lowercase/,
    ],
  ] as [Partial<InferenceServiceArgs> & { name?: string }, RegExp][])(
    "fails the preview with one clear line, registering nothing, for %j",
    async ({ name, ...args }, message) => {
      let error: unknown;
      await run(cloud, () => {
        try {
          new InferenceService(name ?? "bad", {
            instanceType: "t3.large",
            artifact: { path: tarball },
            ...args,
          });
        } catch (e) {
          error = e;
        }
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
      expect(cloud.resources).toEqual([]);
    },
  );
});

function policyNamed(name: string) {
  const found = cloud.ofType(T.rolePolicy).find((p) => p.name === name);
  if (!found) throw new Error(`no role policy ${name}`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: comparing untyped property bags
function changedKeys(a: Record<string, any>, b: Record<string, any>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}
