import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { annotationMask, type CocoFile } from "../src/io/coco.js";
import { decodeImage } from "../src/io/decode.js";
import { encodeBgr } from "../src/io/image-files.js";
import { DetectorPool, type PoolCalibration } from "../src/pool/pool.js";
import { CalibrationAccumulator, calibrateDetailed } from "../src/tools/calibrate.js";
import { synthesize } from "../src/tools/synth.js";
import { addToCoco } from "../src/tools/synth-io.js";
import { twoPassFit } from "./calibrate-reference.js";
import { run } from "./cli-helpers.js";
import { TEST_DICTIONARY } from "./synth-fixtures.js";

/**
 * The fit on per-image sums against an independent two-pass fit (calibrate-reference.ts), and
 * the same fit summed in workers (DetectorPool.calibrate) and by the CLI against the in-process
 * library, bit for bit, on synthetic images with random flakes of every layer.
 */

const LAYERS = Object.keys(TEST_DICTIONARY);
const sets = [0, 1, 2].map((i) =>
  synthesize({
    width: 256,
    height: 192,
    seed: 700 + i,
    dictionary: TEST_DICTIONARY,
    flakes: 6,
    radius: [18, 40],
  }),
);
const coco: CocoFile = { images: [], annotations: [], categories: [] };
for (const [i, s] of sets.entries()) addToCoco(coco, s, `cal-${i}.png`, i + 1);
coco.categories = LAYERS.map((name, k) => ({ id: k + 1, name }));
const layerOf = new Map(coco.categories.map((c) => [c.id, c.name]));

let pngs: Uint8Array[];
let dir: string;
let pool: DetectorPool;
beforeAll(async () => {
  pngs = await Promise.all(sets.map((s) => encodeBgr(s.image, "png")));
  dir = await mkdtemp(join(tmpdir(), "flakeops-calpool-"));
  pool = new DetectorPool({ workers: 2 });
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

/** The in-process fit on the images as the CLI and the API read them (PNG, COCO masks). */
async function referenceFromCoco(c: CocoFile, layerNames = LAYERS) {
  const samples = [];
  for (let i = 0; i < c.images.length; i++) {
    const entry = c.images[i]!;
    const image = await decodeImage(pngs[i]!);
    const labels = new Uint8Array(image.width * image.height);
    for (const ann of c.annotations.filter((a) => a.image_id === entry.id)) {
      const k = layerNames.indexOf(layerOf.get(ann.category_id)!);
      if (k < 0) continue;
      const mask = annotationMask(ann, entry);
      for (let p = 0; p < mask.length; p++) if (mask[p]) labels[p] = k + 1;
    }
    samples.push({ image, labels, name: entry.file_name });
  }
  return calibrateDetailed(samples, layerNames, { skipMissing: true });
}

function poolRequest(over: Partial<PoolCalibration> = {}): PoolCalibration {
  return {
    images: coco.images.map((image, i) => ({
      input: pngs[i]!,
      image,
      annotations: coco.annotations.filter((a) => a.image_id === image.id),
    })),
    layerNames: LAYERS,
    layerOf,
    skipMissing: true,
    ...over,
  };
}

describe("calibration on per-image sums", () => {
  it("the sum-based fit (calibrateDetailed, the accumulator) equals a two-pass fit", () => {
    const samples = sets.map((s, i) => ({ image: s.image, labels: s.labels, name: `s${i}` }));
    for (const erode of [true, false]) {
      const got = calibrateDetailed(samples, LAYERS, { erode, skipMissing: true });
      const want = twoPassFit(samples, LAYERS, erode);
      expect(got.layers.length).toBeGreaterThan(1);
      expect(got.layers.map((l) => l.name)).toEqual([...want.keys()]);
      for (const layer of got.layers) {
        const ref = want.get(layer.name)!;
        expect(layer).toMatchObject({ pixels: ref.pixels, images: ref.images });
        const { contrast, covariance_matrix } = got.dictionary[layer.name]!;
        // contrasts are rounded to 1e-6; covariances differ from two-pass only by rounding
        [contrast.b, contrast.g, contrast.r].forEach((m, c) => {
          expect(Math.abs(m - ref.mean[c]!)).toBeLessThanOrEqual(5e-7);
        });
        covariance_matrix.forEach((row, c) => {
          row.forEach((v, d) => {
            expect(Math.abs(v - ref.covariance[c]![d]!)).toBeLessThan(1e-9);
          });
        });
      }
      const acc = new CalibrationAccumulator(LAYERS, { erode, skipMissing: true });
      for (const s of samples) acc.add(s);
      expect(acc.fit()).toEqual(got);
    }
  });

  it("DetectorPool.calibrate (images summed in workers) equals the in-process fit exactly", async () => {
    const want = await referenceFromCoco(coco);
    const got = await pool.calibrate(poolRequest());
    expect(got).toEqual({ ok: true, result: want });
    // a subset of the layers: other categories' annotations are skipped, as before
    const two = LAYERS.slice(0, 2);
    expect(await pool.calibrate(poolRequest({ layerNames: two }))).toEqual({
      ok: true,
      result: await referenceFromCoco(coco, two),
    });
    expect(pool.running + pool.queued).toBe(0);
  });

  it("the CLI's calibrate --coco writes the in-process fit's dictionary", async () => {
    for (let i = 0; i < pngs.length; i++) await writeFile(join(dir, `cal-${i}.png`), pngs[i]!);
    await writeFile(join(dir, "annotations.json"), JSON.stringify(coco));
    const r = await run(
      ["calibrate", "--coco", "annotations.json", "--images", ".", "--out", "dict.json"],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const want = await referenceFromCoco(coco);
    expect(JSON.parse(await readFile(join(dir, "dict.json"), "utf8"))).toEqual(
      JSON.parse(JSON.stringify(want.dictionary)),
    );
  });

  it("names the image and the kind of problem, and the pool stays usable", async () => {
    const cases: [string, Partial<PoolCalibration>, string, string][] = [
      [
        "not an image",
        {
          images: [
            {
              input: new TextEncoder().encode("no image"),
              image: coco.images[0]!,
              annotations: [],
            },
          ],
        },
        "image",
        "NOT_AN_IMAGE",
      ],
      [
        "another size than its entry",
        {
          images: [{ input: pngs[0]!, image: { ...coco.images[0]!, width: 100 }, annotations: [] }],
        },
        "size",
        "BAD_OPTION",
      ],
      [
        "a polygon outside its image",
        {
          images: [
            {
              input: pngs[0]!,
              image: coco.images[0]!,
              annotations: [
                { id: 9, image_id: 1, category_id: 1, segmentation: [[0, 0, 900, 0, 0, 10]] },
              ],
            },
          ],
        },
        "annotation",
        "BAD_OPTION",
      ],
      ["an image over the pixel limit", { maxPixels: 1000 }, "pixels", "TOO_MANY_PIXELS"],
      ["images over the budget", { maxTotalPixels: 256 * 192 * 2 }, "budget", "TOO_MANY_PIXELS"],
    ];
    for (const [what, over, problem, code] of cases) {
      const got = await pool.calibrate(poolRequest(over));
      expect(got.ok, what).toBe(false);
      if (got.ok) continue;
      expect({ problem: got.problem, code: got.code }, what).toEqual({ problem, code });
      expect(got.file).toMatch(/^cal-\d\.png$/);
    }
    expect((await pool.calibrate(poolRequest())).ok).toBe(true);
  });
});
