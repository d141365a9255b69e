import { z } from "zod";
import type { AlarmMetric } from "../alarm-rules.js";
import { ALARM_RULES } from "../alarm-rules.js";
import { SizingError } from "../errors.js";

/** The metrics right-sizing reads: exactly those the alarm table watches. */
export const RIGHTSIZE_METRICS: readonly AlarmMetric[] = [
  ...new Set(ALARM_RULES.map((r) => r.metric)),
];

export interface MetricStats {
  /** Datapoints behind the figures (0 when the file gave percentiles). */
  count: number;
  p95: number;
  max: number;
  /** Mean of the datapoints, where known: what T3 surplus is charged on. */
  mean?: number;
}

export interface ParsedMetrics {
  format: "GetMetricData" | "GetMetricStatistics" | "percentiles" | "csv";
  /** The instance type the file names, if it names one. */
  instanceType?: string;
  /** Time the datapoints span, days. */
  days: number;
  metrics: Partial<Record<AlarmMetric, MetricStats>>;
}

const ACCEPTED =
  "accepted: CloudWatch GetMetricData JSON ({MetricDataResults:[{Label,Timestamps,Values}]}), GetMetricStatistics JSON ({Label,Datapoints:[{Timestamp,Average}]}), percentiles JSON ({instanceType,days,metrics:{CPUUtilization:{p95,max}}}) or CSV (timestamp,CPUUtilization,mem_used_percent,disk_used_percent[,instance_type])";

function bad(file: string, what: string): SizingError {
  return new SizingError("BAD_METRICS", `${file}: ${what}; ${ACCEPTED}`);
}

/** "CPUUtilization", "cpu_utilization", "mem-used-percent"... -> the metric, or undefined. */
function metricNamed(name: string): AlarmMetric | undefined {
  const key = name.toLowerCase().replace(/[^a-z]/g, "");
  return RIGHTSIZE_METRICS.find((m) => m.toLowerCase().replace(/[^a-z]/g, "") === key);
}

/** Linear-interpolated percentile (numpy's default) of values sorted ascending. */
function percentile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function statsOf(values: readonly number[]): MetricStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p95: percentile(sorted, 0.95),
    max: sorted.at(-1)!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

function percent(file: string, where: string, value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0 || n > 100) {
    throw bad(file, `${where}: ${JSON.stringify(value)} is not a percentage between 0 and 100`);
  }
  return n;
}

function time(file: string, where: string, value: unknown): number {
  const text = typeof value === "string" ? value.trim() : undefined;
  const epoch =
    typeof value === "number"
      ? value
      : text && /^\d+(\.\d+)?$/.test(text)
        ? Number(text)
        : undefined;
  // Epoch numbers: seconds, or milliseconds when too large to be seconds (past year 5000).
  const ms =
    epoch !== undefined
      ? epoch > 1e11
        ? epoch
        : epoch * 1000
      : text
        ? Date.parse(text)
        : Number.NaN;
  if (!Number.isFinite(ms))
    throw bad(file, `${where}: ${JSON.stringify(value)} is not a timestamp`);
  return ms;
}

class Collector {
  private readonly values = new Map<AlarmMetric, number[]>();
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;

  add(metric: AlarmMetric, at: number, value: number): void {
    const list = this.values.get(metric) ?? [];
    if (list.length === 0) this.values.set(metric, list);
    list.push(value);
    this.first = Math.min(this.first, at);
    this.last = Math.max(this.last, at);
  }

  finish(file: string, format: ParsedMetrics["format"], instanceType?: string): ParsedMetrics {
    if (this.values.size === 0)
      throw bad(file, `no datapoints for ${RIGHTSIZE_METRICS.join(", ")}`);
    const metrics: ParsedMetrics["metrics"] = {};
    for (const [metric, values] of this.values) metrics[metric] = statsOf(values);
    return {
      format,
      ...(instanceType ? { instanceType } : {}),
      days: (this.last - this.first) / 86_400_000,
      metrics,
    };
  }
}

const InstanceTypeField = z.string().min(1).optional();

const GetMetricData = z.object({
  instanceType: InstanceTypeField,
  InstanceType: InstanceTypeField,
  MetricDataResults: z.array(
    z.object({
      Id: z.string().optional(),
      Label: z.string().optional(),
      Timestamps: z.array(z.union([z.string(), z.number()])),
      Values: z.array(z.unknown()),
    }),
  ),
});

const GetMetricStatistics = z.object({
  instanceType: InstanceTypeField,
  InstanceType: InstanceTypeField,
  Label: z.string(),
  Datapoints: z.array(
    z.object({
      Timestamp: z.union([z.string(), z.number()]),
      Average: z.unknown().optional(),
      Maximum: z.unknown().optional(),
    }),
  ),
});

const Percentiles = z.object({
  instanceType: InstanceTypeField,
  days: z.number().nonnegative(),
  metrics: z.record(
    z.string(),
    z.object({ p95: z.number(), max: z.number(), mean: z.number().optional() }),
  ),
});

function parseJson(text: string, file: string): ParsedMetrics {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not valid JSON (${(e as Error).message})`);
  }
  const collector = new Collector();
  const gmd = GetMetricData.safeParse(doc);
  if (gmd.success) {
    for (const [i, result] of gmd.data.MetricDataResults.entries()) {
      const metric = metricNamed(result.Label ?? "") ?? metricNamed(result.Id ?? "");
      if (!metric) continue; // other series (NetworkIn...) are allowed and ignored
      if (result.Timestamps.length !== result.Values.length) {
        throw bad(
          file,
          `MetricDataResults[${i}] has ${result.Timestamps.length} timestamps but ${result.Values.length} values`,
        );
      }
      result.Values.forEach((v, j) => {
        const where = `MetricDataResults[${i}].Values[${j}]`;
        collector.add(metric, time(file, where, result.Timestamps[j]), percent(file, where, v));
      });
    }
    return collector.finish(file, "GetMetricData", gmd.data.instanceType ?? gmd.data.InstanceType);
  }
  const gms = GetMetricStatistics.safeParse(doc);
  if (gms.success) {
    const metric = metricNamed(gms.data.Label);
    if (!metric)
      throw bad(file, `Label "${gms.data.Label}" is none of ${RIGHTSIZE_METRICS.join(", ")}`);
    gms.data.Datapoints.forEach((d, j) => {
      const where = `Datapoints[${j}]`;
      // disk-high alarms on Maximum; the others on Average (as ALARM_RULES says).
      const value =
        metric === "disk_used_percent" ? (d.Maximum ?? d.Average) : (d.Average ?? d.Maximum);
      collector.add(metric, time(file, where, d.Timestamp), percent(file, where, value));
    });
    return collector.finish(
      file,
      "GetMetricStatistics",
      gms.data.instanceType ?? gms.data.InstanceType,
    );
  }
  const pct = Percentiles.safeParse(doc);
  if (pct.success) {
    const metrics: ParsedMetrics["metrics"] = {};
    for (const [name, s] of Object.entries(pct.data.metrics)) {
      const metric = metricNamed(name);
      if (!metric) continue;
      const stats: MetricStats = {
        count: 0,
        p95: percent(file, `metrics.${name}.p95`, s.p95),
        max: percent(file, `metrics.${name}.max`, s.max),
      };
      if (s.mean !== undefined) stats.mean = percent(file, `metrics.${name}.mean`, s.mean);
      metrics[metric] = stats;
    }
    if (Object.keys(metrics).length === 0)
      throw bad(file, `no figures for ${RIGHTSIZE_METRICS.join(", ")}`);
    return {
      format: "percentiles",
      ...(pct.data.instanceType ? { instanceType: pct.data.instanceType } : {}),
      days: pct.data.days,
      metrics,
    };
  }
  throw bad(file, "JSON of none of the accepted shapes");
}

function parseCsv(text: string, file: string): ParsedMetrics {
  const rows = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, cells: line.split(",").map((c) => c.trim()) }))
    .filter((r) => r.cells.join("") !== "" && !r.cells[0]!.startsWith("#"));
  const header = rows.shift();
  if (!header) throw bad(file, "no header row");
  const timeCol = header.cells.findIndex((c) => c.toLowerCase() === "timestamp");
  const typeCol = header.cells.findIndex(
    (c) => c.toLowerCase().replace(/[^a-z]/g, "") === "instancetype",
  );
  const metricCols = header.cells.flatMap((c, i) => {
    const metric = metricNamed(c);
    return metric ? [{ i, metric }] : [];
  });
  if (timeCol < 0 || metricCols.length === 0) {
    throw bad(
      file,
      `header "${header.cells.join(",")}" needs a timestamp column and at least one metric column`,
    );
  }
  const collector = new Collector();
  let instanceType: string | undefined;
  for (const { line, cells } of rows) {
    if (cells.length !== header.cells.length) {
      throw bad(
        file,
        `line ${line} has ${cells.length} fields; the header has ${header.cells.length}`,
      );
    }
    const at = time(file, `line ${line}`, cells[timeCol]);
    for (const { i, metric } of metricCols) {
      if (cells[i] === "") continue; // a metric the agent did not report at that time
      collector.add(metric, at, percent(file, `line ${line}, ${header.cells[i]}`, cells[i]));
    }
    if (typeCol >= 0 && cells[typeCol]) instanceType = cells[typeCol];
  }
  return collector.finish(file, "csv", instanceType);
}

/**
 * Read an exported metrics file for right-sizing; JSON or CSV by extension, else by content.
 * Empty, malformed and metric-less files are BAD_METRICS errors naming the file and the fault.
 */
export function parseMetricsFile(text: string, filename: string): ParsedMetrics {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw bad(filename, "the file is empty");
  const lower = filename.toLowerCase();
  const json = lower.endsWith(".json") || (!lower.endsWith(".csv") && /^\s*[{[]/.test(body));
  return json ? parseJson(body, filename) : parseCsv(body, filename);
}
