import type { Flake } from "../flake.js";
import { decodeRle } from "../io/rle.js";
import {
  type EvalDetection,
  type EvalImage,
  type ImageMatch,
  IOU_THRESHOLDS,
  matchImage,
  meanPrecision,
  precisionCurve,
} from "./coco-eval.js";

/**
 * `flakeops-detect evaluate`'s numbers: per layer TP/FP/FN, precision, recall and F1 at one
 * IoU (class-aware, the same greedy matching as COCOeval), COCO AP@[.5:.95] and AP50, and the
 * layer confusion matrix (class-agnostic matching at that IoU). The shape is CONTRACTS.md's;
 * f1, ap50 per layer and the confusion matrix are additions.
 */

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}
export interface LayerReport extends Counts {
  layer: string;
  /** COCO AP@[.5:.95]; -1 when the layer has no ground truth (pycocotools' convention). */
  ap: number;
  ap50: number;
}
export interface EvaluationReport {
  iou: number;
  overall: Counts & { ap: number; ap50: number };
  layers: LayerReport[];
  images: { image: string; tp: number; fp: number; fn: number }[];
  /** rows: ground-truth layer, then "none" (false positives); columns: detected layer, then "none" (misses). */
  confusion: { labels: string[]; matrix: number[][] };
}

/** Which instances of one image were hits, misses and false positives, at the report's IoU. */
export interface ImageMarks {
  hits: Int32Array[];
  misses: Int32Array[];
  falsePositives: Int32Array[];
}

/** A detected flake as an evaluation instance: its mask, layer and score 1 - P(false positive). */
export function detectionOf(flake: Flake): EvalDetection {
  return {
    pixels: maskPixels(decodeRle(flake.mask)),
    layer: flake.thickness,
    score: 1 - flake.false_positive_probability,
  };
}

export function maskPixels(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}

function counts(tp: number, fp: number, fn: number): Counts {
  // no detections (or no ground truth): 0 rather than NaN, as scikit-learn's zero_division=0
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** Tally one class-aware match at threshold index 0. */
function tally(m: ImageMatch): { tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  m.dts.forEach((_, di) => {
    if (m.dtIgnore[0]![di]) return;
    if (m.dtMatch[0]![di]! >= 0) tp++;
    else fp++;
  });
  m.gts.forEach((g, gi) => {
    if (!g.crowd && m.gtMatch[0]![gi]! < 0) fn++;
  });
  return { tp, fp, fn };
}

/**
 * Evaluate detections against ground truth. `layerOrder` lists the ground truth's layers
 * (its categories' order); layers only detected follow, sorted.
 */
export function evaluateInstances(
  images: readonly EvalImage[],
  iou: number,
  layerOrder: readonly string[] = [],
): { report: EvaluationReport; marks: ImageMarks[] } {
  const layers = [...layerOrder];
  const extra = new Set<string>();
  for (const im of images) {
    for (const x of [...im.gts, ...im.dts]) if (!layers.includes(x.layer)) extra.add(x.layer);
  }
  layers.push(...[...extra].sort());

  const marks: ImageMarks[] = images.map(() => ({ hits: [], misses: [], falsePositives: [] }));
  const perImage = images.map((im) => ({ image: im.image, tp: 0, fp: 0, fn: 0 }));
  const layerReports: LayerReport[] = [];
  const curves: (number[][] | null)[] = [];
  for (const layer of layers) {
    const cocoMatches: ImageMatch[] = [];
    let tp = 0;
    let fp = 0;
    let fn = 0;
    images.forEach((im, i) => {
      const gts = im.gts.filter((g) => g.layer === layer);
      const dts = im.dts.filter((d) => d.layer === layer);
      if (gts.length === 0 && dts.length === 0) return;
      cocoMatches.push(matchImage(gts, dts, IOU_THRESHOLDS));
      const at = matchImage(gts, dts, [iou]);
      const c = tally(at);
      tp += c.tp;
      fp += c.fp;
      fn += c.fn;
      perImage[i]!.tp += c.tp;
      perImage[i]!.fp += c.fp;
      perImage[i]!.fn += c.fn;
      at.gts.forEach((g, gi) => {
        if (g.crowd) return;
        (at.gtMatch[0]![gi]! >= 0 ? marks[i]!.hits : marks[i]!.misses).push(g.pixels);
      });
      at.dts.forEach((d, di) => {
        if (at.dtMatch[0]![di]! < 0) marks[i]!.falsePositives.push(d.pixels);
      });
    });
    const curve = precisionCurve(cocoMatches, IOU_THRESHOLDS);
    curves.push(curve);
    layerReports.push({
      layer,
      ...counts(tp, fp, fn),
      ap: meanPrecision([curve]),
      ap50: meanPrecision([curve], 0),
    });
  }
  const sum = (k: "tp" | "fp" | "fn") => layerReports.reduce((n, l) => n + l[k], 0);
  const report: EvaluationReport = {
    iou,
    overall: {
      ...counts(sum("tp"), sum("fp"), sum("fn")),
      ap: meanPrecision(curves),
      ap50: meanPrecision(curves, 0),
    },
    layers: layerReports,
    images: perImage,
    confusion: confusionMatrix(images, iou, layers),
  };
  return { report, marks };
}

/** Class-agnostic greedy matching at `iou`, tallied by (ground-truth layer, detected layer). */
export function confusionMatrix(
  images: readonly EvalImage[],
  iou: number,
  layers: readonly string[],
): { labels: string[]; matrix: number[][] } {
  const labels = [...layers, "none"];
  const none = layers.length;
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (const im of images) {
    const m = matchImage(im.gts, im.dts, [iou]);
    m.dts.forEach((d, di) => {
      const gi = m.dtMatch[0]![di]!;
      if (m.dtIgnore[0]![di]) return;
      const row = gi >= 0 ? layers.indexOf(m.gts[gi]!.layer) : none;
      matrix[row]![layers.indexOf(d.layer)]!++;
    });
    m.gts.forEach((g, gi) => {
      if (!g.crowd && m.gtMatch[0]![gi]! < 0) matrix[layers.indexOf(g.layer)]![none]!++;
    });
  }
  return { labels, matrix };
}
