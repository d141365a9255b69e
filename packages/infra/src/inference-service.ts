import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceS3Read, resolveArtifact } from "./artifact.js";
import { createInstanceProfile } from "./iam.js";
import { createNetwork, type ExistingNetwork } from "./network.js";
import {
  checkTierArgs,
  createCompute,
  createMonitoring,
  DEFAULTS,
  regionOf,
  type TierArgs,
} from "./tier.js";
import { renderUserData } from "./user-data.js";

export const INFERENCE_SERVICE_TYPE = "flakeops:infra:InferenceService";

export interface InferenceServiceArgs extends TierArgs {
  /** An existing VPC; default: a new two-AZ VPC (awsx) with private instance subnets. */
  readonly network?: ExistingNetwork;
  /** ACM certificate: HTTPS on 443 (and 80 redirects to it). Default: plain HTTP on 80. */
  readonly certificateArn?: pulumi.Input<string>;
}

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
    const plan = checkTierArgs(name, args);
    const { type, appPort, tags } = plan;
    super(INFERENCE_SERVICE_TYPE, name, {}, opts);

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
    const { profile } = createInstanceProfile(
      name,
      { s3Read: instanceS3Read(artifact, args.modelsUri, parent), ecrPull: artifact.ecrPull, tags },
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

    // Launch template and group: the instance type flows only into the template.
    const region = regionOf(args.region, parent);
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
    const { launchTemplate, group } = createCompute(
      name,
      {
        plan,
        description: `flakeops ${name} inference instances`,
        userData,
        amiId: args.amiId,
        instanceProfileArn: profile.arn,
        securityGroupId: network.instanceSecurityGroup.id,
        subnetIds: network.privateSubnetIds,
        metadataHopLimit: "image" in args.artifact ? 2 : 1,
        targetGroupArns: [targetGroup.arn],
        minHealthyPercentage: args.minHealthyPercentage,
      },
      parent,
    );

    // Alarms and scaling, notifications, dashboard, budget.
    const { topic, alarms, dashboard, estimatedMonthlyUSD } = createMonitoring(
      name,
      {
        plan,
        groupName: group.name,
        region,
        loadBalancer: true,
        alarmEmail: args.alarmEmail,
        budgetMargin: args.budgetMargin,
        pricingRegion: args.region,
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
    this.estimatedMonthlyCostUSD = estimatedMonthlyUSD;
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
