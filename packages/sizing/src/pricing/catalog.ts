import { SizingError } from "../errors.js";
import {
  type ImportedBook,
  isDate,
  type ReservedRate,
  type SavingsPlanRate,
  type SpotQuote,
} from "../prices/book.js";
import { BUILTIN_BOOK } from "../prices/builtin-book.js";
import {
  BUILTIN_NON_OFFER_RATES,
  borrowedRatesNote,
  NON_OFFER_RATE_NAMES,
  type NonOfferRates,
  RATES_SOURCE_REGION,
  US_EAST_1_RATES,
} from "./regions.js";

/**
 * The instance catalog: what each EC2 type is (region-independent), and per-region price books
 * (what it costs there). A built-in book's EC2 rates and date are `prices import`'s output for
 * the checked-in offer excerpts in data/ (prices/builtin-book.ts, generated); another region is
 * one more excerpt and one more entry in PRICE_BOOKS.
 */

export interface GpuSpec {
  readonly model: string;
  readonly count: number;
  /** Per GPU, nominal (AWS's instance pages; DescribeInstanceTypes reports the usable part, e.g. 22,888 MiB of an A10G's 24 GiB). */
  readonly memoryGiB: number;
}

/** Burst facts: baseline share of each vCPU, and CPU credits earned per hour (1 credit = 1 vCPU-minute at 100 %). */
export interface BurstSpec {
  readonly baselinePerVcpu: number;
  readonly creditsPerHour: number;
}

export const ARCHES = ["x86_64", "arm64"] as const;
export type Arch = (typeof ARCHES)[number];

export interface InstanceSpec {
  readonly type: string;
  readonly family: string;
  readonly arch: Arch;
  readonly vcpu: number;
  /** Physical cores: vCPU / threadsPerCore. */
  readonly physicalCores: number;
  /** 2 where each vCPU is an SMT thread (Intel, AMD before Zen 4); 1 on Graviton and C7a (one vCPU per core). */
  readonly threadsPerCore: 1 | 2;
  readonly memoryGiB: number;
  readonly gpu: GpuSpec | null;
  readonly burstable: BurstSpec | null;
  /** Reserved-instance savings for this type, where they differ from the book's defaults. */
  readonly riSavings?: Partial<Record<"ri-1y" | "ri-3y", number>>;
}

/** A catalog entry with its price in one region. */
export interface InstanceType extends InstanceSpec {
  readonly region: string;
  /** Linux on-demand list price, USD per hour. */
  readonly hourlyUSD: number;
}

export interface PriceBook extends NonOfferRates {
  readonly region: string;
  readonly currency: "USD";
  /** The date the list prices below were read ("unknown" where the source gives none). */
  readonly asOf: string;
  /** Linux, shared tenancy, on-demand, USD per hour. */
  readonly onDemandHourlyUSD: Readonly<Record<string, number>>;
  /** Reserved rates per type as the offer lists them (term x payment option x class); absent where the book has none. */
  readonly reserved: Readonly<Record<string, readonly ReservedRate[]>>;
  /** Compute and EC2 Instance Savings Plans rates per type; absent where the book has none. */
  readonly savingsPlans: Readonly<Record<string, readonly SavingsPlanRate[]>>;
  /** The newest spot price per zone per type, where the book has spot history. */
  readonly spot: Readonly<Record<string, SpotQuote>>;
  readonly gp3PerGBMonthUSD: number;
  /** NAT gateway: per hour, and per GB it processes. */
  readonly natHourlyUSD: number;
  readonly natPerGBUSD: number;
  /** Each public IPv4 address, in use or idle (since 2024-02-01). */
  readonly publicIpv4HourlyUSD: number;
  /** What answers priced here should say about where the figures come from (borrowed rates). */
  readonly notes: readonly string[];
}

const T4: GpuSpec = { model: "NVIDIA T4", count: 1, memoryGiB: 16 };
const A10G: GpuSpec = { model: "NVIDIA A10G", count: 1, memoryGiB: 24 };
const L4: GpuSpec = { model: "NVIDIA L4", count: 1, memoryGiB: 24 };
const L40S: GpuSpec = { model: "NVIDIA L40S", count: 1, memoryGiB: 48 };

/**
 * Threads per core by family: Graviton (arm64) and C7a run one thread per core ("each vCPU is a
 * thread of a CPU core, except for T2, M7a ... Graviton"; C7a/M7a/R7a cannot change it:
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-optimize-cpu.html); the other
 * x86 families here are two SMT threads per core.
 */
const ONE_THREAD_PER_CORE_X86 = new Set(["c7a"]);

function spec(
  type: string,
  vcpu: number,
  memoryGiB: number,
  arch: Arch = "x86_64",
  gpu: GpuSpec | null = null,
  baselinePerVcpu?: number,
): InstanceSpec {
  const family = type.split(".")[0]!;
  const threadsPerCore = arch === "arm64" || ONE_THREAD_PER_CORE_X86.has(family) ? 1 : 2;
  // Credits per hour follow from the baseline: baseline x vCPUs x 60 vCPU-minutes.
  const burstable =
    baselinePerVcpu === undefined
      ? null
      : { baselinePerVcpu, creditsPerHour: Math.round(baselinePerVcpu * vcpu * 60) };
  return {
    type,
    family,
    arch,
    vcpu,
    physicalCores: vcpu / threadsPerCore,
    threadsPerCore,
    memoryGiB,
    gpu,
    burstable,
  };
}

/** Large, xlarge and 2xlarge of a fixed-performance family: 2/4/8 vCPUs, `memoryPerVcpu` GiB each. */
const sizes = (family: string, memoryPerVcpu: number, arch: Arch = "x86_64") =>
  (["large", "xlarge", "2xlarge"] as const).map((size, i) =>
    spec(`${family}.${size}`, 2 ** (i + 1), 2 ** (i + 1) * memoryPerVcpu, arch),
  );

/**
 * Burstable sizes: medium/large/xlarge have a 20/30/40 % baseline per vCPU
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html).
 */
const burstSizes = (family: string, arch: Arch = "x86_64") => [
  spec(`${family}.medium`, 2, 4, arch, null, 0.2),
  spec(`${family}.large`, 2, 8, arch, null, 0.3),
  spec(`${family}.xlarge`, 4, 16, arch, null, 0.4),
];

/**
 * Region-independent facts, ordered by family then size (the order right-sizing walks). vCPUs,
 * memory, architecture and GPUs as EC2 DescribeInstanceTypes reports them (karpenter's generated
 * instance-type reference, aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md,
 * 2026-07-11).
 */
export const INSTANCE_SPECS: readonly InstanceSpec[] = [
  spec("t3.micro", 2, 1, "x86_64", null, 0.1),
  spec("t3.small", 2, 2, "x86_64", null, 0.2),
  ...burstSizes("t3"),
  spec("t3.2xlarge", 8, 32, "x86_64", null, 0.4),
  ...burstSizes("t3a"),
  ...burstSizes("t4g", "arm64"),
  ...sizes("c5", 2),
  ...sizes("c6i", 2),
  ...sizes("c7i", 2),
  ...sizes("c6a", 2),
  ...sizes("c7a", 2),
  ...sizes("m5", 4),
  ...sizes("m6i", 4),
  ...sizes("m7i", 4),
  ...sizes("r6i", 8),
  ...sizes("c6g", 2, "arm64"),
  ...sizes("c7g", 2, "arm64"),
  ...sizes("c8g", 2, "arm64"),
  ...sizes("m7g", 4, "arm64"),
  ...sizes("r7g", 8, "arm64"),
  spec("g4dn.xlarge", 4, 16, "x86_64", T4),
  spec("g4dn.2xlarge", 8, 32, "x86_64", T4),
  spec("g4dn.4xlarge", 16, 64, "x86_64", T4),
  spec("g5.xlarge", 4, 16, "x86_64", A10G),
  spec("g6.xlarge", 4, 16, "x86_64", L4),
  spec("g6e.xlarge", 4, 32, "x86_64", L40S),
];

export const DEFAULT_REGION = "us-east-1";

/** The offer's rates besides instances: named as a borrowed note lists them. */
const OFFER_RATES = [
  ["EBS gp3", "gp3PerGBMonthUSD"],
  ["NAT gateway", "natHourlyUSD"],
  ["NAT gateway", "natPerGBUSD"],
  ["public IPv4", "publicIpv4HourlyUSD"],
] as const;

/** A region's date: its newest dated source's; a region whose sources have none says so. */
function regionAsOf(region: string): string {
  const dates = BUILTIN_BOOK.sources
    .filter((s) => s.regions.includes(region))
    .map((s) => s.publishedAt);
  return dates.filter(isDate).sort().at(-1) ?? dates[0] ?? "unknown";
}

/**
 * A built-in region's book: `prices import`'s output for data/'s excerpts (instances, and gp3,
 * NAT and public IPv4 where the excerpt has them), with the non-offer rates of regions.ts. A
 * figure the region has no source for is us-east-1's, and the book's notes say which.
 */
function builtinBook(region: string): PriceBook {
  const p = BUILTIN_BOOK.regions[region];
  // The excerpts are checked in and the module generated: a gap is a build defect, not input.
  if (!p || Object.keys(p.onDemandHourlyUSD).length === 0)
    throw new Error(`built-in book: ${region} has no on-demand rates`);
  const home = BUILTIN_BOOK.regions[RATES_SOURCE_REGION]!;
  const own = BUILTIN_NON_OFFER_RATES[region];
  const borrowed: string[] = own ? [] : [...NON_OFFER_RATE_NAMES];
  const offer = {} as Record<(typeof OFFER_RATES)[number][1], number>;
  for (const [name, key] of OFFER_RATES) {
    const v = p[key] ?? home[key];
    if (v === undefined) throw new Error(`built-in book: ${region} has no ${name} rate`);
    if (p[key] === undefined && !borrowed.includes(name)) borrowed.push(name);
    offer[key] = v;
  }
  const note = borrowedRatesNote(region, borrowed);
  return {
    ...(own ?? US_EAST_1_RATES),
    ...offer,
    region,
    currency: "USD",
    asOf: regionAsOf(region),
    onDemandHourlyUSD: p.onDemandHourlyUSD,
    reserved: p.reserved,
    savingsPlans: p.savingsPlans,
    spot: p.spot,
    notes: note ? [note] : [],
  };
}

/** Every region the built-in book covers (us-east-1 first: the default). */
export const PRICE_BOOKS: Readonly<Record<string, PriceBook>> = Object.fromEntries(
  [DEFAULT_REGION, ...Object.keys(BUILTIN_BOOK.regions).filter((r) => r !== DEFAULT_REGION)].map(
    (r) => [r, builtinBook(r)],
  ),
);

export const REGIONS: readonly string[] = Object.keys(PRICE_BOOKS);

/** The as-of date of the default region's prices. */
export const PRICES_AS_OF: string = PRICE_BOOKS[DEFAULT_REGION]!.asOf;

/** The user's imported book (`--prices` / FLAKEOPS_PRICE_BOOK), per region, over the built-in one. */
let importedBooks: Record<string, PriceBook> = {};

/**
 * Price from an imported book: its on-demand, EBS gp3, NAT and public IPv4 figures replace the
 * built-in region's, dated by the book. The EC2 offer has no ALB, CloudWatch, WAF or S3 rates,
 * so only regions with a built-in book can take one; the others are returned, unused.
 */
export function useImportedBook(book: ImportedBook | undefined): {
  used: string[];
  unused: string[];
} {
  importedBooks = {};
  const used: string[] = [];
  const unused: string[] = [];
  for (const [region, p] of Object.entries(book?.regions ?? {})) {
    const base = PRICE_BOOKS[region];
    if (!base || Object.keys(p.onDemandHourlyUSD).length === 0) {
      unused.push(region);
      continue;
    }
    importedBooks[region] = {
      ...base,
      asOf: book!.publishedAt,
      onDemandHourlyUSD: p.onDemandHourlyUSD,
      reserved: p.reserved,
      savingsPlans: p.savingsPlans,
      spot: p.spot,
      gp3PerGBMonthUSD: p.gp3PerGBMonthUSD ?? base.gp3PerGBMonthUSD,
      natHourlyUSD: p.natHourlyUSD ?? base.natHourlyUSD,
      natPerGBUSD: p.natPerGBUSD ?? base.natPerGBUSD,
      publicIpv4HourlyUSD: p.publicIpv4HourlyUSD ?? base.publicIpv4HourlyUSD,
      notes: importedNotes(region, p),
    };
    used.push(region);
  }
  return { used, unused };
}

/** What an imported region still borrows: the non-offer rates, and offer rates neither book has. */
function importedNotes(region: string, p: ImportedBook["regions"][string]): string[] {
  const borrowed: string[] = BUILTIN_NON_OFFER_RATES[region] ? [] : [...NON_OFFER_RATE_NAMES];
  for (const [name, key] of OFFER_RATES)
    if (
      p[key] === undefined &&
      BUILTIN_BOOK.regions[region]?.[key] === undefined &&
      !borrowed.includes(name)
    )
      borrowed.push(name);
  const note = borrowedRatesNote(region, borrowed);
  return note ? [note] : [];
}

export function priceBook(region: string = DEFAULT_REGION): PriceBook {
  const book = importedBooks[region] ?? PRICE_BOOKS[region];
  if (!book) {
    throw new SizingError(
      "UNKNOWN_REGION",
      `no prices for region "${region}"; accepted: ${REGIONS.join(", ")}`,
    );
  }
  return book;
}

/** Every type priced in the region, in catalog order. */
export function listInstanceTypes(region: string = DEFAULT_REGION): InstanceType[] {
  const book = priceBook(region);
  return INSTANCE_SPECS.flatMap((spec) => {
    const hourlyUSD = book.onDemandHourlyUSD[spec.type];
    return hourlyUSD === undefined ? [] : [{ ...spec, region, hourlyUSD }];
  });
}

/** The default region's catalog. */
export const CATALOG: readonly InstanceType[] = listInstanceTypes(DEFAULT_REGION);

export function getInstanceType(type: string, region: string = DEFAULT_REGION): InstanceType {
  const types = listInstanceTypes(region);
  const found = types.find((t) => t.type === type);
  if (!found) {
    const offered = types.map((t) => t.type).join(", ");
    throw new SizingError(
      "UNKNOWN_INSTANCE_TYPE",
      INSTANCE_SPECS.some((s) => s.type === type)
        ? `${type} is not offered in ${region} (its price book has no rate for it); offered there: ${offered}`
        : `unknown instance type "${type}" in ${region}; accepted: ${offered}`,
    );
  }
  return found;
}

/** The same family, smallest first (vCPU, then memory): the ladder right-sizing steps along. */
export function familyLadder(type: InstanceType): InstanceType[] {
  return listInstanceTypes(type.region)
    .filter((t) => t.family === type.family)
    .sort((a, b) => a.vcpu - b.vcpu || a.memoryGiB - b.memoryGiB);
}

/**
 * The seed's minimum: t3.medium ("Minimum"); t3.micro is "Not recommended". Any type with less
 * memory than the minimum is below it.
 */
export const MIN_INSTANCE_TYPE = "t3.medium";
export const NOT_RECOMMENDED_TYPES: readonly string[] = ["t3.micro"];
export const MIN_MEMORY_GIB: number = getInstanceType(MIN_INSTANCE_TYPE).memoryGiB;

export function isBelowMinimum(type: InstanceSpec): boolean {
  return type.memoryGiB < MIN_MEMORY_GIB;
}

/**
 * What the service needs besides its model workers: the OS, the CloudWatch agent and the API
 * process. A type fits when reserve + workers x model memory stays under the memory-high
 * alarm threshold.
 */
export const SYSTEM_RESERVE_GIB = 0.5;

/**
 * Memory one worker needs when nothing says otherwise: the reference GMM detector peaks at about
 * 510 MB RSS on 1920x1200 images (measured on this project's machines). The seed's 8 GB is for
 * the heavy segmentation model; pass modelMemoryGiB for that.
 */
export const DEFAULT_MODEL_MEMORY_GIB = 0.5;

/** The gp3 root volume per instance when nothing says otherwise: the seed's 200 GB. */
export const DEFAULT_VOLUME_GIB = 200;
