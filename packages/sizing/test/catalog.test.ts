import { describe, expect, it } from "vitest";
import {
  CATALOG,
  getInstanceType,
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  MIN_MEMORY_GIB,
  PRICES_AS_OF,
  REGIONS,
  SizingError,
} from "../src/index.js";
import { familyLadder } from "../src/pricing/catalog.js";
import { runSizingCli, sizingErrorOf } from "./helpers.js";

describe("catalog", () => {
  it("holds the seed's types and the neighbours a user weighs", () => {
    const types = CATALOG.map((t) => t.type);
    for (const t of [
      "t3.micro",
      "t3.small",
      "t3.medium",
      "t3.large",
      "t3.xlarge",
      "t3.2xlarge",
      "c5.large",
      "c5.xlarge",
      "c6i.large",
      "c6i.xlarge",
      "m5.large",
      "m5.xlarge",
      "c7g.large",
      "c7g.xlarge",
      "g4dn.xlarge",
      "g4dn.2xlarge",
      "g4dn.4xlarge",
      "g5.xlarge",
      "g6.xlarge",
    ]) {
      expect(types).toContain(t);
    }
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(REGIONS).toContain("us-east-1");
  });

  it("states T3 baselines and credit rates as AWS publishes them", () => {
    const burst = Object.fromEntries(
      CATALOG.filter((t) => t.burstable).map((t) => [
        t.type,
        [t.burstable!.baselinePerVcpu, t.burstable!.creditsPerHour],
      ]),
    );
    expect(burst).toEqual({
      "t3.micro": [0.1, 12],
      "t3.small": [0.2, 24],
      "t3.medium": [0.2, 24],
      "t3.large": [0.3, 36],
      "t3.xlarge": [0.4, 96],
      "t3.2xlarge": [0.4, 192],
      "t3a.medium": [0.2, 24],
      "t3a.large": [0.3, 36],
      "t3a.xlarge": [0.4, 96],
      "t4g.medium": [0.2, 24],
      "t4g.large": [0.3, 36],
      "t4g.xlarge": [0.4, 96],
    });
  });

  it("describes GPUs and Graviton", () => {
    expect(getInstanceType("g5.xlarge").gpu).toEqual({
      model: "NVIDIA A10G",
      count: 1,
      memoryGiB: 24,
    });
    expect(getInstanceType("g6.xlarge")).toMatchObject({
      hourlyUSD: 0.8048,
      vcpu: 4,
      memoryGiB: 16,
    });
    expect(getInstanceType("c7g.large")).toMatchObject({ arch: "arm64", hourlyUSD: 0.0725 });
    expect(getInstanceType("c5.large").gpu).toBeNull();
  });

  it("names the minimum: t3.medium; t3.micro and t3.small are below it", () => {
    expect(MIN_INSTANCE_TYPE).toBe("t3.medium");
    expect(MIN_MEMORY_GIB).toBe(4);
    expect(CATALOG.filter(isBelowMinimum).map((t) => t.type)).toEqual(["t3.micro", "t3.small"]);
  });

  it("walks a family smallest first", () => {
    expect(familyLadder(getInstanceType("t3.large")).map((t) => t.type)).toEqual([
      "t3.micro",
      "t3.small",
      "t3.medium",
      "t3.large",
      "t3.xlarge",
      "t3.2xlarge",
    ]);
  });

  it("refuses unknown types and regions, naming what is accepted", () => {
    expect(() => getInstanceType("t3.nano")).toThrowError(
      /unknown instance type "t3.nano".*accepted: t3.micro, /,
    );
    expect(() => getInstanceType("t3.nano")).toThrowError(SizingError);
    expect(() => listInstanceTypes("eu-west-9")).toThrowError(
      /no prices for region "eu-west-9"; accepted: us-east-1/,
    );
    expect(sizingErrorOf(() => getInstanceType("x")).code).toBe("UNKNOWN_INSTANCE_TYPE");
    expect(sizingErrorOf(() => listInstanceTypes("x")).code).toBe("UNKNOWN_REGION");
  });
});

describe("catalog CLI: cores and SMT", () => {
  it("lists physical cores and threads per core (x86 SMT, Graviton and C7a one thread a core)", async () => {
    const r = await runSizingCli(["catalog", "--json"]);
    expect(r.code).toBe(0);
    const byType = Object.fromEntries(
      JSON.parse(r.stdout).instances.map((i: { type: string }) => [i.type, i]),
    );
    expect(byType["c6i.large"]).toMatchObject({ vcpu: 2, physicalCores: 1, threadsPerCore: 2 });
    expect(byType["c7g.large"]).toMatchObject({ vcpu: 2, physicalCores: 2, threadsPerCore: 1 });
    expect(byType["c7a.large"]).toMatchObject({ vcpu: 2, physicalCores: 2, threadsPerCore: 1 });
    const table = await runSizingCli(["catalog", "--arch", "x86_64", "--vcpus-max", "2"]);
    expect(table.stdout).toMatch(/│ c6i\.large +│ x86_64 │ 2 +│ 1 \(2 threads\) │/);
  });
});
