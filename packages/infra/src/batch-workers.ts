import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceS3Read, privateBucket, resolveArtifact } from "./artifact.js";
import { checkBatchSettings } from "./batch-worker.js";
import { ConfigError } from "./config.js";
import { createInstanceProfile } from "./iam.js";
import { createWorkerSecurityGroup, type ExistingNetwork, resolveVpc } from "./network.js";
import { checkTierArgs, createCompute, createMonitoring, regionOf, type TierArgs } from "./tier.js";
import { renderUserData } from "./user-data.js";

export const BATCH_WORKERS_TYPE = "flakeops:infra:BatchWorkers";

export interface BatchWorkersArgs extends TierArgs {
  /** An existing VPC (its private subnets); default: a new two-AZ VPC. */
  readonly network?: ExistingNetwork;
  /** Where images are dropped. Default "input/". */
  readonly inputPrefix?: string;
  /** Where results are written (`<name>.json`, or `<name>.error.json` for refused images). Default "results/". */
  readonly resultsPrefix?: string;
  /** Worker processes per instance. Default: one per vCPU of the type. */
  readonly workersPerInstance?: number;
  /** Seconds an image may take before its message is retried. Default 300. */
  readonly jobTimeoutSeconds?: number;
  /** Deliveries before a message goes to the dead-letter queue. Default 5. */
  readonly maxReceiveCount?: number;
  /** `customer_id` sent with each image. Default "batch". */
  readonly customerId?: string;
}

/**
 * Batch detection workers: drop images under `s3://<bucket>/input/`, find each result under
 * `results/`. S3 event notifications feed an SQS queue (with a dead-letter queue); each
 * instance runs the API on localhost plus worker processes that drain the queue. No load
 * balancer and no inbound access at all; the same sized group, launch template, instance
 * refresh, rule-table alarms, dashboard and budget as InferenceService. Spot fits: an
 * interrupted image's message simply returns to the queue.
 */
export class BatchWorkers extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly inputPrefix: string;
  public readonly resultsPrefix: string;
  public readonly queueUrl: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly groupName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly dashboardName: pulumi.Output<string>;
  public readonly topicArn: pulumi.Output<string>;
  /** The sizing engine's whole-tier monthly estimate (no load balancer). */
  public readonly estimatedMonthlyCostUSD: number;
  public readonly instanceType: string;

  constructor(name: string, args: BatchWorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = checkTierArgs(name, args);
    const inputPrefix = args.inputPrefix ?? "input/";
    const resultsPrefix = args.resultsPrefix ?? "results/";
    const workers = args.workersPerInstance ?? plan.type.vcpu;
    const jobTimeoutSeconds = args.jobTimeoutSeconds ?? 300;
    const maxReceiveCount = args.maxReceiveCount ?? 5;
    try {
      checkBatchSettings({
        inputPrefix,
        resultsPrefix,
        customerId: args.customerId ?? "batch",
        workers,
      });
    } catch (e) {
      throw new ConfigError(`${name}: ${(e as Error).message}`);
    }
    if (
      !Number.isInteger(jobTimeoutSeconds) ||
      jobTimeoutSeconds < 30 ||
      jobTimeoutSeconds > 43200
    ) {
      throw new ConfigError(
        `${name}: jobTimeoutSeconds must be 30-43200; got ${jobTimeoutSeconds}`,
      );
    }
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new ConfigError(`${name}: maxReceiveCount must be 1-1000; got ${maxReceiveCount}`);
    }
    super(BATCH_WORKERS_TYPE, name, {}, opts);
    // biome-ignore lint/complexity/noUselessThisAlias: children are parented to the component
    const parent = this;
    const { tags } = plan;

    // Jobs: a private bucket whose input prefix notifies a queue; failures end in a dead-letter queue.
    const bucket = privateBucket(`${name}-jobs`, tags, parent);
    const deadLetters = new aws.sqs.Queue(
      `${name}-jobs-dlq`,
      { messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true, tags },
      { parent },
    );
    const queue = new aws.sqs.Queue(
      `${name}-jobs`,
      {
        // Longer than one image may take, so a message is not handed out twice while in work.
        visibilityTimeoutSeconds: jobTimeoutSeconds + 60,
        receiveWaitTimeSeconds: 20,
        sqsManagedSseEnabled: true,
        redrivePolicy: deadLetters.arn.apply((deadLetterTargetArn) =>
          JSON.stringify({ deadLetterTargetArn, maxReceiveCount }),
        ),
        tags,
      },
      { parent },
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-jobs`,
      {
        queueUrl: queue.url,
        policy: pulumi.all([queue.arn, bucket.arn]).apply(([queueArn, bucketArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": bucketArn } },
              },
            ],
          }),
        ),
      },
      { parent },
    );
    new aws.s3.BucketNotification(
      `${name}-jobs`,
      {
        bucket: bucket.id,
        queues: [
          { queueArn: queue.arn, events: ["s3:ObjectCreated:*"], filterPrefix: inputPrefix },
        ],
      },
      // S3 checks it may send before it accepts the notification.
      { parent, dependsOn: [queuePolicy] },
    );

    // Identity: the artifact and models, plus exactly this queue and these two prefixes.
    const vpc = resolveVpc(name, args.network, tags, parent);
    const securityGroup = createWorkerSecurityGroup(name, vpc.vpcId, tags, parent);
    const artifact = resolveArtifact(name, args.artifact, tags, parent);
    const { profile } = createInstanceProfile(
      name,
      {
        s3Read: instanceS3Read(artifact, args.modelsUri, parent),
        ecrPull: artifact.ecrPull,
        extraStatements: pulumi.all([queue.arn, bucket.arn]).apply(([queueArn, bucketArn]) => [
          {
            Effect: "Allow",
            Action: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:ChangeMessageVisibility",
              "sqs:GetQueueAttributes",
            ],
            Resource: queueArn,
          },
          { Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucketArn}/${inputPrefix}*` },
          { Effect: "Allow", Action: ["s3:PutObject"], Resource: `${bucketArn}/${resultsPrefix}*` },
        ]),
        tags,
      },
      parent,
    );

    const region = regionOf(args.region, parent);
    const userData = pulumi
      .all([artifact.source, region, queue.url, bucket.bucket])
      .apply(([source, r, queueUrl, bucketName]) =>
        renderUserData({
          artifact: source,
          port: plan.appPort,
          region: r,
          modelsUri: args.modelsUri,
          environment: args.environment,
          gpu: plan.type.gpu !== null,
          batch: {
            queueUrl,
            bucket: bucketName,
            inputPrefix,
            resultsPrefix,
            region: r,
            apiPort: plan.appPort,
            customerId: args.customerId ?? "batch",
            workers,
          },
        }),
      );
    const { group } = createCompute(
      name,
      {
        plan,
        description: `flakeops ${name} batch workers`,
        userData,
        amiId: args.amiId,
        instanceProfileArn: profile.arn,
        securityGroupId: securityGroup.id,
        subnetIds: vpc.privateSubnetIds,
        metadataHopLimit: "image" in args.artifact ? 2 : 1,
        minHealthyPercentage: args.minHealthyPercentage,
      },
      parent,
    );
    const { topic, alarms, dashboard, estimatedMonthlyUSD } = createMonitoring(
      name,
      {
        plan,
        groupName: group.name,
        region,
        loadBalancer: false,
        alarmEmail: args.alarmEmail,
        budgetMargin: args.budgetMargin,
        pricingRegion: args.region,
      },
      parent,
    );

    this.bucketName = bucket.bucket;
    this.inputPrefix = inputPrefix;
    this.resultsPrefix = resultsPrefix;
    this.queueUrl = queue.url;
    this.deadLetterQueueUrl = deadLetters.url;
    this.groupName = group.name;
    this.alarmNames = pulumi.all(alarms.map((a) => a.alarm.name));
    this.dashboardName = dashboard.dashboardName;
    this.topicArn = topic.arn;
    this.estimatedMonthlyCostUSD = estimatedMonthlyUSD;
    this.instanceType = plan.type.type;
    this.registerOutputs({
      bucketName: this.bucketName,
      inputPrefix,
      resultsPrefix,
      queueUrl: this.queueUrl,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      groupName: this.groupName,
      alarmNames: this.alarmNames,
      dashboardName: this.dashboardName,
      topicArn: this.topicArn,
      estimatedMonthlyCostUSD: this.estimatedMonthlyCostUSD,
      instanceType: this.instanceType,
    });
  }
}
