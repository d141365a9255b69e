import {
  choiceFlag,
  numberFlag,
  readTextFile,
  requiredFlag,
  stringFlag,
  usageError,
} from "../cli-kit.js";
import { usd } from "../format.js";
import { DEFAULT_VOLUME_GIB, priceBook } from "../pricing/catalog.js";
import { parseMetricsFile } from "../rightsize/metrics.js";
import { DEFAULT_STATISTIC, rightsize, STATISTICS } from "../rightsize/rightsize.js";
import {
  type Command,
  noPositionals,
  POSITIVE,
  PRICING_FLAG,
  pricingOf,
  REGION_FLAG,
  regionOf,
} from "./command.js";
import { newTable, withNotes } from "./table.js";

export const rightsizeCommand: Command = {
  name: "rightsize",
  summary: "upsize, downsize or keep a running type, from its exported CloudWatch metrics",
  forms: [["metrics"]],
  flags: {
    metrics: {
      type: "string",
      value: "FILE",
      help: "CloudWatch GetMetricData / GetMetricStatistics JSON, or CSV",
    },
    "instance-type": {
      type: "string",
      value: "T",
      help: "the running type, when the file names none",
    },
    "volume-gib": {
      type: "string",
      value: "G",
      help: `the root volume, GiB (default ${DEFAULT_VOLUME_GIB})`,
    },
    statistic: {
      type: "string",
      value: "S",
      help: `the figure read: ${STATISTICS.join(", ")} (default ${DEFAULT_STATISTIC}; max for burst checks)`,
    },
    headroom: {
      type: "string",
      value: "PCT",
      help: "room kept under each threshold after a change, percent (default 0)",
    },
    units: {
      type: "string",
      value: "U",
      help: "percent (default) or fraction: convert 0-1 values, with a warning",
    },
    ...PRICING_FLAG,
    ...REGION_FLAG,
  },
  run({ values, positionals, io }) {
    const pricing = pricingOf(values);
    noPositionals("rightsize", positionals);
    const file = requiredFlag(values, "metrics", "rightsize");
    const units = choiceFlag(stringFlag(values.units), "units", ["percent", "fraction"] as const);
    const statistic = choiceFlag(stringFlag(values.statistic), "statistic", STATISTICS);
    const headroomPercent = numberFlag(values.headroom, "headroom", { min: 0, max: 99 });
    const parsed = parseMetricsFile(
      readTextFile(io, file, "metrics file"),
      file,
      units ? { units } : {},
    );
    const instanceType = stringFlag(values["instance-type"]) ?? parsed.instanceType;
    if (!instanceType) {
      throw usageError(
        `${file} names no instance type; pass --instance-type`,
        "a type from `flakeops-sizing catalog`",
      );
    }
    const volumeGiB = numberFlag(values["volume-gib"], "volume-gib", POSITIVE);
    const result = rightsize({
      instanceType,
      metrics: parsed.metrics,
      days: parsed.days,
      region: regionOf(values),
      ...(pricing ? { pricing } : {}),
      ...(volumeGiB === undefined ? {} : { volumeGiB }),
      ...(statistic ? { statistic } : {}),
      ...(headroomPercent === undefined ? {} : { headroomPercent }),
    });
    result.warnings.unshift(...parsed.warnings);
    const t = newTable(["action", "from", "to", "monthly savings", "volume"]);
    t.push([
      result.action,
      result.from,
      result.to,
      usd(result.monthlySavingsUSD),
      `${result.volume.fromGiB} -> ${result.volume.toGiB} GiB`,
    ]);
    const m = newTable(["metric", "p95 %", "p99 %", "max %", "hours"]);
    for (const [name, s] of Object.entries(result.metrics))
      m.push([name, s.p95, s.p99, s.max, s.hoursCovered]);
    const o = newTable(["option", "monthly", "saves", "CPU %", "memory %", "risk"]);
    for (const x of result.options)
      o.push([
        x.instanceType,
        usd(x.monthlyUSD),
        usd(x.monthlySavingsUSD),
        x.projectedCpuPercent,
        x.projectedMemoryPercent,
        x.performanceRisk,
      ]);
    const disk =
      result.volume.daysUntilFull === null
        ? []
        : [`disk: full in ${result.volume.daysUntilFull} days at its trend`];
    const body = [
      t.toString(),
      m.toString(),
      ...(result.options.length ? [o.toString()] : []),
      ...result.reasons.map((r) => `reason: ${r}`),
      ...disk,
    ].join("\n");
    const book = priceBook(regionOf(values));
    const priced = `${book.currency}, prices as of ${book.asOf}`;
    return {
      doc: { ...result, currency: book.currency, pricesAsOf: book.asOf },
      table: withNotes(`${body}\n${priced}`, result.warnings),
    };
  },
};
