import { describe, expect, it } from "vitest";
import { planMigration, recommendForUseCase, USE_CASE_RULES, USE_CASES } from "../src/index.js";
import { sizingErrorOf } from "./helpers.js";

describe("use-case rules (the seed's Recommendations)", () => {
  it("map each use case to the seed's type", () => {
    const picks = Object.fromEntries(
      USE_CASES.map((u) => {
        const r = recommendForUseCase(u);
        return [u, `${r.instanceType} ${r.pricing}`];
      }),
    );
    expect(picks).toEqual({
      testing: "t3.medium on-demand",
      development: "t3.large on-demand",
      production: "t3.large ri-1y",
      "high-throughput": "t3.xlarge on-demand",
      gpu: "g4dn.xlarge on-demand",
      batch: "c5.large spot",
    });
    expect(USE_CASE_RULES.map((r) => r.useCase)).toEqual([...USE_CASES]);
  });

  it("prices the pick and warns where the seed's advice has a limit", () => {
    const production = recommendForUseCase("production");
    expect(production).toMatchObject({ count: 1, monthlyUSD: 36.44 });
    expect(production.warnings).toEqual([
      "t3.large is burstable: above 30 % average CPU its T3 unlimited surplus makes it cost more than a c6a.large; size a measured load with --images-per-hour",
    ]);
    expect(recommendForUseCase("batch").warnings.join(" ")).toMatch(/interruption band 5-10%/);
    expect(recommendForUseCase("gpu").warnings).toEqual([]);
  });

  it("takes the model's memory as an input: the heavy 8 GB model moves production up a size", () => {
    expect(recommendForUseCase("production", { modelMemoryGiB: 0.5 }).instanceType).toBe(
      "t3.large",
    );
    const heavy = recommendForUseCase("production", { modelMemoryGiB: 8 });
    expect(heavy.instanceType).toBe("t3.xlarge");
    expect(heavy.warnings[0]).toBe(
      "t3.large cannot hold a 8 GiB model under the memory alarm: using t3.xlarge",
    );
    expect(sizingErrorOf(() => recommendForUseCase("testing", { modelMemoryGiB: 64 })).code).toBe(
      "UNREACHABLE_TARGET",
    );
  });

  it("refuses an unknown use case, naming the accepted ones", () => {
    const e = sizingErrorOf(() => recommendForUseCase("staging" as never));
    expect(e.code).toBe("UNKNOWN_USE_CASE");
    expect(e.message).toBe(
      'unknown use case "staging"; accepted: testing, development, production, high-throughput, gpu, batch',
    );
  });
});

describe("migration plan", () => {
  it("walks the seed's t3.micro -> t3.large migration", () => {
    const plan = planMigration("t3.micro", "t3.large");
    expect(plan.steps.map((s) => s.title)).toEqual([
      "Back up",
      "Change the stack config",
      "Preview",
      "Update with a rolling instance refresh",
      "Verify",
      "Watch the cost",
    ]);
    expect(plan).toMatchObject({
      fromMonthlyUSD: 7.59,
      toMonthlyUSD: 60.74,
      monthlyDeltaUSD: 53.14,
    });
    expect(plan.steps[1]!.commands).toEqual(["pulumi config set instanceType t3.large"]);
    // Verify goes through the load balancer, at the URLs the stack exports (no host, no port).
    expect(plan.steps[4]!.commands).toEqual([
      'curl -fsS "$(pulumi stack output healthUrl)"',
      'time curl -X POST "$(pulumi stack output detectUrl)" -F "image=@test_image.jpg" -F "customer_id=test"',
    ]);
    expect(plan.steps.flatMap((s) => s.commands).join("\n")).not.toMatch(/<host>|:\d{4}\b/);
  });

  it("warns when the target is below the minimum, changes architecture or drops memory", () => {
    expect(planMigration("t3.large", "t3.micro").warnings).toEqual(
      expect.arrayContaining([
        "t3.micro is not recommended (the seed): 1 GiB cannot hold the service",
        "t3.micro has 1 GiB against 8 GiB: check mem_used_percent first (flakeops-sizing rightsize)",
      ]),
    );
    expect(planMigration("t3.large", "t3.small").warnings[0]).toBe(
      "t3.small is below the minimum (t3.medium, 2 GiB of memory)",
    );
    expect(planMigration("c5.large", "c7g.large").warnings.join(" ")).toMatch(/x86_64 -> arm64/);
    expect(planMigration("c5.large", "c7g.large", { count: 4 }).monthlyDeltaUSD).toBe(-36.5);
  });

  it("refuses unknown types", () => {
    expect(sizingErrorOf(() => planMigration("t3.large", "t9.huge")).code).toBe(
      "UNKNOWN_INSTANCE_TYPE",
    );
  });
});
