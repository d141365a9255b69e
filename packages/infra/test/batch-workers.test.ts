import { alarmRulesFor, estimateTierCost, getInstanceType } from "@flakeops/sizing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BATCH_WORKERS_TYPE,
  BatchWorkers,
  type BatchWorkersArgs,
  ConfigError,
} from "../src/index.js";
import {
  arnOf,
  expectHardenedLaunchTemplate,
  expectInstanceRefresh,
  expectRuleAlarms,
  expectSpot,
  T,
  userDataOf,
} from "./assertions.js";
import { fakeArtifact, installMocks, type MockCloud, resolved, run } from "./harness.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

let cloud: MockCloud;
let tarball: string;

beforeAll(async () => {
  cloud = await installMocks();
  tarball = fakeArtifact();
});

function deploy(args: Partial<BatchWorkersArgs> = {}): Promise<BatchWorkers> {
  return run(
    cloud,
    () =>
      new BatchWorkers("batch", {
        instanceType: "c5.large",
        spot: true,
        artifact: { path: tarball },
        ...args,
      }),
  );
}

describe("BatchWorkers", () => {
  let workers: BatchWorkers;
  beforeAll(async () => {
    workers = await deploy();
  });

  it("is a component with no load balancer and no inbound access at all", () => {
    expect(cloud.one(BATCH_WORKERS_TYPE).name).toBe("batch");
    expect(cloud.ofType(T.loadBalancer)).toHaveLength(0);
    expect(cloud.ofType(T.listener)).toHaveLength(0);
    expect(cloud.ofType(T.ingress)).toHaveLength(0);
    const group = cloud.one(T.group).inputs;
    expect(group.healthCheckType).toBe("EC2");
    expect(group.targetGroupArns).toBeUndefined();
    expect(cloud.one(T.launchTemplate).inputs.vpcSecurityGroupIds).toEqual([
      `${cloud.one(T.securityGroup).name}-id`,
    ]);
  });

  it("runs the sized type on spot, hardened, with the rule-table alarms and a rolling refresh", () => {
    expect(cloud.one(T.launchTemplate).inputs.instanceType).toBe("c5.large");
    expectHardenedLaunchTemplate(cloud, 200);
    expectRuleAlarms(cloud, "batch");
    expectSpot(cloud, true);
    expectInstanceRefresh(cloud);
  });

  it("feeds S3 input events to a queue with a dead-letter queue", () => {
    const bucket = cloud.ofType("aws:s3/bucket:Bucket").find((b) => b.name === "batch-jobs")!;
    const queues = cloud.ofType("aws:sqs/queue:Queue");
    const queue = queues.find((q) => q.name === "batch-jobs")!;
    const dlq = queues.find((q) => q.name === "batch-jobs-dlq")!;
    expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
      deadLetterTargetArn: arnOf(dlq),
      maxReceiveCount: 5,
    });
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(360);
    // SQS's longest retention on both, so unread S3 events outlive a long outage.
    expect(queue.inputs.messageRetentionSeconds).toBe(1209600);
    expect(dlq.inputs.messageRetentionSeconds).toBe(1209600);
    const notification = cloud.one("aws:s3/bucketNotification:BucketNotification").inputs;
    expect(notification.bucket).toBe(`${bucket.name}-1a2b3c4`);
    expect(notification.queues).toEqual([
      { queueArn: arnOf(queue), events: ["s3:ObjectCreated:*"], filterPrefix: "input/" },
    ]);
    const policy = JSON.parse(cloud.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy);
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:s3:::${bucket.name}-1a2b3c4` } },
    });
  });

  it("lets the instances read inputs, write results and work the queue, nothing more", () => {
    const jobs = cloud.ofType(T.rolePolicy).find((p) => p.name === "batch-jobs")!;
    const statements = JSON.parse(jobs.inputs.policy).Statement;
    const bucketArn = "arn:aws:s3:::batch-jobs-1a2b3c4";
    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
        ],
        Resource: arnOf(cloud.ofType("aws:sqs/queue:Queue").find((q) => q.name === "batch-jobs")!),
      },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucketArn}/input/*` },
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: `${bucketArn}/results/*` },
      {
        Effect: "Allow",
        Action: ["autoscaling:SetInstanceHealth"],
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/flakeops:service": "batch" } },
      },
    ]);
  });

  it("keeps the job bucket on destroy unless destroyJobBucket asks, and encrypts it", async () => {
    const bucketOptions = async (destroyJobBucket?: boolean) => {
      const seen: { forceDestroy: unknown; retainOnDelete: unknown }[] = [];
      await run(
        cloud,
        () =>
          new BatchWorkers(
            "batch",
            {
              instanceType: "c5.large",
              artifact: { path: tarball },
              ...(destroyJobBucket === undefined ? {} : { destroyJobBucket }),
            },
            {
              transformations: [
                (a) => {
                  if (a.type === "aws:s3/bucket:Bucket" && a.name === "batch-jobs")
                    seen.push({
                      forceDestroy: a.props.forceDestroy,
                      retainOnDelete: a.opts.retainOnDelete,
                    });
                  return undefined;
                },
              ],
            },
          ),
      );
      return seen[0];
    };
    expect(await bucketOptions()).toEqual({ forceDestroy: false, retainOnDelete: true });
    expect(
      cloud.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      ).inputs.rules,
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    expect(await bucketOptions(true)).toEqual({ forceDestroy: true, retainOnDelete: false });
  });

  it("boots the API and one worker per vCPU against this queue, shellcheck-clean", () => {
    const script = userDataOf(cloud);
    expect(script).toContain("ExecStart=/usr/local/bin/flakeops-node dist/main.js");
    expect(script).toContain(
      "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/000000000000/batch-jobs-1a2b3c4",
    );
    expect(script).toContain("JOBS_BUCKET=batch-jobs-1a2b3c4");
    const vcpu = getInstanceType("c5.large").vcpu;
    expect(script).toContain(
      `for i in $(seq 1 ${vcpu}); do systemctl enable --now "flakeops-batch@$i.service"; done`,
    );
    if (SHELLCHECK) expect(shellcheck(script)).toBe("");
  });

  it("estimates the tier without a load balancer and exposes where jobs go", async () => {
    const estimate = estimateTierCost({
      instanceType: "c5.large",
      count: 1,
      pricing: "spot",
      loadBalancer: false,
      queue: true,
    });
    expect(workers.estimatedMonthlyCostUSD).toBe(estimate.monthlyUSD);
    expect(await resolved(workers.bucketName)).toBe("batch-jobs-1a2b3c4");
    expect(workers.inputPrefix).toBe("input/");
    expect(workers.resultsPrefix).toBe("results/");
    expect(await resolved(workers.queueUrl)).toMatch(/\/batch-jobs-1a2b3c4$/);
    expect(await resolved(workers.alarmNames)).toHaveLength(
      alarmRulesFor({ loadBalancer: false, queue: true }).length,
    );
  });

  it("runs on-demand when spot is not asked for", async () => {
    await deploy({ spot: false });
    expectSpot(cloud, false);
  });

  it.each([
    [{ inputPrefix: "in" }, /prefix "in" must be path segments ending in \//],
    [{ resultsPrefix: "input/" }, /input and results prefixes must differ/],
    [{ workersPerInstance: 0 }, /workersPerInstance must be a whole number 1-\d+ \(the /],
    [{ jobTimeoutSeconds: 5 }, /jobTimeoutSeconds must be 30-43200/],
    [{ customerId: "not valid!" }, /customer id/],
  ] as [Partial<BatchWorkersArgs>, RegExp][])(
    "fails the preview, registering nothing, for %j",
    async (args, message) => {
      let error: unknown;
      await run(cloud, () => {
        try {
          new BatchWorkers("bad", {
            instanceType: "c5.large",
            artifact: { path: tarball },
            ...args,
          });
        } catch (e) {
          error = e;
        }
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect(cloud.resources).toEqual([]);
    },
  );
});
