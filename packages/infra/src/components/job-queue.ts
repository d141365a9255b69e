import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";
import { checkBatchSettings } from "../host/batch-worker.js";
import { COST_TAG_KEY } from "../tier/plan.js";

/** 14 days, SQS's longest retention (SetQueueAttributes: MessageRetentionPeriod 60-1,209,600 s). */
const MAX_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The job bucket: private (every public-access block on), encrypted at rest, and kept by
 * `pulumi destroy` (the images and results are the user's) unless `destroyJobBucket` asks:
 * then emptied and deleted.
 */
function jobBucket(
  name: string,
  destroy: boolean,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    name,
    { forceDestroy: destroy, tags },
    { parent, retainOnDelete: !destroy },
  );
  new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent, retainOnDelete: !destroy },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
    { parent, retainOnDelete: !destroy },
  );
  return bucket;
}

/** What a batch tier's jobs are: where images go in and results come out, and how retries go. */
export interface JobSettings {
  readonly inputPrefix: string;
  readonly resultsPrefix: string;
  /** Worker processes per instance. */
  readonly workers: number;
  /** Seconds an image may take before its message is retried. */
  readonly jobTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** `customer_id` sent with each image. */
  readonly customerId: string;
  /** `pulumi destroy` deletes the job bucket and its images and results. Default: kept. */
  readonly destroyJobBucket: boolean;
}

export const JOB_DEFAULTS = {
  inputPrefix: "input/",
  resultsPrefix: "results/",
  jobTimeoutSeconds: 300,
  maxReceiveCount: 5,
  customerId: "batch",
} as const;

/** Default and check the job settings (one-line ConfigErrors), before anything is registered. */
export function checkJobSettings(
  name: string,
  args: Partial<JobSettings> & { readonly workersPerInstance?: number | undefined },
  vcpu: number,
): JobSettings {
  const settings: JobSettings = {
    inputPrefix: args.inputPrefix ?? JOB_DEFAULTS.inputPrefix,
    resultsPrefix: args.resultsPrefix ?? JOB_DEFAULTS.resultsPrefix,
    workers: args.workersPerInstance ?? vcpu,
    jobTimeoutSeconds: args.jobTimeoutSeconds ?? JOB_DEFAULTS.jobTimeoutSeconds,
    maxReceiveCount: args.maxReceiveCount ?? JOB_DEFAULTS.maxReceiveCount,
    customerId: args.customerId ?? JOB_DEFAULTS.customerId,
    destroyJobBucket: args.destroyJobBucket ?? false,
  };
  try {
    checkBatchSettings(settings);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
  const { jobTimeoutSeconds, maxReceiveCount } = settings;
  if (!Number.isInteger(jobTimeoutSeconds) || jobTimeoutSeconds < 30 || jobTimeoutSeconds > 43200) {
    throw new ConfigError(`${name}: jobTimeoutSeconds must be 30-43200; got ${jobTimeoutSeconds}`);
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw new ConfigError(`${name}: maxReceiveCount must be 1-1000; got ${maxReceiveCount}`);
  }
  return settings;
}

export interface JobQueue {
  readonly bucket: aws.s3.Bucket;
  readonly queue: aws.sqs.Queue;
  readonly deadLetters: aws.sqs.Queue;
  /** What the instance role may do with them: work this queue, read inputs, write results. */
  readonly workerStatements: pulumi.Output<object[]>;
}

/**
 * Jobs: a private bucket whose input prefix notifies a queue (S3 "object created" events);
 * messages that keep failing end in a dead-letter queue.
 */
export function createJobQueue(
  name: string,
  settings: JobSettings,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): JobQueue {
  const { inputPrefix, resultsPrefix } = settings;
  const bucket = jobBucket(`${name}-jobs`, settings.destroyJobBucket, tags, parent);
  const deadLetters = new aws.sqs.Queue(
    `${name}-jobs-dlq`,
    { messageRetentionSeconds: MAX_RETENTION_SECONDS, sqsManagedSseEnabled: true, tags },
    { parent },
  );
  const queue = new aws.sqs.Queue(
    `${name}-jobs`,
    {
      // Longer than one image may take, so a message is not handed out twice while in work.
      visibilityTimeoutSeconds: settings.jobTimeoutSeconds + 60,
      // SQS's maximum: unread S3 events survive two weeks of stopped workers (default: 4 days).
      messageRetentionSeconds: MAX_RETENTION_SECONDS,
      receiveWaitTimeSeconds: 20,
      sqsManagedSseEnabled: true,
      redrivePolicy: deadLetters.arn.apply((deadLetterTargetArn) =>
        JSON.stringify({ deadLetterTargetArn, maxReceiveCount: settings.maxReceiveCount }),
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
      queues: [{ queueArn: queue.arn, events: ["s3:ObjectCreated:*"], filterPrefix: inputPrefix }],
    },
    // S3 checks it may send before it accepts the notification.
    { parent, dependsOn: [queuePolicy] },
  );
  const workerStatements = pulumi.all([queue.arn, bucket.arn]).apply(([queueArn, bucketArn]) => [
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
    // A worker whose API or workers fail marks its own instance unhealthy, and the group
    // replaces it (EC2 health checks alone see only the machine). Only this tier's group.
    {
      Effect: "Allow",
      Action: ["autoscaling:SetInstanceHealth"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:ResourceTag/${COST_TAG_KEY}`]: name } },
    },
  ]);
  return { bucket, queue, deadLetters, workerStatements };
}
