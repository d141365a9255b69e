import { mkdir, writeFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import {
  type CliIo,
  EXIT_OK,
  type FlagSpecs,
  helpText,
  numberFlag,
  parseFlags,
  requiredFlag,
  stringFlag,
  usageError,
} from "@flakeops/sizing/cli-kit";
import { DETECT_OPTION_RANGES, detectImage } from "../detect.js";
import { annotationMask } from "../io/coco.js";
import { drawMarks } from "../io/overlay.js";
import { DEFAULT_MODEL_ID, ModelRegistry } from "../models/registry.js";
import type { EvalImage } from "../tools/coco-eval.js";
import {
  detectionOf,
  type EvaluationReport,
  evaluateInstances,
  type ImageMarks,
  maskPixels,
} from "../tools/evaluate.js";
import { CATEGORY_MAP_HELP, loadCocoSet, readCocoImage } from "./coco-input.js";
import { DETECT_FLAGS } from "./detect.js";
import { fixed, keyValueTable } from "./format.js";
import { PROGRAM, readImageFile, requireDirectory } from "./io.js";
import { progress } from "./progress.js";

export const EVALUATE_FLAGS: FlagSpecs = {
  coco: { type: "string", value: "FILE", help: "ground truth: COCO annotations (polygons or RLE)" },
  images: { type: "string", value: "DIR", help: "the folder images[].file_name is relative to" },
  model: {
    type: "string",
    value: "ID",
    help: `classification model (default ${DEFAULT_MODEL_ID})`,
  },
  "models-dir": { type: "string", value: "DIR", help: "MaskTerial-layout models directory" },
  "category-map": { type: "string", value: "MAP", help: CATEGORY_MAP_HELP },
  iou: {
    type: "string",
    value: "X",
    help: "IoU for TP/FP/FN and the confusion matrix (default 0.5)",
  },
  "reject-bright-edges": DETECT_FLAGS["reject-bright-edges"]!,
  "max-fp-probability": DETECT_FLAGS["max-fp-probability"]!,
  json: { type: "boolean", help: "print the report as JSON" },
  report: { type: "string", value: "DIR", help: "write an overlay per image and index.html" },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} evaluate --coco FILE --images DIR [--model ID] [--models-dir DIR] [--iou 0.5] [--json] [--report DIR]
       [--reject-bright-edges] [--max-fp-probability X]

Detects every image of the COCO file and compares with its annotations: per layer TP, FP, FN,
precision, recall and F1 at --iou; COCO AP@[.5:.95] and AP50 as pycocotools computes them
(score = 1 - false_positive_probability); the layer confusion matrix.`;

/** Outline colours in --report overlays. */
const HIT: [number, number, number] = [0, 230, 118];
const MISS: [number, number, number] = [255, 23, 68];
const FALSE_POSITIVE: [number, number, number] = [255, 234, 0];

export async function evaluateCommand(argv: string[], io: CliIo): Promise<number> {
  const command = `${PROGRAM} evaluate`;
  const { values, positionals } = parseFlags(argv, EVALUATE_FLAGS, command);
  if (values.help) {
    io.stdout.write(helpText(USAGE, EVALUATE_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw usageError(
      `${command}: unexpected argument ${positionals[0]}`,
      "flags only (see --help)",
    );
  }
  const cwd = io.cwd ?? process.cwd();
  const need = (flag: string) => resolve(cwd, requiredFlag(values, flag, command));
  const cocoPath = need("coco");
  const imagesDir = need("images");
  const iou = numberFlag(values.iou, "iou", { min: 0, max: 1, exclusiveMin: true }) ?? 0.5;
  const model = stringFlag(values.model) ?? DEFAULT_MODEL_ID;
  const modelsDir = stringFlag(values["models-dir"]);
  if (modelsDir !== undefined) await requireDirectory(resolve(cwd, modelsDir), "--models-dir");
  const registry = new ModelRegistry({
    modelsDir: modelsDir === undefined ? undefined : resolve(cwd, modelsDir),
  });
  await registry.classifier(model);
  const filters = {
    rejectBrightEdges: values["reject-bright-edges"] === true,
    maxFpProbability: numberFlag(
      values["max-fp-probability"],
      "max-fp-probability",
      DETECT_OPTION_RANGES.maxFpProbability,
    ),
  };
  const set = await loadCocoSet(
    io,
    "evaluate",
    cocoPath,
    imagesDir,
    stringFlag(values["category-map"]),
  );

  const reportOut = stringFlag(values.report);
  const reportDir = reportOut === undefined ? undefined : resolve(cwd, reportOut);
  const bar = progress(io, set.entries.length, "evaluate");
  const images: EvalImage[] = [];
  for (const entry of set.entries) {
    await readCocoImage(entry); // decodes and checks the size the annotations assume
    const bytes = await readImageFile(entry.path, entry.image.file_name);
    const result = await detectImage(bytes, { model, registry, ...filters });
    images.push({
      image: entry.image.file_name,
      gts: entry.annotations.map((ann) => ({
        pixels: maskPixels(annotationMask(ann, entry.image)),
        layer: set.layers.get(ann.category_id)!,
        crowd: ann.iscrowd === 1,
      })),
      dts: result.flakes.map(detectionOf),
    });
    bar.tick(entry.image.file_name);
  }
  bar.stop();
  const { report, marks } = evaluateInstances(images, iou, set.layerNames);
  if (reportDir) await writeReport(reportDir, set.entries, report, marks);
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : humanReport(report, reportDir));
  return EXIT_OK;
}

function humanReport(r: EvaluationReport, reportDir: string | undefined): string {
  const p = (v: number) => (v < 0 ? "n/a" : fixed(v, 3));
  const lines = [
    `IoU ${r.iou}: TP ${r.overall.tp}, FP ${r.overall.fp}, FN ${r.overall.fn}; precision ${p(r.overall.precision)}, recall ${p(r.overall.recall)}, F1 ${p(r.overall.f1)}; AP ${p(r.overall.ap)}, AP50 ${p(r.overall.ap50)}`,
    keyValueTable(
      r.layers.map((l) => [
        `layer ${l.layer}`,
        `TP ${l.tp} FP ${l.fp} FN ${l.fn}  P ${p(l.precision)} R ${p(l.recall)} F1 ${p(l.f1)}  AP ${p(l.ap)} AP50 ${p(l.ap50)}`,
      ]),
    ),
    `confusion (rows: annotated, columns: detected): ${r.confusion.labels.join(" ")}`,
    ...r.confusion.matrix.map((row, i) => `  ${r.confusion.labels[i]}: ${row.join(" ")}`),
  ];
  if (reportDir) lines.push(`report: ${join(reportDir, "index.html")}`);
  return `${lines.join("\n")}\n`;
}

async function writeReport(
  dir: string,
  entries: Awaited<ReturnType<typeof loadCocoSet>>["entries"],
  report: EvaluationReport,
  marks: ImageMarks[],
): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw usageError(
      `--report ${dir}: cannot create the directory (${e.message})`,
      "a writable directory",
    );
  });
  const rows: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const m = marks[i]!;
    const file = `${String(i).padStart(4, "0")}-${basename(entry.image.file_name, extname(entry.image.file_name))}.png`;
    const png = await drawMarks(await readCocoImage(entry), [
      { color: HIT, masks: m.hits },
      { color: MISS, masks: m.misses },
      { color: FALSE_POSITIVE, masks: m.falsePositives },
    ]);
    await writeFile(join(dir, file), png);
    const c = report.images[i]!;
    rows.push(
      `<tr><td>${escapeHtml(entry.image.file_name)}</td><td>${c.tp}</td><td>${c.fp}</td><td>${c.fn}</td><td><a href="${file}"><img src="${file}" width="320"></a></td></tr>`,
    );
  }
  const o = report.overall;
  const html = `<!doctype html><meta charset="utf-8"><title>flakeops-detect evaluate</title>
<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ccc}</style>
<h1>Evaluation at IoU ${report.iou}</h1>
<p>TP ${o.tp}, FP ${o.fp}, FN ${o.fn}; precision ${fixed(o.precision, 3)}, recall ${fixed(o.recall, 3)}, F1 ${fixed(o.f1, 3)}; AP ${fixed(o.ap, 3)}, AP50 ${fixed(o.ap50, 3)}</p>
<p>Outlines: <b style="color:rgb(${HIT})">hit</b> (annotation found), <b style="color:rgb(${MISS})">miss</b> (annotation not found), <b style="color:rgb(${FALSE_POSITIVE});background:#444">false positive</b> (detection matching no annotation).</p>
<table><tr><th>image</th><th>TP</th><th>FP</th><th>FN</th><th>overlay</th></tr>
${rows.join("\n")}
</table>
`;
  await writeFile(join(dir, "index.html"), html);
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
