import {
  ALARM_RULES,
  DEFAULT_REGION,
  estimateTierCost,
  getInstanceType,
  type InstanceType,
  type PricingModel,
} from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms, type TierAlarm } from "./alarms.js";
import { amiQuery, lookupAmi } from "./ami.js";
import { type ArtifactArg, checkArtifact } from "./artifact.js";
import { createBudget } from "./budget.js";
import { ConfigError, sizingOrFail } from "./config.js";
import { createDashboard } from "./dashboard.js";
import { createTopic } from "./notifications.js";
import { isS3Uri } from "./user-data.js";

/**
 * What every deployable shape shares: a sized auto-scaling group behind a launch template (the
 * only place the instance type goes), the rule-table alarms and scaling, the topic, the
 * dashboard and the budget.
 */

/** Spot capacity for batch or non-critical tiers (the seed: "risk of interruption"). */
export interface SpotOptions {
  /**
   * More instance types the group may use when the primary's spot pool is short (same
   * architecture). Default: none, the launch template's type only.
   */
  readonly alternativeTypes?: readonly string[];
  /** Instances kept on-demand under the spot ones. Default 0. */
  readonly onDemandBaseCapacity?: number;
}

export interface TierArgs {
  /** EC2 type, from the sizing catalog (`resolveTier` gives one). Changing it rolls the group. */
  readonly instanceType: string;
  /** Desired instances. Default: minSize, else 1. */
  readonly count?: number;
  /** Default: count. */
  readonly minSize?: number;
  /** Default: max(2 x count, count + 1), room for the scale-out alarms. */
  readonly maxSize?: number;
  /** Billing basis for the cost estimate. Default "spot" when spot, else "on-demand". */
  readonly pricing?: PricingModel;
  /** Run on spot through a mixed-instances policy with capacity rebalancing. */
  readonly spot?: boolean | SpotOptions;
  /** What the instances run (see ArtifactArg). */
  readonly artifact: ArtifactArg;
  /** `s3://bucket/prefix` of model files synced to the instances at boot. Default: none. */
  readonly modelsUri?: string;
  /** Extra environment for the API process. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The API's port on the instances. Default 5000 (the service's contract). */
  readonly appPort?: number;
  /** gp3 root volume, GiB, encrypted. Default 200 (the seed). */
  readonly volumeGiB?: number;
  /** Pin an AMI instead of the newest Amazon Linux 2023 / Deep Learning Base AMI. */
  readonly amiId?: pulumi.Input<string>;
  /** Seconds from launch until an instance serves and its metrics count. Default 300. */
  readonly warmupSeconds?: number;
  /** Instance refresh: share of capacity kept in service while rolling. Default 100 (launch before terminate). */
  readonly minHealthyPercentage?: number;
  /** E-mail subscribed to alarm and budget notifications. Default: none (topic only). */
  readonly alarmEmail?: string;
  /** Budget alert at the estimate x (1 + margin). Default 0.2. */
  readonly budgetMargin?: number;
  /** Region for the cost estimate and dashboard. Default: the provider's region. */
  readonly region?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export const DEFAULTS = {
  appPort: 5000,
  volumeGiB: 200,
  warmupSeconds: 300,
  minHealthyPercentage: 100,
  budgetMargin: 0.2,
  healthCheckPath: "/health",
} as const;

/** The tag that attributes costs to a tier (activate it as a cost-allocation tag for the budget). */
export const COST_TAG_KEY = "flakeops:service";

/** Checked and defaulted tier args. */
export interface TierPlan {
  readonly type: InstanceType;
  readonly appPort: number;
  readonly volumeGiB: number;
  readonly warmupSeconds: number;
  readonly count: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly spot: SpotOptions | undefined;
  readonly alternativeTypes: readonly string[];
  readonly pricing: PricingModel;
  readonly tags: Record<string, string>;
}

/** Validate and default the args (one-line ConfigErrors), before anything is registered. */
export function checkTierArgs(name: string, args: TierArgs): TierPlan {
  // Child names derive from it; the ALB and target group names (32 characters with
  // auto-naming's suffix) and the artifact bucket (lowercase) bound it.
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(name)) {
    throw new ConfigError(
      `component name "${name}" must be 1-20 lowercase letters, digits or dashes, starting with a letter`,
    );
  }
  const type = getTypeOrFail(args.instanceType, "instanceType");
  const appPort = args.appPort ?? DEFAULTS.appPort;
  const volumeGiB = args.volumeGiB ?? DEFAULTS.volumeGiB;
  const warmupSeconds = args.warmupSeconds ?? DEFAULTS.warmupSeconds;
  const count = args.count ?? args.minSize ?? 1;
  const minSize = args.minSize ?? count;
  const maxSize = args.maxSize ?? Math.max(count * 2, count + 1);
  const whole = [count, minSize, maxSize].every(Number.isInteger);
  if (!(whole && minSize >= 0 && minSize <= count && count <= maxSize && maxSize >= 1)) {
    throw new ConfigError(
      `${name}: need whole numbers minSize <= count <= maxSize; got ${minSize}, ${count}, ${maxSize}`,
    );
  }
  if (!Number.isInteger(volumeGiB) || volumeGiB < 8 || volumeGiB > 16384) {
    throw new ConfigError(`${name}: volumeGiB must be a whole number 8-16384; got ${volumeGiB}`);
  }
  if (!Number.isInteger(appPort) || appPort < 1 || appPort > 65535) {
    throw new ConfigError(`${name}: appPort must be 1-65535; got ${appPort}`);
  }
  if (args.modelsUri !== undefined && !isS3Uri(args.modelsUri)) {
    throw new ConfigError(
      `${name}: modelsUri must be an s3://bucket/prefix URI; got "${args.modelsUri}"`,
    );
  }
  try {
    checkArtifact(args.artifact);
  } catch (e) {
    throw e instanceof Error && e.name === "ArtifactError"
      ? new ConfigError(`${name}: ${e.message}`)
      : e;
  }
  if (type.arch === "arm64" && "path" in args.artifact) {
    // The bundle's native modules (sharp, onnxruntime-node) are built for the machine that bundled it.
    pulumi.log.warn(
      `${name}: ${type.type} is arm64; bundle the API on an arm64 machine, or pass a multi-arch container image`,
    );
  }
  const spot: SpotOptions | undefined = args.spot === true ? {} : args.spot || undefined;
  const alternativeTypes = (spot?.alternativeTypes ?? []).map((t) => {
    const alt = getTypeOrFail(t, "spot.alternativeTypes");
    if (alt.arch !== type.arch) {
      throw new ConfigError(
        `${name}: spot alternative ${t} is ${alt.arch}, ${type.type} is ${type.arch}; one AMI serves one architecture`,
      );
    }
    return alt.type;
  });
  const pricing: PricingModel = args.pricing ?? (spot ? "spot" : "on-demand");
  const tags = { ...args.tags, [COST_TAG_KEY]: name };
  return {
    type,
    appPort,
    volumeGiB,
    warmupSeconds,
    count,
    minSize,
    maxSize,
    spot,
    alternativeTypes,
    pricing,
    tags,
  };
}

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
  readonly minHealthyPercentage?: number | undefined;
}

/**
 * The launch template (the only resource the instance type flows into) and the group that runs
 * it, pinned to the template's latest version so a template change starts a rolling refresh.
 */
export function createCompute(
  name: string,
  opts: ComputeOptions,
  parent: pulumi.Resource,
): { launchTemplate: aws.ec2.LaunchTemplate; group: aws.autoscaling.Group } {
  const { plan } = opts;
  const ami = lookupAmi(amiQuery(plan.type), parent);
  const launchTemplate = new aws.ec2.LaunchTemplate(
    `${name}-lt`,
    {
      description: opts.description,
      imageId: opts.amiId ?? ami.id,
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
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: opts.minHealthyPercentage ?? DEFAULTS.minHealthyPercentage,
          maxHealthyPercentage: 200,
          instanceWarmup: String(plan.warmupSeconds),
          // New instances that never turn healthy roll the group back to the previous template.
          autoRollback: true,
        },
      },
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
  return { launchTemplate, group };
}

export interface MonitoringOptions {
  readonly plan: TierPlan;
  readonly groupName: pulumi.Output<string>;
  readonly region: pulumi.Input<string>;
  /** Whether the tier has a load balancer (it is in the estimate). */
  readonly loadBalancer: boolean;
  readonly alarmEmail?: string | undefined;
  readonly budgetMargin?: number | undefined;
  /** The region the estimate prices in; default the sizing engine's. */
  readonly pricingRegion?: string | undefined;
}

export interface Monitoring {
  readonly topic: aws.sns.Topic;
  readonly alarms: TierAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly estimatedMonthlyUSD: number;
}

/** The rule-table alarms and scaling policies, the topic, the dashboard and the budget. */
export function createMonitoring(
  name: string,
  opts: MonitoringOptions,
  parent: pulumi.Resource,
): Monitoring {
  const { plan } = opts;
  const topic = createTopic(name, opts.alarmEmail, plan.tags, parent);
  const alarms = createAlarms(
    name,
    {
      groupName: opts.groupName,
      topicArn: topic.arn,
      warmupSeconds: plan.warmupSeconds,
      tags: plan.tags,
    },
    parent,
  );
  const dashboard = createDashboard(
    name,
    dashboardNameFor(name),
    opts.region,
    opts.groupName,
    parent,
  );
  const estimate = estimateCost(
    {
      instanceType: plan.type.type,
      count: plan.count,
      pricing: plan.pricing,
      volumeGiB: plan.volumeGiB,
      loadBalancer: opts.loadBalancer,
      alarms: ALARM_RULES.length,
      dashboard: true,
    },
    opts.pricingRegion,
    parent,
  );
  createBudget(
    name,
    {
      estimatedMonthlyUSD: estimate.monthlyUSD,
      marginFraction: opts.budgetMargin ?? DEFAULTS.budgetMargin,
      topicArn: topic.arn,
      email: opts.alarmEmail,
      costTag: { key: COST_TAG_KEY, value: name },
    },
    parent,
  );
  return { topic, alarms, dashboard, estimatedMonthlyUSD: estimate.monthlyUSD };
}

/** The deploy region: the one given, else the provider's. */
export function regionOf(
  region: string | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  return region ? pulumi.output(region) : aws.getRegionOutput({}, { parent }).region;
}

/** Dashboard names are global per account and region: scope them by project, stack and component. */
export function dashboardNameFor(name: string): string {
  return `flakeops-${pulumi.getProject()}-${pulumi.getStack()}-${name}`
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 255);
}

function getTypeOrFail(type: string, what: string): InstanceType {
  return sizingOrFail(what, () => getInstanceType(type));
}

/**
 * The sizing engine's estimate in the tier's region; where it has no price book, the default
 * region's prices stand in (with a warning), so deploying elsewhere still gets a budget.
 */
function estimateCost(
  input: Parameters<typeof estimateTierCost>[0],
  region: string | undefined,
  parent: pulumi.Resource,
): ReturnType<typeof estimateTierCost> {
  if (region !== undefined) {
    try {
      return estimateTierCost({ ...input, region });
    } catch (e) {
      if (!(e instanceof Error && (e as { code?: string }).code === "UNKNOWN_REGION")) throw e;
      pulumi.log.warn(
        `sizing has no prices for ${region}; the estimate and budget use ${DEFAULT_REGION}'s`,
        parent,
      );
    }
  }
  return sizingOrFail("cost estimate", () => estimateTierCost(input));
}
