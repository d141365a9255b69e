import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
  /** More policy statements (e.g. a batch tier's queue and job bucket). */
  readonly extraStatements?: pulumi.Output<object[]> | undefined;
  readonly tags: Record<string, string>;
}

/** The managed policies the instances get: Session Manager (instead of SSH) and the CloudWatch agent. */
export const INSTANCE_MANAGED_POLICIES = [
  "AmazonSSMManagedInstanceCore",
  "CloudWatchAgentServerPolicy",
] as const;

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
