import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import { encodeBgr } from "../src/io/image-files.js";
import type { EvalImage } from "../src/tools/coco-eval.js";
import { detectionOf, evaluateInstances, maskPixels } from "../src/tools/evaluate.js";
import { type SynthImage, synthesize } from "../src/tools/synth.js";
import { run } from "./cli-helpers.js";

/** Ground truth of a synthetic image as evaluation instances. */
function truth(s: SynthImage) {
  return s.flakes.map((f, k) => ({
    pixels: maskPixels(Uint8Array.from(s.instances, (v) => (v === k + 1 ? 1 : 0))),
    layer: f.layer,
  }));
}

async function evaluateSet(seeds: number[], halos: number, rejectBrightEdges: boolean) {
  const images: EvalImage[] = [];
  const reasons: string[] = [];
  for (const seed of seeds) {
    const s = synthesize({ width: 480, height: 360, seed, flakes: 5, halos });
    const r = await detectImage(await encodeBgr(s.image, "png"), {
      rejectBrightEdges,
      explainRejections: true,
    });
    for (const f of r.rejected ?? []) reasons.push(...f.rejected_by);
    images.push({ image: String(seed), gts: truth(s), dts: r.flakes.map(detectionOf) });
  }
  return { report: evaluateInstances(images, 0.5, ["1", "2", "3", "4"]).report, reasons };
}

describe("the bright-edge filter on bulk crystals with halos", () => {
  const seeds = [500, 501, 502, 503, 504, 505, 506, 507];

  it("removes at least 80 % of the halo false positives and no true flake", async () => {
    const off = await evaluateSet(seeds, 2, false);
    const on = await evaluateSet(seeds, 2, true);
    // the halos do fool the plain detector: their fringes come out as flakes
    expect(off.report.overall.fp).toBeGreaterThanOrEqual(seeds.length);
    expect(off.reasons).toEqual([]);
    expect(on.report.overall.fp).toBeLessThanOrEqual(off.report.overall.fp * 0.2);
    expect(on.report.overall.tp).toBe(off.report.overall.tp);
    expect(on.report.overall.recall).toBe(off.report.overall.recall);
    expect(new Set(on.reasons)).toEqual(new Set(["bright_edge", "thin_rim"]));
  });

  it("leaves images without halos (dark bulk crystals included) as they are", async () => {
    const off = await evaluateSet([600, 601, 602, 603], 0, false);
    const on = await evaluateSet([600, 601, 602, 603], 0, true);
    expect(on.report.overall).toEqual(off.report.overall);
    expect(on.reasons).toEqual([]);
  });

  it("is off by default, and rejected flakes come back only when asked", async () => {
    const s = synthesize({ width: 480, height: 360, seed: 500, flakes: 5, halos: 2 });
    const png = await encodeBgr(s.image, "png");
    const plain = await detectImage(png);
    expect(plain.rejected).toBeUndefined();
    const filtered = await detectImage(png, { rejectBrightEdges: true });
    expect(filtered.rejected).toBeUndefined();
    expect(filtered.flakes.length).toBeLessThan(plain.flakes.length);
    const explained = await detectImage(png, { rejectBrightEdges: true, explainRejections: true });
    expect(explained.flakes).toEqual(filtered.flakes);
    expect(explained.rejected!.length).toBe(plain.flakes.length - filtered.flakes.length);
  });
});

describe("--max-fp-probability", () => {
  it("drops flakes above the limit and says why", async () => {
    const s = synthesize({ width: 480, height: 360, seed: 21, flakes: 6 });
    const png = await encodeBgr(s.image, "png");
    const all = (await detectImage(png)).flakes;
    const probs = all.map((f) => f.false_positive_probability).sort((a, b) => a - b);
    const limit = probs[Math.floor(probs.length / 2)]!;
    const r = await detectImage(png, { maxFpProbability: limit, explainRejections: true });
    expect(r.flakes).toEqual(all.filter((f) => f.false_positive_probability <= limit));
    expect(r.rejected!.map((f) => f.rejected_by)).toEqual(
      all.filter((f) => f.false_positive_probability > limit).map(() => ["fp_probability"]),
    );
    await expect(detectImage(png, { maxFpProbability: 1.5 })).rejects.toThrow(
      /maxFpProbability is 1.5; accepted: a probability from 0 to 1/,
    );
  });
});

describe("the CLI's filter flags", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flakeops-edges-"));
    const s = synthesize({ width: 480, height: 360, seed: 500, flakes: 5, halos: 2 });
    await writeFile(join(dir, "halo.png"), await encodeBgr(s.image, "png"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--reject-bright-edges --explain lists what it dropped, with rejected_by", async () => {
    const r = await run(["halo.png", "--reject-bright-edges", "--explain", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout).results;
    expect(result.rejected.length).toBeGreaterThan(0);
    for (const f of result.rejected) {
      expect(f.rejected_by.length).toBeGreaterThan(0);
      for (const why of f.rejected_by) expect(["bright_edge", "thin_rim"]).toContain(why);
    }
    const plain = await run(["halo.png", "--json"], { cwd: dir });
    expect(JSON.parse(plain.stdout).results[0].rejected).toBeUndefined();
  });

  it("--max-fp-probability out of range: one line, exit 2", async () => {
    const r = await run(["halo.png", "--max-fp-probability", "2"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flakeops-detect: --max-fp-probability .*2/);
    expect(r.stderr.trimEnd().includes("\n")).toBe(false);
  });
});
