import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlakeSchema } from "../src/flake.js";
import type { SynthManifest } from "../src/tools/synth-io.js";
import { run } from "./cli-helpers.js";
import { buildModel } from "./onnx-fixtures.js";
import { TEST_DICTIONARY } from "./synth-fixtures.js";

let dir: string;
let manifest: SynthManifest;
const img = (i: number) => join(dir, "synth", `synth-000${i}.png`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-"));
  const r = await run(
    ["synth", "--out", "synth", "--count", "2", "--seed", "3", "--width", "320", "--height", "240"],
    {
      cwd: dir,
    },
  );
  expect(r).toMatchObject({ code: 0, stderr: "" });
  manifest = JSON.parse(await readFile(join(dir, "synth", "manifest.json"), "utf8"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const layersOf = (flakes: { thickness?: string; layer?: string }[]) =>
  flakes.map((f) => f.thickness ?? f.layer).sort();

describe("flakeops-detect synth", () => {
  it("writes images, layer masks and a manifest, reproducibly", async () => {
    expect(manifest.images.map((i) => [i.image, i.mask])).toEqual([
      ["synth-0000.png", "synth-0000.mask.png"],
      ["synth-0001.png", "synth-0001.mask.png"],
    ]);
    expect(manifest.layerNames).toEqual(["1", "2", "3", "4"]);
    const maskFile = join(dir, "synth", "synth-0000.mask.png");
    expect((await sharp(maskFile).metadata()).channels).toBe(1);
    const mask = await sharp(maskFile)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([mask.info.width, mask.info.height]).toEqual([320, 240]);
    const flakePixels = mask.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    expect(flakePixels).toBe(manifest.images[0]!.flakes.reduce((n, f) => n + f.size, 0));
    const again = await run(
      [
        "synth",
        "--out",
        "again",
        "--count",
        "1",
        "--seed",
        "3",
        "--width",
        "320",
        "--height",
        "240",
      ],
      {
        cwd: dir,
      },
    );
    expect(again.code).toBe(0);
    const a = await readFile(img(0));
    const b = await readFile(join(dir, "again", "synth-0000.png"));
    expect(a.equals(b)).toBe(true);
  });
});

describe("flakeops-detect synth --dictionary", () => {
  it("draws layers from the given contrast dictionary and refuses an invalid one", async () => {
    await writeFile(join(dir, "dict.json"), JSON.stringify(TEST_DICTIONARY));
    const r = await run(
      [
        "synth",
        "--out",
        "own",
        "--count",
        "1",
        "--width",
        "128",
        "--height",
        "96",
        "--dictionary",
        "dict.json",
        "--json",
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).layerNames).toEqual(["1", "2", "3"]);
    await writeFile(join(dir, "bad.json"), JSON.stringify({ "1": { contrast: { b: 0, g: 0 } } }));
    const bad = await run(["synth", "--out", "own", "--dictionary", "bad.json"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^flakeops-detect: --dictionary bad\.json is not a valid contrast dictionary/,
    );
  });
});

describe("flakeops-detect <image...>", () => {
  it("--json: one document with every image's result, flakes matching the ground truth", async () => {
    const r = await run([img(0), img(1), "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["results"]);
    expect(doc.results.length).toBe(2);
    doc.results.forEach((res: Record<string, unknown>, i: number) => {
      expect(Object.keys(res)).toEqual([
        "image",
        "width",
        "height",
        "model",
        "background_bgr",
        "flakes",
        "timings",
      ]);
      expect(res).toMatchObject({ image: img(i), width: 320, height: 240, model: "GMM-Graphene" });
      const flakes = (res.flakes as unknown[]).map((f) => FlakeSchema.parse(f));
      expect(layersOf(flakes)).toEqual(layersOf(manifest.images[i]!.flakes));
    });
  });

  it("prints a readable table by default", async () => {
    const r = await run([img(0)]);
    expect(r.code).toBe(0);
    const n = manifest.images[0]!.flakes.length;
    expect(r.stdout).toContain(`${img(0)}: 320x240, model GMM-Graphene`);
    expect(r.stdout).toContain(`${n} flake${n === 1 ? "" : "s"}`);
    expect(r.stdout).toMatch(/│ # +│ layer +│ size px/);
  });

  it("a missing image is reported and the others are still processed (exit 2)", async () => {
    const r = await run([img(0), join(dir, "missing.png"), img(1), "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `flakeops-detect: ${join(dir, "missing.png")}: cannot read ${join(dir, "missing.png")}: no such file; accepted: a path to a readable image file\n`,
    );
    const doc = JSON.parse(r.stdout);
    expect(doc.results.map((x: { image: string }) => x.image)).toEqual([img(0), img(1)]);
    expect(doc.errors).toEqual([
      {
        image: join(dir, "missing.png"),
        code: "BAD_INPUT",
        message: `cannot read ${join(dir, "missing.png")}: no such file; accepted: a path to a readable image file`,
      },
    ]);
  });

  it("a file that is not an image is a typed error for that image", async () => {
    await writeFile(join(dir, "notes.txt"), "not an image");
    const r = await run([join(dir, "notes.txt")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/notes\.txt: the data is not an image we can read/);
  });

  it("--overlay writes a PNG of the image's size", async () => {
    const out = join(dir, "overlay.png");
    const r = await run([img(0), "--overlay", out]);
    expect(r.code).toBe(0);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 320, 240]);
    const many = await run([img(0), img(1), "--overlay", join(dir, "overlays")]);
    expect(many.code).toBe(0);
    expect((await sharp(join(dir, "overlays", "synth-0001.overlay.png")).metadata()).width).toBe(
      320,
    );
  });

  it("on a terminal, tables wait for the progress bar and then all appear", async () => {
    const r = await run([img(0), join(dir, "gone.png"), img(1)], { tty: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("detect [");
    expect(r.stderr).toContain(`${join(dir, "gone.png")}: cannot read`);
    expect(r.stdout.indexOf(`${img(0)}: 320x240`)).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf(`${img(1)}: 320x240`)).toBeGreaterThan(
      r.stdout.indexOf(`${img(0)}: 320x240`),
    );
  });

  it("shows a progress bar on a terminal for many images", async () => {
    const r = await run([img(0), img(1), "--json"], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("detect [");
    expect(JSON.parse(r.stdout).results.length).toBe(2);
  });
});

describe("flakeops-detect: bad usage and input exit 2 with one line", () => {
  const oneLine = (s: string) => {
    expect(s.endsWith("\n")).toBe(true);
    expect(s.trimEnd().includes("\n")).toBe(false);
    expect(s).not.toMatch(/\n\s+at /);
  };

  it("unknown model id", async () => {
    const r = await run([img(0), "--model", "GMM-Nope"]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^flakeops-detect: unknown model GMM-Nope .*available: GMM-Graphene/);
    const bad = await run([img(0), "--model", "Graphene"]);
    expect(bad.stderr).toMatch(/"Graphene" is not a model id: expected <Kind>-<Name>/);
  });

  it("unknown flag", async () => {
    const r = await run([img(0), "--frobnicate"]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^flakeops-detect: unknown option --frobnicate; accepted: --model, /);
    const sub = await run(["synth", "--out", "x", "--colour", "red"]);
    expect(sub.stderr).toMatch(
      /^flakeops-detect synth: unknown option --colour; accepted: --out, --count/,
    );
  });

  it("non-numeric --size-threshold", async () => {
    const r = await run([img(0), "--size-threshold", "abc"]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toBe(
      'flakeops-detect: --size-threshold "abc" is not valid; accepted: an integer >= 1 and <= 1000000000\n',
    );
    const neg = await run([img(0), "--std-threshold", "0"]);
    expect(neg.stderr).toBe(
      'flakeops-detect: --std-threshold "0" is not valid; accepted: a number > 0 and <= 100\n',
    );
  });

  it("no image, and a flag without its value", async () => {
    expect((await run([])).stderr).toMatch(
      /^flakeops-detect: no image given; accepted: flakeops-detect <image\.\.\.> /,
    );
    const r = await run([img(0), "--model"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("flakeops-detect: --model needs a value; accepted: --flag VALUE\n");
  });

  it("missing and corrupt model.onnx, and a wrong input shape, name the file", async () => {
    const models = join(dir, "models");
    const mk = async (name: string, bytes: Uint8Array | string) => {
      const d = join(models, "classification_models", "MLP", name);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, "model.onnx"), bytes);
      return join(d, "model.onnx");
    };
    const corrupt = await mk("Corrupt", "garbage bytes");
    const shape = await mk(
      "Shape",
      buildModel({
        inputs: [{ name: "x", shape: ["N", 5] }],
        outputs: [{ name: "y", shape: ["N", 5] }],
        nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"] }],
      }),
    );
    const c = await run([img(0), "--models-dir", models, "--model", "MLP-Corrupt"]);
    expect(c.code).toBe(2);
    oneLine(c.stderr);
    expect(c.stderr).toContain(`${corrupt} is not a loadable ONNX model`);
    const s = await run([img(0), "--models-dir", models, "--model", "MLP-Shape"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`${shape} input x is float32 [N, 5]; expected float32 [N, 3]`);
    const m = await run([img(0), "--models-dir", models, "--model", "MLP-Missing"]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(
      join(models, "classification_models", "MLP", "Missing", "model.onnx"),
    );
    const d = await run([img(0), "--models-dir", join(dir, "no-such-dir")]);
    expect(d.stderr).toBe(
      `flakeops-detect: --models-dir ${join(dir, "no-such-dir")}: not a directory; accepted: a directory\n`,
    );
  });
});

describe("flakeops-detect calibrate", () => {
  it("fits a dictionary from synth masks that detects the same flakes", async () => {
    const gmmDir = join(dir, "cal-models", "classification_models", "GMM", "Cal");
    await mkdir(gmmDir, { recursive: true });
    const out = join(gmmDir, "contrast_dict.json");
    const r = await run(["calibrate", "--images", "synth", "--masks", "synth", "--out", out], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const present = [
      ...new Set(manifest.images.flatMap((i) => i.flakes.map((f) => f.layer))),
    ].sort();
    const dict = JSON.parse(await readFile(out, "utf8"));
    // Layer names default to the mask values 1..max; values no mask uses are left out.
    expect(Object.keys(dict)).toEqual(present);
    const absent = ["1", "2", "3", "4"].filter((l) => l <= present.at(-1)! && !present.includes(l));
    expect(r.stderr).toBe(
      absent.length > 0
        ? `flakeops-detect calibrate: no mask labels layer ${absent.join(", ")}; left out of the dictionary\n`
        : "",
    );
    expect(r.stdout).toContain(`wrote ${out}`);
    const d = await run([
      img(0),
      img(1),
      "--json",
      "--models-dir",
      join(dir, "cal-models"),
      "--model",
      "GMM-Cal",
    ]);
    expect(d.code).toBe(0);
    const doc = JSON.parse(d.stdout);
    doc.results.forEach((res: { flakes: { thickness: string }[] }, i: number) => {
      expect(layersOf(res.flakes)).toEqual(layersOf(manifest.images[i]!.flakes));
    });
  });

  it("requires its flags and says which", async () => {
    const r = await run(["calibrate", "--images", "synth"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("flakeops-detect calibrate needs --masks; accepted: --masks VALUE\n");
  });
});

describe("flakeops-detect bench", () => {
  it("--json: the contract's document, and --profile-out writes the sizing profile", async () => {
    const profile = join(dir, "profile.json");
    const r = await run(
      [
        "bench",
        "--images",
        "synth",
        "--runs",
        "1",
        "--workers",
        "1",
        "--json",
        "--profile-out",
        profile,
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).sort()).toEqual(
      [
        "decodeMs",
        "height",
        "imagesPerSecond",
        "images",
        "peakRssMB",
        "profile",
        "runs",
        "totalMs",
        "width",
        "workers",
      ].sort(),
    );
    expect(doc).toMatchObject({ images: 2, runs: 1, width: 320, height: 240, workers: 1 });
    expect(Object.keys(doc.decodeMs)).toEqual(["median", "p95"]);
    expect(doc.totalMs.median).toBeGreaterThanOrEqual(doc.decodeMs.median);
    const written = JSON.parse(await readFile(profile, "utf8"));
    expect(written).toEqual(doc.profile);
    expect(written).toMatchObject({
      kind: "flakeops-bench-profile/1",
      imageWidth: 320,
      imageHeight: 240,
      workers: 1,
    });
  });

  it("bad --runs and an empty --images directory exit 2", async () => {
    const r = await run(["bench", "--runs", "many"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'flakeops-detect: --runs "many" is not valid; accepted: an integer >= 1 and <= 10000\n',
    );
    await mkdir(join(dir, "empty"), { recursive: true });
    const e = await run(["bench", "--images", "empty"], { cwd: dir });
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(
      "flakeops-detect: --images empty: no image files in it; accepted: a directory holding JPEG, PNG, TIFF or WebP files\n",
    );
  });
});
