import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BenchProfile,
  EMBEDDED_MODEL_PROFILE,
  parseBenchProfile,
  recommendForWorkload,
  workerSlots,
} from "../src/index.js";
import { getInstanceType } from "../src/pricing/catalog.js";
import { runSizingCli, sizingErrorOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "sizing-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) => runSizingCli(argv, dir);

const base: BenchProfile = { ...EMBEDDED_MODEL_PROFILE };

describe("profiles that describe their machine (issue 11)", () => {
  it("the shipped profile parses and is the default, with its machine and date", () => {
    expect(parseBenchProfile(JSON.stringify(EMBEDDED_MODEL_PROFILE), "shipped")).toEqual(
      EMBEDDED_MODEL_PROFILE,
    );
    expect(EMBEDDED_MODEL_PROFILE).toMatchObject({ model: "GMM-Graphene", arch: "x86_64" });
    const rec = recommendForWorkload({ imagesPerHour: 20_000 });
    expect(rec.assumptions).toMatchObject({
      serviceTimeSource: "default",
      bytesPerImage: EMBEDDED_MODEL_PROFILE.bytesPerImage,
    });
    // Sized at its pool's pace: slower than one image alone, never faster.
    const p = EMBEDDED_MODEL_PROFILE;
    expect(rec.assumptions.serviceMs).toBeGreaterThan(p.serviceMsPerImage);
    expect(rec.assumptions.serviceMs).toBeLessThan((1000 * p.workers) / p.imagesPerSecond);
  });

  it("counts 2 x86 vCPUs as one core, Graviton vCPUs as cores, and states the factor", () => {
    expect(workerSlots(getInstanceType("c5.2xlarge"), 0.5)).toEqual({
      workers: 4,
      serviceScale: 1,
    });
    expect(workerSlots(getInstanceType("c7g.2xlarge"), 0.5)).toEqual({
      workers: 8,
      serviceScale: 1,
    });
    // A measured SMT gain: a worker per vCPU, each 2 / 1.25 = 1.6 x slower.
    expect(workerSlots(getInstanceType("c5.2xlarge"), 0.5, 1.25)).toEqual({
      workers: 8,
      serviceScale: 1.6,
    });
    const rec = recommendForWorkload({ imagesPerHour: 20_000, serviceMs: 20 });
    expect(rec.assumptions.coreScaling).toMatch(
      /x86_64: 2 vCPUs = 1 core, SMT throughput factor 1 \(default\); arm64: 1 vCPU = 1 core/,
    );
    const measured = recommendForWorkload({
      imagesPerHour: 20_000,
      profile: { ...base, smtThroughputFactor: 1.3 },
    });
    expect(measured.assumptions.coreScaling).toMatch(/factor 1.3 \(measured\)/);
  });

  it("refuses a profile for another model (exit 2, what is accepted)", async () => {
    const e = sizingErrorOf(() =>
      recommendForWorkload({ imagesPerHour: 100, profile: base, model: "M2F-Graphene" }),
    );
    expect(e.message).toBe(
      "the profile measured GMM-Graphene, not M2F-Graphene; accepted: a profile of M2F-Graphene (`pnpm bench` with that model)",
    );
    const path = join(dir, "p.json");
    writeFileSync(path, JSON.stringify(base));
    const r = await cli(
      "recommend",
      "--images-per-hour",
      "100",
      "--profile",
      path,
      "--model",
      "AMM-X",
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/not AMM-X; accepted: a profile of AMM-X/);
  });
});

describe("GPU-aware (issue 11)", () => {
  it("refuses --gpu for a CPU-only model with the reason (exit 2)", async () => {
    const e = sizingErrorOf(() => recommendForWorkload({ imagesPerHour: 100_000, gpu: true }));
    expect(e.message).toMatch(
      /GMM-Graphene runs on the CPU only .* a GPU would sit idle; accepted: --gpu with an ONNX model/,
    );
    const r = await cli("recommend", "--images-per-hour", "100000", "--gpu");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("forced, it shows the wasted $/month instead of 278 GPU instances at CPU speed", () => {
    const rec = recommendForWorkload({ imagesPerHour: 2_000_000, gpu: true, forceGpu: true });
    expect(getInstanceType(rec.instanceType).gpu).not.toBeNull();
    const cpu = recommendForWorkload({ imagesPerHour: 2_000_000 });
    const waste = rec.warnings.find((w) => w.startsWith("forced:"))!;
    expect(waste).toContain(
      `cost $${Math.round((rec.monthlyUSD - cpu.monthlyUSD) * 100) / 100}/month more`,
    );
    expect(rec.monthlyUSD).toBeGreaterThan(cpu.monthlyUSD);
  });

  it("checks GPU memory: a 20 GiB model goes to a 24 GiB GPU, never a 16 GiB T4", () => {
    const rec = recommendForWorkload({
      imagesPerHour: 20_000,
      serviceMs: 400,
      model: "M2F-Graphene",
      modelMemoryGiB: 20,
      gpu: true,
    });
    const all = [rec, ...rec.alternatives].map((o) => getInstanceType(o.instanceType));
    expect(all.every((t) => t.gpu!.memoryGiB >= 20)).toBe(true);
    expect(all.map((t) => t.family)).toEqual(expect.arrayContaining(["g5", "g6"]));
    expect(all.map((t) => t.family)).not.toContain("g4dn");
  });

  it("a GPU profile's time is per GPU, compared across g4dn, g5 and g6", () => {
    const rec = recommendForWorkload({
      imagesPerHour: 36_000,
      profile: {
        ...base,
        model: "M2F-Graphene",
        serviceMsPerImage: 40,
        p95ServiceMs: 44,
        gpu: { model: "NVIDIA T4", memoryGiB: 16 },
      },
      gpu: true,
    });
    const families = new Set(
      [rec, ...rec.alternatives].map((o) => getInstanceType(o.instanceType).family),
    );
    for (const f of ["g4dn", "g5", "g6"]) expect(families.has(f)).toBe(true);
  });
});
