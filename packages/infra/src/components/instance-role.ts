import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SecretRef } from "../host/api-keys.js";

export interface InstanceRoleOptions {
  /**
   * S3 the instances may read: objects (the API artifact, the models prefix) and buckets to
   * list (for `aws s3 sync` of the models). Absent: no S3 access at all (a container-only tier).
   */
  readonly s3Read?:
    | {
        readonly objectArns: pulumi.Input<pulumi.Input<string>[]>;
        readonly bucketArns: pulumi.Input<pulumi.Input<string>[]>;
      }
    | undefined;
  /** Also pull images from ECR (only when the artifact is an ECR image). */
  readonly ecrPull: boolean;
  /** Secrets the host reads its API/admin keys from (the only ones it may read). */
  readonly secrets?: readonly SecretRef[] | undefined;
  /** More policy statements (e.g. a batch tier's queue and job bucket). */
  readonly extraStatements?: pulumi.Output<object[]> | undefined;
  readonly tags: Record<string, string>;
}

/**
 * The one managed policy the instances get: the CloudWatch agent's (cloudwatch:PutMetricData,
 * logs to its own groups, ec2:DescribeTags/Volumes for dimensions, and ssm:GetParameter only
 * on `parameter/AmazonCloudWatch-*`, the agent's own config). AmazonSSMManagedInstanceCore is
 * not attached: it allows ssm:GetParameter(s) on every parameter of the account; the Session
 * Manager statements below replace it.
 */
export const INSTANCE_MANAGED_POLICIES = ["CloudWatchAgentServerPolicy"] as const;

/**
 * Session Manager (operators' shell instead of SSH), per AWS's "Create a custom IAM role for
 * Session Manager" (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html):
 * the agent registers the node (ssm:UpdateInstanceInformation) and opens its channels
 * (ssmmessages:*Channel). These actions take no resource-level scoping, hence "*".
 */
export const SESSION_MANAGER_STATEMENT = {
  Effect: "Allow",
  Action: [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
  ],
  Resource: "*",
} as const;

/** Read exactly the configured secrets (a Secrets Manager ARN may omit its 6-character suffix). */
export function secretReadStatements(secrets: readonly SecretRef[]): object[] {
  const ssm = secrets.filter((s) => s.service === "ssm").map((s) => s.arn);
  const sm = secrets.filter((s) => s.service === "secretsmanager").map((s) => s.arn);
  return [
    ...(ssm.length > 0 ? [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ssm }] : []),
    ...(sm.length > 0
      ? [
          {
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue"],
            Resource: sm.flatMap((arn) => [arn, `${arn}-??????`]),
          },
        ]
      : []),
  ];
}

/** The instance role and profile: nothing beyond what the node needs to boot, serve and report. */
export function createInstanceProfile(
  name: string,
  opts: InstanceRoleOptions,
  parent: pulumi.Resource,
): { role: aws.iam.Role; profile: aws.iam.InstanceProfile } {
  const role = new aws.iam.Role(
    `${name}-instance`,
    {
      description: "flakeops inference instances",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      tags: opts.tags,
    },
    { parent },
  );
  const managed: string[] = [...INSTANCE_MANAGED_POLICIES];
  if (opts.ecrPull) managed.push("AmazonEC2ContainerRegistryReadOnly");
  // AWS-managed policy ARNs carry the partition (aws, aws-cn, aws-us-gov).
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  managed.forEach((policy, i) => {
    new aws.iam.RolePolicyAttachment(
      `${name}-instance-${i}`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`,
      },
      { parent },
    );
  });

  new aws.iam.RolePolicy(
    `${name}-node`,
    {
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [SESSION_MANAGER_STATEMENT, ...secretReadStatements(opts.secrets ?? [])],
      }),
    },
    { parent },
  );

  if (opts.s3Read) {
    new aws.iam.RolePolicy(
      `${name}-artifact-read`,
      {
        role: role.id,
        policy: pulumi
          .all([opts.s3Read.objectArns, opts.s3Read.bucketArns])
          .apply(([objects, buckets]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: objects },
                ...(buckets.length > 0
                  ? [{ Effect: "Allow", Action: ["s3:ListBucket"], Resource: buckets }]
                  : []),
              ],
            }),
          ),
      },
      { parent },
    );
  }

  if (opts.extraStatements) {
    new aws.iam.RolePolicy(
      `${name}-jobs`,
      {
        role: role.id,
        policy: opts.extraStatements.apply((Statement) =>
          JSON.stringify({ Version: "2012-10-17", Statement }),
        ),
      },
      { parent },
    );
  }

  const profile = new aws.iam.InstanceProfile(
    `${name}-instance`,
    { role: role.name, tags: opts.tags },
    { parent },
  );
  return { role, profile };
}
