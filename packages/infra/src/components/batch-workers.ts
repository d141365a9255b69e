import type { TierCost } from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";
import { instanceS3Read, resolveArtifact } from "../tier/artifact.js";
import { createInstances } from "../tier/instances.js";
import { checkProductionZones, checkTierArgs, type TierArgs } from "../tier/plan.js";
import { createInstanceProfile } from "./instance-role.js";
import { checkJobSettings, createJobQueue } from "./job-queue.js";
import { createWorkerSecurityGroup, type ExistingNetwork, resolveVpc } from "./network.js";
import { checkSecretAccounts, keySecrets } from "./secret-account.js";

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
  /** `pulumi destroy` deletes the job bucket (images and results). Default false: kept. */
  readonly destroyJobBucket?: boolean;
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
  /** The key secrets' ARNs, checked to be in the deploying account. */
  public readonly keySecretArns: pulumi.Output<string[]>;
  /** The sizing engine's whole-tier monthly estimate (no load balancer). */
  public readonly estimatedMonthlyCostUSD: number;
  /** The estimate's lines, and the commitments (RI, Savings Plans) that would lower it. */
  public readonly cost: TierCost;
  public readonly instanceType: string;

  constructor(name: string, args: BatchWorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = checkTierArgs(name, args, { loadBalancer: false });
    checkProductionZones(name, plan, args.network?.privateSubnetIds);
    const jobs = checkJobSettings(name, args, plan.type.vcpu);
    super(BATCH_WORKERS_TYPE, name, {}, opts);
    // biome-ignore lint/complexity/noUselessThisAlias: children are parented to the component
    const parent = this;
    const { tags } = plan;
    this.keySecretArns = checkSecretAccounts(name, keySecrets(args), parent);
    const { inputPrefix, resultsPrefix } = jobs;

    const { bucket, queue, deadLetters, workerStatements } = createJobQueue(
      name,
      jobs,
      tags,
      parent,
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
        secrets: plan.secrets,
        extraStatements: workerStatements,
        tags,
      },
      parent,
    );

    const { group, topic, alarms, dashboard, estimatedMonthlyUSD, cost } = createInstances(
      name,
      {
        args,
        plan,
        artifactSource: artifact.source,
        description: `flakeops ${name} batch workers`,
        instanceProfileArn: profile.arn,
        securityGroupId: securityGroup.id,
        subnetIds: vpc.privateSubnetIds,
        newVpc: args.network === undefined,
        alarmTargets: { queue: { queueName: queue.name, deadLetterQueueName: deadLetters.name } },
        batch: pulumi.all([queue.url, bucket.bucket]).apply(([queueUrl, bucketName]) => ({
          queueUrl,
          bucket: bucketName,
          inputPrefix,
          resultsPrefix,
          customerId: jobs.customerId,
          workers: jobs.workers,
        })),
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
    this.cost = cost;
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
      keySecretArns: this.keySecretArns,
      estimatedMonthlyCostUSD: this.estimatedMonthlyCostUSD,
      instanceType: this.instanceType,
    });
  }
}
