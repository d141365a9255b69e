import { z } from "zod";
import type { AlarmMetric } from "../alarm-rules.js";
import { ALARM_RULES } from "../alarm-rules.js";
import { SizingError } from "../errors.js";
import { csvFields, type MetricStats, statsOf } from "./stats.js";

export { csvFields, type MetricStats, statsOf } from "./stats.js";

/**
 * The metrics right-sizing reads: those the alarm table watches on the instances themselves
 * (scope "group"), not the load balancer's or the queue's.
 */
export const RIGHTSIZE_METRICS: readonly AlarmMetric[] = [
  ...new Set(ALARM_RULES.filter((r) => r.scope === "group").map((r) => r.metric)),
];

/** How a file's numbers are read: percentages 0-100, or 0-1 fractions converted. */
export type MetricUnits = "percent" | "fraction";

export interface ParseOptions {
  /** Default "percent": a file whose values all lie in 0-1 is refused as fractions. */
  units?: MetricUnits;
}

export interface ParsedMetrics {
  format: "GetMetricData" | "GetMetricStatistics" | "percentiles" | "csv";
  /** The instance type the file names, if it names one. */
  instanceType?: string;
  /** Time the datapoints span, days. */
  days: number;
  metrics: Partial<Record<AlarmMetric, MetricStats>>;
  warnings: string[];
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
  private readonly times = new Map<AlarmMetric, number[]>();
  private readonly series = new Map<AlarmMetric, string>();
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly file: string,
    private readonly units: MetricUnits = "percent",
  ) {}

  /**
   * One series per metric: a second one (another instance, or a merged export) is refused,
   * since merging two instances' datapoints describes neither.
   */
  openSeries(metric: AlarmMetric, name: string): void {
    const seen = this.series.get(metric);
    if (seen !== undefined && seen !== name) {
      throw bad(
        this.file,
        `two ${metric} series (${seen} and ${name}): one instance per file, right-sizing never merges series`,
      );
    }
    this.series.set(metric, name);
  }

  add(metric: AlarmMetric, at: number, value: number): void {
    const list = this.values.get(metric) ?? [];
    if (list.length === 0) {
      this.values.set(metric, list);
      this.times.set(metric, []);
    }
    list.push(value);
    this.times.get(metric)!.push(at);
    this.first = Math.min(this.first, at);
    this.last = Math.max(this.last, at);
  }

  finish(format: ParsedMetrics["format"], instanceType?: string): ParsedMetrics {
    const file = this.file;
    if (this.values.size === 0)
      throw bad(file, `no datapoints for ${RIGHTSIZE_METRICS.join(", ")}`);
    const warnings: string[] = [];
    const all = [...this.values.values()].flat();
    // CloudWatch percentages from a tool that divided by 100: every value within 0-1 and
    // some of them fractional. (A real box's memory is never all under 1 %.)
    const fractions = all.every((v) => v <= 1) && all.some((v) => v > 0 && v < 1);
    if (fractions && this.units === "percent") {
      throw bad(
        file,
        `every value lies between 0 and 1 (largest ${Math.max(...all)}): these look like fractions, not percentages; pass --units fraction to convert them`,
      );
    }
    const scale = this.units === "fraction" ? 100 : 1;
    if (scale !== 1) {
      if (!all.every((v) => v <= 1))
        throw bad(file, `--units fraction, but a value is above 1 (${Math.max(...all)})`);
      warnings.push(`${file}: values read as 0-1 fractions and converted to percentages`);
    }
    const metrics: ParsedMetrics["metrics"] = {};
    for (const [metric, values] of this.values) {
      metrics[metric] = statsOf(
        values.map((v) => v * scale),
        this.times.get(metric),
      );
    }
    return {
      format,
      ...(instanceType ? { instanceType } : {}),
      days: (this.last - this.first) / 86_400_000,
      metrics,
      warnings,
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
    z.object({
      p95: z.number(),
      p99: z.number().optional(),
      max: z.number(),
      mean: z.number().optional(),
    }),
  ),
});

function parseJson(text: string, file: string, units?: MetricUnits): ParsedMetrics {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not valid JSON (${(e as Error).message})`);
  }
  const collector = new Collector(file, units);
  const gmd = GetMetricData.safeParse(doc);
  if (gmd.success) {
    for (const [i, result] of gmd.data.MetricDataResults.entries()) {
      const metric = metricNamed(result.Label ?? "") ?? metricNamed(result.Id ?? "");
      if (!metric) continue; // other series (NetworkIn...) are allowed and ignored
      collector.openSeries(metric, `MetricDataResults[${i}] "${result.Label ?? result.Id}"`);
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
    return collector.finish("GetMetricData", gmd.data.instanceType ?? gmd.data.InstanceType);
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
    return collector.finish("GetMetricStatistics", gms.data.instanceType ?? gms.data.InstanceType);
  }
  const pct = Percentiles.safeParse(doc);
  if (pct.success) {
    const metrics: ParsedMetrics["metrics"] = {};
    for (const [name, s] of Object.entries(pct.data.metrics)) {
      const metric = metricNamed(name);
      if (!metric) continue;
      const p95 = percent(file, `metrics.${name}.p95`, s.p95);
      const stats: MetricStats = {
        count: 0,
        p95,
        p99: s.p99 === undefined ? p95 : percent(file, `metrics.${name}.p99`, s.p99),
        max: percent(file, `metrics.${name}.max`, s.max),
        hoursCovered: pct.data.days * 24,
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
      warnings: [],
    };
  }
  throw bad(file, "JSON of none of the accepted shapes");
}

function parseCsv(text: string, file: string, units?: MetricUnits): ParsedMetrics {
  const rows = text
    .split(/\r?\n/)
    .map((line, i) => {
      const cells = csvFields(line);
      if (!cells) throw bad(file, `line ${i + 1}: a quoted field is not closed`);
      return { line: i + 1, cells };
    })
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
  const idCol = header.cells.findIndex((c) =>
    ["instanceid", "instance"].includes(c.toLowerCase().replace(/[^a-z]/g, "")),
  );
  const collector = new Collector(file, units);
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
      if (idCol >= 0 && cells[idCol]) collector.openSeries(metric, `instance ${cells[idCol]}`);
      if (cells[i] === "") continue; // a metric the agent did not report at that time
      collector.add(metric, at, percent(file, `line ${line}, ${header.cells[i]}`, cells[i]));
    }
    if (typeCol >= 0 && cells[typeCol]) instanceType = cells[typeCol];
  }
  return collector.finish("csv", instanceType);
}

/**
 * Read an exported metrics file for right-sizing; JSON or CSV by extension, else by content.
 * Empty, malformed and metric-less files are BAD_METRICS errors naming the file and the fault.
 */
export function parseMetricsFile(
  text: string,
  filename: string,
  options: ParseOptions = {},
): ParsedMetrics {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw bad(filename, "the file is empty");
  const lower = filename.toLowerCase();
  const json = lower.endsWith(".json") || (!lower.endsWith(".csv") && /^\s*[{[]/.test(body));
  return json ? parseJson(body, filename, options.units) : parseCsv(body, filename, options.units);
}
