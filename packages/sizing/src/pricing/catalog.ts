import { SizingError } from "../errors.js";
import type { ImportedBook } from "../prices/book.js";
import { BUILTIN_BOOK } from "../prices/builtin-book.js";

/**
 * The instance catalog: what each EC2 type is (region-independent), and per-region price books
 * (what it costs there). Only us-east-1 is priced today; another region is one more entry in
 * PRICE_BOOKS. A built-in book's EC2 rates and date are `prices import`'s output for the
 * checked-in offer excerpt in data/ (prices/builtin-book.ts, generated).
 */

export interface GpuSpec {
  readonly model: string;
  readonly count: number;
  readonly memoryGiB: number;
}

/** T3 burst facts: baseline share of each vCPU, and CPU credits earned per hour (1 credit = 1 vCPU-minute at 100 %). */
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

export interface PriceBook {
  readonly region: string;
  readonly currency: "USD";
  /** The date the list prices below were read. */
  readonly asOf: string;
  /** Linux, shared tenancy, on-demand, USD per hour. */
  readonly onDemandHourlyUSD: Readonly<Record<string, number>>;
  /** T3 unlimited mode: each vCPU-hour above the baseline, Linux. */
  readonly t3SurplusPerVcpuHourUSD: number;
  readonly gp3PerGBMonthUSD: number;
  readonly albHourlyUSD: number;
  readonly albLcuHourlyUSD: number;
  readonly alarmMonthlyUSD: number;
  readonly dashboardMonthlyUSD: number;
  readonly customMetricMonthlyUSD: number;
  /** CloudWatch PutMetricData, per 1,000 requests. */
  readonly putMetricDataPer1000USD: number;
  /** NAT gateway: per hour, and per GB it processes. */
  readonly natHourlyUSD: number;
  readonly natPerGBUSD: number;
  /** Each public IPv4 address, in use or idle (since 2024-02-01). */
  readonly publicIpv4HourlyUSD: number;
  /** AWS WAF: per web ACL and per rule a month, per million requests inspected. */
  readonly wafWebAclMonthlyUSD: number;
  readonly wafRuleMonthlyUSD: number;
  readonly wafPerMillionRequestsUSD: number;
  /** S3 Standard storage, first 50 TB a month, per GB. */
  readonly s3StandardPerGBMonthUSD: number;
}

const T4: GpuSpec = { model: "NVIDIA T4", count: 1, memoryGiB: 16 };

function t3(size: string, vcpu: number, memoryGiB: number, baselinePerVcpu: number): InstanceSpec {
  // Credits per hour follow from the baseline: baseline x vCPUs x 60 vCPU-minutes.
  const creditsPerHour = Math.round(baselinePerVcpu * vcpu * 60);
  return {
    type: `t3.${size}`,
    family: "t3",
    arch: "x86_64",
    vcpu,
    memoryGiB,
    gpu: null,
    burstable: { baselinePerVcpu, creditsPerHour },
  };
}

function fixed(
  type: string,
  vcpu: number,
  memoryGiB: number,
  arch: Arch = "x86_64",
  gpu: GpuSpec | null = null,
): InstanceSpec {
  return { type, family: type.split(".")[0]!, arch, vcpu, memoryGiB, gpu, burstable: null };
}

/** Region-independent facts, ordered by family then size (the order right-sizing walks). */
export const INSTANCE_SPECS: readonly InstanceSpec[] = [
  t3("micro", 2, 1, 0.1),
  t3("small", 2, 2, 0.2),
  t3("medium", 2, 4, 0.2),
  t3("large", 2, 8, 0.3),
  t3("xlarge", 4, 16, 0.4),
  t3("2xlarge", 8, 32, 0.4),
  fixed("c5.large", 2, 4),
  fixed("c5.xlarge", 4, 8),
  fixed("c5.2xlarge", 8, 16),
  fixed("c6i.large", 2, 4),
  fixed("c6i.xlarge", 4, 8),
  fixed("c6i.2xlarge", 8, 16),
  fixed("m5.large", 2, 8),
  fixed("m5.xlarge", 4, 16),
  fixed("m5.2xlarge", 8, 32),
  fixed("c7g.large", 2, 4, "arm64"),
  fixed("c7g.xlarge", 4, 8, "arm64"),
  fixed("c7g.2xlarge", 8, 16, "arm64"),
  fixed("g4dn.xlarge", 4, 16, "x86_64", T4),
  fixed("g4dn.2xlarge", 8, 32, "x86_64", T4),
  fixed("g4dn.4xlarge", 16, 64, "x86_64", T4),
  fixed("g5.xlarge", 4, 16, "x86_64", { model: "NVIDIA A10G", count: 1, memoryGiB: 24 }),
  fixed("g6.xlarge", 4, 16, "x86_64", { model: "NVIDIA L4", count: 1, memoryGiB: 24 }),
];

export const DEFAULT_REGION = "us-east-1";

/** The EC2 offer's part of a built-in book: `prices import`'s output for data/'s excerpt. */
function fromBuiltinOffer(
  region: string,
): Pick<
  PriceBook,
  | "region"
  | "currency"
  | "asOf"
  | "onDemandHourlyUSD"
  | "gp3PerGBMonthUSD"
  | "natHourlyUSD"
  | "natPerGBUSD"
  | "publicIpv4HourlyUSD"
> {
  const p = BUILTIN_BOOK.regions[region];
  const rate = (name: string, v: number | undefined): number => {
    // The excerpt is checked in and its module generated: a gap is a build defect, not input.
    if (v === undefined) throw new Error(`built-in book: ${region} has no ${name}`);
    return v;
  };
  if (!p || Object.keys(p.onDemandHourlyUSD).length === 0) rate("on-demand rates", undefined);
  return {
    region,
    currency: "USD",
    asOf: BUILTIN_BOOK.publishedAt,
    onDemandHourlyUSD: p!.onDemandHourlyUSD,
    gp3PerGBMonthUSD: rate("gp3", p?.gp3PerGBMonthUSD),
    natHourlyUSD: rate("NAT gateway hour", p?.natHourlyUSD),
    natPerGBUSD: rate("NAT gateway GB", p?.natPerGBUSD),
    publicIpv4HourlyUSD: rate("public IPv4", p?.publicIpv4HourlyUSD),
  };
}

export const PRICE_BOOKS: Readonly<Record<string, PriceBook>> = {
  "us-east-1": {
    ...fromBuiltinOffer("us-east-1"),
    // What the EC2 offer does not carry (T3 CPU credits are their own product family; ALB,
    // CloudWatch, WAF and S3 are other services' offers).
    t3SurplusPerVcpuHourUSD: 0.05,
    albHourlyUSD: 0.0225,
    albLcuHourlyUSD: 0.008,
    alarmMonthlyUSD: 0.1,
    dashboardMonthlyUSD: 3,
    customMetricMonthlyUSD: 0.3,
    // https://aws.amazon.com/cloudwatch/pricing/ (API requests)
    putMetricDataPer1000USD: 0.01,
    // https://aws.amazon.com/waf/pricing/
    wafWebAclMonthlyUSD: 5,
    wafRuleMonthlyUSD: 1,
    wafPerMillionRequestsUSD: 0.6,
    // https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB / month)
    s3StandardPerGBMonthUSD: 0.023,
  },
};

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
      gp3PerGBMonthUSD: p.gp3PerGBMonthUSD ?? base.gp3PerGBMonthUSD,
      natHourlyUSD: p.natHourlyUSD ?? base.natHourlyUSD,
      natPerGBUSD: p.natPerGBUSD ?? base.natPerGBUSD,
      publicIpv4HourlyUSD: p.publicIpv4HourlyUSD ?? base.publicIpv4HourlyUSD,
    };
    used.push(region);
  }
  return { used, unused };
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
    throw new SizingError(
      "UNKNOWN_INSTANCE_TYPE",
      `unknown instance type "${type}" in ${region}; accepted: ${types.map((t) => t.type).join(", ")}`,
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
