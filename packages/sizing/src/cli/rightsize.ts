import { numberFlag, readTextFile, requiredFlag, stringFlag, usageError } from "../cli-kit.js";
import { usd } from "../format.js";
import { DEFAULT_VOLUME_GIB } from "../pricing/catalog.js";
import { parseMetricsFile } from "../rightsize/metrics.js";
import { rightsize } from "../rightsize/rightsize.js";
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
    ...PRICING_FLAG,
    ...REGION_FLAG,
  },
  run({ values, positionals, io }) {
    const pricing = pricingOf(values);
    noPositionals("rightsize", positionals);
    const file = requiredFlag(values, "metrics", "rightsize");
    const parsed = parseMetricsFile(readTextFile(io, file, "metrics file"), file);
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
    });
    const t = newTable(["action", "from", "to", "monthly savings", "volume"]);
    t.push([
      result.action,
      result.from,
      result.to,
      usd(result.monthlySavingsUSD),
      `${result.volume.fromGiB} -> ${result.volume.toGiB} GiB`,
    ]);
    const m = newTable(["metric", "p95 %", "max %"]);
    for (const [name, s] of Object.entries(result.metrics)) m.push([name, s.p95, s.max]);
    const body = [t.toString(), m.toString(), ...result.reasons.map((r) => `reason: ${r}`)].join(
      "\n",
    );
    return { doc: result, table: withNotes(body, result.warnings) };
  },
};
