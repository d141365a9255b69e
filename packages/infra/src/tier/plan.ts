import { DEFAULT_PORT, HEALTH_PATH } from "@flakeops/api/contract";
import {
  DEFAULT_BATCH_DEADLINE_SECONDS,
  DEFAULT_P95_LATENCY_MS,
  getInstanceType,
  type InstanceType,
  PRODUCTION_MIN_INSTANCES,
  type PricingModel,
  type WorkTrackingRule,
} from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";
import { isS3Uri } from "../aws-names.js";
import { ConfigError, ProductionCapacityError, sizingOrFail } from "../errors.js";
import { parseSecretArn, type SecretRef } from "../host/api-keys.js";
import { type ArtifactArg, checkArtifact } from "./artifact.js";
import { checkGpuUse } from "./gpu-use.js";
import type { RefreshGateOptions } from "./refresh-gate.js";

/**
 * A tier's args and their checked, defaulted form (the plan) that every deployable shape
 * builds from: compute.ts turns it into the launch template and group, monitoring.ts into the
 * alarms, topic, dashboard and budget.
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
  /**
   * Model ids the tier serves (`<kind>-<name>`, e.g. M2F-Graphene). A GPU type needs at least
   * one ONNX kind among them. Default: none declared (the API's embedded GMM, CPU-only).
   */
  readonly models?: readonly string[];
  /** Deploy a GPU type for CPU-only models anyway (a warning gives the wasted $/month). */
  readonly allowCpuOnlyModels?: boolean;
  /** The workload the tier is sized for, images an hour (ALB capacity units in the estimate). */
  readonly imagesPerHour?: number;
  /** Average CPU at that load, percent (T3 unlimited surplus in the estimate). */
  readonly averageCpuPercent?: number;
  /**
   * Bytes per request at that load, upload + answer (ALB capacity units in the estimate).
   * Default: the sizing engine's DEFAULT_BYTES_PER_IMAGE; resolveTier passes the sizing answer's.
   */
  readonly bytesPerImage?: number;
  /**
   * Scale on the load balancer's requests per target instead of CPU: the sizing answer's
   * `scalingRule` (`recommendForWorkload`; `resolveTier` passes it), which a memory-bound tier
   * or one running fewer workers than vCPUs gets. It replaces the cpu-high and cpu-low step
   * scaling (CPU would not show the load) with one target-tracking policy. Needs a load
   * balancer. Default: none, CPU step scaling.
   */
  readonly scalingRule?: WorkTrackingRule | null;
  /**
   * Production: at least PRODUCTION_MIN_INSTANCES (2) instances, spread over at least two
   * availability zones (the group's subnets), so losing one leaves the API serving. A smaller
   * count or minSize, or a network of one subnet, fails the preview. Default false.
   */
  readonly production?: boolean;
  /**
   * Hours a day the group runs `count` instances (the peak); the rest of the day it runs
   * `minSize`. Prices the autoscaled day in the estimate as @flakeops/sizing does
   * (`recommendForWorkload`'s peakHoursPerDay). Default: none, `count` all month.
   */
  readonly peakHoursPerDay?: number;
  /**
   * Detector workers each instance's API runs (its FLAKEOPS_WORKERS). Default: the API's own,
   * one per vCPU. `resolveTier` passes the sizing answer's `workersPerInstance`: a memory-bound
   * tier runs fewer workers than vCPUs, since each worker holds the model.
   */
  readonly workersPerInstance?: number;
  /** ARN of the API keys' secret (SSM SecureString or Secrets Manager); the role may read only it. */
  readonly apiKeysSecretArn?: string;
  /** ARN of the admin keys' secret (model management), likewise. */
  readonly adminKeysSecretArn?: string;
  /** Extra environment for the API process. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The API's port on the instances. Default: the service's DEFAULT_PORT (its contract). */
  readonly appPort?: number;
  /** gp3 root volume, GiB, encrypted. Default 200 (the seed). */
  readonly volumeGiB?: number;
  /**
   * `pulumi up` waits for each instance refresh and fails with AWS's reason when it fails
   * (needs bash and the AWS CLI v2 where `pulumi up` runs). Default: on, 30 minutes; false: off.
   */
  readonly refreshGate?: RefreshGateOptions | false;
  /** Pin an AMI instead of the newest Amazon Linux 2023 / Deep Learning Base AMI. */
  readonly amiId?: pulumi.Input<string>;
  /** Seconds from launch until an instance serves and its metrics count. Default 300. */
  readonly warmupSeconds?: number;
  /** Instance refresh: share of capacity kept in service while rolling. Default 100 (launch before terminate). */
  readonly minHealthyPercentage?: number;
  /** The p95 latency the tier is sized for (latency-high alarms above it). Default: the sizing engine's. */
  readonly p95TargetMs?: number;
  /** Seconds a queued job may wait before oldest-job pages. Default: the rule table's. */
  readonly batchDeadlineSeconds?: number;
  /** E-mail subscribed to alarm and budget notifications. Default: none (topic only). */
  readonly alarmEmail?: string;
  /** Budget alert at the estimate x (1 + margin). Default 0.2. */
  readonly budgetMargin?: number;
  /** Region for the cost estimate and dashboard. Default: the provider's region. */
  readonly region?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export const DEFAULTS = {
  appPort: DEFAULT_PORT,
  volumeGiB: 200,
  warmupSeconds: 300,
  minHealthyPercentage: 100,
  budgetMargin: 0.2,
  healthCheckPath: HEALTH_PATH,
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
  readonly minHealthyPercentage: number;
  /** The secrets the hosts read their keys from. */
  readonly secrets: readonly SecretRef[];
  readonly p95TargetMs: number;
  readonly batchDeadlineSeconds: number;
  readonly imagesPerHour?: number | undefined;
  readonly averageCpuPercent?: number | undefined;
  readonly bytesPerImage: number | undefined;
  readonly scalingRule: WorkTrackingRule | undefined;
  readonly production: boolean;
  readonly peakHoursPerDay: number | undefined;
  readonly tags: Record<string, string>;
}

/**
 * Validate and default the args (one-line ConfigErrors), before anything is registered.
 * `loadBalancer`: the tier is behind one (a work-tracking scaling rule needs it).
 */
export function checkTierArgs(
  name: string,
  args: TierArgs,
  shape: { readonly loadBalancer: boolean } = { loadBalancer: true },
): TierPlan {
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
  const workers = args.workersPerInstance;
  if (
    workers !== undefined &&
    !(Number.isInteger(workers) && workers >= 1 && workers <= type.vcpu)
  ) {
    throw new ConfigError(
      `${name}: workersPerInstance must be a whole number 1-${type.vcpu} (the ${type.type}'s vCPUs); got ${workers}`,
    );
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
    // A local bundle must carry this tier's native binaries (sharp, onnxruntime-node).
    checkArtifact(args.artifact, type.arch);
  } catch (e) {
    throw e instanceof Error && e.name === "ArtifactError"
      ? new ConfigError(`${name}: ${e.message}`)
      : e;
  }
  const minHealthyPercentage = args.minHealthyPercentage ?? DEFAULTS.minHealthyPercentage;
  if (
    !Number.isInteger(minHealthyPercentage) ||
    minHealthyPercentage < 0 ||
    minHealthyPercentage > 100
  ) {
    // AWS RefreshPreferences: MinHealthyPercentage 0-100 (max is min + 100, at most 200).
    throw new ConfigError(
      `${name}: minHealthyPercentage must be a whole number 0-100; got ${minHealthyPercentage}`,
    );
  }
  if (args.bytesPerImage !== undefined && !(args.bytesPerImage > 0)) {
    throw new ConfigError(
      `${name}: bytesPerImage must be a positive number of bytes; got ${args.bytesPerImage}`,
    );
  }
  const production = args.production ?? false;
  if (production && minSize < PRODUCTION_MIN_INSTANCES) {
    throw new ProductionCapacityError(
      `${name}: production needs at least ${PRODUCTION_MIN_INSTANCES} instances in ${PRODUCTION_MIN_INSTANCES} availability zones; got minSize ${minSize} (count ${count}); accepted: minSize and count >= ${PRODUCTION_MIN_INSTANCES}, or production false`,
    );
  }
  const peakHoursPerDay = args.peakHoursPerDay;
  if (peakHoursPerDay !== undefined && !(peakHoursPerDay > 0 && peakHoursPerDay <= 24)) {
    throw new ConfigError(
      `${name}: peakHoursPerDay must be in (0, 24]; got ${peakHoursPerDay}; accepted: hours a day at the peak count`,
    );
  }
  const scalingRule = args.scalingRule ?? undefined;
  if (scalingRule && !shape.loadBalancer) {
    throw new ConfigError(
      `${name}: scalingRule tracks the load balancer's requests per target, and this tier has no load balancer; accepted: no scalingRule (a queue-fed tier is sized by its queue)`,
    );
  }
  if (scalingRule && !(Number.isFinite(scalingRule.targetValue) && scalingRule.targetValue > 0)) {
    // PutScalingPolicy: a target-tracking TargetValue must be a positive number.
    throw new ConfigError(
      `${name}: scalingRule.targetValue must be a positive number of requests per target per minute; got ${scalingRule.targetValue}`,
    );
  }
  const secrets = checkSecrets(name, args);
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
  const gpuWarning = checkGpuUse(name, {
    type,
    count,
    pricing,
    models: args.models,
    allowCpuOnlyModels: args.allowCpuOnlyModels ?? false,
  });
  if (gpuWarning) pulumi.log.warn(gpuWarning);
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
    minHealthyPercentage,
    secrets,
    p95TargetMs: args.p95TargetMs ?? DEFAULT_P95_LATENCY_MS,
    imagesPerHour: args.imagesPerHour,
    averageCpuPercent: args.averageCpuPercent,
    bytesPerImage: args.bytesPerImage,
    scalingRule,
    production,
    peakHoursPerDay,
    batchDeadlineSeconds: args.batchDeadlineSeconds ?? DEFAULT_BATCH_DEADLINE_SECONDS,
    tags,
  };
}

/**
 * The key secrets, parsed; one in another region than the tier's is refused (the host reads it
 * with its own region's endpoint, and the role is scoped to exactly these ARNs).
 */
function checkSecrets(name: string, args: TierArgs): SecretRef[] {
  const given = [
    ["apiKeysSecretArn", args.apiKeysSecretArn],
    ["adminKeysSecretArn", args.adminKeysSecretArn],
  ] as const;
  return given.flatMap(([what, arn]) => {
    if (arn === undefined) return [];
    let ref: SecretRef;
    try {
      ref = parseSecretArn(arn, what);
    } catch (e) {
      throw new ConfigError(`${name}: ${(e as Error).message}`);
    }
    if (args.region !== undefined && ref.region !== args.region) {
      throw new ConfigError(
        `${name}: ${what} is in ${ref.region}, the stack deploys to ${args.region}; accepted: a secret in ${args.region} (arn:aws:ssm:${args.region}:<account>:parameter/<name> or arn:aws:secretsmanager:${args.region}:<account>:secret:<name>)`,
      );
    }
    return [ref];
  });
}

function getTypeOrFail(type: string, what: string): InstanceType {
  return sizingOrFail(what, () => getInstanceType(type));
}

/**
 * Production's second availability zone: the group spreads its instances over its subnets' zones
 * (EC2 Auto Scaling balances across them), so it needs subnets in two. A new VPC has two; an
 * existing network's subnets are counted when they are listed (an Output is checked by AWS).
 */
export function checkProductionZones(
  name: string,
  plan: TierPlan,
  subnetIds: pulumi.Input<pulumi.Input<string>[]> | undefined,
): void {
  if (!plan.production || !Array.isArray(subnetIds)) return;
  if (new Set(subnetIds).size < PRODUCTION_MIN_INSTANCES) {
    throw new ProductionCapacityError(
      `${name}: production needs instances in ${PRODUCTION_MIN_INSTANCES} availability zones; the network gives the group ${subnetIds.length} subnet(s); accepted: privateSubnetIds in ${PRODUCTION_MIN_INSTANCES} or more zones`,
    );
  }
}
