import { ALARM_RULES, DEFAULT_P95_LATENCY_MS, windowMinutes } from "@flakeops/sizing";
import { describe, expect, it } from "vitest";

// The alarm table of CONTRACTS.md, restated once here so that a change to the source of
// truth in @flakeops/sizing is a deliberate, visible contract change.
describe("alarm and scaling rules (CONTRACTS.md)", () => {
  it("are exactly the rules of the contract's extended table, each with its missing-data treatment", () => {
    const rows = ALARM_RULES.map((r) => [
      r.id,
      r.ratioOf ? `${r.metric} / ${r.ratioOf.per}` : r.metric,
      r.comparison === "GreaterThanThreshold" ? ">" : "<",
      r.thresholdFrom ?? r.threshold,
      windowMinutes(r),
      r.action.kind === "scale" ? r.action.adjustment : "notify",
      r.treatMissingData,
    ]);
    expect(rows).toEqual([
      ["cpu-high", "CPUUtilization", ">", 80, 5, 1, "notBreaching"],
      ["memory-high", "mem_used_percent", ">", 85, 5, 1, "notBreaching"],
      ["cpu-low", "CPUUtilization", "<", 30, 10, -1, "notBreaching"],
      ["disk-high", "disk_used_percent", ">", 80, 5, "notify", "notBreaching"],
      ["healthy-hosts-low", "HealthyHostCount", "<", 1, 2, "notify", "breaching"],
      [
        "target-5xx",
        "HTTPCode_Target_5XX_Count / RequestCount",
        ">",
        1,
        5,
        "notify",
        "notBreaching",
      ],
      ["latency-high", "TargetResponseTime", ">", "p95-target", 5, "notify", "notBreaching"],
      ["dlq-not-empty", "ApproximateNumberOfMessagesVisible", ">", 0, 5, "notify", "notBreaching"],
      [
        "oldest-job",
        "ApproximateAgeOfOldestMessage",
        ">",
        "batch-deadline",
        5,
        "notify",
        "notBreaching",
      ],
    ]);
  });

  it("the latency rule's default is the sizing engine's default p95 target (in seconds)", () => {
    const latency = ALARM_RULES.find((r) => r.id === "latency-high")!;
    expect(latency.threshold).toBe(DEFAULT_P95_LATENCY_MS / 1000);
    expect(latency.statistic).toBe("p95");
  });
});
