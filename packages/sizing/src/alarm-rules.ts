/**
 * The alarm and scaling rules of the performance guide ("Monitoring and Scaling"), as data.
 * This table is the one source of truth: @flakeops/infra builds its CloudWatch alarms and
 * step-scaling policies from it, and right-sizing reads its thresholds.
 */

/** Where a metric lives: EC2's own namespace, the CloudWatch agent's, the ALB's or SQS's. */
export type MetricNamespace = "AWS/EC2" | "CWAgent" | "AWS/ApplicationELB" | "AWS/SQS";

export type AlarmMetric =
  | "CPUUtilization"
  | "mem_used_percent"
  | "disk_used_percent"
  | "HealthyHostCount"
  | "HTTPCode_Target_5XX_Count"
  | "TargetResponseTime"
  | "ApproximateNumberOfMessagesVisible"
  | "ApproximateAgeOfOldestMessage";

export type AlarmAction =
  | { readonly kind: "scale"; readonly adjustment: 1 | -1 }
  | { readonly kind: "notify" };

/**
 * What a rule's series is aggregated over, hence its dimensions and which tiers have it:
 * every tier's group; only tiers behind a load balancer (target group); only queue-fed
 * tiers (the job queue, its dead-letter queue).
 */
export type AlarmScope = "group" | "target-group" | "queue" | "dead-letter-queue";

/** CloudWatch's TreatMissingData. */
export type MissingData = "breaching" | "notBreaching" | "ignore" | "missing";

export interface AlarmRule {
  readonly id:
    | "cpu-high"
    | "memory-high"
    | "cpu-low"
    | "disk-high"
    | "healthy-hosts-low"
    | "target-5xx"
    | "latency-high"
    | "dlq-not-empty"
    | "oldest-job";
  readonly metric: AlarmMetric;
  readonly namespace: MetricNamespace;
  /** A CloudWatch statistic, or the extended statistic p95. */
  readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum" | "p95";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  /**
   * In the metric's unit (percent, hosts, seconds, messages). Where `thresholdFrom` is set
   * this is the default, and a tier replaces it with its own value.
   */
  readonly threshold: number;
  /** The tier's p95 latency target (seconds), or its batch deadline (seconds). */
  readonly thresholdFrom?: "p95-target" | "batch-deadline";
  /**
   * A rate: 100 x metric / per (both summed over the period), through CloudWatch metric math,
   * so a quiet period is "no data", not 0 %.
   */
  readonly ratioOf?: { readonly per: "RequestCount" };
  readonly scope: AlarmScope;
  /** What an alarm without data does: a dead target group pages, a quiet one does not. */
  readonly treatMissingData: MissingData;
  /**
   * One CloudWatch period. 300 s matches EC2 basic monitoring, so the alarms work without
   * paying for detailed monitoring; the window is periodSeconds x evaluationPeriods.
   */
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly action: AlarmAction;
  readonly description: string;
}

/** The batch deadline when a tier sets none: a job waiting an hour pages someone. */
export const DEFAULT_BATCH_DEADLINE_SECONDS = 3600;

export const ALARM_RULES: readonly AlarmRule[] = [
  {
    id: "cpu-high",
    metric: "CPUUtilization",
    namespace: "AWS/EC2",
    statistic: "Average",
    comparison: "GreaterThanThreshold",
    threshold: 80,
    scope: "group",
    // No data (instances booting) must neither scale nor page.
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "scale", adjustment: 1 },
    description: "CPU > 80% for 5 minutes: scale out by one instance",
  },
  {
    id: "memory-high",
    metric: "mem_used_percent",
    namespace: "CWAgent",
    statistic: "Average",
    comparison: "GreaterThanThreshold",
    threshold: 85,
    scope: "group",
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "scale", adjustment: 1 },
    description: "Memory > 85% for 5 minutes: scale out by one instance",
  },
  {
    id: "cpu-low",
    metric: "CPUUtilization",
    namespace: "AWS/EC2",
    statistic: "Average",
    comparison: "LessThanThreshold",
    threshold: 30,
    scope: "group",
    // Missing data must not scale in (the group's minSize >= 1 keeps a series to read).
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 2,
    action: { kind: "scale", adjustment: -1 },
    description: "CPU < 30% for 10 minutes: scale in by one instance",
  },
  {
    id: "disk-high",
    metric: "disk_used_percent",
    namespace: "CWAgent",
    statistic: "Maximum",
    comparison: "GreaterThanThreshold",
    threshold: 80,
    scope: "group",
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "Disk > 80% for 5 minutes: notify (grow the volume)",
  },
  {
    id: "healthy-hosts-low",
    metric: "HealthyHostCount",
    namespace: "AWS/ApplicationELB",
    statistic: "Minimum",
    comparison: "LessThanThreshold",
    threshold: 1,
    scope: "target-group",
    // No healthy-host datapoints means no target is registered: the service is down.
    treatMissingData: "breaching",
    periodSeconds: 60,
    evaluationPeriods: 2,
    action: { kind: "notify" },
    description: "No healthy target for 2 minutes (or no data): the API is down",
  },
  {
    id: "target-5xx",
    metric: "HTTPCode_Target_5XX_Count",
    namespace: "AWS/ApplicationELB",
    statistic: "Sum",
    comparison: "GreaterThanThreshold",
    threshold: 1,
    ratioOf: { per: "RequestCount" },
    scope: "target-group",
    // No requests is no error rate.
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "More than 1% of requests answered 5XX by the API for 5 minutes",
  },
  {
    id: "latency-high",
    metric: "TargetResponseTime",
    namespace: "AWS/ApplicationELB",
    statistic: "p95",
    comparison: "GreaterThanThreshold",
    // Seconds. A tier replaces it with its own target; this default is DEFAULT_P95_LATENCY_MS
    // (workload.ts imports this module, so it cannot import back; test/contracts.test.ts
    // holds the two equal).
    threshold: 2,
    thresholdFrom: "p95-target",
    scope: "target-group",
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "p95 response time above the sizing target for 5 minutes",
  },
  {
    id: "dlq-not-empty",
    metric: "ApproximateNumberOfMessagesVisible",
    namespace: "AWS/SQS",
    statistic: "Maximum",
    comparison: "GreaterThanThreshold",
    threshold: 0,
    scope: "dead-letter-queue",
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "Jobs in the dead-letter queue: they failed every attempt",
  },
  {
    id: "oldest-job",
    metric: "ApproximateAgeOfOldestMessage",
    namespace: "AWS/SQS",
    statistic: "Maximum",
    comparison: "GreaterThanThreshold",
    threshold: DEFAULT_BATCH_DEADLINE_SECONDS,
    thresholdFrom: "batch-deadline",
    scope: "queue",
    treatMissingData: "notBreaching",
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "The oldest job has waited longer than the batch deadline",
  },
];

/** The rules a tier has: its group's, plus the load balancer's and the queue's where it has them. */
export function alarmRulesFor(tier: {
  readonly loadBalancer: boolean;
  readonly queue: boolean;
}): AlarmRule[] {
  return ALARM_RULES.filter(
    (r) =>
      r.scope === "group" ||
      (r.scope === "target-group" && tier.loadBalancer) ||
      ((r.scope === "queue" || r.scope === "dead-letter-queue") && tier.queue),
  );
}

/** Look a rule up by id; the ids are fixed by the contract, so a miss is a programming error. */
export function alarmRule(id: AlarmRule["id"]): AlarmRule {
  const rule = ALARM_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no alarm rule "${id}"`);
  return rule;
}

/** The window a rule watches, in minutes (the guide's "for 5 minutes"). */
export function windowMinutes(rule: AlarmRule): number {
  return (rule.periodSeconds * rule.evaluationPeriods) / 60;
}

/**
 * A target-tracking scaling rule on a metric that follows work, for tiers where CPU does not:
 * a memory-bound tier, or one running fewer detector workers than vCPUs (on x86 one worker per
 * core leaves the second hyperthread idle, so CPU tops out near 50 % and cpu-high never fires
 * while cpu-low fires all day). It replaces the CPU scale-out and scale-in rows for that tier.
 * ALBRequestCountPerTarget is the ALB's requests per target per minute, the predefined metric
 * for EC2 Auto Scaling target tracking
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html).
 */
export interface WorkTrackingRule {
  readonly id: "requests-per-target";
  readonly metric: "RequestCountPerTarget";
  readonly namespace: "AWS/ApplicationELB";
  readonly predefinedMetricType: "ALBRequestCountPerTarget";
  /** Requests per target per minute the group holds each instance at. */
  readonly targetValue: number;
  readonly replaces: readonly AlarmRule["id"][];
  readonly reason: string;
}

export function workTrackingRuleFor(tier: {
  vcpu: number;
  workersPerInstance: number;
  /** Mean time of one image on one worker, ms. */
  serviceMs: number;
  /** Workers are limited by memory, not cores. */
  memoryBound: boolean;
}): WorkTrackingRule | null {
  const fewerWorkers = tier.workersPerInstance < tier.vcpu;
  if (!tier.memoryBound && !fewerWorkers) return null;
  // Each instance is held where its workers are as busy as the CPU scale-out threshold.
  const utilization = alarmRule("cpu-high").threshold / 100;
  const perMinute = (tier.workersPerInstance * 60_000 * utilization) / tier.serviceMs;
  const workers = `${tier.workersPerInstance} worker${tier.workersPerInstance === 1 ? "" : "s"}`;
  return {
    id: "requests-per-target",
    metric: "RequestCountPerTarget",
    namespace: "AWS/ApplicationELB",
    predefinedMetricType: "ALBRequestCountPerTarget",
    targetValue: Math.max(1, Math.floor(perMinute)),
    replaces: ["cpu-high", "cpu-low"],
    reason: tier.memoryBound
      ? `memory-bound: ${workers} fit in memory on ${tier.vcpu} vCPUs, so CPU stays low at full load`
      : `${workers} on ${tier.vcpu} vCPUs: CPU cannot reach the ${alarmRule("cpu-high").threshold} % scale-out threshold at full load`,
  };
}
