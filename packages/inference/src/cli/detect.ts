import { mkdir, writeFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import {
  type CliIo,
  EXIT_OK,
  EXIT_UNEXPECTED,
  EXIT_USAGE,
  type FlagSpecs,
  helpText,
  numberFlag,
  parseFlags,
  stringFlag,
  UsageError,
  usageError,
} from "@flakeops/sizing/cli-kit";
import {
  DEFAULT_MIN_CLASS_OCCUPANCY,
  DEFAULT_SCORE_THRESHOLD,
  DEFAULT_SIZE_THRESHOLD,
  DEFAULT_STD_THRESHOLD,
  type DetectionResult,
  detectImage,
  DETECT_OPTION_RANGES as RANGE,
} from "../detect.js";
import { isInferenceError } from "../errors.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "../models/registry.js";
import { fixed, flakeTable } from "./format.js";
import { PROGRAM, readImageFile, requireDirectory } from "./io.js";
import { progress } from "./progress.js";

export const DETECT_FLAGS: FlagSpecs = {
  model: {
    type: "string",
    value: "ID",
    help: `classification model (default ${DEFAULT_MODEL_ID})`,
  },
  "segmentation-model": {
    type: "string",
    value: "ID",
    help: "M2F-<Name> or MRCNN-<Name> proposing instances",
  },
  "models-dir": { type: "string", value: "DIR", help: "MaskTerial-layout models directory" },
  "size-threshold": {
    type: "string",
    value: "N",
    help: `smallest flake in px (default ${DEFAULT_SIZE_THRESHOLD})`,
  },
  "std-threshold": {
    type: "string",
    value: "X",
    help: `Mahalanobis distance limit (default ${DEFAULT_STD_THRESHOLD})`,
  },
  "score-threshold": {
    type: "string",
    value: "X",
    help: `segmentation score limit 0-1 (default ${DEFAULT_SCORE_THRESHOLD})`,
  },
  "min-class-occupancy": {
    type: "string",
    value: "X",
    help: `segmentation majority share 0-1 (default ${DEFAULT_MIN_CLASS_OCCUPANCY})`,
  },
  json: { type: "boolean", help: 'one JSON document {"results": [...]} on stdout' },
  overlay: {
    type: "string",
    value: "OUT",
    help: "write overlay PNGs (a .png file for one image, else a directory)",
  },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} <image...> [--model ID] [--models-dir DIR] [--size-threshold N] [--std-threshold X] [--json] [--overlay OUT]
       ${PROGRAM} bench|synth|calibrate|evaluate --help`;

export function detectHelp(): string {
  return helpText(USAGE, DETECT_FLAGS);
}

interface Failure {
  image: string;
  code: string;
  message: string;
}

/** `flakeops-detect <image...>`: detect every image; a failing image never stops the others. */
export async function detectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, DETECT_FLAGS, PROGRAM);
  if (values.help) {
    io.stdout.write(detectHelp());
    return EXIT_OK;
  }
  if (positionals.length === 0) {
    throw usageError(`${PROGRAM}: no image given`, `${PROGRAM} <image...> [options] (see --help)`);
  }
  const cwd = io.cwd ?? process.cwd();
  const options = {
    model: stringFlag(values.model) ?? DEFAULT_MODEL_ID,
    segmentationModel: stringFlag(values["segmentation-model"]),
    sizeThreshold: numberFlag(values["size-threshold"], "size-threshold", RANGE.sizeThreshold),
    stdThreshold: numberFlag(values["std-threshold"], "std-threshold", RANGE.stdThreshold),
    scoreThreshold: numberFlag(values["score-threshold"], "score-threshold", RANGE.scoreThreshold),
    minClassOccupancy: numberFlag(
      values["min-class-occupancy"],
      "min-class-occupancy",
      RANGE.minClassOccupancy,
    ),
  };
  const modelsDir = stringFlag(values["models-dir"]);
  if (modelsDir !== undefined) await requireDirectory(resolve(cwd, modelsDir), "--models-dir");
  const registry = new ModelRegistry({
    modelsDir: modelsDir === undefined ? undefined : resolve(cwd, modelsDir),
  });
  // Load the models once up front: a bad model id is one error, not one per image.
  await registry.classifier(options.model);
  if (options.segmentationModel) await registry.segmenter(options.segmentationModel);

  const overlayOut = stringFlag(values.overlay);
  const overlayTarget =
    overlayOut === undefined
      ? undefined
      : await overlayPlan(resolve(cwd, overlayOut), positionals.length);

  const results: (DetectionResult & { image: string })[] = [];
  const failures: Failure[] = [];
  const bar = progress(io, positionals.length, "detect");
  const held: string[] = [];
  const heldErrors: string[] = [];
  let unexpected = false;
  for (const image of positionals) {
    try {
      const bytes = await readImageFile(resolve(cwd, image), image);
      const { overlay, ...result } = await detectImage(bytes, {
        ...options,
        registry,
        overlay: overlayTarget !== undefined,
      });
      results.push({ image, ...result });
      if (overlayTarget && overlay) await writeFile(overlayTarget(image), overlay);
      if (!values.json) {
        // Tables wait for the bar to finish, so they do not tear through it.
        const text = humanResult(image, result, options.model);
        if (bar.active) held.push(text);
        else io.stdout.write(text);
      }
    } catch (e) {
      const failure = describeFailure(image, e);
      if (failure.code === "UNEXPECTED") unexpected = true;
      failures.push(failure);
      const line = `${PROGRAM}: ${image}: ${failure.message}\n`;
      if (bar.active) heldErrors.push(line);
      else io.stderr.write(line);
    }
    bar.tick(basename(image));
  }
  bar.stop();
  for (const line of heldErrors) io.stderr.write(line);
  for (const text of held) io.stdout.write(text);
  if (values.json) {
    const doc: { results: unknown[]; errors?: Failure[] } = {
      results: results.map(({ image, width, height, model, background_bgr, flakes, timings }) => ({
        image,
        width,
        height,
        model,
        background_bgr,
        flakes,
        timings,
      })),
    };
    if (failures.length > 0) doc.errors = failures;
    io.stdout.write(`${JSON.stringify(doc)}\n`);
  }
  if (failures.length > 0 && positionals.length > 1) {
    io.stderr.write(
      `${PROGRAM}: ${failures.length} of ${positionals.length} images failed; the others were processed\n`,
    );
  }
  if (unexpected) return EXIT_UNEXPECTED;
  return failures.length > 0 ? EXIT_USAGE : EXIT_OK;
}

function humanResult(image: string, r: DetectionResult, model: string): string {
  const bg = r.background_bgr.map((v) => fixed(v, 1)).join(", ");
  const head =
    `${image}: ${r.width}x${r.height}, model ${model}, background BGR ${bg}, ` +
    `${r.flakes.length} flake${r.flakes.length === 1 ? "" : "s"} ` +
    `(decode ${fixed(r.timings.decode_ms, 1)} ms, detect ${fixed(r.timings.detect_ms, 1)} ms)\n`;
  return r.flakes.length > 0 ? `${head}${flakeTable(r.flakes)}\n` : head;
}

function describeFailure(image: string, e: unknown): Failure {
  if (isInferenceError(e)) return { image, code: e.code, message: e.message };
  if (e instanceof UsageError) return { image, code: "BAD_INPUT", message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { image, code: "UNEXPECTED", message: `unexpected error: ${message}` };
}

/** Where each image's overlay goes: OUT itself for one image named *.png, else OUT/<stem>.overlay.png. */
async function overlayPlan(out: string, count: number): Promise<(image: string) => string> {
  if (count === 1 && extname(out).toLowerCase() === ".png") return () => out;
  await mkdir(out, { recursive: true }).catch((e: Error) => {
    throw usageError(
      `--overlay ${out}: cannot create the directory (${e.message})`,
      "a .png file for one image, else a directory",
    );
  });
  const used = new Map<string, number>();
  return (image) => {
    const stem = basename(image, extname(image));
    const n = used.get(stem) ?? 0;
    used.set(stem, n + 1);
    return join(out, `${stem}${n === 0 ? "" : `-${n}`}.overlay.png`);
  };
}
