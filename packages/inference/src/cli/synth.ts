import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ImageFormat } from "../io/image-files.js";
import { parseContrastDict } from "../models/gmm/contrast-dict.js";
import type { SynthDictionary } from "../tools/synth.js";
import { writeSynthSet } from "../tools/synth-io.js";
import { type FlagSpecs, helpText, numberFlag, parseFlags, stringFlag } from "./args.js";
import { type CliIo, EXIT_OK, PROGRAM, UsageError } from "./io.js";
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
  json: { type: "boolean", help: "print the manifest as JSON" },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} synth --out DIR [--count N] [--seed S] [--width W] [--height H] [--format png|jpg]

Writes synth-NNNN.<png|jpg> images, synth-NNNN.mask.png ground-truth masks (8-bit gray,
pixel value = layer index, 0 = background; the format calibrate reads) and manifest.json
(layer names, per-image background and flakes with polygons, bboxes, sizes, contrasts).`;

export async function synthCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, SYNTH_FLAGS, `${PROGRAM} synth`);
  if (values.help) {
    io.stdout.write(helpText(USAGE, SYNTH_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(`${PROGRAM} synth: unexpected argument ${positionals[0]}; see --help`);
  }
  const out = stringFlag(values.out);
  if (!out) throw new UsageError(`${PROGRAM} synth: --out DIR is required`);
  const format = stringFlag(values.format) ?? "png";
  if (format !== "png" && format !== "jpg") {
    throw new UsageError(`--format ${JSON.stringify(format)} is not valid; expected png or jpg`);
  }
  const cwd = io.cwd ?? process.cwd();
  const dictFile = stringFlag(values.dictionary);
  let dictionary: SynthDictionary | undefined;
  if (dictFile) {
    const path = resolve(cwd, dictFile);
    const text = await readFile(path, "utf8").catch(() => {
      throw new UsageError(`--dictionary ${dictFile}: cannot read the file`);
    });
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new UsageError(`--dictionary ${dictFile}: not valid JSON`);
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
    format: format as ImageFormat,
    dictionary,
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
