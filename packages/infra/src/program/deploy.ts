import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { BUNDLE_FILE } from "@flakeops/api/contract";
import type { TierCost } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isImageRef, isS3Uri } from "../aws-names.js";
import { BatchWorkers, type BatchWorkersArgs } from "../components/batch-workers.js";
import { InferenceService, type InferenceServiceArgs } from "../components/inference-service.js";
import { ConfigError } from "../errors.js";
import type { ArtifactArg } from "../tier/artifact.js";
import { readStackConfig, type StackConfig } from "./config.js";
import { inheritedProviderArgs } from "./provider.js";
import { checkRegionalArns, stackRegion } from "./regional.js";
import { resolveTier, type Tier } from "./tier.js";

/**
 * Where `pnpm --filter @flakeops/api bundle` puts the API's deploy output, from the repo root
 * (the API contract's BUNDLE_FILE, as its bundle script writes it: one file).
 */
export const DEFAULT_ARTIFACT = BUNDLE_FILE;

/**
 * The `artifact` config value: an `s3://` URI, a local path (directory or .tgz, relative to
 * `baseDir`), or a container image with its tag or digest. Anything else fails the preview.
 */
export function artifactFromConfig(value: string, baseDir: string): ArtifactArg {
  if (value.startsWith("s3://")) {
    if (!isS3Uri(value))
      throw new ConfigError(
        `invalid stack config: artifact: "${value}" is not an s3://bucket/key URI`,
      );
    return { s3Uri: value };
  }
  const path = isAbsolute(value) ? value : resolve(baseDir, value);
  if (existsSync(path)) return { path };
  // An image must say its tag or digest (repo:tag, repo@sha256:...); "dist/api" is a path.
  if (!/[:@]/.test(value) || !isImageRef(value)) {
    throw new ConfigError(
      `invalid stack config: artifact: "${value}" is neither an existing path, an s3:// URI nor a container image; build the API with \`pnpm --filter @flakeops/api bundle\` (writes ${DEFAULT_ARTIFACT}) or \`pulumi config set artifact <path|s3://...|image>\``,
    );
  }
  return { image: value };
}

export interface DeployOptions {
  /** Config used when the stack does not set it. Tier keys (instanceType, imagesPerHour, useCase) count as one group. */
  readonly defaults?: Partial<StackConfig>;
  /** Relative artifact paths resolve against this. Default: the repository root (two levels up from an example). */
  readonly baseDir?: string;
  /** Anything else for the component (network, tags, ...). */
  readonly args?: Partial<InferenceServiceArgs>;
  readonly config?: pulumi.Config;
}

export interface DeployedTier {
  readonly service: InferenceService;
  readonly tier: Tier;
  readonly outputs: {
    url: pulumi.Output<string>;
    /** url + the API's health path (`pulumi stack output healthUrl`). */
    healthUrl: pulumi.Output<string>;
    /** "https", or "http" (plain: neither a certificate nor a domain configured). */
    protocol: "http" | "https";
    /** url + the API's detect path (`pulumi stack output detectUrl`). */
    detectUrl: pulumi.Output<string>;
    groupName: pulumi.Output<string>;
    alarmNames: pulumi.Output<string[]>;
    dashboardName: pulumi.Output<string>;
    topicArn: pulumi.Output<string>;
    /** The key secrets' ARNs, checked to be in the deploying account. */
    keySecretArns: pulumi.Output<string[]>;
    instanceType: string;
    instanceCount: number;
    minSize: number;
    maxSize: number;
    spot: boolean;
    pricing: string;
    estimatedMonthlyCostUSD: number;
    costBreakdown: TierCost["lines"];
    savingsOptions: TierCost["savingsOptions"];
    sizingReason: string;
    sizingWarnings: readonly string[];
  };
}

/**
 * Merge an example's defaults under the stack config. A stack that picks its own tier replaces
 * the default tier; a default use case still qualifies a workload the stack sizes (the gpu
 * example's `imagesPerHour` sizes GPU types).
 */
export function withDefaults(
  config: StackConfig,
  defaults: Partial<StackConfig> = {},
): StackConfig {
  const base: Partial<StackConfig> = { ...defaults };
  if (
    config.instanceType !== undefined ||
    config.imagesPerHour !== undefined ||
    config.useCase !== undefined
  ) {
    delete base.instanceType;
    delete base.imagesPerHour;
    delete base.p95LatencyMs;
    delete base.peakFactor;
    if (config.instanceType !== undefined || config.useCase !== undefined) delete base.useCase;
  }
  return { ...base, ...config } as StackConfig;
}

/** What every program does first: validated config, the sizing engine's tier, the artifact, the provider. */
function prepare(name: string, opts: DeployOptions | BatchDeployOptions) {
  const config = withDefaults(readStackConfig(opts.config), opts.defaults);
  checkRegionalArns(config, stackRegion(config));
  const tier = resolveTier(config);
  for (const warning of tier.warnings) pulumi.log.warn(`sizing: ${warning}`);
  const baseDir = opts.baseDir ?? process.cwd();
  const artifact =
    opts.args?.artifact ?? artifactFromConfig(config.artifact ?? DEFAULT_ARTIFACT, baseDir);
  // `region` deploys there (an explicit provider), not only prices there.
  const provider = config.region
    ? new aws.Provider(`${name}-${config.region}`, {
        ...inheritedProviderArgs(),
        region: config.region,
      })
    : undefined;
  const spotArg = opts.args?.spot;
  const tierArgs = {
    instanceType: tier.instanceType,
    count: tier.count,
    minSize: tier.minSize,
    maxSize: tier.maxSize,
    pricing: tier.pricing,
    spot: tier.spot ? (typeof spotArg === "object" ? spotArg : true) : false,
    artifact,
    ...(config.modelsUri ? { modelsUri: config.modelsUri } : {}),
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    ...(config.p95LatencyMs ? { p95TargetMs: config.p95LatencyMs } : {}),
    ...(config.models ? { models: config.models } : {}),
    ...(tier.imagesPerHour === undefined ? {} : { imagesPerHour: tier.imagesPerHour }),
    ...(tier.averageCpuPercent === undefined ? {} : { averageCpuPercent: tier.averageCpuPercent }),
    ...(tier.bytesPerImage === undefined ? {} : { bytesPerImage: tier.bytesPerImage }),
    ...(tier.workersPerInstance === undefined
      ? {}
      : { workersPerInstance: tier.workersPerInstance }),
    ...(tier.production ? { production: true } : {}),
    ...(tier.peakHoursPerDay === undefined ? {} : { peakHoursPerDay: tier.peakHoursPerDay }),
    ...(config.apiKeysSecretArn ? { apiKeysSecretArn: config.apiKeysSecretArn } : {}),
    ...(config.adminKeysSecretArn ? { adminKeysSecretArn: config.adminKeysSecretArn } : {}),
    ...(config.allowCpuOnlyModels ? { allowCpuOnlyModels: true } : {}),
    ...(config.minHealthyPercentage === undefined
      ? {}
      : { minHealthyPercentage: config.minHealthyPercentage }),
    ...(config.volumeGiB ? { volumeGiB: config.volumeGiB } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.refreshGate === false
      ? { refreshGate: false as const }
      : config.refreshTimeoutMinutes === undefined
        ? {}
        : { refreshGate: { timeoutMinutes: config.refreshTimeoutMinutes } }),
  };
  const tierOutputs = {
    instanceType: tier.instanceType,
    instanceCount: tier.count,
    minSize: tier.minSize,
    maxSize: tier.maxSize,
    spot: tier.spot,
    pricing: tier.pricing,
    sizingReason: tier.reason,
    sizingWarnings: tier.warnings,
  };
  return {
    config,
    tier,
    tierArgs,
    tierOutputs,
    resourceOptions: provider ? { providers: { aws: provider } } : undefined,
  };
}

/**
 * A whole program: read and validate the stack config, let the sizing engine pick the tier,
 * deploy it, and return the stack outputs. Each example's index.ts is this call.
 */
export function deployFromConfig(name: string, opts: DeployOptions = {}): DeployedTier {
  const { config, tier, tierArgs, tierOutputs, resourceOptions } = prepare(name, opts);
  const https = config.certificateArn !== undefined || config.domainName !== undefined;
  if (!https) {
    pulumi.log.warn(
      `${name}: the endpoint is plain HTTP (requests and API keys travel unencrypted); set certificateArn to an ACM certificate in the stack's region, or domainName and hostedZoneId, for HTTPS`,
    );
  }
  const service = new InferenceService(
    name,
    {
      ...opts.args,
      ...tierArgs,
      // Scale on requests per target where the sizing answer says CPU cannot show the load.
      ...(tier.scalingRule ? { scalingRule: tier.scalingRule } : {}),
      ...(config.certificateArn ? { certificateArn: config.certificateArn } : {}),
      ...(config.domainName ? { domainName: config.domainName } : {}),
      ...(config.hostedZoneId ? { hostedZoneId: config.hostedZoneId } : {}),
      ...(config.accessLogs ? { accessLogs: true } : {}),
      ...(config.rateLimitPerIp ? { rateLimitPerIp: config.rateLimitPerIp } : {}),
    },
    resourceOptions,
  );
  return {
    service,
    tier,
    outputs: {
      url: service.url,
      healthUrl: service.healthUrl,
      protocol: https ? "https" : "http",
      detectUrl: service.detectUrl,
      groupName: service.groupName,
      alarmNames: service.alarmNames,
      dashboardName: service.dashboardName,
      topicArn: service.topicArn,
      keySecretArns: service.keySecretArns,
      ...tierOutputs,
      estimatedMonthlyCostUSD: service.estimatedMonthlyCostUSD,
      costBreakdown: service.cost.lines,
      savingsOptions: service.cost.savingsOptions,
    },
  };
}

export interface BatchDeployOptions extends Omit<DeployOptions, "args"> {
  readonly args?: Partial<BatchWorkersArgs>;
}

export interface DeployedBatchWorkers {
  readonly workers: BatchWorkers;
  readonly tier: Tier;
  readonly outputs: Omit<
    DeployedTier["outputs"],
    "url" | "healthUrl" | "protocol" | "detectUrl"
  > & {
    bucketName: pulumi.Output<string>;
    inputPrefix: string;
    resultsPrefix: string;
    queueUrl: pulumi.Output<string>;
    deadLetterQueueUrl: pulumi.Output<string>;
  };
}

/** The same, for a BatchWorkers tier (the batch-queue example). */
export function deployBatchWorkersFromConfig(
  name: string,
  opts: BatchDeployOptions = {},
): DeployedBatchWorkers {
  const { config, tier, tierArgs, tierOutputs, resourceOptions } = prepare(name, opts);
  const workers = new BatchWorkers(
    name,
    {
      ...opts.args,
      ...tierArgs,
      ...(config.destroyJobBucket ? { destroyJobBucket: true } : {}),
    },
    resourceOptions,
  );
  return {
    workers,
    tier,
    outputs: {
      bucketName: workers.bucketName,
      inputPrefix: workers.inputPrefix,
      resultsPrefix: workers.resultsPrefix,
      queueUrl: workers.queueUrl,
      deadLetterQueueUrl: workers.deadLetterQueueUrl,
      groupName: workers.groupName,
      alarmNames: workers.alarmNames,
      dashboardName: workers.dashboardName,
      topicArn: workers.topicArn,
      keySecretArns: workers.keySecretArns,
      ...tierOutputs,
      estimatedMonthlyCostUSD: workers.estimatedMonthlyCostUSD,
      costBreakdown: workers.cost.lines,
      savingsOptions: workers.cost.savingsOptions,
    },
  };
}
