import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InferenceError } from "../src/index.js";
import { runBench } from "../src/tools/index.js";
import { bgrImage, png } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "flakeops-bench-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("runBench", () => {
  it("times decode and decode + detect, and writes a sizing profile", async () => {
    const files: string[] = [];
    for (let i = 0; i < 2; i++) {
      const file = join(root, `image-${i}.png`);
      const data = bgrImage(
        320,
        240,
        [150, 100, 110],
        [{ x: 40 + 60 * i, y: 50, w: 40, h: 30, bgr: [139, 86, 95] }],
      );
      writeFileSync(file, await png(data, 320, 240));
      files.push(file);
    }
    const r = await runBench({ images: files, runs: 2, workers: 1 });
    expect([r.images, r.runs, r.width, r.height, r.workers]).toEqual([2, 2, 320, 240, 1]);
    expect(r.decodeMs.median).toBeGreaterThan(0);
    expect(r.totalMs.median).toBeGreaterThanOrEqual(r.decodeMs.median);
    expect(r.totalMs.p95).toBeGreaterThanOrEqual(r.totalMs.median);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
    expect(r.peakRssMB).toBeGreaterThan(0);
    expect(r.profile).toMatchObject({
      kind: "flakeops-bench-profile/1",
      serviceMsPerImage: r.totalMs.median,
      p95ServiceMs: r.totalMs.p95,
      decodeMsPerImage: r.decodeMs.median,
      model: "GMM-Graphene",
      imageWidth: 320,
      imageHeight: 240,
      peakRssMB: r.peakRssMB,
      imagesPerSecond: r.imagesPerSecond,
      workers: 1,
    });
    expect(Number.isNaN(Date.parse(r.profile.measuredAt))).toBe(false);
    expect(r.profile.cpuModel.length).toBeGreaterThan(0);
  });

  it("refuses bad options and unreadable files", async () => {
    await expect(runBench({ runs: 0 })).rejects.toThrow("runs is 0; accepted: an integer >= 1");
    const missing = join(root, "missing.jpg");
    const e = await runBench({ images: [missing] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InferenceError);
    expect((e as InferenceError).code).toBe("BAD_OPTION");
    expect((e as InferenceError).message).toContain(missing);
  });
});
