/**
 * The alarm and scaling rules of the performance guide ("Monitoring and Scaling"), as data.
 * This table is the one source of truth: @flakeops/infra builds its CloudWatch alarms and
 * step-scaling policies from it, and right-sizing reads its thresholds.
 */

/** Where a metric lives: EC2's own namespace, or the CloudWatch agent's. */
export type MetricNamespace = "AWS/EC2" | "CWAgent";

export type AlarmMetric = "CPUUtilization" | "mem_used_percent" | "disk_used_percent";

export type AlarmAction =
  | { readonly kind: "scale"; readonly adjustment: 1 | -1 }
  | { readonly kind: "notify" };

export interface AlarmRule {
  readonly id: "cpu-high" | "memory-high" | "cpu-low" | "disk-high";
  readonly metric: AlarmMetric;
  readonly namespace: MetricNamespace;
  readonly statistic: "Average" | "Maximum";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  /** Percent. */
  readonly threshold: number;
  /**
   * One CloudWatch period. 300 s matches EC2 basic monitoring, so the alarms work without
   * paying for detailed monitoring; the window is periodSeconds x evaluationPeriods.
   */
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly action: AlarmAction;
  readonly description: string;
}

export const ALARM_RULES: readonly AlarmRule[] = [
  {
    id: "cpu-high",
    metric: "CPUUtilization",
    namespace: "AWS/EC2",
    statistic: "Average",
    comparison: "GreaterThanThreshold",
    threshold: 80,
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
    periodSeconds: 300,
    evaluationPeriods: 1,
    action: { kind: "notify" },
    description: "Disk > 80% for 5 minutes: notify (grow the volume)",
  },
];

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
