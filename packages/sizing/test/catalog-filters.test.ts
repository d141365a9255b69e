import { describe, expect, it } from "vitest";
import { listInstanceTypes } from "../src/pricing/catalog.js";
import { runSizingCli } from "./helpers.js";

const cli = (...argv: string[]) => runSizingCli(argv);

interface Row {
  type: string;
  arch: string;
  vcpu: number;
  memoryGiB: number;
  gpu: { count: number; memoryGiB: number } | null;
  hourlyUSD: number;
  monthlyUSD: number;
  converted?: { hourly: number; monthly: number };
}

async function rows(...argv: string[]): Promise<Row[]> {
  const r = await cli("catalog", ...argv, "--json");
  expect(r).toMatchObject({ code: 0, stderr: "" });
  return JSON.parse(r.stdout).instances;
}

const ALL = listInstanceTypes("us-east-1");

describe("catalog filters (ec2-instance-selector style)", () => {
  it("no filter lists the whole catalog in catalog order", async () => {
    expect((await rows()).map((r) => r.type)).toEqual(ALL.map((t) => t.type));
  });

  it("--vcpus-min/--vcpus-max bound the vCPUs, inclusive", async () => {
    const got = await rows("--vcpus-min", "4", "--vcpus-max", "8");
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((r) => r.vcpu >= 4 && r.vcpu <= 8)).toBe(true);
    expect(got.map((r) => r.type)).toEqual(
      ALL.filter((t) => t.vcpu >= 4 && t.vcpu <= 8).map((t) => t.type),
    );
    expect(got.map((r) => r.type)).toContain("t3.xlarge");
    expect(got.map((r) => r.type)).not.toContain("g4dn.4xlarge");
  });

  it("--memory-min, --arch and --max-hourly combine", async () => {
    const got = await rows("--memory-min", "8", "--arch", "arm64", "--max-hourly", "0.2");
    expect(got.map((r) => r.type)).toEqual([
      "t4g.large",
      "t4g.xlarge",
      "c6g.xlarge",
      "c7g.xlarge",
      "c8g.xlarge",
      "m7g.large",
      "m7g.xlarge",
      "r7g.large",
    ]);
    const cheap = await rows("--max-hourly", "0.0416");
    expect(cheap.map((r) => r.type)).toEqual([
      "t3.micro",
      "t3.small",
      "t3.medium",
      "t3a.medium",
      "t4g.medium",
    ]);
  });

  it("--gpu keeps GPU types; --gpu-memory-min counts all GPUs' memory and implies --gpu", async () => {
    const gpus = await rows("--gpu");
    expect(gpus.map((r) => r.type)).toEqual(ALL.filter((t) => t.gpu).map((t) => t.type));
    const big = await rows("--gpu-memory-min", "20");
    expect(big.map((r) => r.type)).toEqual(["g5.xlarge", "g6.xlarge", "g6e.xlarge"]);
  });

  it("--sort price|vcpu|memory orders smallest first, ties by price", async () => {
    const byPrice = (await rows("--sort", "price")).map((r) => r.hourlyUSD);
    expect(byPrice).toEqual([...byPrice].sort((a, b) => a - b));
    const byVcpu = await rows("--sort", "vcpu", "--vcpus-min", "4", "--vcpus-max", "4");
    expect(byVcpu.map((r) => r.hourlyUSD)).toEqual(
      byVcpu.map((r) => r.hourlyUSD).sort((a, b) => a - b),
    );
    const byMemory = (await rows("--sort", "memory")).map((r) => r.memoryGiB);
    expect(byMemory).toEqual([...byMemory].sort((a, b) => a - b));
    expect(byMemory[0]).toBe(1);
  });

  it("a filter nothing matches is an empty answer, exit 0, said under the table", async () => {
    expect(await rows("--vcpus-min", "64")).toEqual([]);
    const r = await cli("catalog", "--vcpus-min", "64");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no instance type matches the filters/);
  });

  it("--currency-rate with --currency adds converted figures, labelled; USD stays", async () => {
    const [t3] = await rows("--currency-rate", "0.5", "--currency", "EUR", "--vcpus-max", "2");
    expect(t3).toMatchObject({
      type: "t3.micro",
      hourlyUSD: 0.0104,
      converted: { hourly: 0.0052, monthly: 3.8 },
    });
    const doc = JSON.parse(
      (await cli("catalog", "--currency-rate", "0.5", "--currency", "EUR", "--json")).stdout,
    );
    expect(doc).toMatchObject({ currency: "USD", conversion: { currency: "EUR", perUSD: 0.5 } });
    const table = (await cli("catalog", "--currency-rate", "0.5", "--currency", "EUR")).stdout;
    expect(table).toMatch(/hourly EUR \(converted\)/);
    expect(table).toMatch(
      /│ t3\.large +│ x86_64 │ 2 +│ 1 \(2 threads\) │ 8 +│ +│ \$0\.0832 +│ \$60\.74 +│ 0\.0416 EUR/,
    );
    expect(table).toMatch(/EUR figures are converted at 0\.5 EUR per USD .*USD is the source/);
  });

  const bad: [string, string[], RegExp][] = [
    ["vcpus-min not a number", ["--vcpus-min", "two"], /--vcpus-min.*accepted: an integer >= 1/],
    ["vcpus-min fractional", ["--vcpus-min", "1.5"], /--vcpus-min.*accepted: an integer >= 1/],
    ["vcpus-max zero", ["--vcpus-max", "0"], /--vcpus-max.*accepted: an integer >= 1/],
    [
      "min above max",
      ["--vcpus-min", "8", "--vcpus-max", "4"],
      /accepted: --vcpus-min <= --vcpus-max$/,
    ],
    ["memory-min negative", ["--memory-min", "-1"], /--memory-min.*accepted: a number > 0/],
    ["unknown arch", ["--arch", "riscv"], /--arch "riscv" is not valid; accepted: x86_64, arm64$/],
    [
      "gpu-memory-min not a number",
      ["--gpu-memory-min", "lots"],
      /--gpu-memory-min.*accepted: a number > 0/,
    ],
    ["max-hourly zero", ["--max-hourly", "0"], /--max-hourly.*accepted: a number > 0/],
    [
      "unknown sort",
      ["--sort", "cost"],
      /--sort "cost" is not valid; accepted: price, vcpu, memory$/,
    ],
    [
      "rate without currency",
      ["--currency-rate", "0.9"],
      /accepted: both --currency-rate X and --currency CODE, or neither$/,
    ],
    [
      "currency without rate",
      ["--currency", "EUR"],
      /accepted: both --currency-rate X and --currency CODE, or neither$/,
    ],
    [
      "rate not a number",
      ["--currency-rate", "abc", "--currency", "EUR"],
      /--currency-rate.*accepted: a number > 0/,
    ],
    [
      "bad currency code",
      ["--currency-rate", "0.9", "--currency", "euro"],
      /--currency "euro" is not valid; accepted: a three-letter ISO 4217 code/,
    ],
  ];
  it.each(bad)("%s: one line, exit 2", async (_name, argv, message) => {
    const r = await cli("catalog", ...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });
});
