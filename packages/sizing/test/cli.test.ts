import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRICING_MODELS } from "../src/pricing/pricing.js";
import { USE_CASES } from "../src/workload/use-cases.js";
import { runSizingCli } from "./helpers.js";
import { getMetricDataJson, metricsCsv } from "./metric-files.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sizing-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const cli = (...argv: string[]) => runSizingCli(argv, dir);

async function json(...argv: string[]) {
  const r = await cli(...argv, "--json");
  expect(r).toMatchObject({ code: 0, stderr: "" });
  return JSON.parse(r.stdout);
}

describe("flakeops-sizing commands (CONTRACTS.md)", () => {
  it("catalog", async () => {
    const doc = await json("catalog");
    expect(doc).toMatchObject({
      region: "us-east-1",
      currency: "USD",
      pricesAsOf: expect.stringMatching(/^\d{4}-/),
    });
    expect(doc.instances.find((i: { type: string }) => i.type === "t3.large")).toMatchObject({
      type: "t3.large",
      vcpu: 2,
      memoryGiB: 8,
      gpu: null,
      hourlyUSD: 0.0832,
      burstable: { baselinePerVcpu: 0.3, creditsPerHour: 36 },
    });
    expect(doc.instances.find((i: { type: string }) => i.type === "g4dn.xlarge").gpu).toEqual({
      model: "NVIDIA T4",
      count: 1,
      memoryGiB: 16,
    });
    const table = await cli("catalog");
    // (The cores column: physical cores and threads, where the catalog lists them.)
    expect(table.stdout).toMatch(
      /│ t3\.large +│ x86_64 │ 2 +│ (1 \(2 threads\) +│ )?8 +│ +│ \$0\.0832 +│ \$60\.74/,
    );
  });

  it("cost", async () => {
    expect(await json("cost", "t3.large")).toMatchObject({
      type: "t3.large",
      count: 1,
      pricing: "on-demand",
      hourlyUSD: 0.0832,
      monthlyUSD: 60.74,
    });
    expect(await json("cost", "t3.large", "--count", "3", "--pricing", "ri-3y")).toMatchObject({
      count: 3,
      pricing: "ri-3y",
      monthlyUSD: 72.88,
      onDemandMonthlyUSD: 182.21,
    });
    expect(await json("cost", "c5.large", "--hours", "100")).toMatchObject({
      hours: 100,
      monthlyUSD: 8.5,
    });
    expect(await json("cost", "t3.large", "--average-cpu", "100")).toMatchObject({
      monthlyUSD: 111.84,
      surplusUSD: 51.1,
    });
  });

  it("recommend --use-case", async () => {
    expect(await json("recommend", "--use-case", "development")).toMatchObject({
      instanceType: "t3.large",
      pricing: "on-demand",
      monthlyUSD: 60.74,
      reason: expect.any(String),
    });
    const table = await cli("recommend", "--use-case", "batch");
    expect(table.stdout).toMatch(
      /c5\.large[\s\S]*spot[\s\S]*reason: [\s\S]*warning: spot capacity/,
    );
  });

  it("recommend --images-per-hour, with a service time or a bench profile", async () => {
    const doc = await json(
      "recommend",
      "--images-per-hour",
      "3600",
      "--peak-factor",
      "2",
      "--p95-latency-ms",
      "1000",
      "--service-ms",
      "200",
    );
    // Since the catalog has t4g: 2 Graviton cores for $0.0336/h win the light load.
    expect(doc).toMatchObject({
      instanceType: "t4g.medium",
      count: 1,
      utilization: 0.2,
      // Two workers, M/G/c with constant service (no p95 given): half the M/M/2 p95 wait of
      // 35.96 ms, plus 200 ms.
      p95LatencyMs: 218,
      monthlyUSD: 114.56, // the whole bill (issue 11); the instance alone is breakdown.instancesUSD
      costPerMillionImagesUSD: 43.59,
      breakdown: { instancesUSD: 24.53 },
      dominantCost: "natUSD",
      shape: "api",
      warnings: [expect.stringMatching(/^t4g\.medium is Graviton \(arm64\)/)],
    });
    // t3.medium (one worker: 2 x86 vCPUs = 1 core): half the M/M/1 p95 wait of 693 ms.
    expect(
      doc.alternatives.find((a: { instanceType: string }) => a.instanceType === "t3.medium"),
    ).toMatchObject({ count: 1, utilization: 0.4, p95LatencyMs: 546.6, monthlyUSD: 120.4 });
    expect(doc.alternatives.length).toBeGreaterThan(0);
    const profile = {
      kind: "flakeops-bench-profile/1",
      serviceMsPerImage: 180,
      p95ServiceMs: 240,
      decodeMsPerImage: 17,
      model: "GMM-Graphene",
      imageWidth: 1920,
      imageHeight: 1200,
      peakRssMB: 512,
      imagesPerSecond: 11.5, // the pool keeps pace: sized on the single image
      workers: 2,
      cpuModel: "test cpu",
      measuredAt: "2026-11-25T06:00:00.000Z",
    };
    const asBenchOutput = file("bench.json", JSON.stringify({ images: 8, runs: 3, profile }));
    const fromProfile = await json(
      "recommend",
      "--images-per-hour",
      "3600",
      "--profile",
      asBenchOutput,
    );
    expect(fromProfile.assumptions).toMatchObject({
      serviceMs: 180,
      p95ServiceMs: 240,
      serviceTimeSource: "profile",
    });
    const gpu = await json(
      "recommend",
      "--images-per-hour",
      "36000",
      "--peak-factor",
      "1",
      // GMM has no GPU path (refused since issue 11): a segmentation model, 20x on a GPU.
      "--service-ms",
      "1000",
      "--model",
      "M2F-Graphene",
      "--gpu",
    );
    expect(gpu).toMatchObject({ instanceType: "g4dn.xlarge", count: 1 });
  });

  it("rightsize", async () => {
    const idle = file(
      "idle.json",
      getMetricDataJson({ days: 14, cpu: [4, 20], mem: [20, 36], disk: [40, 45] }, "t3.xlarge"),
    );
    expect(await json("rightsize", "--metrics", "idle.json")).toEqual(
      await json("rightsize", "--metrics", idle),
    ); // a relative path resolves against io.cwd
    expect(await json("rightsize", "--metrics", idle)).toMatchObject({
      action: "downsize",
      from: "t3.xlarge",
      to: "t3.large",
      monthlySavingsUSD: 60.74,
      reasons: [expect.any(String)],
    });
    const csv = file("busy.csv", metricsCsv({ days: 3, cpu: [70, 99], mem: [30, 40] }));
    expect(await json("rightsize", "--metrics", csv, "--instance-type", "c5.large")).toMatchObject({
      action: "upsize",
      to: "c5.xlarge",
    });
    const table = await cli("rightsize", "--metrics", csv, "--instance-type", "c5.large");
    expect(table.stdout).toMatch(/upsize[\s\S]*CPUUtilization[\s\S]*reason: CPU p99/); // p99 by default since issue 11
  });

  it("migrate", async () => {
    const doc = await json("migrate", "--from", "t3.micro", "--to", "t3.large");
    expect(doc).toMatchObject({ from: "t3.micro", to: "t3.large", monthlyDeltaUSD: 53.14 });
    expect(doc.steps).toHaveLength(6);
  });

  it("alarms", async () => {
    const doc = await json("alarms");
    expect(
      doc.rules.map((r: { id: string; windowMinutes: number }) => `${r.id} ${r.windowMinutes}`),
    ).toEqual([
      "cpu-high 5",
      "memory-high 5",
      "cpu-low 10",
      "disk-high 5",
      "healthy-hosts-low 2",
      "target-5xx 5",
      "latency-high 5",
      "dlq-not-empty 5",
      "oldest-job 5",
    ]);
  });
});

describe("bad input: exit 2, one line on stderr saying what is wrong and what is accepted", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "unknown instance type",
      ["cost", "t3.nano"],
      /^flakeops-sizing: unknown instance type "t3\.nano" in us-east-1; accepted: t3\.micro, .*g6e\.xlarge$/,
    ],
    [
      "negative count",
      ["cost", "t3.large", "--count", "-3"],
      /^flakeops-sizing: --count "-3" is not valid; accepted: an integer >= 1$/,
    ],
    [
      "negative count (= form)",
      ["cost", "t3.large", "--count=-3"],
      /--count "-3" is not valid; accepted: an integer >= 1$/,
    ],
    [
      "non-numeric hours",
      ["cost", "t3.large", "--hours", "lots"],
      /--hours "lots" is not valid; accepted: a number > 0$/,
    ],
    [
      "negative images per hour",
      ["recommend", "--images-per-hour", "-100"],
      /--images-per-hour "-100" is not valid; accepted: a number > 0$/,
    ],
    [
      "CPU over 100 %",
      ["cost", "t3.large", "--average-cpu", "120"],
      /average CPU must be a percentage 0-100; got 120$/,
    ],
    [
      "unknown pricing",
      ["cost", "t3.large", "--pricing", "cheap"],
      /--pricing "cheap" is not valid; accepted: on-demand, ri-1y, ri-3y, spot$/,
    ],
    [
      "unknown use case",
      ["recommend", "--use-case", "staging"],
      /--use-case "staging" is not valid; accepted: testing, /,
    ],
    [
      "latency target below service time",
      ["recommend", "--images-per-hour", "100", "--service-ms", "300", "--p95-latency-ms", "200"],
      /p95 latency target 200 ms is below the p95 service time 300 ms.*accepted: a target of at least 300 ms$/,
    ],
    [
      "missing metrics file",
      ["rightsize", "--metrics", "/nonexistent/metrics.json"],
      /cannot read metrics file "\/nonexistent\/metrics\.json": no such file; accepted: a path to a readable file$/,
    ],
    [
      "missing profile file",
      ["recommend", "--images-per-hour", "10", "--profile", "/nonexistent/p.json"],
      /cannot read profile/,
    ],
    [
      "unknown option",
      ["cost", "t3.large", "--colour"],
      /cost: unknown option --colour; accepted: --count, --hours/,
    ],
    [
      "unknown command",
      ["price", "t3.large"],
      /unknown command "price"; accepted: catalog, cost, recommend, rightsize, migrate, alarms, prices, preview-cost$/,
    ],
    [
      "both recommend modes",
      ["recommend", "--use-case", "gpu", "--images-per-hour", "5"],
      /exactly one of --use-case or --images-per-hour/,
    ],
    [
      "unknown migration target",
      ["migrate", "--from", "t3.micro", "--to", "t3.mega"],
      /unknown instance type "t3\.mega"/,
    ],
    [
      "unknown region",
      ["catalog", "--region", "mars-1"],
      /no prices for region "mars-1"; accepted: us-east-1, ap-northeast-1, eu-central-1, eu-west-1, us-west-2$/,
    ],
  ];
  it.each(cases)("%s", async (_name, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });

  it("empty and malformed metrics files", async () => {
    for (const [name, text, message] of [
      ["empty.json", "", /empty\.json: the file is empty; accepted: /],
      ["broken.json", '{"MetricDataResults": [{', /broken\.json: not valid JSON/],
      [
        "broken.csv",
        "timestamp,CPUUtilization\n2026-11-01T00:00:00Z,lots\n",
        /broken\.csv: line 2, CPUUtilization: "lots" is not a percentage/,
      ],
    ] as const) {
      const r = await cli(
        "rightsize",
        "--metrics",
        file(name, text),
        "--instance-type",
        "t3.large",
      );
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("a bench profile that is not one", async () => {
    const r = await cli(
      "recommend",
      "--images-per-hour",
      "10",
      "--profile",
      file("p.json", '{"kind": "flakeops-bench-profile/1", "serviceMsPerImage": -1}'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^flakeops-sizing: \S*p\.json: serviceMsPerImage: .*accepted: the JSON that `flakeops-detect bench` writes/,
    );
  });

  it("--help prints usage and exits 0; no command is an error", async () => {
    const help = await cli("--help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/recommend --images-per-hour N/);
    // Built from the flag definitions and the library's lists, not typed twice.
    expect(help.stdout).toContain(USE_CASES.join(", "));
    const costHelp = await cli("cost", "--help");
    expect(costHelp).toMatchObject({ code: 0, stderr: "" });
    expect(costHelp.stdout).toMatch(/^usage: flakeops-sizing cost <type> \[options\]/);
    for (const flag of ["--count N", "--hours H", "--pricing MODEL", "--average-cpu P", "--json"]) {
      expect(costHelp.stdout).toContain(flag);
    }
    expect(costHelp.stdout).toContain(PRICING_MODELS.join(", "));
    expect(await cli()).toMatchObject({ code: 2, stdout: "" });
  });

  it("a metrics file that names no instance type", async () => {
    const r = await cli(
      "rightsize",
      "--metrics",
      file("anon.csv", metricsCsv({ days: 8, cpu: [1, 5] })),
    );
    expect(r).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/names no instance type; pass --instance-type/),
    });
  });
});

describe("as a process", () => {
  const run = promisify(execFile);
  const tsx = join(root, "node_modules/.bin/tsx");
  const entry = join(root, "packages/sizing/src/cli.ts");

  it("prints JSON and exits 0", async () => {
    const { stdout } = await run(tsx, [
      "--conditions=@flakeops/source",
      entry,
      "cost",
      "t3.large",
      "--json",
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ type: "t3.large", monthlyUSD: 60.74 });
  });

  it("exits 2 with one line and no stack trace on bad input", async () => {
    const failed = await run(tsx, [
      "--conditions=@flakeops/source",
      entry,
      "cost",
      "t3.nano",
    ]).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe("");
    expect(failed.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(failed.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
