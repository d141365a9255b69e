import { ALARM_RULES, type AlarmRule } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A metric graphed on the dashboard: the seed's four (CPU, memory, disk, network I/O). */
interface Graph {
  readonly title: string;
  readonly metrics: readonly { namespace: string; metric: string; stat: string }[];
  /** Alarm rules drawn as horizontal lines on the graph. */
  readonly rules: readonly AlarmRule[];
}

function rulesFor(metric: string): AlarmRule[] {
  return ALARM_RULES.filter((r) => r.metric === metric);
}

function ruleMetric(metric: AlarmRule["metric"]): {
  namespace: string;
  metric: string;
  stat: string;
} {
  const rule = rulesFor(metric)[0];
  if (!rule) throw new Error(`no alarm rule reads ${metric}`);
  return { namespace: rule.namespace, metric, stat: rule.statistic };
}

export const DASHBOARD_GRAPHS: readonly Graph[] = [
  {
    title: "CPU utilization (%)",
    metrics: [ruleMetric("CPUUtilization")],
    rules: rulesFor("CPUUtilization"),
  },
  {
    title: "Memory used (%)",
    metrics: [ruleMetric("mem_used_percent")],
    rules: rulesFor("mem_used_percent"),
  },
  {
    title: "Disk used (%)",
    metrics: [ruleMetric("disk_used_percent")],
    rules: rulesFor("disk_used_percent"),
  },
  {
    title: "Network I/O (bytes)",
    metrics: [
      { namespace: "AWS/EC2", metric: "NetworkIn", stat: "Sum" },
      { namespace: "AWS/EC2", metric: "NetworkOut", stat: "Sum" },
    ],
    rules: [],
  },
];

/** The dashboard body as CloudWatch reads it: one graph per metric, by auto-scaling group. */
export function dashboardBody(groupName: string, region: string): string {
  const widgets = DASHBOARD_GRAPHS.map((g, i) => ({
    type: "metric",
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title: g.title,
      region,
      view: "timeSeries",
      period: 300,
      metrics: g.metrics.map((m) => [
        m.namespace,
        m.metric,
        "AutoScalingGroupName",
        groupName,
        { stat: m.stat },
      ]),
      annotations: {
        horizontal: g.rules.map((r) => ({ label: r.id, value: r.threshold })),
      },
    },
  }));
  return JSON.stringify({ widgets });
}

export function createDashboard(
  name: string,
  dashboardName: string,
  region: pulumi.Input<string>,
  groupName: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.cloudwatch.Dashboard {
  return new aws.cloudwatch.Dashboard(
    `${name}-dashboard`,
    {
      dashboardName,
      dashboardBody: pulumi.all([groupName, region]).apply(([g, r]) => dashboardBody(g, r)),
    },
    { parent },
  );
}

/** Dashboard names are global per account and region: scope them by project, stack and component. */
export function dashboardNameFor(name: string): string {
  return `flakeops-${pulumi.getProject()}-${pulumi.getStack()}-${name}`
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 255);
}
