import { readdir, readFile, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import {
  type CliIo,
  EXIT_OK,
  type FlagSpecs,
  type FlagValues,
  helpText,
  parseFlags,
  requiredFlag,
  stringFlag,
  UsageError,
  usageError,
} from "@flakeops/sizing/cli-kit";
import sharp from "sharp";
import { isInferenceError } from "../errors.js";
import { annotationMask } from "../io/coco.js";
import { decodeImage } from "../io/decode.js";
import {
  CalibrationAccumulator,
  type CalibrationResult,
  type CalibrationSample,
  calibrateDetailed,
} from "../tools/calibrate.js";
import { CATEGORY_MAP_HELP, loadCocoSet, readCocoImage } from "./coco-input.js";
import { fixed } from "./format.js";
import { isImageFileName, PROGRAM, readImageFile, requireDirectory } from "./io.js";
import { progress } from "./progress.js";

export const CALIBRATE_FLAGS: FlagSpecs = {
  images: { type: "string", value: "DIR", help: "labelled images (JPEG, PNG, TIFF, WebP)" },
  masks: { type: "string", value: "DIR", help: "masks: <image stem>.png or <image stem>.mask.png" },
  coco: {
    type: "string",
    value: "FILE",
    help: "COCO annotations (polygons or RLE) instead of --masks",
  },
  "category-map": { type: "string", value: "MAP", help: CATEGORY_MAP_HELP },
  out: { type: "string", value: "FILE", help: "where to write contrast_dict.json" },
  layers: {
    type: "string",
    value: "A,B,..",
    help: "layer names for mask values 1, 2, ... (default 1, 2, ...); with --coco, the layers to fit (default every category's)",
  },
  json: { type: "boolean", help: "print {dictionary, layers} as JSON" },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} calibrate --images DIR --masks DIR --out contrast_dict.json [--layers 1,2,3]
       ${PROGRAM} calibrate --coco annotations.json --images DIR --out contrast_dict.json [--layers 1,2] [--category-map MAP]

Each mask is an 8-bit grayscale PNG of the image's size whose pixel value is the layer index:
0 = background (ignored), k = the k-th layer name. Fits each layer's mean contrast and
covariance as the detector computes contrast (5x5 median, background from the histogram
mode), from the masks eroded by a radius-2 disk; writes a GMM contrast dictionary that
models/classification_models/GMM/<Name>/contrast_dict.json accepts. With --coco, each
annotation's category is its layer; images missing from --images and annotations of unknown
categories are reported and skipped.`;

export async function calibrateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, CALIBRATE_FLAGS, `${PROGRAM} calibrate`);
  if (values.help) {
    io.stdout.write(helpText(USAGE, CALIBRATE_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw usageError(
      `${PROGRAM} calibrate: unexpected argument ${positionals[0]}`,
      "flags only (see --help)",
    );
  }
  const cwd = io.cwd ?? process.cwd();
  const need = (flag: string) => resolve(cwd, requiredFlag(values, flag, `${PROGRAM} calibrate`));
  const imagesDir = need("images");
  const cocoFlag = stringFlag(values.coco);
  const masksDir = cocoFlag === undefined ? need("masks") : undefined;
  const out = need("out");
  const layerList = stringFlag(values.layers);
  if (cocoFlag !== undefined && values.masks !== undefined) {
    throw usageError(`${PROGRAM} calibrate: --coco and --masks both given`, "one of them");
  }
  const result =
    cocoFlag !== undefined
      ? await cocoCalibration(io, resolve(cwd, cocoFlag), imagesDir, layerList, values)
      : await maskCalibration(io, imagesDir, masksDir!, layerList);
  if (result.skipped.length > 0) {
    io.stderr.write(
      `${PROGRAM} calibrate: no ${cocoFlag !== undefined ? "annotation" : "mask"} labels layer ${result.skipped.join(", ")}; left out of the dictionary\n`,
    );
  }
  await writeFile(out, `${JSON.stringify(result.dictionary, null, 2)}\n`).catch((e: Error) => {
    throw usageError(`--out ${out}: cannot write (${e.message})`, "a writable file path");
  });
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ dictionary: result.dictionary, layers: result.layers })}\n`,
    );
  } else {
    for (const l of result.layers) {
      const c = result.dictionary[l.name]!.contrast;
      io.stdout.write(
        `layer ${l.name}: contrast b,g,r ${fixed(c.b, 4)}, ${fixed(c.g, 4)}, ${fixed(c.r, 4)} from ${l.pixels} px in ${l.images} image${l.images === 1 ? "" : "s"}\n`,
      );
    }
    io.stdout.write(`wrote ${out}\n`);
  }
  return EXIT_OK;
}

// With names derived from the data (not --layers), a layer without pixels is left out, not fatal.

async function maskCalibration(
  io: CliIo,
  imagesDir: string,
  masksDir: string,
  layerList: string | undefined,
): Promise<CalibrationResult> {
  await requireDirectory(imagesDir, "--images");
  await requireDirectory(masksDir, "--masks");

  const maskFiles = new Set(await readdir(masksDir));
  const pairs: { image: string; mask: string }[] = [];
  for (const name of (await readdir(imagesDir)).sort()) {
    if (!isImageFileName(name)) continue;
    const stem = name.slice(0, name.length - extname(name).length);
    const mask = [`${stem}.mask.png`, `${stem}.png`].find(
      (m) => maskFiles.has(m) && !(masksDir === imagesDir && m === name),
    );
    if (mask) pairs.push({ image: join(imagesDir, name), mask: join(masksDir, mask) });
    else
      io.stderr.write(
        `${PROGRAM} calibrate: ${name}: no mask ${stem}.mask.png or ${stem}.png; skipped\n`,
      );
  }
  if (pairs.length === 0) {
    throw usageError(
      `${PROGRAM} calibrate: no image in ${imagesDir} has a mask in ${masksDir}`,
      "masks named <image stem>.mask.png or <image stem>.png",
    );
  }

  const bar = progress(io, pairs.length, "calibrate");
  const samples: CalibrationSample[] = [];
  let maxLabel = 0;
  for (const pair of pairs) {
    const image = await decodeImage(await readImageFile(pair.image, pair.image)).catch(
      (e: unknown) => {
        throw isInferenceError(e) ? new UsageError(`${pair.image}: ${e.message}`) : e;
      },
    );
    const labels = await readMask(pair.mask, image.width, image.height);
    for (const v of labels) if (v > maxLabel) maxLabel = v;
    samples.push({ image, labels, name: pair.mask });
    bar.tick(pair.image);
  }
  bar.stop();
  const layerNames = layerList
    ? layerList.split(",").map((s) => s.trim())
    : Array.from({ length: maxLabel }, (_, i) => String(i + 1));
  if (layerNames.length === 0 || layerNames.some((n) => n === "")) {
    throw layerList
      ? usageError(
          `--layers ${JSON.stringify(layerList)} is not valid`,
          "comma-separated non-empty names",
        )
      : usageError(
          `${PROGRAM} calibrate: every mask is empty (all 0)`,
          "masks labelling flakes with values 1, 2, ...",
        );
  }
  return calibrateDetailed(samples, layerNames, { skipMissing: !layerList });
}

/** Each image is decoded, added to the sums and dropped: one image in memory at a time. */
async function cocoCalibration(
  io: CliIo,
  cocoPath: string,
  imagesDir: string,
  layerList: string | undefined,
  values: FlagValues,
): Promise<CalibrationResult> {
  const set = await loadCocoSet(
    io,
    "calibrate",
    cocoPath,
    imagesDir,
    stringFlag(values["category-map"]),
  );
  const layerNames = layerList ? layerList.split(",").map((s) => s.trim()) : set.layerNames;
  if (layerNames.length === 0 || layerNames.some((n) => n === "")) {
    throw usageError(
      `--layers ${JSON.stringify(layerList)} is not valid`,
      "comma-separated non-empty names",
    );
  }
  const fit = new CalibrationAccumulator(layerNames, { skipMissing: !layerList });
  const bar = progress(io, set.entries.length, "calibrate");
  for (const entry of set.entries) {
    const image = await readCocoImage(entry);
    const labels = new Uint8Array(image.width * image.height);
    for (const ann of entry.annotations) {
      const k = layerNames.indexOf(set.layers.get(ann.category_id)!);
      if (k < 0) continue; // a layer --layers does not ask for
      const mask = annotationMask(ann, entry.image);
      for (let p = 0; p < mask.length; p++) if (mask[p]) labels[p] = k + 1;
    }
    fit.add({ image, labels, name: entry.image.file_name });
    bar.tick(entry.image.file_name);
  }
  bar.stop();
  return fit.fit();
}

/** An 8-bit grayscale PNG mask as labels (first channel if it has more). */
async function readMask(path: string, width: number, height: number): Promise<Uint8Array> {
  const bytes = await readFile(path);
  let raw: { data: Buffer; info: { width: number; height: number } };
  try {
    raw = await sharp(bytes)
      .extractChannel(0)
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw usageError(
      `${path}: not a readable PNG mask (${(e as Error).message.split("\n")[0]})`,
      "an 8-bit grayscale PNG",
    );
  }
  if (raw.info.width !== width || raw.info.height !== height) {
    throw usageError(
      `${path}: the mask is ${raw.info.width}x${raw.info.height}, its image ${width}x${height}`,
      "a mask of its image's size",
    );
  }
  return new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
}
