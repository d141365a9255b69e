import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import type { CocoFile } from "../src/io/coco.js";
import { encodeBgr } from "../src/io/image-files.js";
import { type SynthFlakeSpec, type SynthImage, synthesize } from "../src/tools/synth.js";
import { addToCoco } from "../src/tools/synth-io.js";
import { run } from "./cli-helpers.js";
import { TEST_DICTIONARY } from "./synth-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flakeops-coco-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSet(sub: string, sets: SynthImage[], coco: CocoFile): Promise<string> {
  const out = join(dir, sub);
  await mkdir(out, { recursive: true });
  for (let i = 0; i < sets.length; i++) {
    await writeFile(join(out, `img-${i}.png`), await encodeBgr(sets[i]!.image, "png"));
  }
  await writeFile(join(out, "annotations.json"), JSON.stringify(coco));
  return out;
}

function cocoOf(sets: SynthImage[]): CocoFile {
  const coco: CocoFile = { images: [], annotations: [], categories: [] };
  sets.forEach((s, i) => {
    addToCoco(coco, s, `img-${i}.png`, i + 1);
  });
  coco.categories = sets[0]!.layerNames.map((name, k) => ({ id: k + 1, name }));
  return coco;
}

describe("calibrate --coco", () => {
  const LAYERS = ["1", "2", "3"];
  // Every flake drawn at its layer's mean contrast (spread 0), no vignetting: the generating
  // means are what calibration must recover.
  const sets = [0, 1, 2, 3].map((i) =>
    synthesize({
      width: 320,
      height: 240,
      seed: 300 + i,
      dictionary: TEST_DICTIONARY,
      contrastSpread: 0,
      vignetting: 0,
      flakes: LAYERS.map((layer, j) => ({
        layer,
        center: [60 + j * 100, 70 + ((i + j) % 2) * 100],
        radius: 32,
        elongation: 1.3,
        angle: i + j,
      })),
    }),
  );

  function expectMeans(dictionary: Record<string, { contrast: Record<string, number> }>) {
    expect(Object.keys(dictionary)).toEqual(LAYERS);
    for (const layer of LAYERS) {
      for (const c of ["b", "g", "r"]) {
        const want = TEST_DICTIONARY[layer]!.contrast[c as "b"];
        expect(Math.abs(dictionary[layer]!.contrast[c]! - want)).toBeLessThan(0.005);
      }
    }
  }

  it("recovers the generating means from compressed RLE annotations", async () => {
    const d = await writeSet("rle", sets, cocoOf(sets));
    const r = await run(
      ["calibrate", "--coco", "annotations.json", "--images", ".", "--out", "dict.json", "--json"],
      { cwd: d },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectMeans(JSON.parse(r.stdout).dictionary);
    expectMeans(JSON.parse(await readFile(join(d, "dict.json"), "utf8")));
  });

  it("reads polygons and uncompressed RLE, maps category names, reports what it skips", async () => {
    const coco = cocoOf(sets);
    coco.categories = [
      { id: 1, name: "mono" },
      { id: 2, name: "bi" },
      { id: 3, name: "tri" },
    ];
    let n = 0;
    coco.annotations = coco.annotations.map((a) => {
      const s = sets[a.image_id - 1]!;
      const flake = s.flakes[s.layerNames.indexOf(String(a.category_id))]!;
      n++;
      // alternate: polygon (the synthetic flake's own outline), uncompressed RLE counts
      if (n % 2 === 0) return { ...a, segmentation: [flake.polygon.flat()] };
      const { decodeRle } = rleModule;
      const mask = decodeRle(a.segmentation as { size: [number, number]; counts: string });
      return {
        ...a,
        segmentation: { size: [240, 320], counts: rleModule.maskToCounts(mask, 240, 320) },
      };
    });
    coco.images.push({ id: 99, file_name: "missing.png", width: 320, height: 240 });
    coco.annotations.push({ ...coco.annotations[0]!, id: 500, category_id: 42 });
    const d = await writeSet("poly", sets, coco);
    const r = await run(
      [
        "calibrate",
        "--coco",
        "annotations.json",
        "--images",
        ".",
        "--out",
        "dict.json",
        "--category-map",
        "mono=1,bi=2,tri=3",
        "--json",
      ],
      { cwd: d },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("1 annotation of unknown category 42; skipped");
    expect(r.stderr).toContain("1 image of the COCO file not in --images: missing.png; skipped");
    expectMeans(JSON.parse(r.stdout).dictionary);
  });
});

const rleModule = await import("../src/io/rle.js");

describe("evaluate", () => {
  // Four well separated flakes, the embedded graphene model's layers.
  const specs: SynthFlakeSpec[] = [
    { layer: "1", center: [90, 90], radius: 40, elongation: 1.2, angle: 0.3 },
    { layer: "1", center: [250, 90], radius: 40, elongation: 1.4, angle: 1.1 },
    { layer: "2", center: [400, 100], radius: 40, elongation: 1.3, angle: 2 },
    { layer: "3", center: [150, 260], radius: 45, elongation: 1.1, angle: 0.7 },
  ];
  const s = synthesize({ width: 480, height: 360, seed: 21, flakes: specs, bulk: 0 });

  it("matches every annotation when the ground truth is complete", async () => {
    const d = await writeSet("eval-full", [s], cocoOf([s]));
    const r = await run(["evaluate", "--coco", "annotations.json", "--images", ".", "--json"], {
      cwd: d,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.iou).toBe(0.5);
    expect(report.overall).toMatchObject({ tp: 4, fp: 0, fn: 0, precision: 1, recall: 1 });
    // precision 1 / (1 + eps) at every recall up to 1: AP50 = 1 (to rounding)
    expect(report.overall.ap50).toBeCloseTo(1, 9);
    expect(report.images).toEqual([{ image: "img-0.png", tp: 4, fp: 0, fn: 0 }]);
    expect(report.layers.map((l: { layer: string }) => l.layer)).toEqual(["1", "2", "3", "4"]);
  });

  it("counts a dropped annotation as a false positive and an invented one as a miss", async () => {
    const coco = cocoOf([s]);
    // drop the second layer-1 flake; add a layer-2 square on plain background (a miss)
    coco.annotations = coco.annotations.filter((a) => a.id !== 2);
    coco.annotations.push({
      id: 9,
      image_id: 1,
      category_id: 2,
      segmentation: [[380, 250, 420, 250, 420, 290, 380, 290]],
    });
    const d = await writeSet("eval-edit", [s], coco);
    const r = await run(
      ["evaluate", "--coco", "annotations.json", "--images", ".", "--json", "--report", "rep"],
      { cwd: d },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.overall).toMatchObject({ tp: 3, fp: 1, fn: 1 });
    const byLayer = Object.fromEntries(report.layers.map((l: { layer: string }) => [l.layer, l]));
    expect(byLayer["1"]).toMatchObject({ tp: 1, fp: 1, fn: 0 });
    expect(byLayer["2"]).toMatchObject({ tp: 1, fp: 0, fn: 1 });
    expect(byLayer["3"]).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    // AP50 by hand. Layer 2: one hit of two annotations: recall .5 at precision 1, so recall
    // thresholds 0-.50 (51 of 101) read 1: 51/101. Layer 3: 1. Layer 1: two detections, one
    // annotation: if the hit scores higher, precision 1 then .5 with recall 1 from the
    // first: 1; else precision 0 then .5, enveloped to .5 at every recall threshold: .5.
    const flakes = (await detectImage(await encodeBgr(s.image, "png"))).flakes;
    const score = (cx: number) =>
      1 - flakes.find((f) => Math.abs(f.center[0] - cx) < 20)!.false_positive_probability;
    const layer1 = score(90) >= score(250) ? 1 : 0.5;
    expect(byLayer["1"].ap50).toBeCloseTo(layer1, 9);
    expect(byLayer["2"].ap50).toBeCloseTo(51 / 101, 9);
    expect(byLayer["3"].ap50).toBeCloseTo(1, 9);
    expect(report.overall.ap50).toBeCloseTo((layer1 + 51 / 101 + 1) / 3, 9);
    const html = await readFile(join(d, "rep", "index.html"), "utf8");
    expect(html).toContain("img-0.png");
    expect(
      (await readFile(join(d, "rep", "0000-img-0.png")).then((b) => b.subarray(1, 4))).toString(),
    ).toBe("PNG");
  });
});

describe("evaluate with the filters", () => {
  it("--reject-bright-edges turns the halo fringes' false positives away, recall unchanged", async () => {
    const sets = [510, 511].map((seed) =>
      synthesize({ width: 480, height: 360, seed, flakes: 4, halos: 2 }),
    );
    const d = await writeSet("eval-halo", sets, cocoOf(sets));
    const args = ["evaluate", "--coco", "annotations.json", "--images", ".", "--json"];
    const off = JSON.parse((await run(args, { cwd: d })).stdout);
    const on = JSON.parse((await run([...args, "--reject-bright-edges"], { cwd: d })).stdout);
    expect(off.overall.fp).toBeGreaterThan(0);
    expect(on.overall.fp).toBeLessThanOrEqual(off.overall.fp * 0.2);
    expect(on.overall.recall).toBe(off.overall.recall);
    const bad = await run([...args, "--max-fp-probability", "-1"], { cwd: d });
    expect(bad.code).toBe(2);
  });
});

describe("COCO bad input: one line, exit 2", () => {
  const s = synthesize({ width: 64, height: 48, seed: 5, flakes: 1, dictionary: TEST_DICTIONARY });
  async function attempt(name: string, coco: unknown, extra: string[] = []) {
    const d = await writeSet(name, [s], cocoOf([s]));
    await writeFile(
      join(d, "annotations.json"),
      typeof coco === "string" ? coco : JSON.stringify(coco),
    );
    const r = await run(
      ["calibrate", "--coco", "annotations.json", "--images", ".", "--out", "o.json", ...extra],
      { cwd: d },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return r.stderr;
  }
  const good = () => cocoOf([s]);

  it("a file that is not COCO", async () => {
    expect(await attempt("notcoco", { type: "FeatureCollection", features: [] })).toMatch(
      /--coco .*annotations\.json is not COCO: images: .*expected array/,
    );
    expect(await attempt("notjson", "hello")).toMatch(/is not COCO: not JSON/);
  });

  it("a segmentation with out-of-range coordinates", async () => {
    const coco = good();
    coco.annotations[0]!.segmentation = [[10, 10, 70, 10, 70, 30]];
    expect(await attempt("range", coco)).toMatch(
      /polygon point \(70, 10\) is outside the 64x48 image/,
    );
  });

  it("an image of another size than its annotation says", async () => {
    const coco = good();
    coco.images[0] = { ...coco.images[0]!, width: 100, height: 80 };
    coco.annotations[0]!.segmentation = [[1, 1, 20, 1, 20, 20]];
    expect(await attempt("size", coco)).toMatch(
      /img-0\.png: the image is 64x48; its COCO entry says 100x80/,
    );
  });

  it("an empty category", async () => {
    const coco = good();
    coco.categories[0] = { id: 1, name: " " };
    expect(await attempt("emptycat", coco)).toMatch(/category 1 has an empty name/);
  });
});
