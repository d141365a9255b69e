import { choiceFlag, type FlagValues, numberFlag, stringFlag, usageError } from "../cli-kit.js";
import { usd } from "../format.js";
import {
  ARCHES,
  type InstanceType,
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  NOT_RECOMMENDED_TYPES,
  priceBook,
} from "../pricing/catalog.js";
import { HOURS_PER_MONTH, roundUSD, spotProfile } from "../pricing/pricing.js";
import { COUNT, type Command, noPositionals, POSITIVE, REGION_FLAG, regionOf } from "./command.js";
import { hourly, newTable } from "./table.js";

/**
 * `catalog`: the instance types and their prices, filtered in the style of AWS's
 * ec2-instance-selector (--vcpus-min/max, --memory-min, --cpu-architecture as --arch, --gpus,
 * --gpu-memory-total-min, --price-per-hour-max; github.com/aws/amazon-ec2-instance-selector).
 * Prices are the book's USD; a conversion rate adds figures labelled as converted.
 */

export const CATALOG_SORTS = ["price", "vcpu", "memory"] as const;
/** ISO 4217 codes are three capital letters. */
const CURRENCY_CODE = /^[A-Z]{3}$/;

const FILTER_FLAGS = {
  "vcpus-min": { type: "string", value: "N", help: "at least N vCPUs" },
  "vcpus-max": { type: "string", value: "N", help: "at most N vCPUs" },
  "memory-min": { type: "string", value: "GiB", help: "at least this much memory" },
  arch: { type: "string", value: ARCHES.join("|"), help: "only this CPU architecture" },
  gpu: { type: "boolean", help: "only types with a GPU" },
  "gpu-memory-min": {
    type: "string",
    value: "GiB",
    help: "at least this much GPU memory in all (implies --gpu)",
  },
  "max-hourly": { type: "string", value: "USD", help: "on-demand USD per hour at most" },
  sort: {
    type: "string",
    value: CATALOG_SORTS.join("|"),
    help: "order by hourly price, vCPUs or memory, smallest first (default: catalog order)",
  },
  "currency-rate": {
    type: "string",
    value: "X",
    help: "also show prices converted at X units of --currency per USD (USD stays the source)",
  },
  currency: { type: "string", value: "CODE", help: "the converted currency's code, e.g. EUR" },
} as const;

interface Conversion {
  currency: string;
  perUSD: number;
}

function conversionOf(values: FlagValues): Conversion | undefined {
  const perUSD = numberFlag(values["currency-rate"], "currency-rate", POSITIVE);
  const currency = stringFlag(values.currency);
  if (perUSD === undefined && currency === undefined) return undefined;
  if (perUSD === undefined || currency === undefined)
    throw usageError(
      `--${perUSD === undefined ? "currency" : "currency-rate"} without --${perUSD === undefined ? "currency-rate" : "currency"}`,
      "both --currency-rate X and --currency CODE, or neither",
    );
  if (!CURRENCY_CODE.test(currency) || currency === "USD")
    throw usageError(
      `--currency ${JSON.stringify(currency)} is not valid`,
      "a three-letter ISO 4217 code other than USD, e.g. EUR",
    );
  return { currency, perUSD };
}

export const catalogCommand: Command = {
  name: "catalog",
  summary: "the instance types, their prices and which are below the minimum",
  flags: { ...REGION_FLAG, ...FILTER_FLAGS },
  run({ values, positionals }) {
    noPositionals("catalog", positionals);
    const region = regionOf(values);
    const book = priceBook(region);
    const vcpusMin = numberFlag(values["vcpus-min"], "vcpus-min", COUNT);
    const vcpusMax = numberFlag(values["vcpus-max"], "vcpus-max", COUNT);
    if (vcpusMin !== undefined && vcpusMax !== undefined && vcpusMin > vcpusMax)
      throw usageError(
        `--vcpus-min ${vcpusMin} is above --vcpus-max ${vcpusMax}`,
        "--vcpus-min <= --vcpus-max",
      );
    const memoryMin = numberFlag(values["memory-min"], "memory-min", POSITIVE);
    const arch = choiceFlag(values.arch, "arch", ARCHES);
    const gpuMemoryMin = numberFlag(values["gpu-memory-min"], "gpu-memory-min", POSITIVE);
    const gpu = values.gpu === true || gpuMemoryMin !== undefined;
    const maxHourly = numberFlag(values["max-hourly"], "max-hourly", POSITIVE);
    const sort = choiceFlag(values.sort, "sort", CATALOG_SORTS);
    const conversion = conversionOf(values);

    const gpuMemory = (t: InstanceType) => (t.gpu ? t.gpu.count * t.gpu.memoryGiB : 0);
    const matches = listInstanceTypes(region).filter(
      (t) =>
        (vcpusMin === undefined || t.vcpu >= vcpusMin) &&
        (vcpusMax === undefined || t.vcpu <= vcpusMax) &&
        (memoryMin === undefined || t.memoryGiB >= memoryMin) &&
        (arch === undefined || t.arch === arch) &&
        (!gpu || t.gpu !== null) &&
        (gpuMemoryMin === undefined || gpuMemory(t) >= gpuMemoryMin) &&
        (maxHourly === undefined || t.hourlyUSD <= maxHourly),
    );
    // Array.prototype.sort is stable: ties keep catalog order.
    if (sort === "price") matches.sort((a, b) => a.hourlyUSD - b.hourlyUSD);
    if (sort === "vcpu") matches.sort((a, b) => a.vcpu - b.vcpu || a.hourlyUSD - b.hourlyUSD);
    if (sort === "memory")
      matches.sort((a, b) => a.memoryGiB - b.memoryGiB || a.hourlyUSD - b.hourlyUSD);

    const converted = (v: number) =>
      conversion ? Math.round(v * conversion.perUSD * 10_000) / 10_000 : undefined;
    const instances = matches.map((t) => {
      const monthlyUSD = roundUSD(t.hourlyUSD * HOURS_PER_MONTH);
      return {
        type: t.type,
        family: t.family,
        arch: t.arch,
        vcpu: t.vcpu,
        physicalCores: t.physicalCores,
        threadsPerCore: t.threadsPerCore,
        memoryGiB: t.memoryGiB,
        gpu: t.gpu,
        hourlyUSD: t.hourlyUSD,
        monthlyUSD,
        ...(conversion && {
          converted: {
            hourly: converted(t.hourlyUSD)!,
            monthly: Math.round(monthlyUSD * conversion.perUSD * 100) / 100,
          },
        }),
        burstable: t.burstable,
        spot: spotProfile(t),
        belowMinimum: isBelowMinimum(t),
        notRecommended: NOT_RECOMMENDED_TYPES.includes(t.type),
      };
    });
    const code = conversion?.currency;
    const t = newTable([
      "type",
      "arch",
      "vCPU",
      "cores",
      "GiB",
      "GPU",
      "hourly",
      "monthly",
      ...(code ? [`hourly ${code} (converted)`, `monthly ${code} (converted)`] : []),
      "burst baseline",
      "note",
    ]);
    for (const i of instances) {
      t.push([
        i.type,
        i.arch,
        i.vcpu,
        // SMT shows as "1 (2 threads)": x86 vCPUs are threads, Graviton and C7a's are cores.
        i.threadsPerCore === 1 ? i.physicalCores : `${i.physicalCores} (2 threads)`,
        i.memoryGiB,
        i.gpu ? `${i.gpu.count}x ${i.gpu.model} ${i.gpu.memoryGiB} GiB` : "",
        hourly(i.hourlyUSD),
        usd(i.monthlyUSD),
        ...(i.converted
          ? [`${i.converted.hourly} ${code}`, `${i.converted.monthly.toFixed(2)} ${code}`]
          : []),
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
    const notes = [
      `${region}, Linux on-demand, ${book.currency}, prices as of ${book.asOf}; a month is ${HOURS_PER_MONTH} h`,
      ...(conversion
        ? [
            `${conversion.currency} figures are converted at ${conversion.perUSD} ${conversion.currency} per USD (--currency-rate); USD is the source`,
          ]
        : []),
      ...(instances.length === 0 ? ["no instance type matches the filters"] : []),
    ];
    return {
      doc: {
        instances,
        region,
        currency: book.currency,
        pricesAsOf: book.asOf,
        minimumInstanceType: MIN_INSTANCE_TYPE,
        filters: {
          vcpusMin,
          vcpusMax,
          memoryMinGiB: memoryMin,
          arch,
          gpu,
          gpuMemoryMinGiB: gpuMemoryMin,
          maxHourlyUSD: maxHourly,
          sort,
        },
        ...(conversion && {
          conversion: { ...conversion, note: "converted from USD at the given rate" },
        }),
      },
      table: `${t.toString()}\n${notes.join("\n")}`,
    };
  },
};
