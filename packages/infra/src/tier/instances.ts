import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BatchWorkerEnv } from "../host/batch-worker.js";
import { type ArtifactSource, renderUserData } from "../host/user-data.js";
import type { AlarmTargets } from "./alarms.js";
import { createCompute, regionOf } from "./compute.js";
import { createMonitoring, type Monitoring } from "./monitoring.js";
import type { TierArgs, TierPlan } from "./plan.js";

export interface InstancesOptions {
  readonly args: TierArgs;
  readonly plan: TierPlan;
  /** What the instances run, once resolved (see resolveArtifact). */
  readonly artifactSource: pulumi.Output<ArtifactSource>;
  readonly description: string;
  readonly instanceProfileArn: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** A load balancer's target groups: the group uses their health checks, the estimate the ALB. */
  readonly targetGroupArns?: pulumi.Input<string>[] | undefined;
  /** The component created the VPC (NAT gateway in the estimate). */
  readonly newVpc: boolean;
  /** WAF rules on the load balancer (in the estimate). */
  readonly wafRules?: number | undefined;
  /** The load balancer and queue the scoped alarm rules watch. */
  readonly alarmTargets?: AlarmTargets | undefined;
  /** Batch workers next to the API (the local API's port and the region are filled in). */
  readonly batch?: pulumi.Output<Omit<BatchWorkerEnv, "apiPort" | "region">> | undefined;
}

export interface Instances extends Monitoring {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
}

/**
 * The tier's instances and what watches them: the user data, the launch template and group
 * (createCompute), then the alarms, topic, dashboard and budget (createMonitoring).
 */
export function createInstances(
  name: string,
  opts: InstancesOptions,
  parent: pulumi.Resource,
): Instances {
  const { args, plan } = opts;
  const region = regionOf(args.region, parent);
  const userData = pulumi
    .all([opts.artifactSource, region, opts.batch])
    .apply(([source, r, batch]) =>
      renderUserData({
        artifact: source,
        port: plan.appPort,
        region: r,
        modelsUri: args.modelsUri,
        environment: args.environment,
        workers: args.workersPerInstance,
        apiKeysSecretArn: args.apiKeysSecretArn,
        adminKeysSecretArn: args.adminKeysSecretArn,
        gpu: plan.type.gpu !== null,
        ...(batch ? { batch: { ...batch, region: r, apiPort: plan.appPort } } : {}),
      }),
    );
  const { launchTemplate, group } = createCompute(
    name,
    {
      plan,
      description: opts.description,
      userData,
      amiId: args.amiId,
      instanceProfileArn: opts.instanceProfileArn,
      securityGroupId: opts.securityGroupId,
      subnetIds: opts.subnetIds,
      // IMDSv2 from inside a container is one more hop (the docker bridge).
      metadataHopLimit: "image" in args.artifact ? 2 : 1,
      targetGroupArns: opts.targetGroupArns,
      refreshGate: args.refreshGate,
    },
    parent,
  );
  const monitoring = createMonitoring(
    name,
    {
      plan,
      groupName: group.name,
      region,
      alarmTargets: opts.alarmTargets ?? {},
      newVpc: opts.newVpc,
      wafRules: opts.wafRules,
      alarmEmail: args.alarmEmail,
      budgetMargin: args.budgetMargin,
      pricingRegion: args.region,
    },
    parent,
  );
  return { launchTemplate, group, ...monitoring };
}
