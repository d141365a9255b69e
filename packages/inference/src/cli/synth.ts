import { join, resolve } from "node:path";
import {
  type CliIo,
  choiceFlag,
  EXIT_OK,
  type FlagSpecs,
  helpText,
  numberFlag,
  parseFlags,
  readTextFile,
  requiredFlag,
  stringFlag,
  usageError,
} from "@flakeops/sizing/cli-kit";
import type { ImageFormat } from "../io/image-files.js";
import { parseContrastDict } from "../models/gmm/contrast-dict.js";
import type { SynthDictionary } from "../tools/synth.js";
import { writeSynthSet } from "../tools/synth-io.js";
import { PROGRAM } from "./io.js";
import { progress } from "./progress.js";

export const SYNTH_FLAGS: FlagSpecs = {
  out: { type: "string", value: "DIR", help: "output directory (created)" },
  count: { type: "string", value: "N", help: "number of images (default 8)" },
  seed: {
    type: "string",
    value: "S",
    help: "seed; the same seed gives the same files (default 1)",
  },
  width: { type: "string", value: "W", help: "image width in px (default 1920)" },
  height: { type: "string", value: "H", help: "image height in px (default 1200)" },
  format: { type: "string", value: "png|jpg", help: "image format (default png, lossless)" },
  dictionary: {
    type: "string",
    value: "FILE",
    help: "contrast_dict.json to draw layers from (default graphene)",
  },
  halos: {
    type: "string",
    value: "N",
    help: "bright bulk crystals with halo fringes per image, not flakes (default 0)",
  },
  json: { type: "boolean", help: "print the manifest as JSON" },
  help: { type: "boolean", help: "show this help" },
};

const FORMATS: readonly ImageFormat[] = ["png", "jpg"];

const USAGE = `usage: ${PROGRAM} synth --out DIR [--count N] [--seed S] [--width W] [--height H] [--format png|jpg] [--halos N]

Writes synth-NNNN.<png|jpg> images, synth-NNNN.mask.png ground-truth masks (8-bit gray,
pixel value = layer index, 0 = background; the format calibrate reads), manifest.json
(layer names, per-image background and flakes with polygons, bboxes, sizes, contrasts) and
annotations.json (the same ground truth as COCO, for calibrate --coco and evaluate).`;

export async function synthCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, SYNTH_FLAGS, `${PROGRAM} synth`);
  if (values.help) {
    io.stdout.write(helpText(USAGE, SYNTH_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw usageError(
      `${PROGRAM} synth: unexpected argument ${positionals[0]}`,
      "flags only (see --help)",
    );
  }
  const out = requiredFlag(values, "out", `${PROGRAM} synth`);
  const format: ImageFormat = choiceFlag(values.format, "format", FORMATS) ?? "png";
  const cwd = io.cwd ?? process.cwd();
  const dictFile = stringFlag(values.dictionary);
  let dictionary: SynthDictionary | undefined;
  if (dictFile) {
    const text = readTextFile(io, dictFile, "--dictionary");
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw usageError(`--dictionary ${dictFile}: not valid JSON`, "a contrast_dict.json file");
    }
    parseContrastDict(raw, `--dictionary ${dictFile}`); // the registry's validator
    dictionary = raw as SynthDictionary;
  }
  const count = numberFlag(values.count, "count", { min: 1, max: 10_000, integer: true }) ?? 8;
  const bar = progress(io, count, "synth");
  const manifest = await writeSynthSet({
    out: resolve(cwd, out),
    count,
    seed: numberFlag(values.seed, "seed", { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 1,
    width: numberFlag(values.width, "width", { min: 16, max: 8192, integer: true }) ?? 1920,
    height: numberFlag(values.height, "height", { min: 16, max: 8192, integer: true }) ?? 1200,
    format,
    dictionary,
    halos: numberFlag(values.halos, "halos", { min: 0, max: 100, integer: true }),
    onImage: (done) => bar.tick(`${done}/${count}`),
  });
  bar.stop();
  if (values.json) {
    io.stdout.write(`${JSON.stringify(manifest)}\n`);
  } else {
    const flakes = manifest.images.reduce((n, i) => n + i.flakes.length, 0);
    io.stdout.write(
      `wrote ${manifest.images.length} images with ${flakes} flakes (layers ${manifest.layerNames.join(", ")}) to ${join(out)}\n`,
    );
  }
  return EXIT_OK;
}
