import { DETECT_PATH, HEALTH_PATH } from "@flakeops/api/contract";
import type { TierCost } from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";
import { instanceS3Read, resolveArtifact } from "../tier/artifact.js";
import { createInstances } from "../tier/instances.js";
import { checkProductionZones, checkTierArgs, type TierArgs } from "../tier/plan.js";
import { checkHttpsArgs } from "./certificate.js";
import { createAccessLogBucket, createRateLimit } from "./edge.js";
import { createInstanceProfile } from "./instance-role.js";
import { createLoadBalancer, listenerPorts } from "./load-balancer.js";
import { createNetwork, type ExistingNetwork } from "./network.js";
import { checkSecretAccounts, keySecrets } from "./secret-account.js";

export const INFERENCE_SERVICE_TYPE = "flakeops:infra:InferenceService";

export interface InferenceServiceArgs extends TierArgs {
  /** An existing VPC; default: a new two-AZ VPC (awsx) with private instance subnets. */
  readonly network?: ExistingNetwork;
  /** ACM certificate: HTTPS on 443 (and 80 redirects to it). Default: plain HTTP on 80. */
  readonly certificateArn?: pulumi.Input<string>;
  /**
   * HTTPS for this name instead (not with certificateArn): an ACM certificate validated in
   * `hostedZoneId` and an alias record to the load balancer; `url` is https://<domainName>.
   */
  readonly domainName?: string;
  /** The Route 53 hosted zone that holds `domainName` (required with it). */
  readonly hostedZoneId?: string;
  /** ALB access logs into an encrypted private bucket (kept ACCESS_LOG_DAYS). Default off. */
  readonly accessLogs?: boolean;
  /** A WAF rate-based rule: block an IP above this many requests per 5 minutes. Default: no WAF. */
  readonly rateLimitPerIp?: number;
}

/**
 * The detection API on one sizing tier: a load balancer (the only public entry) in front of an
 * auto-scaling group of private instances, the guide's alarms driving step scaling, a
 * dashboard, an alert topic and a budget. Changing `instanceType` updates the launch template
 * and rolls the group through an instance refresh; the group itself is never replaced.
 */
export class InferenceService extends pulumi.ComponentResource {
  /** https://<domainName>, else http(s)://<load balancer DNS name> */
  public readonly url: pulumi.Output<string>;
  /** url + the API's HEALTH_PATH: 200 when ready. */
  public readonly healthUrl: pulumi.Output<string>;
  /** url + the API's DETECT_PATH: where detection requests go. */
  public readonly detectUrl: pulumi.Output<string>;
  public readonly groupName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly dashboardName: pulumi.Output<string>;
  public readonly topicArn: pulumi.Output<string>;
  public readonly launchTemplateId: pulumi.Output<string>;
  /** The key secrets' ARNs, once checked to be in the deploying account (else the preview fails). */
  public readonly keySecretArns: pulumi.Output<string[]>;
  /** The sizing engine's whole-tier monthly estimate (instances, volumes, ALB, alarms, dashboard). */
  public readonly estimatedMonthlyCostUSD: number;
  /** The estimate's lines, and the commitments (RI, Savings Plans) that would lower it. */
  public readonly cost: TierCost;
  public readonly instanceType: string;

  constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is checked before anything is registered: bad input fails the preview cleanly.
    const plan = checkTierArgs(name, args);
    checkProductionZones(name, plan, args.network?.privateSubnetIds);
    const limit = args.rateLimitPerIp;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 10 && limit <= 2e9)) {
      // WAF RateBasedStatement.Limit: 10 to 2,000,000,000 requests per 5-minute window.
      throw new ConfigError(
        `${name}: rateLimitPerIp must be a whole number 10-2000000000; got ${limit}`,
      );
    }
    if (plan.minSize < 1) {
      // At zero instances no CPU series exists, so no alarm could ever scale the API back out.
      throw new ConfigError(
        `${name}: minSize must be >= 1 for a service behind a load balancer; got ${plan.minSize}`,
      );
    }
    const https = {
      certificateArn: args.certificateArn,
      domainName: args.domainName,
      hostedZoneId: args.hostedZoneId,
    };
    checkHttpsArgs(name, https);
    const { type, appPort, tags } = plan;
    super(INFERENCE_SERVICE_TYPE, name, {}, opts);

    // biome-ignore lint/complexity/noUselessThisAlias: children are parented to the component
    const parent = this;

    // A secret of another account: the role could never read it (fails the preview, one line).
    this.keySecretArns = checkSecretAccounts(name, keySecrets(args), parent);

    // Network, identity, artifact.
    const network = createNetwork(
      name,
      { existing: args.network, listenerPorts: listenerPorts(https), appPort, tags },
      parent,
    );
    const artifact = resolveArtifact(name, args.artifact, tags, parent);
    const { profile } = createInstanceProfile(
      name,
      {
        s3Read: instanceS3Read(artifact, args.modelsUri, parent),
        ecrPull: artifact.ecrPull,
        secrets: plan.secrets,
        tags,
      },
      parent,
    );

    // Load balancer: the only public entry; health checks on the API's health path.
    const lb = createLoadBalancer(
      name,
      {
        network,
        appPort,
        https,
        accessLogBucket: args.accessLogs
          ? createAccessLogBucket(name, tags, parent).bucket
          : undefined,
        tags,
      },
      parent,
    );
    if (args.rateLimitPerIp !== undefined)
      createRateLimit(name, lb.alb.arn, args.rateLimitPerIp, tags, parent);

    // Launch template and group (the instance type flows only into the template), then the
    // alarms and scaling, notifications, dashboard and budget.
    const { launchTemplate, group, topic, alarms, dashboard, estimatedMonthlyUSD, cost } =
      createInstances(
        name,
        {
          args,
          plan,
          artifactSource: artifact.source,
          description: `flakeops ${name} inference instances`,
          instanceProfileArn: profile.arn,
          securityGroupId: network.instanceSecurityGroup.id,
          subnetIds: network.privateSubnetIds,
          targetGroupArns: [lb.targetGroup.arn],
          newVpc: args.network === undefined,
          wafRules: args.rateLimitPerIp === undefined ? 0 : 1,
          alarmTargets: {
            loadBalancer: { loadBalancer: lb.alb.arnSuffix, targetGroup: lb.targetGroup.arnSuffix },
          },
        },
        parent,
      );

    this.instanceType = type.type;
    this.url = lb.url;
    this.healthUrl = pulumi.interpolate`${lb.url}${HEALTH_PATH}`;
    this.detectUrl = pulumi.interpolate`${lb.url}${DETECT_PATH}`;
    this.groupName = group.name;
    this.alarmNames = pulumi.all(alarms.map((a) => a.alarm.name));
    this.dashboardName = dashboard.dashboardName;
    this.topicArn = topic.arn;
    this.launchTemplateId = launchTemplate.id;
    this.estimatedMonthlyCostUSD = estimatedMonthlyUSD;
    this.cost = cost;
    this.registerOutputs({
      url: this.url,
      healthUrl: this.healthUrl,
      detectUrl: this.detectUrl,
      groupName: this.groupName,
      alarmNames: this.alarmNames,
      dashboardName: this.dashboardName,
      topicArn: this.topicArn,
      launchTemplateId: this.launchTemplateId,
      keySecretArns: this.keySecretArns,
      estimatedMonthlyCostUSD: this.estimatedMonthlyCostUSD,
      instanceType: this.instanceType,
    });
  }
}
