import {
  DEFAULT_REGION,
  estimateAutoscaledTierCost,
  estimateTierCost,
  type TierCost,
} from "@flakeops/sizing";
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sizingOrFail } from "../errors.js";
import {
  type AlarmTargets,
  createAlarms,
  createWorkTrackingPolicy,
  TARGET_TRACKING_ALARMS,
  type TierAlarm,
} from "./alarms.js";
import { createBudget } from "./budget.js";
import { createDashboard, dashboardNameFor } from "./dashboard.js";
import { createTopic } from "./notifications.js";
import { COST_TAG_KEY, DEFAULTS, type TierPlan } from "./plan.js";

export interface MonitoringOptions {
  readonly plan: TierPlan;
  readonly groupName: pulumi.Output<string>;
  readonly region: pulumi.Input<string>;
  /** The load balancer and queue the scoped alarm rules watch, where the tier has them. */
  readonly alarmTargets: AlarmTargets;
  /** The component created the VPC (its NAT gateway and Elastic IP are in the estimate). */
  readonly newVpc: boolean;
  /** WAF rules on the load balancer (in the estimate). */
  readonly wafRules?: number | undefined;
  readonly alarmEmail?: string | undefined;
  readonly budgetMargin?: number | undefined;
  /** The region the estimate prices in; default the sizing engine's. */
  readonly pricingRegion?: string | undefined;
}

export interface Monitoring {
  readonly topic: aws.sns.Topic;
  readonly alarms: TierAlarm[];
  /** The target-tracking policy on requests per target, where the plan has a scaling rule. */
  readonly workTracking: aws.autoscaling.Policy | undefined;
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly estimatedMonthlyUSD: number;
  /** The estimate's lines and the commitments that would lower it. */
  readonly cost: TierCost;
}

/** The rule-table alarms and scaling policies, the topic, the dashboard and the budget. */
export function createMonitoring(
  name: string,
  opts: MonitoringOptions,
  parent: pulumi.Resource,
): Monitoring {
  const { plan } = opts;
  // checkTierArgs refused a scaling rule on a tier without a load balancer.
  const lb = opts.alarmTargets.loadBalancer;
  const topic = createTopic(name, opts.alarmEmail, plan.tags, parent);
  const alarms = createAlarms(
    name,
    {
      groupName: opts.groupName,
      topicArn: topic.arn,
      warmupSeconds: plan.warmupSeconds,
      p95TargetSeconds: plan.p95TargetMs / 1000,
      batchDeadlineSeconds: plan.batchDeadlineSeconds,
      scalingRule: plan.scalingRule,
      ...opts.alarmTargets,
      tags: plan.tags,
    },
    parent,
  );
  const workTracking =
    plan.scalingRule && lb
      ? createWorkTrackingPolicy(
          name,
          {
            groupName: opts.groupName,
            loadBalancer: lb,
            rule: plan.scalingRule,
            warmupSeconds: plan.warmupSeconds,
          },
          parent,
        )
      : undefined;
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
      loadBalancer: opts.alarmTargets.loadBalancer !== undefined,
      queue: opts.alarmTargets.queue !== undefined,
      natGateway: opts.newVpc,
      ...(opts.wafRules ? { wafRules: opts.wafRules } : {}),
      alarms: alarms.length + (workTracking ? TARGET_TRACKING_ALARMS : 0),
      ...(plan.imagesPerHour === undefined ? {} : { imagesPerHour: plan.imagesPerHour }),
      ...(plan.bytesPerImage === undefined ? {} : { bytesPerImage: plan.bytesPerImage }),
      ...(plan.averageCpuPercent === undefined
        ? {}
        : { averageCpuPercent: plan.averageCpuPercent }),
      dashboard: true,
    },
    opts.pricingRegion,
    parent,
    plan.peakHoursPerDay === undefined
      ? undefined
      : { baseCount: plan.minSize, peakHoursPerDay: plan.peakHoursPerDay },
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
  return {
    topic,
    alarms,
    workTracking,
    dashboard,
    estimatedMonthlyUSD: estimate.monthlyUSD,
    cost: estimate,
  };
}

/**
 * The sizing engine's estimate in the tier's region; where it has no price book, the default
 * region's prices stand in (with a warning), so deploying elsewhere still gets a budget. With
 * peak hours, the autoscaled day: the count at peak, minSize the rest.
 */
function estimateCost(
  input: Parameters<typeof estimateTierCost>[0],
  region: string | undefined,
  parent: pulumi.Resource,
  autoscaled?: Parameters<typeof estimateAutoscaledTierCost>[1],
): TierCost {
  const estimate = (i: typeof input) =>
    autoscaled ? estimateAutoscaledTierCost(i, autoscaled) : estimateTierCost(i);
  if (region !== undefined) {
    try {
      return estimate({ ...input, region });
    } catch (e) {
      if (!(e instanceof Error && (e as { code?: string }).code === "UNKNOWN_REGION")) throw e;
      pulumi.log.warn(
        `sizing has no prices for ${region}; the estimate and budget use ${DEFAULT_REGION}'s`,
        parent,
      );
    }
  }
  return sizingOrFail("cost estimate", () => estimate(input));
}
