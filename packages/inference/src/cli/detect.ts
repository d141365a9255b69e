import { mkdir, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
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
import { CSV_COLUMNS } from "../io/flake-csv.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "../models/registry.js";
import { DetectorPool } from "../pool/pool.js";
import {
  type BatchFormat,
  type BatchRecord,
  csvRows,
  doneImages,
  expandInputs,
  fileSink,
  jsonLine,
  stdoutSink,
} from "./batch.js";
import { fixed, flakeTable } from "./format.js";
import { IMAGE_EXTS, PROGRAM, readImageFile, requireDirectory } from "./io.js";
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
  "reject-bright-edges": {
    type: "boolean",
    help: "drop thin rims along regions much brighter than the substrate (bulk-crystal halos)",
  },
  "max-fp-probability": {
    type: "string",
    value: "X",
    help: "drop flakes whose false_positive_probability is above X (0-1)",
  },
  explain: {
    type: "boolean",
    help: 'with JSON output, list dropped flakes under "rejected" with "rejected_by"',
  },
  json: { type: "boolean", help: 'one JSON document {"results": [...]} on stdout' },
  jsonl: { type: "boolean", help: "stream one JSON line per image as it finishes" },
  csv: { type: "boolean", help: "stream one CSV row per flake" },
  out: { type: "string", value: "FILE", help: "write --jsonl or --csv here instead of stdout" },
  resume: { type: "boolean", help: "skip images already in --out (failed ones run again)" },
  workers: {
    type: "string",
    value: "N",
    help: "detector threads for many images (default: every core)",
  },
  overlay: {
    type: "string",
    value: "OUT",
    help: "write overlay PNGs (a .png file for one image, else a directory)",
  },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} <image|dir...> [--model ID] [--models-dir DIR] [--size-threshold N] [--std-threshold X] [--json] [--overlay OUT]
       ${PROGRAM} <image|dir...> --jsonl|--csv [--out FILE [--resume]] [--workers N]
       ${PROGRAM} bench|synth|calibrate|evaluate --help`;

export function detectHelp(): string {
  return helpText(USAGE, DETECT_FLAGS);
}

interface Failure {
  image: string;
  code: string;
  message: string;
}

/**
 * `flakeops-detect <image|dir...>`: detect every image (directories recursively); many images
 * run on a worker per core; a failing image never stops the others.
 */
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
    maxFpProbability: numberFlag(
      values["max-fp-probability"],
      "max-fp-probability",
      RANGE.maxFpProbability,
    ),
    rejectBrightEdges: values["reject-bright-edges"] === true,
    explainRejections: values.explain === true,
  };
  const modelsDir = stringFlag(values["models-dir"]);
  if (modelsDir !== undefined) await requireDirectory(resolve(cwd, modelsDir), "--models-dir");
  const registry = new ModelRegistry({
    modelsDir: modelsDir === undefined ? undefined : resolve(cwd, modelsDir),
  });
  // Load the models once up front: a bad model id is one error, not one per image.
  await registry.classifier(options.model);
  if (options.segmentationModel) await registry.segmenter(options.segmentationModel);

  const images = await expandInputs(positionals, cwd);
  if (images.length === 0) {
    throw usageError(
      `${PROGRAM}: no image files in ${positionals.join(", ")}`,
      `files ending in ${[...IMAGE_EXTS].join(", ")}`,
    );
  }
  const format: BatchFormat | undefined = values.jsonl ? "jsonl" : values.csv ? "csv" : undefined;
  if (values.jsonl && values.csv) throw usageError("--jsonl and --csv both given", "one of them");
  if (format && values.json) throw usageError(`--json and --${format} both given`, "one of them");
  const outFlag = stringFlag(values.out);
  if (outFlag !== undefined && !format)
    throw usageError("--out needs --jsonl or --csv", "--jsonl --out FILE or --csv --out FILE");
  if (values.resume && outFlag === undefined) {
    throw usageError("--resume needs --out FILE", "the output file of the run to resume");
  }
  const outPath = outFlag === undefined ? undefined : resolve(cwd, outFlag);
  const done =
    values.resume && outPath && format ? await doneImages(outPath, format) : new Set<string>();
  const todo = images.filter((image) => !done.has(image));
  if (done.size > 0)
    io.stderr.write(
      `${PROGRAM}: --resume: ${images.length - todo.length} images already in ${outFlag}; skipped\n`,
    );

  const overlayOut = stringFlag(values.overlay);
  const overlayTarget =
    overlayOut === undefined ? undefined : await overlayPlan(resolve(cwd, overlayOut), todo.length);
  const workers =
    numberFlag(values.workers, "workers", { min: 1, max: 1024, integer: true }) ??
    availableParallelism();
  // One image runs here (the single-image path); more go to a worker per core.
  const pool =
    todo.length > 1
      ? new DetectorPool({
          workers: Math.min(workers, todo.length),
          modelsDir: modelsDir === undefined ? undefined : resolve(cwd, modelsDir),
        })
      : undefined;
  const detectOptions = { ...options, overlay: overlayTarget !== undefined };
  const detectOne = async (image: string): Promise<DetectionResult> => {
    const bytes = await readImageFile(resolve(cwd, image), image);
    return pool
      ? pool.run(bytes, detectOptions)
      : detectImage(bytes, { ...detectOptions, registry });
  };

  const failures: Failure[] = [];
  let unexpected = false;
  const bar = progress(io, todo.length, "detect");
  const sink = format
    ? outPath
      ? await fileSink(outPath, Boolean(values.resume))
      : stdoutSink(io)
    : undefined;
  if (format === "csv" && (!outPath || !values.resume || !(await hasContent(outPath)))) {
    await sink!.write(`${CSV_COLUMNS.join(",")}\n`);
  }
  // human and --json output keep the input order; --jsonl and --csv stream as images finish
  const ordered: (BatchRecord | undefined)[] = format ? [] : new Array(todo.length);
  const heldErrors: string[] = [];
  try {
    await runBounded(todo.length, pool ? Math.min(workers, todo.length) * 2 : 1, async (i) => {
      const image = todo[i]!;
      let record: BatchRecord;
      try {
        const { overlay, ...result } = await detectOne(image);
        if (overlayTarget && overlay) await writeFile(overlayTarget(image), overlay);
        record = { image, result };
      } catch (e) {
        const failure = describeFailure(image, e);
        if (failure.code === "UNEXPECTED" || failure.code === "INTERNAL") unexpected = true;
        failures.push(failure);
        const line = `${PROGRAM}: ${image}: ${failure.message}\n`;
        if (bar.active) heldErrors.push(line);
        else io.stderr.write(line);
        record = { image, error: { code: failure.code, message: failure.message } };
      }
      if (sink) await sink.write(format === "csv" ? csvRows(record) : jsonLine(record));
      else ordered[i] = record;
      bar.tick(basename(image));
    });
  } finally {
    bar.stop();
    await sink?.close();
    await pool?.close();
  }
  for (const line of heldErrors) io.stderr.write(line);
  if (!format)
    writeCollected(io, ordered as BatchRecord[], Boolean(values.json), options.model, failures);
  if (failures.length > 0 && todo.length > 1) {
    io.stderr.write(
      `${PROGRAM}: ${failures.length} of ${todo.length} images failed; the others were processed\n`,
    );
  }
  if (unexpected) return EXIT_UNEXPECTED;
  return failures.length > 0 ? EXIT_USAGE : EXIT_OK;
}

/** Human tables or the one --json document, in input order. */
function writeCollected(
  io: CliIo,
  records: readonly BatchRecord[],
  json: boolean,
  model: string,
  failures: readonly Failure[],
): void {
  if (!json) {
    for (const r of records)
      if ("result" in r) io.stdout.write(humanResult(r.image, r.result, model));
    return;
  }
  const doc: { results: unknown[]; errors?: Failure[] } = {
    results: records.flatMap((r) => {
      if (!("result" in r)) return [];
      const { width, height, model, background_bgr, flakes, rejected, timings } = r.result;
      return [{ image: r.image, width, height, model, background_bgr, flakes, rejected, timings }];
    }),
  };
  if (failures.length > 0) doc.errors = [...failures];
  io.stdout.write(`${JSON.stringify(doc)}\n`);
}

/** Run task(0..count-1) with at most `limit` at a time. */
async function runBounded(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

async function hasContent(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return (s?.size ?? 0) > 0;
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
