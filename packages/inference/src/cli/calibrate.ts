import { readdir, readFile, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import {
  type CliIo,
  EXIT_OK,
  type FlagSpecs,
  helpText,
  parseFlags,
  requiredFlag,
  stringFlag,
  UsageError,
  usageError,
} from "@flakeops/sizing/cli-kit";
import sharp from "sharp";
import { isInferenceError } from "../errors.js";
import { decodeImage } from "../io/decode.js";
import { type CalibrationSample, calibrateDetailed } from "../tools/calibrate.js";
import { fixed } from "./format.js";
import { isImageFileName, PROGRAM, readImageFile, requireDirectory } from "./io.js";
import { progress } from "./progress.js";

export const CALIBRATE_FLAGS: FlagSpecs = {
  images: { type: "string", value: "DIR", help: "labelled images (JPEG, PNG, TIFF, WebP)" },
  masks: { type: "string", value: "DIR", help: "masks: <image stem>.png or <image stem>.mask.png" },
  out: { type: "string", value: "FILE", help: "where to write contrast_dict.json" },
  layers: {
    type: "string",
    value: "A,B,..",
    help: "layer names for mask values 1, 2, ... (default 1, 2, ...)",
  },
  json: { type: "boolean", help: "print {dictionary, layers} as JSON" },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} calibrate --images DIR --masks DIR --out contrast_dict.json [--layers 1,2,3]

Each mask is an 8-bit grayscale PNG of the image's size whose pixel value is the layer index:
0 = background (ignored), k = the k-th layer name. Fits each layer's mean contrast and
covariance as the detector computes contrast (5x5 median, background from the histogram
mode), from the masks eroded by a radius-2 disk; writes a GMM contrast dictionary that
models/classification_models/GMM/<Name>/contrast_dict.json accepts.`;

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
  const masksDir = need("masks");
  const out = need("out");
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
  const layerList = stringFlag(values.layers);
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
  // With derived names (1..max), a layer no mask uses is left out rather than fatal.
  const result = calibrateDetailed(samples, layerNames, { skipMissing: !layerList });
  if (result.skipped.length > 0) {
    io.stderr.write(
      `${PROGRAM} calibrate: no mask labels layer ${result.skipped.join(", ")}; left out of the dictionary\n`,
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
