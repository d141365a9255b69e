import { readdir, readFile, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import sharp from "sharp";
import { isInferenceError } from "../errors.js";
import { decodeImage } from "../io/decode.js";
import { type CalibrationSample, calibrateDetailed } from "../tools/calibrate.js";
import { type FlagSpecs, helpText, parseFlags, stringFlag } from "./args.js";
import { readImageFile, requireDirectory } from "./detect.js";
import { fixed } from "./format.js";
import { type CliIo, EXIT_OK, PROGRAM, UsageError } from "./io.js";
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

const IMAGE_EXTS = new Set([".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"]);

export async function calibrateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, CALIBRATE_FLAGS, `${PROGRAM} calibrate`);
  if (values.help) {
    io.stdout.write(helpText(USAGE, CALIBRATE_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(`${PROGRAM} calibrate: unexpected argument ${positionals[0]}; see --help`);
  }
  const cwd = io.cwd ?? process.cwd();
  const need = (flag: string) => {
    const v = stringFlag(values[flag]);
    if (!v) throw new UsageError(`${PROGRAM} calibrate: --${flag} is required (see --help)`);
    return resolve(cwd, v);
  };
  const imagesDir = need("images");
  const masksDir = need("masks");
  const out = need("out");
  await requireDirectory(imagesDir, "--images");
  await requireDirectory(masksDir, "--masks");

  const maskFiles = new Set(await readdir(masksDir));
  const pairs: { image: string; mask: string }[] = [];
  for (const name of (await readdir(imagesDir)).sort()) {
    if (!IMAGE_EXTS.has(extname(name).toLowerCase()) || name.toLowerCase().endsWith(".mask.png"))
      continue;
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
    throw new UsageError(
      `${PROGRAM} calibrate: no image in ${imagesDir} has a mask in ${masksDir}`,
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
    throw new UsageError(
      layerList
        ? `--layers ${JSON.stringify(layerList)}: expected comma-separated non-empty names`
        : `${PROGRAM} calibrate: every mask is empty (all 0); label flakes with values 1, 2, ...`,
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
    throw new UsageError(`--out ${out}: cannot write (${e.message})`);
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
    throw new UsageError(
      `${path}: not a readable PNG mask (${(e as Error).message.split("\n")[0]})`,
    );
  }
  if (raw.info.width !== width || raw.info.height !== height) {
    throw new UsageError(
      `${path}: the mask is ${raw.info.width}x${raw.info.height}; its image is ${width}x${height}`,
    );
  }
  return new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
}
