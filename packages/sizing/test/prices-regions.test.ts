import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BUILTIN_BOOK } from "../src/prices/builtin-book.js";
import {
  readSnapshotRows,
  SNAPSHOT,
  SNAPSHOT_REGIONS,
} from "../src/prices/generate-regional-excerpts.js";
import {
  getInstanceType,
  listInstanceTypes,
  PRICE_BOOKS,
  REGIONS,
  useImportedBook,
} from "../src/pricing/catalog.js";
import { regionPriceWarnings } from "../src/pricing/region-warnings.js";
import { runSizingCli, sizingErrorOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-regions-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runSizingCli(argv);

describe("every built-in region prices catalog, cost and recommend (--region)", () => {
  for (const region of REGIONS) {
    it(`${region}`, async () => {
      const catalog = await cli("catalog", "--region", region, "--json");
      expect(catalog.code).toBe(0);
      const doc = JSON.parse(catalog.stdout);
      expect(doc.region).toBe(region);
      expect(doc.instances).toHaveLength(listInstanceTypes(region).length);
      const cost = await cli("cost", "t4g.medium", "--region", region, "--json");
      expect(cost.code).toBe(0);
      expect(JSON.parse(cost.stdout)).toMatchObject({ type: "t4g.medium", region });
      const rec = await cli(
        "recommend",
        "--images-per-hour",
        "3600",
        "--service-ms",
        "200",
        "--region",
        region,
        "--json",
      );
      expect(rec.code).toBe(0);
      expect(JSON.parse(rec.stdout).savingsOptions.length).toBeGreaterThan(0);
    });
  }

  const commands: string[][] = [
    ["catalog"],
    ["cost", "t3.large"],
    ["recommend", "--images-per-hour", "3600", "--service-ms", "200"],
    ["recommend", "--use-case", "production"],
  ];
  for (const argv of commands) {
    it(`${argv.join(" ")} --region mars-north-1: one line naming the accepted regions, exit 2`, async () => {
      const r = await cli(...argv, "--region", "mars-north-1");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toBe(
        `flakeops-sizing: no prices for region "mars-north-1"; accepted: ${REGIONS.join(", ")}`,
      );
    });
  }
});

describe("the four snapshot regions: SkyPilot's price-list snapshot, read back to the row", () => {
  const rows = readSnapshotRows();
  const row = (type: string, region: string) =>
    rows.filter((r) => r.type === type && r.region === region);

  it("the five regions the issue names are built in, us-east-1 first", () => {
    expect(REGIONS).toEqual([
      "us-east-1",
      "ap-northeast-1",
      "eu-central-1",
      "eu-west-1",
      "us-west-2",
    ]);
    expect([...SNAPSHOT_REGIONS].sort()).toEqual(REGIONS.slice(1));
  });

  // Spot checks against the snapshot rows as read (catalogs/v7/aws/vms.csv at the commit below).
  it.each([
    [
      "c7g.large",
      "ap-northeast-1",
      0.091,
      { "apne1-az1": 0.0281, "apne1-az2": 0.0302, "apne1-az4": 0.0286 },
    ],
    [
      "c6i.large",
      "eu-west-1",
      0.0912,
      { "euw1-az1": 0.0387, "euw1-az2": 0.0398, "euw1-az3": 0.0429 },
    ],
    [
      "t4g.medium",
      "eu-central-1",
      0.0384,
      { "euc1-az1": 0.0102, "euc1-az2": 0.01, "euc1-az3": 0.0111 },
    ],
    // usw2-az2 has no spot price in the snapshot: the zone is left out, not guessed.
    [
      "c6g.xlarge",
      "us-west-2",
      0.136,
      { "usw2-az1": 0.054, "usw2-az3": 0.0539, "usw2-az4": 0.0525 },
    ],
  ])("%s in %s: $%s/h on demand and the spot price per zone ID", (type, region, hourly, byZone) => {
    const book = PRICE_BOOKS[region]!;
    expect(book.onDemandHourlyUSD[type]).toBe(hourly);
    expect(book.spot[type]).toEqual({ byZone, at: SNAPSHOT.date });
    expect(row(type, region).map((r) => r.price)).toEqual(row(type, region).map(() => hourly));
  });

  it("the snapshot's us-east-1 prices equal the built-in us-east-1 book's (karpenter's 2026-07-20 table)", () => {
    const east = rows.filter((r) => r.region === "us-east-1");
    expect(east.length).toBeGreaterThan(0);
    for (const r of east)
      expect(PRICE_BOOKS["us-east-1"]!.onDemandHourlyUSD[r.type], r.type).toBe(r.price);
    // us-east-1 keeps its own dated sources; the snapshot adds nothing there.
    expect(
      BUILTIN_BOOK.sources.filter((s) => s.publishedAt === SNAPSHOT.date).flatMap((s) => s.regions),
    ).not.toContain("us-east-1");
  });

  it("a snapshot region's date is unknown, and its answers say so with the borrowed rates", () => {
    for (const region of SNAPSHOT_REGIONS) {
      const book = PRICE_BOOKS[region]!;
      expect(book.asOf).toBe("unknown");
      const note = `${region}: ALB/NLB, CloudWatch, WAF, S3, SQS, T3/T4g unlimited surplus, EBS gp3, NAT gateway, public IPv4 at us-east-1 rates (no regional source built in); import ${region}'s offers for exact figures`;
      expect(book.notes).toEqual([note]);
      expect(regionPriceWarnings(region)).toEqual([
        `${region} prices have no valid publication date (unknown)`,
        note,
      ]);
      // The borrowed figures are us-east-1's, unchanged.
      for (const k of [
        "albHourlyUSD",
        "gp3PerGBMonthUSD",
        "natHourlyUSD",
        "sqsPerMillionRequestsUSD",
      ] as const)
        expect(book[k]).toBe(PRICE_BOOKS["us-east-1"]![k]);
    }
    expect(PRICE_BOOKS["us-east-1"]!.notes).toEqual([]);
    expect(regionPriceWarnings("us-east-1", new Date("2026-08-01T00:00:00Z"))).toEqual([]);
  });
});

describe("a type the region's book has no rate for is not offered there", () => {
  afterEach(() => useImportedBook(undefined));

  it("library and CLI name the region and what it offers", async () => {
    const region = BUILTIN_BOOK.regions["eu-west-1"]!;
    const { "c6i.large": _dropped, ...rest } = region.onDemandHourlyUSD;
    const book = {
      ...BUILTIN_BOOK,
      regions: { "eu-west-1": { ...region, onDemandHourlyUSD: rest } },
    };
    const file = join(dir, "book.json");
    writeFileSync(file, JSON.stringify(book));
    useImportedBook(book);
    const offered = listInstanceTypes("eu-west-1").map((t) => t.type);
    expect(offered).not.toContain("c6i.large");
    const e = sizingErrorOf(() => getInstanceType("c6i.large", "eu-west-1"));
    expect(e.code).toBe("UNKNOWN_INSTANCE_TYPE");
    expect(e.message).toBe(
      `c6i.large is not offered in eu-west-1 (its price book has no rate for it); offered there: ${offered.join(", ")}`,
    );
    const r = await cli("cost", "c6i.large", "--region", "eu-west-1", "--prices", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("c6i.large is not offered in eu-west-1");
    // A type the catalog does not know keeps its own message.
    expect(sizingErrorOf(() => getInstanceType("z9.huge", "eu-west-1")).message).toMatch(
      /^unknown instance type "z9.huge" in eu-west-1; accepted: /,
    );
  });

  it("built in: the snapshot has no eu-west-1 row for g6.xlarge or g6e.xlarge, so eu-west-1 does not offer them", async () => {
    const all = listInstanceTypes("us-east-1").map((t) => t.type);
    const snapshotTypes = new Set(
      readSnapshotRows()
        .filter((row) => row.region === "eu-west-1")
        .map((row) => row.type),
    );
    expect(snapshotTypes.has("g6.xlarge")).toBe(false);
    expect(snapshotTypes.has("g6e.xlarge")).toBe(false);
    const offered = listInstanceTypes("eu-west-1").map((t) => t.type);
    expect(all.filter((t) => !offered.includes(t))).toEqual(["g6.xlarge", "g6e.xlarge"]);
    for (const region of ["us-west-2", "eu-central-1", "ap-northeast-1"]) {
      expect(listInstanceTypes(region).map((t) => t.type)).toEqual(all);
    }
    for (const type of ["g6.xlarge", "g6e.xlarge"]) {
      const r = await cli("cost", type, "--region", "eu-west-1");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(
        `${type} is not offered in eu-west-1 (its price book has no rate for it); offered there: ${offered.join(", ")}`,
      );
    }
  });
});
