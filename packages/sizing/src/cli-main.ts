import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { ALARM_RULES, windowMinutes } from "./alarm-rules.js";
import { isSizingError, SizingError } from "./errors.js";
import { usd } from "./format.js";
import {
  DEFAULT_REGION,
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  NOT_RECOMMENDED_TYPES,
  priceBook,
} from "./pricing/catalog.js";
import { costOf, HOURS_PER_MONTH, parsePricing, roundUSD, spotProfile } from "./pricing/pricing.js";
import { parseMetricsFile } from "./rightsize/metrics.js";
import { planMigration } from "./rightsize/migrate.js";
import { rightsize } from "./rightsize/rightsize.js";
import { parseBenchProfile } from "./workload/profile.js";
import { parseUseCase, recommendForUseCase } from "./workload/use-cases.js";
import { recommendForWorkload, type WorkloadInput } from "./workload/workload.js";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Read a file named on the command line (relative to the working directory). */
  readFile(path: string): string;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path, "utf8"),
};

export const USAGE = `flakeops-sizing: size, price and right-size the flake-detection service on AWS

  catalog [--region R]
  cost <type> [--count N] [--hours H] [--pricing on-demand|ri-1y|ri-3y|spot] [--average-cpu P]
  recommend --use-case testing|development|production|high-throughput|gpu|batch [--model-memory-gib G]
  recommend --images-per-hour N [--peak-factor F] [--p95-latency-ms L]
            [--service-ms S | --profile FILE] [--gpu] [--model-memory-gib G] [--pricing P]
  rightsize --metrics FILE [--instance-type T] [--volume-gib G] [--pricing P]
  migrate --from <type> --to <type> [--count N] [--pricing P]
  alarms

Every command prints a table, or one JSON document with --json. Prices: us-east-1, Linux.
`;

const COMMANDS = ["catalog", "cost", "recommend", "rightsize", "migrate", "alarms"] as const;
type Command = (typeof COMMANDS)[number];

type OptionSpec = { type: "string" } | { type: "boolean" };
const str: OptionSpec = { type: "string" };
const flag: OptionSpec = { type: "boolean" };

/** The options each command takes; anything else is an error naming what is accepted. */
const OPTIONS: Record<Command, Record<string, OptionSpec>> = {
  catalog: { region: str },
  cost: { count: str, hours: str, pricing: str, "average-cpu": str, region: str },
  recommend: {
    "use-case": str,
    "images-per-hour": str,
    "peak-factor": str,
    "p95-latency-ms": str,
    "service-ms": str,
    profile: str,
    gpu: flag,
    "model-memory-gib": str,
    pricing: str,
    region: str,
  },
  rightsize: { metrics: str, "instance-type": str, "volume-gib": str, pricing: str, region: str },
  migrate: { from: str, to: str, count: str, pricing: str, region: str },
  alarms: {},
};

type Values = Record<string, string | boolean | undefined>;

/** Run the CLI; resolves to the exit code (0 ok, 2 bad input, 1 unexpected). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) {
      throw new SizingError(
        "BAD_ARGUMENT",
        `no command; accepted: ${COMMANDS.join(", ")} (--help for usage)`,
      );
    }
    if (command === "--help" || command === "-h" || command === "help") {
      io.stdout(USAGE);
      return 0;
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
      throw new SizingError(
        "BAD_ARGUMENT",
        `unknown command "${command}"; accepted: ${COMMANDS.join(", ")}`,
      );
    }
    const { values, positionals } = parse(command as Command, rest);
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const { doc, table } = run(command as Command, values, positionals, io);
    io.stdout(values.json ? `${JSON.stringify(doc, null, 2)}\n` : `${table}\n`);
    return 0;
  } catch (e) {
    if (isSizingError(e)) {
      io.stderr(`flakeops-sizing: ${oneLine(e.message)}\n`);
      return 2;
    }
    io.stderr(
      `flakeops-sizing: unexpected error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`,
    );
    return 1;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function parse(
  command: Command,
  args: readonly string[],
): { values: Values; positionals: string[] } {
  const options: Record<string, OptionSpec> = { ...OPTIONS[command], json: flag, help: flag };
  // "--count -3" should reach the number check ("must be positive"), not read as an option.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : "";
    if (options[name]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args: joined,
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Values, positionals };
  } catch (e) {
    const accepted = Object.keys(options)
      .map((o) => `--${o}`)
      .join(", ");
    throw new SizingError(
      "BAD_ARGUMENT",
      `${command}: ${oneLine((e as Error).message)}; accepted: ${accepted}`,
    );
  }
}

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

function required(values: Values, name: string, command: string): string {
  const v = text(values, name);
  if (v === undefined || v === "")
    throw new SizingError("BAD_ARGUMENT", `${command} needs --${name}`);
  return v;
}

/** A number from a flag; must be > 0 (or >= 0), whole where asked. */
function num(
  values: Values,
  name: string,
  opts: { integer?: boolean; allowZero?: boolean } = {},
): number | undefined {
  const raw = text(values, name);
  if (raw === undefined) return undefined;
  const value = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())
    ? Number(raw)
    : Number.NaN;
  const kind = opts.integer ? "whole number" : "number";
  const sign = opts.allowZero ? ">= 0" : "> 0";
  if (
    !Number.isFinite(value) ||
    value < 0 ||
    (!opts.allowZero && value === 0) ||
    (opts.integer && !Number.isInteger(value))
  ) {
    throw new SizingError("BAD_NUMBER", `--${name} must be a ${kind} ${sign}; got "${raw}"`);
  }
  return value;
}

function readNamedFile(io: CliIo, path: string, what: string): string {
  try {
    return io.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : oneLine((e as Error).message);
    throw new SizingError(
      "FILE_NOT_FOUND",
      `cannot read ${what} "${path}": ${why}; accepted: a path to a readable file`,
    );
  }
}

function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) {
    throw new SizingError("BAD_ARGUMENT", `${command} takes no argument "${positionals[0]}"`);
  }
}

function newTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

const hourly = (v: number) => `$${Number(v.toFixed(4))}`;

function withNotes(table: string, lines: string[], label = "warning"): string {
  return [table, ...lines.map((l) => `${label}: ${l}`)].join("\n");
}

function run(
  command: Command,
  values: Values,
  positionals: string[],
  io: CliIo,
): { doc: unknown; table: string } {
  const region = text(values, "region") ?? DEFAULT_REGION;
  const pricingArg = text(values, "pricing");
  const pricing = pricingArg === undefined ? undefined : parsePricing(pricingArg);
  switch (command) {
    case "catalog":
      noPositionals(command, positionals);
      return catalog(region);
    case "cost": {
      const [type, extra] = positionals;
      if (!type)
        throw new SizingError("BAD_ARGUMENT", "cost needs an instance type, e.g. cost t3.large");
      if (extra)
        throw new SizingError("BAD_ARGUMENT", `cost takes one instance type; got also "${extra}"`);
      const count = num(values, "count", { integer: true }) ?? 1;
      const hours = num(values, "hours") ?? HOURS_PER_MONTH;
      const averageCpuPercent = num(values, "average-cpu", { allowZero: true });
      const quote = costOf(type, pricing ?? "on-demand", {
        count,
        hours,
        region,
        ...(averageCpuPercent === undefined ? {} : { averageCpuPercent }),
      });
      const doc = {
        type: quote.type,
        count: quote.count,
        pricing: quote.pricing,
        region: quote.region,
        hours: quote.hours,
        hourlyUSD: Number(quote.hourlyUSD.toFixed(6)),
        monthlyUSD: roundUSD(quote.monthlyUSD),
        onDemandMonthlyUSD: roundUSD(quote.onDemandMonthlyUSD),
        savingsPercent: quote.savingsPercent,
        surplusUSD: roundUSD(quote.surplusUSD),
      };
      const t = newTable([
        "type",
        "count",
        "pricing",
        "hourly (each)",
        `total for ${hours} h`,
        "on-demand",
        "saved",
      ]);
      t.push([
        doc.type,
        doc.count,
        doc.pricing,
        hourly(doc.hourlyUSD),
        usd(doc.monthlyUSD),
        usd(doc.onDemandMonthlyUSD),
        `${doc.savingsPercent.toFixed(0)} %`,
      ]);
      const notes =
        doc.surplusUSD > 0 ? [`includes ${usd(doc.surplusUSD)} of T3 unlimited surplus`] : [];
      return { doc, table: withNotes(t.toString(), notes, "note") };
    }
    case "recommend":
      noPositionals(command, positionals);
      return recommend(values, pricing, region, io);
    case "rightsize": {
      noPositionals(command, positionals);
      const file = required(values, "metrics", command);
      const parsed = parseMetricsFile(readNamedFile(io, file, "metrics file"), file);
      const instanceType = text(values, "instance-type") ?? parsed.instanceType;
      if (!instanceType) {
        throw new SizingError(
          "BAD_ARGUMENT",
          `${file} names no instance type; pass --instance-type (accepted: a type from \`flakeops-sizing catalog\`)`,
        );
      }
      const volumeGiB = num(values, "volume-gib");
      const result = rightsize({
        instanceType,
        metrics: parsed.metrics,
        days: parsed.days,
        region,
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
    }
    case "migrate": {
      noPositionals(command, positionals);
      const count = num(values, "count", { integer: true });
      const plan = planMigration(
        required(values, "from", command),
        required(values, "to", command),
        {
          region,
          ...(count === undefined ? {} : { count }),
          ...(pricing ? { pricing } : {}),
        },
      );
      const t = newTable(["#", "step", "what", "commands"]);
      for (const [i, s] of plan.steps.entries()) {
        t.push([i + 1, s.title, s.detail, s.commands.join("\n")]);
      }
      const summary = `${plan.from} -> ${plan.to} (${plan.count} x, ${plan.pricing}): ${usd(plan.fromMonthlyUSD)} -> ${usd(plan.toMonthlyUSD)} per month, delta ${usd(plan.monthlyDeltaUSD)}`;
      return { doc: plan, table: withNotes(`${t.toString()}\n${summary}`, plan.warnings) };
    }
    case "alarms": {
      noPositionals(command, positionals);
      const rules = ALARM_RULES.map((r) => ({ ...r, windowMinutes: windowMinutes(r) }));
      const t = newTable(["rule", "metric", "condition", "window", "action"]);
      for (const r of rules) {
        t.push([
          r.id,
          `${r.namespace} ${r.metric} (${r.statistic})`,
          `${r.comparison === "GreaterThanThreshold" ? ">" : "<"} ${r.threshold} %`,
          `${r.windowMinutes} min`,
          r.action.kind === "scale"
            ? `scale ${r.action.adjustment > 0 ? "out +1" : "in -1"}`
            : "notify",
        ]);
      }
      return { doc: { rules }, table: t.toString() };
    }
  }
}

function catalog(region: string): { doc: unknown; table: string } {
  const book = priceBook(region);
  const instances = listInstanceTypes(region).map((t) => ({
    type: t.type,
    family: t.family,
    arch: t.arch,
    vcpu: t.vcpu,
    memoryGiB: t.memoryGiB,
    gpu: t.gpu,
    hourlyUSD: t.hourlyUSD,
    monthlyUSD: roundUSD(t.hourlyUSD * HOURS_PER_MONTH),
    burstable: t.burstable,
    spot: spotProfile(t),
    belowMinimum: isBelowMinimum(t),
    notRecommended: NOT_RECOMMENDED_TYPES.includes(t.type),
  }));
  const t = newTable([
    "type",
    "arch",
    "vCPU",
    "GiB",
    "GPU",
    "hourly",
    "monthly",
    "burst baseline",
    "note",
  ]);
  for (const i of instances) {
    t.push([
      i.type,
      i.arch,
      i.vcpu,
      i.memoryGiB,
      i.gpu ? `${i.gpu.count}x ${i.gpu.model} ${i.gpu.memoryGiB} GiB` : "",
      hourly(i.hourlyUSD),
      usd(i.monthlyUSD),
      i.burstable
        ? `${i.burstable.baselinePerVcpu * 100} %/vCPU, ${i.burstable.creditsPerHour} cr/h`
        : "",
      i.notRecommended
        ? "not recommended"
        : i.belowMinimum
          ? "below minimum"
          : i.type === MIN_INSTANCE_TYPE
            ? "minimum"
            : "",
    ]);
  }
  return {
    doc: {
      instances,
      region,
      currency: book.currency,
      pricesAsOf: book.asOf,
      minimumInstanceType: MIN_INSTANCE_TYPE,
    },
    table: `${t.toString()}\n${region}, Linux on-demand, ${book.currency}, prices as of ${book.asOf}; a month is ${HOURS_PER_MONTH} h`,
  };
}

function recommend(
  values: Values,
  pricing: WorkloadInput["pricing"],
  region: string,
  io: CliIo,
): { doc: unknown; table: string } {
  const useCase = text(values, "use-case");
  const imagesPerHour = num(values, "images-per-hour");
  const modelMemoryGiB = num(values, "model-memory-gib");
  if ((useCase === undefined) === (imagesPerHour === undefined)) {
    throw new SizingError(
      "BAD_ARGUMENT",
      "recommend needs exactly one of --use-case or --images-per-hour",
    );
  }
  if (useCase !== undefined) {
    const workloadFlags = [
      "peak-factor",
      "p95-latency-ms",
      "service-ms",
      "profile",
      "gpu",
      "pricing",
    ].filter((f) => values[f] !== undefined);
    if (workloadFlags.length > 0) {
      throw new SizingError(
        "BAD_ARGUMENT",
        `--use-case takes no --${workloadFlags[0]}; that goes with --images-per-hour`,
      );
    }
    const rec = recommendForUseCase(parseUseCase(useCase), {
      region,
      ...(modelMemoryGiB === undefined ? {} : { modelMemoryGiB }),
    });
    const t = newTable(["use case", "type", "count", "pricing", "hourly", "monthly"]);
    t.push([
      rec.useCase,
      rec.instanceType,
      rec.count,
      rec.pricing,
      hourly(rec.hourlyUSD),
      usd(rec.monthlyUSD),
    ]);
    return { doc: rec, table: withNotes(`${t.toString()}\nreason: ${rec.reason}`, rec.warnings) };
  }
  const serviceMs = num(values, "service-ms");
  const profilePath = text(values, "profile");
  if (serviceMs !== undefined && profilePath !== undefined) {
    throw new SizingError("BAD_ARGUMENT", "give --service-ms or --profile, not both");
  }
  const peakFactor = num(values, "peak-factor");
  const p95LatencyMs = num(values, "p95-latency-ms");
  const rec = recommendForWorkload({
    imagesPerHour: imagesPerHour!,
    region,
    gpu: values.gpu === true,
    ...(peakFactor === undefined ? {} : { peakFactor }),
    ...(p95LatencyMs === undefined ? {} : { p95LatencyMs }),
    ...(serviceMs === undefined ? {} : { serviceMs }),
    ...(profilePath === undefined
      ? {}
      : { profile: parseBenchProfile(readNamedFile(io, profilePath, "profile"), profilePath) }),
    ...(modelMemoryGiB === undefined ? {} : { modelMemoryGiB }),
    ...(pricing ? { pricing } : {}),
  });
  const t = newTable([
    "type",
    "count",
    "workers",
    "peak util.",
    "avg util.",
    "p95 ms",
    "monthly",
    "per 1M images",
  ]);
  for (const [i, o] of [rec, ...rec.alternatives].entries()) {
    t.push([
      i === 0 ? `${o.instanceType} *` : o.instanceType,
      o.count,
      o.count * o.workersPerInstance,
      `${(o.utilization * 100).toFixed(0)} %`,
      `${(o.averageUtilization * 100).toFixed(0)} %`,
      o.p95LatencyMs.toFixed(0),
      usd(o.monthlyUSD),
      usd(o.costPerMillionImagesUSD),
    ]);
  }
  const a = rec.assumptions;
  const summary = `* cheapest (${rec.pricing}) for ${a.imagesPerHour} images/h x ${a.peakFactor} peak, p95 <= ${a.p95TargetMs} ms, ${a.serviceMs} ms per image (${a.serviceTimeSource})`;
  return { doc: rec, table: withNotes(`${t.toString()}\n${summary}`, rec.warnings) };
}
