import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMetricsFile, RIGHTSIZE_METRICS, rightsize } from "../src/index.js";
import { statsOf } from "../src/rightsize/metrics.js";
import { sizingErrorOf } from "./helpers.js";
import { getMetricDataJson, metricsCsv, type Scenario } from "./metric-files.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sizing-metrics-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Write a generated file to disk and read it back, as a user's export would be. */
async function viaDisk(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return parseMetricsFile(await readFile(path, "utf8"), name);
}

const idle: Scenario = { days: 14, cpu: [4, 20], mem: [20, 36], disk: [40, 45] };

describe("metrics files", () => {
  it("reads the instances' own metrics, not the load balancer's or the queue's", () => {
    expect([...RIGHTSIZE_METRICS].sort()).toEqual([
      "CPUUtilization",
      "disk_used_percent",
      "mem_used_percent",
    ]);
  });

  it("compute p95 (linear interpolation) and max", () => {
    const s = statsOf(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toEqual({
      count: 100,
      p95: 95.05,
      p99: 99.01,
      max: 100,
      mean: 50.5,
      hoursCovered: 0,
    });
  });

  it("read GetMetricData JSON and CSV of the same datapoints alike", async () => {
    const json = await viaDisk("idle.json", getMetricDataJson(idle, "t3.xlarge"));
    const csv = await viaDisk("idle.csv", metricsCsv(idle, "t3.xlarge"));
    expect(json.format).toBe("GetMetricData");
    expect(csv.format).toBe("csv");
    expect(json.instanceType).toBe("t3.xlarge");
    expect(json.days).toBe(14);
    expect(json.metrics.CPUUtilization!.count).toBe(14 * 288 + 1);
    expect(csv).toMatchObject({ days: json.days, instanceType: "t3.xlarge" });
    for (const [name, m] of Object.entries(json.metrics)) {
      const c = csv.metrics[name as keyof typeof csv.metrics]!;
      const { trendPerDay, ...rest } = m;
      expect(c).toMatchObject(rest);
      expect(c.trendPerDay).toBeCloseTo(trendPerDay!, 9); // summed in another order
    }
    const cpu = json.metrics.CPUUtilization!;
    expect(cpu.max).toBeLessThanOrEqual(20);
    expect(cpu.p95).toBeGreaterThan(14);
  });

  it("read GetMetricStatistics and percentile summaries", () => {
    const gms = parseMetricsFile(
      JSON.stringify({
        Label: "disk_used_percent",
        Datapoints: [
          { Timestamp: "2026-11-01T00:00:00Z", Average: 50, Maximum: 83, Unit: "Percent" },
          { Timestamp: "2026-11-02T00:00:00Z", Average: 51, Maximum: 70, Unit: "Percent" },
        ],
      }),
      "disk.json",
    );
    expect(gms).toMatchObject({
      format: "GetMetricStatistics",
      days: 1,
      metrics: { disk_used_percent: { max: 83 } },
    });
    const pct = parseMetricsFile(
      JSON.stringify({
        instanceType: "t3.large",
        days: 30,
        metrics: { CPUUtilization: { p95: 12, max: 40 } },
      }),
      "summary.json",
    );
    expect(pct).toEqual({
      format: "percentiles",
      instanceType: "t3.large",
      days: 30,
      // A summary without p99 reads its p95 there; its days count as covered hours.
      metrics: { CPUUtilization: { count: 0, p95: 12, p99: 12, max: 40, hoursCovered: 720 } },
      warnings: [],
    });
  });

  it("take epoch timestamps in seconds or milliseconds", () => {
    const csv = (t0: number, t1: number) => `timestamp,CPUUtilization\n${t0},10\n${t1},20\n`;
    const day = 86_400;
    expect(parseMetricsFile(csv(1_700_000_000, 1_700_000_000 + 8 * day), "s.csv").days).toBe(8);
    expect(
      parseMetricsFile(csv(1_700_000_000_000, 1_700_000_000_000 + 8 * day * 1000), "ms.csv").days,
    ).toBe(8);
  });

  it("refuse empty, malformed and metric-less files with one clear message", () => {
    const fault = (text: string, name = "m.json") =>
      sizingErrorOf(() => parseMetricsFile(text, name));
    expect(fault("").message).toMatch(
      /^m\.json: the file is empty; accepted: CloudWatch GetMetricData JSON/,
    );
    expect(fault("  \n").code).toBe("BAD_METRICS");
    expect(fault('{"MetricDataResults": [').message).toMatch(/^m\.json: not valid JSON/);
    expect(fault('{"hello": 1}').message).toMatch(/JSON of none of the accepted shapes/);
    expect(
      fault(
        '{"MetricDataResults": [{"Label": "NetworkIn", "Timestamps": ["2026-11-01T00:00:00Z"], "Values": [1]}]}',
      ).message,
    ).toMatch(/no datapoints for CPUUtilization, mem_used_percent, disk_used_percent/);
    expect(
      fault(
        '{"MetricDataResults": [{"Label": "CPUUtilization", "Timestamps": ["2026-11-01T00:00:00Z"], "Values": [1, 2]}]}',
      ).message,
    ).toMatch(/has 1 timestamps but 2 values/);
    expect(
      fault(
        '{"MetricDataResults": [{"Label": "CPUUtilization", "Timestamps": ["yesterday"], "Values": [1]}]}',
      ).message,
    ).toMatch(/"yesterday" is not a timestamp/);
    expect(fault("timestamp,CPUUtilization\n2026-11-01T00:00:00Z,abc\n", "m.csv").message).toMatch(
      /^m\.csv: line 2, CPUUtilization: "abc" is not a percentage between 0 and 100/,
    );
    expect(fault("timestamp,CPUUtilization\n2026-11-01T00:00:00Z,150\n", "m.csv").code).toBe(
      "BAD_METRICS",
    );
    expect(fault("timestamp,CPUUtilization\n2026-11-01T00:00:00Z,5,6\n", "m.csv").message).toMatch(
      /line 2 has 3 fields; the header has 2/,
    );
    expect(fault("time,cpu_load\n1,2\n", "m.csv").message).toMatch(
      /needs a timestamp column and at least one metric column/,
    );
    expect(fault("timestamp,CPUUtilization\n", "m.csv").message).toMatch(/no datapoints/);
  });
});

describe("right-sizing", () => {
  it("downsizes an idle t3.xlarge one size after two weeks, and reports the saving", async () => {
    const parsed = await viaDisk("idle.json", getMetricDataJson(idle, "t3.xlarge"));
    const r = rightsize({ ...parsed, instanceType: parsed.instanceType! });
    expect(r).toMatchObject({
      action: "downsize",
      from: "t3.xlarge",
      to: "t3.large",
      monthlySavingsUSD: 60.74,
    });
    expect(r.reasons[0]).toMatch(
      /^CPU p99 1\d\.\d % < 30 % and memory p99 \d\d\.\d % < 50 % over 14\.0 days: t3\.large would run at CPU p99 \d\d\.\d %/,
    );
    expect(r.volume.action).toBe("keep");
  });

  it("keeps a low instance with under 7 days of data, or with no memory data", async () => {
    const short = await viaDisk("short.csv", metricsCsv({ ...idle, days: 3 }));
    expect(rightsize({ ...short, instanceType: "t3.xlarge" })).toMatchObject({
      action: "keep",
      to: "t3.xlarge",
      monthlySavingsUSD: 0,
    });
    expect(rightsize({ ...short, instanceType: "t3.xlarge" }).reasons[0]).toMatch(
      /spans 3\.0 days; downsizing needs at least 7/,
    );
    const noMem = await viaDisk("nomem.csv", metricsCsv({ days: 14, cpu: [2, 10] }));
    expect(rightsize({ ...noMem, instanceType: "t3.xlarge" }).reasons[0]).toMatch(
      /no mem_used_percent datapoints/,
    );
  });

  it("never downsizes below the minimum", async () => {
    const parsed = await viaDisk("idle-medium.json", getMetricDataJson(idle));
    const r = rightsize({ ...parsed, instanceType: "t3.medium" });
    expect(r.action).toBe("keep");
    expect(r.reasons[0]).toMatch(
      /t3\.medium is the smallest t3 at or above the minimum \(t3\.medium\)/,
    );
  });

  it("upsizes when CPU p95 is above the cpu-high threshold, to the size that brings it under", async () => {
    const busy = await viaDisk(
      "busy.json",
      getMetricDataJson({ days: 2, cpu: [70, 99], mem: [30, 40] }),
    );
    const r = rightsize({ ...busy, instanceType: "t3.large" });
    expect(r).toMatchObject({ action: "upsize", from: "t3.large", to: "t3.xlarge" });
    expect(r.reasons[0]).toMatch(/^CPU p99 9\d\.\d % is above the cpu-high threshold 80 %$/);
    expect(r.monthlySavingsUSD).toBeLessThan(0);
  });

  it("upsizes on memory alone, and says when the family has no larger size", async () => {
    const full = await viaDisk("mem.csv", metricsCsv({ days: 10, cpu: [10, 20], mem: [80, 95] }));
    expect(rightsize({ ...full, instanceType: "t3.medium" })).toMatchObject({
      action: "upsize",
      to: "t3.large",
    });
    const top = rightsize({ ...full, instanceType: "g5.xlarge" });
    expect(top.action).toBe("keep");
    expect(top.reasons.join(" ")).toMatch(/already the largest g5 in the catalog: scale out/);
  });

  it("grows the volume when disk is over 80 %", async () => {
    const parsed = await viaDisk(
      "disk.csv",
      metricsCsv({ days: 14, cpu: [35, 60], mem: [40, 60], disk: [84, 88] }),
    );
    const r = rightsize({ ...parsed, instanceType: "t3.large", volumeGiB: 200 });
    const disk = parsed.metrics.disk_used_percent!;
    // Peak at 3/4 of the 80 % threshold, plus 90 days of the trend's growth (if any).
    const growGiB = Math.max(0, disk.trendPerDay!) * 2 * 90;
    const toGiB = Math.ceil((200 * Math.max(disk.max, disk.last!)) / 100 / 0.6 + growGiB / 0.6);
    expect(r.action).toBe("keep");
    expect(r.volume).toMatchObject({
      action: "grow",
      fromGiB: 200,
      toGiB,
      monthlyDeltaUSD: Math.round((toGiB - 200) * 8) / 100,
    });
    expect(r.monthlySavingsUSD).toBe(-r.volume.monthlyDeltaUSD);
  });

  it("needs CPU data and a known type", () => {
    const memOnly = parseMetricsFile(metricsCsv({ days: 8, mem: [10, 20] }), "m.csv");
    expect(
      sizingErrorOf(() => rightsize({ ...memOnly, instanceType: "t3.large" })).message,
    ).toMatch(/^no CPUUtilization datapoints/);
    const ok = parseMetricsFile(metricsCsv(idle), "m.csv");
    expect(sizingErrorOf(() => rightsize({ ...ok, instanceType: "t3.nano" })).code).toBe(
      "UNKNOWN_INSTANCE_TYPE",
    );
  });
});
