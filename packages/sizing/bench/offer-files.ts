import type { ReservedRate } from "../src/prices/book.js";

/**
 * AmazonEC2 offer files in AWS's bulk API layouts (JSON: formatVersion, offerCode, version,
 * publicationDate, products{sku: {sku, productFamily, attributes}}, terms{OnDemand|Reserved:
 * {sku: {sku.code: {priceDimensions, termAttributes}}}}; CSV: five metadata lines, a header, one
 * row per price dimension), written from a small spec: for tests and the import benchmark.
 */

export interface OfferSpec {
  publicationDate: string;
  region: string;
  location: string;
  /** Linux shared on-demand USD/h and reserved rates per type. */
  instances: Record<string, { hourlyUSD: number; reserved?: ReservedRate[] }>;
  /** EBS gp3, NAT gateway and public IPv4 rates; an excerpt of instance terms only leaves them out. */
  gp3PerGBMonthUSD?: number;
  natHourlyUSD?: number;
  natPerGBUSD?: number;
  publicIpv4HourlyUSD?: number;
  /** The offer's disclaimer line; a checked-in excerpt names its source there. Default "test offer". */
  disclaimer?: string;
  /** SKUs are `${skuPrefix}000000000001`...; default "SKU" (two excerpts read together need distinct ones). */
  skuPrefix?: string;
  /** Other operating systems / tenancies per instance (rows the importer must skip); default 1. */
  decoys?: number;
}

interface Row {
  sku: string;
  family: string;
  attributes: Record<string, string>;
  onDemand: { unit: string; usd: number; description: string }[];
  reserved: ReservedRate[];
}

function rows(spec: OfferSpec): Row[] {
  const base = {
    servicecode: "AmazonEC2",
    location: spec.location,
    locationType: "AWS Region",
    regionCode: spec.region,
  };
  const out: Row[] = [];
  let n = 0;
  const prefix = spec.skuPrefix ?? "SKU";
  const sku = () => `${prefix}${String(++n).padStart(15 - prefix.length, "0")}`;
  for (const [type, p] of Object.entries(spec.instances)) {
    const linux = {
      ...base,
      instanceType: type,
      operatingSystem: "Linux",
      tenancy: "Shared",
      preInstalledSw: "NA",
      capacitystatus: "Used",
      licenseModel: "No License required",
      usagetype: `BoxUsage:${type}`,
      operation: "RunInstances",
    };
    out.push({
      sku: sku(),
      family: "Compute Instance",
      attributes: linux,
      onDemand: [
        {
          unit: "Hrs",
          usd: p.hourlyUSD,
          description: `$${p.hourlyUSD} per On Demand Linux ${type} Instance Hour`,
        },
      ],
      reserved: p.reserved ?? [],
    });
    for (let d = 0; d < (spec.decoys ?? 1); d++) {
      const variant = [
        { operatingSystem: "Windows", operation: "RunInstances:0002" },
        { tenancy: "Dedicated", usagetype: `DedicatedUsage:${type}` },
        { capacitystatus: "UnusedCapacityReservation", usagetype: `UnusedBox:${type}` },
        { preInstalledSw: "SQL Std", operation: "RunInstances:0004" },
      ][d % 4]!;
      out.push({
        sku: sku(),
        family: "Compute Instance",
        attributes: { ...linux, ...variant },
        onDemand: [{ unit: "Hrs", usd: p.hourlyUSD * (2 + d), description: "decoy" }],
        reserved: [],
      });
    }
  }
  const other = (
    family: string,
    attributes: Record<string, string>,
    unit: string,
    usd: number | undefined,
    description: string,
  ) => {
    if (usd !== undefined)
      out.push({
        sku: sku(),
        family,
        attributes: { ...base, ...attributes },
        onDemand: [{ unit, usd, description }],
        reserved: [],
      });
  };
  other(
    "Storage",
    { volumeApiName: "gp3", usagetype: "EBS:VolumeUsage.gp3" },
    "GB-Mo",
    spec.gp3PerGBMonthUSD,
    "gp3",
  );
  other("NAT Gateway", { usagetype: "NatGateway-Hours" }, "Hrs", spec.natHourlyUSD, "NAT hour");
  other("NAT Gateway", { usagetype: "NatGateway-Bytes" }, "GB", spec.natPerGBUSD, "NAT GB");
  other(
    "IP Address",
    { usagetype: "PublicIPv4:InUseAddress", group: "VPCPublicIPv4Address" },
    "Hrs",
    spec.publicIpv4HourlyUSD,
    "IPv4",
  );
  return out;
}

const OD = "JRTCKXETXF";
/** A distinct term code per term x class x option, as the offer's ten-character codes are. */
const riCode = (r: ReservedRate) =>
  `${r.term}${r.offeringClass.slice(0, 4)}${r.purchaseOption.slice(0, 3)}`
    .replace(/\W/g, "")
    .toUpperCase();
const usd = (v: number) => v.toFixed(10);

/** The offer as JSON, in chunks (so a large one can be streamed to disk). */
export function* offerJsonChunks(spec: OfferSpec): Generator<string> {
  const all = rows(spec);
  yield `{\n  "formatVersion" : "v1.0",\n  "disclaimer" : ${JSON.stringify(spec.disclaimer ?? "test offer")},\n  "offerCode" : "AmazonEC2",\n  "version" : "${spec.publicationDate.replace(/\D/g, "")}",\n  "publicationDate" : "${spec.publicationDate}",\n  "products" : {\n`;
  yield all
    .map(
      (r) =>
        `    "${r.sku}" : ${JSON.stringify({ sku: r.sku, productFamily: r.family, attributes: r.attributes })}`,
    )
    .join(",\n");
  yield `\n  },\n  "terms" : {\n    "OnDemand" : {\n`;
  yield all
    .map((r) => {
      const code = `${r.sku}.${OD}`;
      const dims = Object.fromEntries(
        r.onDemand.map((d, i) => [
          `${code}.${i}`,
          {
            rateCode: `${code}.${i}`,
            description: d.description,
            beginRange: "0",
            endRange: "Inf",
            unit: d.unit,
            pricePerUnit: { USD: usd(d.usd) },
            appliesTo: [],
          },
        ]),
      );
      return `      "${r.sku}" : ${JSON.stringify({ [code]: { offerTermCode: OD, sku: r.sku, effectiveDate: spec.publicationDate, priceDimensions: dims, termAttributes: {} } })}`;
    })
    .join(",\n");
  yield `\n    },\n    "Reserved" : {\n`;
  yield all
    .filter((r) => r.reserved.length > 0)
    .map((r) => {
      const terms = Object.fromEntries(
        r.reserved.map((ri) => {
          const code = `${r.sku}.${riCode(ri)}`;
          const dims: Record<string, unknown> = {
            [`${code}.2TG2D8R56U`]: {
              unit: "Quantity",
              description: "Upfront Fee",
              pricePerUnit: { USD: usd(ri.upfrontUSD) },
              appliesTo: [],
            },
            [`${code}.6YS6EN2CT7`]: {
              unit: "Hrs",
              description: "Linux reserved hour",
              beginRange: "0",
              endRange: "Inf",
              pricePerUnit: { USD: usd(ri.hourlyUSD) },
              appliesTo: [],
            },
          };
          return [
            code,
            {
              offerTermCode: riCode(ri),
              sku: r.sku,
              effectiveDate: spec.publicationDate,
              priceDimensions: dims,
              termAttributes: {
                LeaseContractLength: ri.term,
                OfferingClass: ri.offeringClass,
                PurchaseOption: ri.purchaseOption,
              },
            },
          ];
        }),
      );
      return `      "${r.sku}" : ${JSON.stringify(terms)}`;
    })
    .join(",\n");
  yield `\n    }\n  }\n}\n`;
}

const CSV_HEADER = [
  "SKU",
  "OfferTermCode",
  "RateCode",
  "TermType",
  "PriceDescription",
  "EffectiveDate",
  "StartingRange",
  "EndingRange",
  "Unit",
  "PricePerUnit",
  "Currency",
  "LeaseContractLength",
  "PurchaseOption",
  "OfferingClass",
  "Product Family",
  "serviceCode",
  "Location",
  "Location Type",
  "Instance Type",
  "Operating System",
  "Tenancy",
  "Pre Installed S/W",
  "License Model",
  "CapacityStatus",
  "Volume API Name",
  "usageType",
  "operation",
  "Region Code",
];
const q = (cells: readonly (string | number)[]) =>
  cells.map((c) => `"${String(c).replace(/"/g, '""')}"`).join(",");

/** The same offer as the bulk API's CSV. */
export function offerCsv(spec: OfferSpec): string {
  const lines = [
    q(["FormatVersion", "v1.0"]),
    q(["Disclaimer", spec.disclaimer ?? "test offer"]),
    q(["Publication Date", spec.publicationDate]),
    q(["Version", spec.publicationDate.replace(/\D/g, "")]),
    q(["OfferCode", "AmazonEC2"]),
    q(CSV_HEADER),
  ];
  for (const r of rows(spec)) {
    const a = r.attributes;
    const product = [
      r.family,
      "AmazonEC2",
      a.location!,
      a.locationType!,
      a.instanceType ?? "",
      a.operatingSystem ?? "",
      a.tenancy ?? "",
      a.preInstalledSw ?? "",
      a.licenseModel ?? "",
      a.capacitystatus ?? "",
      a.volumeApiName ?? "",
      a.usagetype ?? "",
      a.operation ?? "",
      a.regionCode!,
    ];
    for (const d of r.onDemand)
      lines.push(
        q([
          r.sku,
          OD,
          `${r.sku}.${OD}.0`,
          "OnDemand",
          d.description,
          spec.publicationDate,
          "0",
          "Inf",
          d.unit,
          usd(d.usd),
          "USD",
          "",
          "",
          "",
          ...product,
        ]),
      );
    for (const ri of r.reserved) {
      const code = riCode(ri);
      lines.push(
        q([
          r.sku,
          code,
          `${r.sku}.${code}.1`,
          "Reserved",
          "Upfront Fee",
          spec.publicationDate,
          "",
          "",
          "Quantity",
          usd(ri.upfrontUSD),
          "USD",
          ri.term,
          ri.purchaseOption,
          ri.offeringClass,
          ...product,
        ]),
      );
      lines.push(
        q([
          r.sku,
          code,
          `${r.sku}.${code}.2`,
          "Reserved",
          "Linux reserved hour",
          spec.publicationDate,
          "0",
          "Inf",
          "Hrs",
          usd(ri.hourlyUSD),
          "USD",
          ri.term,
          ri.purchaseOption,
          ri.offeringClass,
          ...product,
        ]),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
