import { ALARM_RULES, windowMinutes } from "@flakeops/sizing";
import { describe, expect, it } from "vitest";

// The alarm table of CONTRACTS.md, restated once here so that a change to the source of
// truth in @flakeops/sizing is a deliberate, visible contract change.
describe("alarm and scaling rules (CONTRACTS.md)", () => {
  it("are exactly the four rules of the contract", () => {
    const rows = ALARM_RULES.map((r) => [
      r.id,
      r.metric,
      r.comparison === "GreaterThanThreshold" ? ">" : "<",
      r.threshold,
      windowMinutes(r),
      r.action.kind === "scale" ? r.action.adjustment : "notify",
    ]);
    expect(rows).toEqual([
      ["cpu-high", "CPUUtilization", ">", 80, 5, 1],
      ["memory-high", "mem_used_percent", ">", 85, 5, 1],
      ["cpu-low", "CPUUtilization", "<", 30, 10, -1],
      ["disk-high", "disk_used_percent", ">", 80, 5, "notify"],
    ]);
  });
});
