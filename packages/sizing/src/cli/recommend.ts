import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  choiceFlag,
  type FlagSpecs,
  numberFlag,
  readTextFile,
  stringFlag,
  usageError,
} from "../cli-kit.js";
import { usd } from "../format.js";
import { DEFAULT_MODEL_MEMORY_GIB, priceBook } from "../pricing/catalog.js";
import { DEFAULT_BYTES_PER_IMAGE } from "../pricing/tier-cost.js";
import { costChart, renderCostChartHtml } from "../report/cost-chart.js";
import { parseBenchProfile } from "../workload/profile.js";
import { recommendForUseCase, USE_CASES } from "../workload/use-cases.js";
import {
  DEFAULT_P95_LATENCY_MS,
  DEFAULT_PEAK_FACTOR,
  recommendForWorkload,
  type WorkloadInput,
} from "../workload/workload.js";
import {
  type Command,
  type CommandInput,
  noPositionals,
  type Output,
  POSITIVE,
  PRICING_FLAG,
  pricingOf,
  REGION_FLAG,
  regionOf,
} from "./command.js";
import { hourly, newTable, withNotes } from "./table.js";

const SHAPE_LABEL = {
  application: "api behind an ALB",
  network: "api behind an NLB",
  none: "batch (S3 + SQS, no load balancer)",
} as const;

/** Flags of the --images-per-hour form only; --use-case refuses them. */
const WORKLOAD_FLAGS = {
  "peak-factor": {
    type: "string",
    value: "F",
    help: `peak / average arrival rate (default ${DEFAULT_PEAK_FACTOR})`,
  },
  "p95-latency-ms": {
    type: "string",
    value: "L",
    help: `p95 latency target, ms (default ${DEFAULT_P95_LATENCY_MS})`,
  },
  "service-ms": { type: "string", value: "S", help: "time of one image on one worker, ms" },
  profile: {
    type: "string",
    value: "FILE",
    help: "a bench profile (`pnpm bench`) instead of --service-ms",
  },
  gpu: { type: "boolean", help: "size GPU types instead of CPU types" },
  "bytes-per-image": {
    type: "string",
    value: "B",
    help: `bytes per request, upload + answer (default ${DEFAULT_BYTES_PER_IMAGE}): ALB capacity units`,
  },
  html: {
    type: "string",
    value: "FILE",
    help: "also write a self-contained page charting monthly cost against images/hour",
  },
  batch: { type: "boolean", help: "the batch shape (S3 + SQS, no ALB) instead of the API's" },
  model: {
    type: "string",
    value: "ID",
    help: "the model sized (default: the profile's, else GMM-Graphene); a profile of another is refused",
  },
  "peak-hours": {
    type: "string",
    value: "H",
    help: "hours a day at the peak rate: prices the autoscaled day (default: peak count all month)",
  },
  production: { type: "boolean", help: "production: at least 2 instances in 2 AZs" },
  "force-gpu": {
    type: "boolean",
    help: "with --gpu and a CPU-only model (GMM): size GPU types anyway and show the waste",
  },
} as const satisfies FlagSpecs;

export const recommendCommand: Command = {
  name: "recommend",
  summary: "the guide's type for a use case, or the cheapest tier for a measured workload",
  forms: [["use-case"], ["images-per-hour"]],
  flags: {
    "use-case": {
      type: "string",
      value: "NAME",
      help: `the guide's rule for a use case: ${USE_CASES.join(", ")}`,
    },
    "images-per-hour": { type: "string", value: "N", help: "the average arrival rate" },
    ...WORKLOAD_FLAGS,
    "model-memory-gib": {
      type: "string",
      value: "G",
      help: `memory one worker needs, GiB (default ${DEFAULT_MODEL_MEMORY_GIB}, or the profile's)`,
    },
    ...PRICING_FLAG,
    ...REGION_FLAG,
  },
  run({ values, positionals, io }: CommandInput): Output {
    const pricing = pricingOf(values);
    noPositionals("recommend", positionals);
    const region = regionOf(values);
    const useCase = stringFlag(values["use-case"]);
    const imagesPerHour = numberFlag(values["images-per-hour"], "images-per-hour", POSITIVE);
    const modelMemoryGiB = numberFlag(values["model-memory-gib"], "model-memory-gib", POSITIVE);
    if ((useCase === undefined) === (imagesPerHour === undefined)) {
      throw usageError(
        "recommend needs exactly one of --use-case or --images-per-hour",
        "--use-case NAME, or --images-per-hour N",
      );
    }
    if (useCase !== undefined) {
      const workloadOnly = [...Object.keys(WORKLOAD_FLAGS), "pricing"].filter(
        (f) => values[f] !== undefined,
      );
      if (workloadOnly.length > 0) {
        throw usageError(
          `--use-case takes no --${workloadOnly[0]}; that goes with --images-per-hour`,
          "--use-case with --model-memory-gib, --region",
        );
      }
      const rec = recommendForUseCase(choiceFlag(useCase, "use-case", USE_CASES)!, {
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
      const book = priceBook(region);
      return {
        doc: { ...rec, currency: book.currency, pricesAsOf: book.asOf },
        table: withNotes(
          `${t.toString()}\nreason: ${rec.reason}\n${book.currency}, prices as of ${book.asOf}`,
          rec.warnings,
        ),
      };
    }
    const serviceMs = numberFlag(values["service-ms"], "service-ms", POSITIVE);
    const profilePath = stringFlag(values.profile);
    if (serviceMs !== undefined && profilePath !== undefined) {
      throw usageError("give --service-ms or --profile, not both", "one of them");
    }
    const peakFactor = numberFlag(values["peak-factor"], "peak-factor", POSITIVE);
    const p95LatencyMs = numberFlag(values["p95-latency-ms"], "p95-latency-ms", POSITIVE);
    const bytesPerImage = numberFlag(values["bytes-per-image"], "bytes-per-image", POSITIVE);
    const peakHoursPerDay = numberFlag(values["peak-hours"], "peak-hours", POSITIVE);
    const input: WorkloadInput = {
      imagesPerHour: imagesPerHour!,
      region,
      gpu: values.gpu === true,
      ...(peakFactor === undefined ? {} : { peakFactor }),
      ...(p95LatencyMs === undefined ? {} : { p95LatencyMs }),
      ...(serviceMs === undefined ? {} : { serviceMs }),
      ...(profilePath === undefined
        ? {}
        : { profile: parseBenchProfile(readTextFile(io, profilePath, "profile"), profilePath) }),
      ...(modelMemoryGiB === undefined ? {} : { modelMemoryGiB }),
      ...(bytesPerImage === undefined ? {} : { bytesPerImage }),
      ...(pricing ? { pricing } : {}),
      shape: values.batch === true ? "batch" : "api",
      ...(stringFlag(values.model) === undefined ? {} : { model: stringFlag(values.model)! }),
      ...(values["force-gpu"] === true ? { forceGpu: true } : {}),
      ...(values.production === true ? { production: true } : {}),
      ...(peakHoursPerDay === undefined ? {} : { peakHoursPerDay }),
    };
    const rec = recommendForWorkload(input);
    const book = priceBook(region);
    const htmlPath = stringFlag(values.html);
    if (htmlPath !== undefined) {
      const meta = { currency: book.currency, pricesAsOf: book.asOf };
      const html = renderCostChartHtml(costChart(input, rec, meta));
      try {
        writeFileSync(resolve(io.cwd ?? process.cwd(), htmlPath), html);
      } catch (e) {
        throw usageError(
          `cannot write the report "${htmlPath}": ${(e as NodeJS.ErrnoException).code ?? "error"}`,
          "a writable file path",
        );
      }
    }
    const t = newTable([
      "type",
      "count",
      "workers",
      "peak util.",
      "avg util.",
      "p95 ms",
      "monthly",
      "per 1M images",
      "largest term",
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
        `${o.dominantCost.replace(/USD$/, "")} ${usd(o.breakdown[o.dominantCost])}`,
      ]);
    }
    const a = rec.assumptions;
    const terms = Object.entries(rec.breakdown)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k.replace(/USD$/, "")} ${usd(v)}`)
      .join(", ");
    const summary = `* cheapest whole bill (${rec.pricing}, ${rec.shape} shape) for ${a.imagesPerHour} images/h x ${a.peakFactor} peak, p95 <= ${a.p95TargetMs} ms, ${a.serviceMs} ms per image (${a.serviceTimeSource})\nbill: ${terms}; dominant: ${rec.dominantCost.replace(/USD$/, "")}\nshapes: ${rec.shapeOptions.map((o) => `${SHAPE_LABEL[o.loadBalancer]} ${usd(o.monthlyUSD)}${o.chosen ? " (chosen)" : o.latencyAllows ? "" : " (too slow for the target)"}`).join(", ")}`;
    const nlb = rec.shapeOptions.find((o) => o.loadBalancer === "network")!;
    return {
      doc: { ...rec, currency: book.currency, pricesAsOf: book.asOf },
      table: withNotes(
        `${t.toString()}\n${summary}\nnlb: ${nlb.note}\n${book.currency}, prices as of ${book.asOf}`,
        rec.warnings,
      ),
    };
  },
};
