import * as aws from "@pulumi/aws";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { amiQuery, lookupAmi } from "./ami.js";
import type { TierPlan } from "./plan.js";
import { createRefreshGate, type RefreshGateOptions } from "./refresh-gate.js";

export interface ComputeOptions {
  readonly plan: TierPlan;
  readonly description: string;
  readonly userData: pulumi.Output<string>;
  readonly amiId?: pulumi.Input<string> | undefined;
  readonly instanceProfileArn: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** IMDSv2 hop limit: 1 reaches the host; a container needs 2. */
  readonly metadataHopLimit: 1 | 2;
  /** Load-balancer target groups: then the group uses their (ELB) health checks. */
  readonly targetGroupArns?: pulumi.Input<string>[] | undefined;
  /** Where the group is (the refresh gate's AWS CLI calls go there). Default: the provider's. */
  readonly region?: pulumi.Input<string> | undefined;
  /**
   * `pulumi up` waits for the instance refresh and fails when it does not succeed (see
   * refresh-gate.ts). Default on; `false` skips it.
   */
  readonly refreshGate?: RefreshGateOptions | false | undefined;
}

/**
 * The launch template (the only resource the instance type flows into) and the group that runs
 * it, pinned to the template's latest version so a template change starts a rolling refresh.
 */
export function createCompute(
  name: string,
  opts: ComputeOptions,
  parent: pulumi.Resource,
): {
  launchTemplate: aws.ec2.LaunchTemplate;
  group: aws.autoscaling.Group;
  refreshGate: command.local.Command | undefined;
} {
  const { plan } = opts;
  // A pinned AMI brings its own root device name (/dev/sda1 on many images): mapping the
  // looked-up AMI's name instead would add a second volume and leave the root at its default.
  const ami = opts.amiId
    ? aws.ec2.getAmiOutput(
        { filters: [{ name: "image-id", values: [pulumi.output(opts.amiId)] }] },
        { parent },
      )
    : lookupAmi(amiQuery(plan.type), parent);
  const launchTemplate = new aws.ec2.LaunchTemplate(
    `${name}-lt`,
    {
      description: opts.description,
      imageId: ami.id,
      instanceType: plan.type.type,
      iamInstanceProfile: { arn: opts.instanceProfileArn },
      vpcSecurityGroupIds: [opts.securityGroupId],
      // IMDSv2 only.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: opts.metadataHopLimit,
      },
      blockDeviceMappings: [
        {
          deviceName: ami.rootDeviceName,
          ebs: {
            volumeSize: plan.volumeGiB,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      userData: opts.userData.apply((s) => Buffer.from(s, "utf8").toString("base64")),
      // Basic monitoring: the alarm rules use 300 s periods.
      monitoring: { enabled: false },
      updateDefaultVersion: true,
      tagSpecifications: [
        { resourceType: "instance", tags: { ...plan.tags, Name: name } },
        { resourceType: "volume", tags: plan.tags },
      ],
      tags: plan.tags,
    },
    { parent },
  );
  // A concrete version (not "$Latest"): the group sees the template change and starts the refresh.
  const version = launchTemplate.latestVersion.apply((v) => String(v));
  const { spot } = plan;
  const elb = opts.targetGroupArns !== undefined && opts.targetGroupArns.length > 0;

  const group = new aws.autoscaling.Group(
    `${name}-asg`,
    {
      vpcZoneIdentifiers: opts.subnetIds,
      minSize: plan.minSize,
      maxSize: plan.maxSize,
      desiredCapacity: plan.count,
      healthCheckType: elb ? "ELB" : "EC2",
      healthCheckGracePeriod: plan.warmupSeconds,
      defaultInstanceWarmup: plan.warmupSeconds,
      ...(elb ? { targetGroupArns: opts.targetGroupArns } : {}),
      ...(spot
        ? {
            capacityRebalance: true,
            mixedInstancesPolicy: {
              instancesDistribution: {
                onDemandBaseCapacity: spot.onDemandBaseCapacity ?? 0,
                onDemandPercentageAboveBaseCapacity: 0,
                spotAllocationStrategy: "price-capacity-optimized",
              },
              launchTemplate: {
                launchTemplateSpecification: { launchTemplateId: launchTemplate.id, version },
                ...(plan.alternativeTypes.length > 0
                  ? {
                      overrides: [plan.type.type, ...plan.alternativeTypes].map((instanceType) => ({
                        instanceType,
                      })),
                    }
                  : {}),
              },
            },
          }
        : { launchTemplate: { id: launchTemplate.id, version } }),
      // Terraform's provider (which @pulumi/aws wraps) starts the refresh and returns; it waits
      // for capacity only on create and on desired/min size changes
      // (terraform-provider-aws internal/service/autoscaling/group.go: resourceGroupUpdate sets
      // shouldWaitForCapacity for desired_capacity and min_size; startInstanceRefresh does not
      // wait): the refresh gate below makes `pulumi up` wait for it. No autoRollback: the
      // provider updates the group's template before starting the refresh, so a rollback lands
      // on the new version (terraform-provider-aws#34189).
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: plan.minHealthyPercentage,
          // AWS: max - min <= 100, max 100-200 (RefreshPreferences).
          maxHealthyPercentage: Math.min(200, plan.minHealthyPercentage + 100),
          instanceWarmup: String(plan.warmupSeconds),
        },
      },
      // The first `pulumi up` (and every capacity change) waits until this many instances pass
      // the target group's health checks, and fails after waitForCapacityTimeout otherwise.
      ...(elb ? { waitForElbCapacity: plan.minSize } : {}),
      enabledMetrics: [
        "GroupDesiredCapacity",
        "GroupInServiceInstances",
        "GroupPendingInstances",
        "GroupTotalInstances",
      ],
      waitForCapacityTimeout: "15m",
      tags: Object.entries({ ...plan.tags, Name: name }).map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: true,
      })),
    },
    // Scaling policies move the desired capacity; a later `pulumi up` must not undo them.
    { parent, ignoreChanges: ["desiredCapacity"] },
  );
  const refreshGate =
    opts.refreshGate === false
      ? undefined
      : createRefreshGate(
          name,
          {
            group,
            launchTemplateId: launchTemplate.id,
            launchTemplateVersion: version,
            // The provider's region, not TierArgs.region (which only prices and labels).
            region: opts.region ?? aws.getRegionOutput({}, { parent }).region,
            options: opts.refreshGate,
          },
          parent,
        );
  return { launchTemplate, group, refreshGate };
}

/** The deploy region: the one given, else the provider's. */
export function regionOf(
  region: string | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  return region ? pulumi.output(region) : aws.getRegionOutput({}, { parent }).region;
}
