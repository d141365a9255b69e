import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchProfileSchema, parseBenchProfile } from "@flakeops/sizing";
import { afterAll, describe, expect, it } from "vitest";
import { benchProfileJson, encodeBgr, runBench, synthesize } from "../src/tools/index.js";

const root = mkdtempSync(join(tmpdir(), "flakeops-bench-profile-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the bench profile and @flakeops/sizing", () => {
  it("what runBench measures, written as --profile-out writes it, reads back with parseBenchProfile", async () => {
    const images: string[] = [];
    for (let i = 0; i < 2; i++) {
      const s = synthesize({ width: 256, height: 192, seed: 40 + i });
      const file = join(root, `synth-${i}.png`);
      await writeFile(file, await encodeBgr(s.image, "png"));
      images.push(file);
    }
    const result = await runBench({ images, runs: 1, workers: 1 });
    const file = join(root, "profile.json");
    await writeFile(file, benchProfileJson(result.profile));

    const text = await readFile(file, "utf8");
    expect(text).toBe(`${JSON.stringify(result.profile, null, 2)}\n`);
    const back = parseBenchProfile(text, file);
    expect(back).toEqual(result.profile);
    expect(Object.keys(back).sort()).toEqual(Object.keys(result.profile).sort());
    expect(back).toMatchObject({
      kind: "flakeops-bench-profile/1",
      serviceMsPerImage: result.totalMs.median,
      p95ServiceMs: result.totalMs.p95,
      decodeMsPerImage: result.decodeMs.median,
      model: "GMM-Graphene",
      imageWidth: 256,
      imageHeight: 192,
      peakRssMB: result.peakRssMB,
      imagesPerSecond: result.imagesPerSecond,
      workers: 1,
    });
    expect(BenchProfileSchema.safeParse(result.profile).success).toBe(true);
    // the whole `bench --json` document is read too, by its profile field
    expect(parseBenchProfile(JSON.stringify(result), "bench.json")).toEqual(result.profile);
  });
});
