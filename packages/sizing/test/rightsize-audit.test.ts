import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { csvFields, parseMetricsFile } from "../src/rightsize/metrics.js";
import { rightsize } from "../src/rightsize/rightsize.js";
import { runSizingCli, sizingErrorOf } from "./helpers.js";
import { generate, metricsCsv } from "./metric-files.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-rightsize-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runSizingCli(argv, dir);

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** A bad input: exit 2 with one line on stderr that says what is accepted. */
async function refused(name: string, text: string, ...extra: string[]) {
  const r = await cli(
    "rightsize",
    "--metrics",
    file(name, text),
    "--instance-type",
    "m5.large",
    ...extra,
  );
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("right-sizing like Compute Optimizer (issue 11 audit)", () => {
  it("reads p99 by default: a spiky c5.xlarge (p95 low, p99.5 at 98 %) is not downsized", () => {
    // 14 days every 5 minutes, mostly 5-15 % with 2 % of the points at 98 %.
    const { timestamps } = generate({ days: 14, cpu: [5, 15] });
    const rows = timestamps.map((t, i) => `${t},${i % 50 === 0 ? 98 : 5 + (i % 10)},30`);
    const parsed = parseMetricsFile(
      ["timestamp,CPUUtilization,mem_used_percent", ...rows].join("\n"),
      "spiky.csv",
    );
    const cpu = parsed.metrics.CPUUtilization!;
    expect(cpu.p95).toBeLessThan(20);
    expect(cpu.p99).toBeGreaterThan(90);
    const byP99 = rightsize({ ...parsed, instanceType: "c5.xlarge" });
    expect(byP99.action).not.toBe("downsize");
    const byP95 = rightsize({ ...parsed, instanceType: "c5.xlarge", statistic: "p95" });
    expect(byP95.action).toBe("downsize"); // what the p95-only engine did
    const byMax = rightsize({ ...parsed, instanceType: "c5.xlarge", statistic: "max" });
    expect(byMax.statistic).toBe("max");
  });

  it("lists options across families, ranked by savings, with a performance risk", async () => {
    // A memory-bound m5.large: memory p99 ~ 92 %.
    const parsed = parseMetricsFile(
      metricsCsv({ days: 10, cpu: [10, 20], mem: [80, 95] }),
      "m.csv",
    );
    const r = rightsize({ ...parsed, instanceType: "m5.large" });
    expect(r.action).toBe("upsize");
    expect(r.options.length).toBeGreaterThan(1);
    const savings = r.options.map((o) => o.monthlySavingsUSD);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    for (const o of r.options) {
      expect(o.projectedMemoryPercent).toBeLessThanOrEqual(85);
      expect(["low", "medium", "high"]).toContain(o.performanceRisk);
    }
    expect(new Set(r.options.map((o) => o.instanceType.split(".")[0])).size).toBeGreaterThan(1);
    expect(r.options.find((o) => o.instanceType === "m5.xlarge")?.performanceRisk).toBe("low");
    expect(r.options.find((o) => o.instanceType.startsWith("c7g"))?.performanceRisk ?? "high").toBe(
      "high",
    );
  });

  it("keeps headroom under the thresholds when asked", () => {
    const parsed = parseMetricsFile(
      metricsCsv({ days: 10, cpu: [50, 75], mem: [30, 40] }),
      "h.csv",
    );
    expect(rightsize({ ...parsed, instanceType: "c5.large" }).action).toBe("keep");
    expect(rightsize({ ...parsed, instanceType: "c5.large", headroomPercent: 20 }).action).toBe(
      "upsize",
    );
  });

  it("reads the disk's trend: days until full, and a grown volume sized for 90 days of growth", () => {
    // 60 % -> 79 % over 10 days: 1.9 points a day, full in about 11 days.
    const { timestamps } = generate({ days: 10, cpu: [30, 40] });
    const n = timestamps.length;
    const rows = timestamps.map((t, i) => `${t},35,40,${(60 + (19 * i) / (n - 1)).toFixed(3)}`);
    const parsed = parseMetricsFile(
      ["timestamp,CPUUtilization,mem_used_percent,disk_used_percent", ...rows].join("\n"),
      "disk.csv",
    );
    expect(parsed.metrics.disk_used_percent!.trendPerDay).toBeCloseTo(1.9, 2);
    const r = rightsize({ ...parsed, instanceType: "c5.large", volumeGiB: 200 });
    expect(r.volume.daysUntilFull).toBeCloseTo(21 / 1.9, 0);
    expect(r.volume.action).toBe("grow");
    // Not the 23 days of the old sizing: the grown volume holds 90 days of growth.
    expect(r.volume.daysUntilThresholdAfter!).toBeGreaterThan(90);
  });

  it("accepts standard quoted CSV", () => {
    expect(csvFields('"2026-11-01T00:00:00Z","12.5",a b,"say ""hi"", ok"')).toEqual([
      "2026-11-01T00:00:00Z",
      "12.5",
      "a b",
      'say "hi", ok',
    ]);
    const quoted = metricsCsv({ days: 3, cpu: [10, 20], mem: [30, 40] })
      .split("\n")
      .map((l) =>
        l
          ? l
              .split(",")
              .map((c) => `"${c}"`)
              .join(",")
          : l,
      )
      .join("\n");
    expect(parseMetricsFile(quoted, "q.csv").metrics.CPUUtilization!.count).toBe(3 * 288 + 1);
  });
});

describe("bad metrics: exit 2, one line saying what is accepted", () => {
  it("too little data: two datapoints 8 days apart are not 30 hours", async () => {
    const text =
      "timestamp,CPUUtilization,mem_used_percent\n2026-11-01T00:00:00Z,5,20\n2026-11-09T00:00:00Z,6,21\n";
    const line = await refused("two.csv", text);
    expect(line).toMatch(
      /covers 2 h of datapoints; right-sizing needs at least 30 h .* \(28 h missing\); accepted:/,
    );
  });

  it("fraction units are refused, or converted with a warning", async () => {
    const pct = metricsCsv({ days: 3, cpu: [10, 20], mem: [30, 40] });
    const frac = pct
      .split("\n")
      .map((l, i) =>
        i === 0 || !l
          ? l
          : l
              .split(",")
              .map((c, j) => (j === 0 ? c : String(Number(c) / 100)))
              .join(","),
      )
      .join("\n");
    expect(await refused("frac.csv", frac)).toMatch(
      /look like fractions, not percentages; pass --units fraction/,
    );
    const r = await cli(
      "rightsize",
      "--metrics",
      file("frac2.csv", frac),
      "--instance-type",
      "m5.large",
      "--units",
      "fraction",
      "--json",
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.warnings[0]).toMatch(/converted to percentages/);
    expect(doc.metrics.CPUUtilization.max).toBeGreaterThan(5);
  });

  it("two instances in one file are refused, never merged", async () => {
    const csv =
      "timestamp,instance_id,CPUUtilization\n2026-11-01T00:00:00Z,i-1,5\n2026-11-01T00:05:00Z,i-2,90\n";
    expect(await refused("two-instances.csv", csv)).toMatch(
      /two CPUUtilization series \(instance i-1 and instance i-2\): one instance per file/,
    );
    const gmd = JSON.stringify({
      MetricDataResults: ["a", "b"].map((id) => ({
        Id: id,
        Label: "CPUUtilization",
        Timestamps: ["2026-11-01T00:00:00Z"],
        Values: [5],
      })),
    });
    expect(sizingErrorOf(() => parseMetricsFile(gmd, "g.json")).message).toMatch(
      /two CPUUtilization series/,
    );
  });

  it("errors point at the datapoint", async () => {
    const csv = "timestamp,CPUUtilization\n2026-11-01T00:00:00Z,5\n2026-11-01T00:05:00Z,150\n";
    expect(await refused("bad.csv", csv)).toMatch(
      /line 3, CPUUtilization: "150" is not a percentage/,
    );
  });
});
