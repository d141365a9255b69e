import {
  ALARM_RULES,
  DEFAULT_REGION,
  estimateTierCost,
  getInstanceType,
  type PricingModel,
} from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "./alarms.js";
import { amiQuery, lookupAmi } from "./ami.js";
import { type ArtifactArg, checkArtifact, parseS3Uri, resolveArtifact, s3Arn } from "./artifact.js";
import { createBudget } from "./budget.js";
import { ConfigError } from "./config.js";
import { createDashboard } from "./dashboard.js";
import { createInstanceProfile } from "./iam.js";
import { createNetwork, type ExistingNetwork } from "./network.js";
import { createTopic } from "./notifications.js";
import { isS3Uri, renderUserData } from "./user-data.js";

export const INFERENCE_SERVICE_TYPE = "flakeops:infra:InferenceService";

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

export interface InferenceServiceArgs {
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
  /** Run on spot through a mixed-instances policy with capacity rebalancing. Default false. */
  readonly spot?: boolean | SpotOptions;
  /** What the instances run (see ArtifactArg). */
  readonly artifact: ArtifactArg;
  /** `s3://bucket/prefix` of model files synced to the instances at boot. Default: none. */
  readonly modelsUri?: string;
  /** Extra environment for the API process. */
  readonly environment?: Readonly<Record<string, string>>;
  /** An existing VPC; default: a new two-AZ VPC (awsx) with private instance subnets. */
  readonly network?: ExistingNetwork;
  /** ACM certificate: HTTPS on 443 (and 80 redirects to it). Default: plain HTTP on 80. */
  readonly certificateArn?: pulumi.Input<string>;
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

/**
 * The detection API on one sizing tier: a load balancer (the only public entry) in front of an
 * auto-scaling group of private instances, the guide's alarms driving step scaling, a
 * dashboard, an alert topic and a budget. Changing `instanceType` updates the launch template
 * and rolls the group through an instance refresh; the group itself is never replaced.
 */
export class InferenceService extends pulumi.ComponentResource {
  /** http(s)://<load balancer DNS name> */
  public readonly url: pulumi.Output<string>;
  public readonly groupName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly dashboardName: pulumi.Output<string>;
  public readonly topicArn: pulumi.Output<string>;
  public readonly launchTemplateId: pulumi.Output<string>;
  /** The sizing engine's whole-tier monthly estimate (instances, volumes, ALB, alarms, dashboard). */
  public readonly estimatedMonthlyCostUSD: number;
  public readonly instanceType: string;

  constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is checked before anything is registered: bad input fails the preview cleanly.
    const {
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
    } = checkArgs(name, args);
    super(INFERENCE_SERVICE_TYPE, name, {}, opts);

    const tags = { ...args.tags, [COST_TAG_KEY]: name };
    // biome-ignore lint/complexity/noUselessThisAlias: children are parented to the component
    const parent = this;

    // Network, identity, artifact.
    const listenerPorts = args.certificateArn ? [80, 443] : [80];
    const network = createNetwork(
      name,
      { existing: args.network, listenerPorts, appPort, tags },
      parent,
    );
    const artifact = resolveArtifact(name, args.artifact, tags, parent);
    const models = args.modelsUri ? parseS3Uri(args.modelsUri) : undefined;
    const partition = aws.getPartitionOutput({}, { parent }).partition;
    const objectArns = pulumi
      .all([artifact.s3Read?.objectArns ?? [], partition])
      .apply(([objects, p]) =>
        models ? [...objects, s3Arn(p, models.bucket, `${models.key}*`)] : objects,
      );
    const bucketArns = partition.apply((p) => (models ? [s3Arn(p, models.bucket)] : []));
    const { profile } = createInstanceProfile(
      name,
      {
        s3Read: artifact.s3Read || models ? { objectArns, bucketArns } : undefined,
        ecrPull: artifact.ecrPull,
        tags,
      },
      parent,
    );

    // Load balancer: the only public entry; health checks on the API's /health.
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [network.albSecurityGroup.id],
        subnets: network.publicSubnetIds,
        dropInvalidHeaderFields: true,
        // Large microscope images upload slowly; detection itself is bounded by the API.
        idleTimeout: 120,
        tags,
      },
      { parent },
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        port: appPort,
        protocol: "HTTP",
        targetType: "instance",
        vpcId: network.vpcId,
        deregistrationDelay: 30,
        healthCheck: {
          path: DEFAULTS.healthCheckPath,
          port: "traffic-port",
          protocol: "HTTP",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags,
      },
      { parent },
    );
    if (args.certificateArn) {
      new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: alb.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          certificateArn: args.certificateArn,
          defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent },
      );
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            {
              type: "redirect",
              redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
            },
          ],
        },
        { parent },
      );
    } else {
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent },
      );
    }

    // Launch template: the only resource the instance type flows into.
    const region = args.region
      ? pulumi.output(args.region)
      : aws.getRegionOutput({}, { parent }).region;
    const ami = lookupAmi(amiQuery(type), parent);
    const userData = pulumi.all([artifact.source, region]).apply(([source, r]) =>
      renderUserData({
        artifact: source,
        port: appPort,
        region: r,
        modelsUri: args.modelsUri,
        environment: args.environment,
        gpu: type.gpu !== null,
      }),
    );
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `flakeops ${name} inference instances`,
        imageId: args.amiId ?? ami.id,
        instanceType: type.type,
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: [network.instanceSecurityGroup.id],
        // IMDSv2 only. One hop reaches the host; a container needs a second.
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: "image" in args.artifact ? 2 : 1,
        },
        blockDeviceMappings: [
          {
            deviceName: ami.rootDeviceName,
            ebs: {
              volumeSize: volumeGiB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        userData: userData.apply((s) => Buffer.from(s, "utf8").toString("base64")),
        // Basic monitoring: the alarm rules use 300 s periods.
        monitoring: { enabled: false },
        updateDefaultVersion: true,
        tagSpecifications: [
          { resourceType: "instance", tags: { ...tags, Name: name } },
          { resourceType: "volume", tags },
        ],
        tags,
      },
      { parent },
    );
    // A concrete version (not "$Latest"): the group sees the template change and starts the refresh.
    const launchTemplateVersion = launchTemplate.latestVersion.apply((v) => String(v));

    const group = new aws.autoscaling.Group(
      `${name}-asg`,
      {
        vpcZoneIdentifiers: network.privateSubnetIds,
        minSize,
        maxSize,
        desiredCapacity: count,
        healthCheckType: "ELB",
        healthCheckGracePeriod: warmupSeconds,
        defaultInstanceWarmup: warmupSeconds,
        targetGroupArns: [targetGroup.arn],
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
                  launchTemplateSpecification: {
                    launchTemplateId: launchTemplate.id,
                    version: launchTemplateVersion,
                  },
                  ...(alternativeTypes.length > 0
                    ? {
                        overrides: [type.type, ...alternativeTypes].map((instanceType) => ({
                          instanceType,
                        })),
                      }
                    : {}),
                },
              },
            }
          : { launchTemplate: { id: launchTemplate.id, version: launchTemplateVersion } }),
        instanceRefresh: {
          strategy: "Rolling",
          preferences: {
            minHealthyPercentage: args.minHealthyPercentage ?? DEFAULTS.minHealthyPercentage,
            maxHealthyPercentage: 200,
            instanceWarmup: String(warmupSeconds),
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
        tags: Object.entries({ ...tags, Name: name }).map(([key, value]) => ({
          key,
          value,
          propagateAtLaunch: true,
        })),
      },
      // Scaling policies move the desired capacity; a later `pulumi up` must not undo them.
      { parent, ignoreChanges: ["desiredCapacity"] },
    );

    // Alarms, notifications, dashboard, budget.
    const topic = createTopic(name, args.alarmEmail, tags, parent);
    const alarms = createAlarms(
      name,
      { groupName: group.name, topicArn: topic.arn, warmupSeconds, tags },
      parent,
    );
    const dashboard = createDashboard(name, dashboardNameFor(name), region, group.name, parent);
    const estimate = estimateCost(
      {
        instanceType: type.type,
        count,
        pricing,
        volumeGiB,
        loadBalancer: true,
        alarms: ALARM_RULES.length,
        dashboard: true,
      },
      args.region,
      parent,
    );
    createBudget(
      name,
      {
        estimatedMonthlyUSD: estimate.monthlyUSD,
        marginFraction: args.budgetMargin ?? DEFAULTS.budgetMargin,
        topicArn: topic.arn,
        email: args.alarmEmail,
        costTag: { key: COST_TAG_KEY, value: name },
      },
      parent,
    );

    this.instanceType = type.type;
    this.url = pulumi.interpolate`${args.certificateArn ? "https" : "http"}://${alb.dnsName}`;
    this.groupName = group.name;
    this.alarmNames = pulumi.all(alarms.map((a) => a.alarm.name));
    this.dashboardName = dashboard.dashboardName;
    this.topicArn = topic.arn;
    this.launchTemplateId = launchTemplate.id;
    this.estimatedMonthlyCostUSD = estimate.monthlyUSD;
    this.registerOutputs({
      url: this.url,
      groupName: this.groupName,
      alarmNames: this.alarmNames,
      dashboardName: this.dashboardName,
      topicArn: this.topicArn,
      launchTemplateId: this.launchTemplateId,
      estimatedMonthlyCostUSD: this.estimatedMonthlyCostUSD,
      instanceType: this.instanceType,
    });
  }
}

/** Validate and default the args (one-line ConfigErrors). */
function checkArgs(name: string, args: InferenceServiceArgs) {
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
  };
}

/** Dashboard names are global per account and region: scope them by project, stack and component. */
export function dashboardNameFor(name: string): string {
  return `flakeops-${pulumi.getProject()}-${pulumi.getStack()}-${name}`
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 255);
}

function getTypeOrFail(type: string, what: string): ReturnType<typeof getInstanceType> {
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

/** Sizing's typed errors become one-line preview failures. */
function sizingOrFail<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.name === "SizingError")
      throw new ConfigError(`${what}: ${e.message}`);
    throw e;
  }
}
