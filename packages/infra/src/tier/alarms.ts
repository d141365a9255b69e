import { type AlarmRule, alarmRulesFor, type WorkTrackingRule } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface TierAlarm {
  readonly rule: AlarmRule;
  readonly alarm: aws.cloudwatch.MetricAlarm;
  /** The step-scaling policy a "scale" rule drives; absent for "notify" rules. */
  readonly policy?: aws.autoscaling.Policy | undefined;
}

/** What the scoped rules watch, where the tier has it. */
export interface AlarmTargets {
  /** The ALB's and target group's ARN suffixes (the AWS/ApplicationELB dimensions). */
  readonly loadBalancer?:
    | { readonly loadBalancer: pulumi.Input<string>; readonly targetGroup: pulumi.Input<string> }
    | undefined;
  /** The job queue's and dead-letter queue's names (the AWS/SQS dimension). */
  readonly queue?:
    | {
        readonly queueName: pulumi.Input<string>;
        readonly deadLetterQueueName: pulumi.Input<string>;
      }
    | undefined;
}

export interface AlarmOptions extends AlarmTargets {
  readonly groupName: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  /** Seconds a new instance needs before its metrics count (also the refresh warm-up). */
  readonly warmupSeconds: number;
  /** The tier's p95 latency target (latency-high), seconds. Default: the rule's. */
  readonly p95TargetSeconds?: number | undefined;
  /** The tier's batch deadline (oldest-job), seconds. Default: the rule's. */
  readonly batchDeadlineSeconds?: number | undefined;
  /**
   * Scale on work instead: the rows it replaces (cpu-high, cpu-low) get no alarm and no step
   * policy, and a target-tracking policy holds the group at the rule's requests per target.
   */
  readonly scalingRule?: WorkTrackingRule | undefined;
  readonly tags: Record<string, string>;
}

/**
 * Alarms EC2 Auto Scaling creates and manages for one target-tracking policy: one to scale
 * out, one to scale in (https://docs.aws.amazon.com/autoscaling/ec2/userguide/target-tracking-scaling-policy-overview.html:
 * "creates and manages the CloudWatch alarms that trigger the scaling policy"). They are
 * ordinary CloudWatch alarms on the bill, so the estimate counts them.
 */
export const TARGET_TRACKING_ALARMS = 2;

/**
 * ALBRequestCountPerTarget's resource label: the load balancer's and the target group's ARN
 * suffixes joined, "app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>"
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredefinedMetricSpecification.html).
 */
export function requestCountResourceLabel(
  loadBalancerArnSuffix: pulumi.Input<string>,
  targetGroupArnSuffix: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`${loadBalancerArnSuffix}/${targetGroupArnSuffix}`;
}

/**
 * The work-tracking rule (from @flakeops/sizing's table, never recomputed here) as a
 * target-tracking policy on the ALB's requests per target. Scale-in stays enabled: the policy
 * replaces cpu-low as well as cpu-high.
 */
export function createWorkTrackingPolicy(
  name: string,
  opts: {
    readonly groupName: pulumi.Input<string>;
    readonly loadBalancer: NonNullable<AlarmTargets["loadBalancer"]>;
    readonly rule: WorkTrackingRule;
    readonly warmupSeconds: number;
  },
  parent: pulumi.Resource,
): aws.autoscaling.Policy {
  return new aws.autoscaling.Policy(
    `${name}-${opts.rule.id}`,
    {
      autoscalingGroupName: opts.groupName,
      policyType: "TargetTrackingScaling",
      estimatedInstanceWarmup: opts.warmupSeconds,
      targetTrackingConfiguration: {
        predefinedMetricSpecification: {
          predefinedMetricType: opts.rule.predefinedMetricType,
          resourceLabel: requestCountResourceLabel(
            opts.loadBalancer.loadBalancer,
            opts.loadBalancer.targetGroup,
          ),
        },
        targetValue: opts.rule.targetValue,
      },
    },
    { parent },
  );
}

/** The dimensions of a rule's series. */
function dimensionsOf(rule: AlarmRule, opts: AlarmOptions): Record<string, pulumi.Input<string>> {
  switch (rule.scope) {
    case "group":
      return { AutoScalingGroupName: opts.groupName };
    case "target-group":
      return {
        LoadBalancer: opts.loadBalancer!.loadBalancer,
        TargetGroup: opts.loadBalancer!.targetGroup,
      };
    case "queue":
      return { QueueName: opts.queue!.queueName };
    case "dead-letter-queue":
      return { QueueName: opts.queue!.deadLetterQueueName };
  }
}

function thresholdOf(rule: AlarmRule, opts: AlarmOptions): number {
  if (rule.thresholdFrom === "p95-target") return opts.p95TargetSeconds ?? rule.threshold;
  if (rule.thresholdFrom === "batch-deadline") return opts.batchDeadlineSeconds ?? rule.threshold;
  return rule.threshold;
}

/**
 * The metric (or, for a rate, the metric-math expression) an alarm reads. A rate is
 * 100 x FILL(metric, 0) / per: periods without errors have no error datapoint (so 0), periods
 * without requests have no rate at all (so the rule's missing-data treatment applies).
 */
function metricOf(rule: AlarmRule, dimensions: Record<string, pulumi.Input<string>>) {
  if (rule.ratioOf) {
    const stat = (metricName: string) => ({
      metricName,
      namespace: rule.namespace,
      period: rule.periodSeconds,
      stat: rule.statistic,
      dimensions,
    });
    return {
      metricQueries: [
        { id: "errors", metric: stat(rule.metric), returnData: false },
        { id: "requests", metric: stat(rule.ratioOf.per), returnData: false },
        {
          id: "rate",
          expression: "100 * FILL(errors, 0) / requests",
          label: `${rule.metric} per ${rule.ratioOf.per} (%)`,
          returnData: true,
        },
      ],
    };
  }
  return {
    namespace: rule.namespace,
    metricName: rule.metric,
    // Percentiles are CloudWatch's extended statistics.
    ...(rule.statistic === "p95"
      ? { extendedStatistic: rule.statistic }
      : { statistic: rule.statistic }),
    period: rule.periodSeconds,
    dimensions,
  };
}

/**
 * One CloudWatch alarm per rule of @flakeops/sizing's table that applies to the tier (the
 * group's rules always; the load balancer's and the queue's where it has them). Everything
 * (metric, statistic, comparison, threshold, period, evaluation periods, missing-data
 * treatment) comes from the rule. "scale" rules drive a step-scaling policy of the rule's
 * adjustment; "notify" rules publish to the topic, on alarm and on recovery. Rows a work-tracking
 * rule replaces are left out (createWorkTrackingPolicy scales instead).
 */
export function createAlarms(
  name: string,
  opts: AlarmOptions,
  parent: pulumi.Resource,
): TierAlarm[] {
  const replaced = new Set(opts.scalingRule?.replaces ?? []);
  const rules = alarmRulesFor({
    loadBalancer: opts.loadBalancer !== undefined,
    queue: opts.queue !== undefined,
  }).filter((r) => !replaced.has(r.id));
  return rules.map((rule) => {
    let policy: aws.autoscaling.Policy | undefined;
    if (rule.action.kind === "scale") {
      const above = rule.comparison === "GreaterThanThreshold";
      policy = new aws.autoscaling.Policy(
        `${name}-${rule.id}`,
        {
          autoscalingGroupName: opts.groupName,
          policyType: "StepScaling",
          adjustmentType: "ChangeInCapacity",
          metricAggregationType: rule.statistic,
          estimatedInstanceWarmup: opts.warmupSeconds,
          // One step covering the whole breach: above the threshold (scale out) or below it (in).
          stepAdjustments: [
            above
              ? { scalingAdjustment: rule.action.adjustment, metricIntervalLowerBound: "0" }
              : { scalingAdjustment: rule.action.adjustment, metricIntervalUpperBound: "0" },
          ],
        },
        { parent },
      );
    }
    const alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-${rule.id}`,
      {
        alarmDescription: rule.description,
        ...metricOf(rule, dimensionsOf(rule, opts)),
        comparisonOperator: rule.comparison,
        threshold: thresholdOf(rule, opts),
        evaluationPeriods: rule.evaluationPeriods,
        treatMissingData: rule.treatMissingData,
        alarmActions: policy ? [policy.arn] : [opts.topicArn],
        okActions: policy ? [] : [opts.topicArn],
        tags: opts.tags,
      },
      { parent },
    );
    return { rule, alarm, policy };
  });
}
