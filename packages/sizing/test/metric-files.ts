import { random } from "./helpers.js";

/** A metric's range over a generated period: a daily cycle between lo and hi, with noise. */
export type Range = readonly [lo: number, hi: number];

export interface Scenario {
  days: number;
  cpu?: Range;
  mem?: Range;
  disk?: Range;
  seed?: number;
}

const PERIOD_MS = 5 * 60_000; // EC2 basic monitoring
const START = Date.parse("2026-11-01T00:00:00Z");

/** Datapoints as the CloudWatch agent and EC2 would publish them: every 5 minutes. */
export function generate(s: Scenario): { timestamps: string[]; series: Record<string, number[]> } {
  const rand = random(s.seed ?? 1);
  const n = Math.round((s.days * 86_400_000) / PERIOD_MS) + 1;
  const timestamps = Array.from({ length: n }, (_, i) =>
    new Date(START + i * PERIOD_MS).toISOString(),
  );
  const series: Record<string, number[]> = {};
  const ranges: [string, Range | undefined][] = [
    ["CPUUtilization", s.cpu],
    ["mem_used_percent", s.mem],
    ["disk_used_percent", s.disk],
  ];
  for (const [name, range] of ranges) {
    if (!range) continue;
    const [lo, hi] = range;
    series[name] = timestamps.map((_, i) => {
      const day = Math.sin((2 * Math.PI * i * PERIOD_MS) / 86_400_000);
      const v = lo + (hi - lo) * (0.4 + 0.4 * day + 0.2 * rand());
      return Math.round(v * 1000) / 1000;
    });
  }
  return { timestamps, series };
}

/** The shape `aws cloudwatch get-metric-data` prints (newest first, as it returns them). */
export function getMetricDataJson(s: Scenario, instanceType?: string): string {
  const { timestamps, series } = generate(s);
  return JSON.stringify({
    ...(instanceType ? { instanceType } : {}),
    MetricDataResults: Object.entries(series).map(([label, values], i) => ({
      Id: `m${i}`,
      Label: label,
      Timestamps: [...timestamps].reverse(),
      Values: [...values].reverse(),
      StatusCode: "Complete",
    })),
    Messages: [],
  });
}

/** One row per period: timestamp, then each metric, then the instance type. */
export function metricsCsv(s: Scenario, instanceType?: string): string {
  const { timestamps, series } = generate(s);
  const names = Object.keys(series);
  const head = ["timestamp", ...names, ...(instanceType ? ["instance_type"] : [])].join(",");
  const rows = timestamps.map((t, i) =>
    [t, ...names.map((n) => series[n]![i]), ...(instanceType ? [instanceType] : [])].join(","),
  );
  return [head, ...rows].join("\n") + "\n";
}
