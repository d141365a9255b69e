import { ALARM_RULES, type AlarmRule } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface TierAlarm {
  readonly rule: AlarmRule;
  readonly alarm: aws.cloudwatch.MetricAlarm;
  /** The step-scaling policy a "scale" rule drives; absent for "notify" rules. */
  readonly policy?: aws.autoscaling.Policy | undefined;
}

export interface AlarmOptions {
  readonly groupName: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  /** Seconds a new instance needs before its metrics count (also the refresh warm-up). */
  readonly warmupSeconds: number;
  readonly tags: Record<string, string>;
}

/**
 * One CloudWatch alarm per rule of @flakeops/sizing's table (metric, statistic, comparison,
 * threshold, period and evaluation periods all come from the rule), each on the group's
 * aggregate series. "scale" rules drive a step-scaling policy of the rule's adjustment;
 * "notify" rules publish to the topic. Every alarm also notifies the topic when a scale rule
 * fires, so operators see scaling happen.
 */
export function createAlarms(
  name: string,
  opts: AlarmOptions,
  parent: pulumi.Resource,
): TierAlarm[] {
  return ALARM_RULES.map((rule) => {
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
        namespace: rule.namespace,
        metricName: rule.metric,
        statistic: rule.statistic,
        comparisonOperator: rule.comparison,
        threshold: rule.threshold,
        period: rule.periodSeconds,
        evaluationPeriods: rule.evaluationPeriods,
        dimensions: { AutoScalingGroupName: opts.groupName },
        // No data (e.g. while instances boot) must neither scale in nor page anyone.
        treatMissingData: "notBreaching",
        alarmActions: policy ? [policy.arn] : [opts.topicArn],
        okActions: policy ? [] : [opts.topicArn],
        tags: opts.tags,
      },
      { parent },
    );
    return { rule, alarm, policy };
  });
}
