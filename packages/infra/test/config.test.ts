import { recommendForUseCase, recommendForWorkload } from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { parseStackConfig, readStackConfig } from "../src/program/config.js";
import { resolveTier } from "../src/program/tier.js";

function configError(raw: Record<string, string>): string {
  try {
    resolveTier(parseStackConfig(raw));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    // Pulumi prints RunErrors as their message alone: one line, no stack trace.
    expect(pulumi.RunError.isInstance(e)).toBe(true);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("stack config", () => {
  it("parses the string values pulumi config stores", () => {
    expect(
      parseStackConfig({
        useCase: "production",
        imagesPerHour: "12000",
        p95LatencyMs: "1500",
        minSize: "0",
        maxSize: "6",
        spot: "true",
        alarmEmail: "ops@example.com",
        region: "eu-west-1",
        volumeGiB: "250",
        unset: undefined,
      } as Record<string, string | undefined>),
    ).toEqual({
      useCase: "production",
      imagesPerHour: 12000,
      p95LatencyMs: 1500,
      minSize: 0,
      maxSize: 6,
      spot: true,
      alarmEmail: "ops@example.com",
      region: "eu-west-1",
      volumeGiB: 250,
    });
  });

  it.each([
    [{ maxSize: "zero" }, 'maxSize: must be a whole number >= 1 (got "zero")'],
    [{ minSize: "3", maxSize: "2" }, "minSize: minSize (3) exceeds maxSize (2)"],
    [{ desiredCount: "5", maxSize: "3" }, "desiredCount: desiredCount (5) exceeds maxSize (3)"],
    [
      { useCase: "prod" },
      'useCase: must be one of testing, development, production, high-throughput, gpu, batch (got "prod")',
    ],
    [
      { alarmEmail: "ops-at-example" },
      'alarmEmail: must be an e-mail address (got "ops-at-example")',
    ],
    [{ spot: "yes" }, 'spot: must be "true" or "false" (got "yes")'],
    [{ volumeGiB: "4" }, 'volumeGiB: must be a whole number >= 8 (got "4")'],
    [{ imagesPerHour: "-5" }, 'imagesPerHour: must be a positive number (got "-5")'],
    [{ p95LatencyMs: "800" }, "p95LatencyMs: p95LatencyMs needs imagesPerHour"],
    [
      { instanceType: "t3.large", imagesPerHour: "100" },
      "set instanceType or imagesPerHour, not both",
    ],
    [{ region: "Frankfurt" }, 'region: must be an AWS region such as us-east-1 (got "Frankfurt")'],
    [
      { instancetype: "t3.large" },
      'unknown key(s) "instancetype" (did you mean "instanceType"?); accepted: useCase, instanceType',
    ],
    [{ maxsize: "3" }, '"maxsize" (did you mean "maxSize"?)'],
    [
      { refreshTimeoutMinutes: "0" },
      'refreshTimeoutMinutes: must be a whole number >= 1 (got "0")',
    ],
    [
      { refreshTimeoutMinutes: "2000" },
      'refreshTimeoutMinutes: must be a whole number 1-1440 (got "2000")',
    ],
  ])("rejects %j with one clear line", (raw, expected) => {
    const message = configError(raw);
    expect(message.startsWith("invalid stack config: ")).toBe(true);
    expect(message).toContain(expected);
  });

  it("rejects an instance type the sizing catalog does not know, naming what it knows", () => {
    const message = configError({ instanceType: "t3.nano" });
    expect(message).toMatch(/^instanceType: .*t3\.nano/);
    expect(message).toContain("t3.large");
  });

  it("reads the project's config through pulumi.Config", () => {
    pulumi.runtime.setAllConfig({ "proj:instanceType": "c5.large", "proj:maxSize": "4" });
    expect(readStackConfig(new pulumi.Config("proj"))).toEqual({
      instanceType: "c5.large",
      maxSize: 4,
    });
    pulumi.runtime.setAllConfig({});
  });

  it("fails on a typo'd key the stack sets, naming the nearest valid key", () => {
    pulumi.runtime.setAllConfig({ "proj:instancetype": "c5.large", "aws:region": "us-east-1" });
    expect(() => readStackConfig(new pulumi.Config("proj"))).toThrow(
      /^invalid stack config: unknown key\(s\) "instancetype" \(did you mean "instanceType"\?\); accepted: /,
    );
    pulumi.runtime.setAllConfig({});
  });
});

describe("resolveTier: the sizing engine decides", () => {
  it("defaults to the production use case", () => {
    const rec = recommendForUseCase("production");
    const tier = resolveTier(parseStackConfig({}));
    // Production keeps at least two instances, one per availability zone.
    expect(tier).toMatchObject({
      instanceType: rec.instanceType,
      count: Math.max(2, rec.count),
      pricing: rec.pricing,
      spot: false,
    });
    expect(tier.source).toBe("useCase");
    expect(tier.minSize).toBe(Math.max(2, rec.count));
    expect(tier.maxSize).toBeGreaterThan(tier.minSize);
  });

  it("takes an explicit type as given, on-demand", () => {
    expect(resolveTier(parseStackConfig({ instanceType: "t3.micro" }))).toMatchObject({
      instanceType: "t3.micro",
      count: 1,
      minSize: 1,
      maxSize: 2,
      pricing: "on-demand",
      spot: false,
      source: "instanceType",
    });
  });

  it("sizes a workload: type and count from recommendForWorkload", () => {
    const rec = recommendForWorkload({ imagesPerHour: 40000, p95LatencyMs: 1500 });
    const tier = resolveTier(parseStackConfig({ imagesPerHour: "40000", p95LatencyMs: "1500" }));
    expect(tier.instanceType).toBe(rec.instanceType);
    expect(tier.count).toBe(rec.count);
    expect(tier.minSize).toBe(rec.count);
    expect(tier.maxSize).toBe(Math.max(rec.count * 2, rec.count + 1));
    expect(tier.source).toBe("workload");
  });

  it("asks for a GPU workload when the use case is gpu", () => {
    const model = { gpu: true, model: "M2F-Graphene", serviceMs: 40 };
    const rec = recommendForWorkload({ imagesPerHour: 20000, ...model });
    const tier = resolveTier(
      parseStackConfig({
        useCase: "gpu",
        imagesPerHour: "20000",
        models: "M2F-Graphene",
        serviceMs: "40",
      }),
    );
    expect(tier.instanceType).toBe(rec.instanceType);
  });

  it("runs the batch use case on spot unless the stack says otherwise", () => {
    const rec = recommendForUseCase("batch");
    expect(rec.pricing).toBe("spot");
    expect(resolveTier(parseStackConfig({ useCase: "batch" }))).toMatchObject({
      instanceType: rec.instanceType,
      spot: true,
      pricing: "spot",
    });
    expect(resolveTier(parseStackConfig({ useCase: "batch", spot: "false" }))).toMatchObject({
      spot: false,
      pricing: "on-demand",
    });
  });

  it("keeps the desired count inside the configured bounds", () => {
    expect(
      resolveTier(parseStackConfig({ instanceType: "t3.large", minSize: "2", maxSize: "5" })),
    ).toMatchObject({
      count: 2,
      minSize: 2,
      maxSize: 5,
    });
  });

  it("sizes with the default region's prices where the price book has no region", () => {
    const tier = resolveTier(parseStackConfig({ useCase: "production", region: "sa-east-1" }));
    expect(tier.instanceType).toBe(recommendForUseCase("production").instanceType);
    expect(tier.warnings[0]).toBe("no price book for sa-east-1: sizing uses us-east-1 prices");
    expect(resolveTier(parseStackConfig({ region: "us-east-1" })).warnings.join()).not.toContain(
      "price book",
    );
  });

  it("turns an unreachable workload into a one-line preview failure", () => {
    const message = configError({ imagesPerHour: "1000", p95LatencyMs: "1" });
    expect(message.startsWith("imagesPerHour: ")).toBe(true);
  });
});
