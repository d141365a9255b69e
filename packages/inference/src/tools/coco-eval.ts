/**
 * Instance-segmentation quality as pycocotools' COCOeval (iouType "segm") computes it, ported
 * from cocodataset/cocoapi PythonAPI/pycocotools/cocoeval.py (evaluateImg, accumulate,
 * summarize) for areaRng "all" and maxDets 100:
 * - per image and category, detections sorted by score (stable), the first 100 kept; each in
 *   turn takes the still-unmatched ground truth of highest IoU >= t (crowd regions last, and a
 *   detection on a crowd region is ignored rather than false);
 * - per category and IoU threshold t in .50:.05:.95, the detections of all images sorted by
 *   score (stable), precision made monotone from the right, then read at the 101 recall
 *   thresholds 0:.01:1 with searchsorted(side="left") (0 past the highest recall);
 * - AP = the mean of those precisions over thresholds and categories that have ground truth
 *   (-1 when none has); AP50 the same at t = .5 alone.
 * A mask is its pixels' sorted row-major indices; IoU is intersection over union (over the
 * detection's area for a crowd region, as maskApi.c rleIou does).
 */

export interface EvalInstance {
  /** Sorted row-major pixel indices. */
  pixels: Int32Array;
  layer: string;
}
export interface EvalDetection extends EvalInstance {
  score: number;
}
export interface EvalGroundTruth extends EvalInstance {
  crowd?: boolean;
}
export interface EvalImage {
  image: string;
  gts: EvalGroundTruth[];
  dts: EvalDetection[];
}

export const MAX_DETS = 100;
/** np.linspace(.5, .95, 10) and np.linspace(0, 1, 101), computed as numpy does. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
export const RECALL_THRESHOLDS = linspace(0, 1, 101);

function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

export function intersection(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      n++;
      i++;
      j++;
    }
  }
  return n;
}

export function maskIou(dt: EvalInstance, gt: EvalGroundTruth): number {
  const inter = intersection(dt.pixels, gt.pixels);
  const union = gt.crowd ? dt.pixels.length : dt.pixels.length + gt.pixels.length - inter;
  return union > 0 ? inter / union : 0;
}

/** Stable sort by descending score (numpy argsort(-score, kind="mergesort")). */
function byScore<T extends { score: number }>(items: readonly T[]): T[] {
  return items
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .map((x) => x.d);
}

export interface ImageMatch {
  /** Detections in score order (at most MAX_DETS). */
  dts: EvalDetection[];
  /** Ground truths, crowd regions last. */
  gts: EvalGroundTruth[];
  /** Per threshold: the matched gt index of each detection, or -1. */
  dtMatch: Int32Array[];
  /** Per threshold: whether each detection is ignored (matched a crowd region). */
  dtIgnore: Uint8Array[];
  /** Per threshold: the matched dt index of each ground truth, or -1. */
  gtMatch: Int32Array[];
}

/** evaluateImg for one image and one category (or class-agnostic, if the caller mixes them). */
export function matchImage(
  gtsIn: readonly EvalGroundTruth[],
  dtsIn: readonly EvalDetection[],
  thresholds: readonly number[],
): ImageMatch {
  const gts = gtsIn.map((g, i) => ({ g, i }));
  gts.sort((a, b) => Number(!!a.g.crowd) - Number(!!b.g.crowd) || a.i - b.i);
  const gt = gts.map((x) => x.g);
  const dts = byScore(dtsIn).slice(0, MAX_DETS);
  const ious = dts.map((d) => gt.map((g) => maskIou(d, g)));
  const dtMatch = thresholds.map(() => new Int32Array(dts.length).fill(-1));
  const dtIgnore = thresholds.map(() => new Uint8Array(dts.length));
  const gtMatch = thresholds.map(() => new Int32Array(gt.length).fill(-1));
  thresholds.forEach((t, ti) => {
    dts.forEach((_, di) => {
      let best = Math.min(t, 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < gt.length; gi++) {
        if (gtMatch[ti]![gi]! >= 0 && !gt[gi]!.crowd) continue;
        if (m > -1 && !gt[m]!.crowd && gt[gi]!.crowd) break;
        if (ious[di]![gi]! < best) continue;
        best = ious[di]![gi]!;
        m = gi;
      }
      if (m === -1) return;
      dtIgnore[ti]![di] = gt[m]!.crowd ? 1 : 0;
      dtMatch[ti]![di] = m;
      gtMatch[ti]![m] = di;
    });
  });
  return { dts, gts: gt, dtMatch, dtIgnore, gtMatch };
}

/**
 * accumulate for one category: the interpolated precision at each recall threshold, per IoU
 * threshold; null when the category has no (non-crowd) ground truth in any image.
 */
export function precisionCurve(
  matches: readonly ImageMatch[],
  thresholds: readonly number[],
): number[][] | null {
  const npig = matches.reduce((n, m) => n + m.gts.filter((g) => !g.crowd).length, 0);
  if (npig === 0) return null;
  const flat = matches.flatMap((m, mi) => m.dts.map((d, di) => ({ score: d.score, mi, di })));
  const order = byScore(flat);
  return thresholds.map((_, ti) => {
    const rc: number[] = [];
    const pr: number[] = [];
    let tp = 0;
    let fp = 0;
    for (const { mi, di } of order) {
      const m = matches[mi]!;
      if (m.dtIgnore[ti]![di]) {
        // ignored detections still take a place in the cumulative sums, with no count
      } else if (m.dtMatch[ti]![di]! >= 0) tp++;
      else fp++;
      rc.push(tp / npig);
      pr.push(tp / (tp + fp + Number.EPSILON));
    }
    for (let i = pr.length - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
    const q = new Array<number>(RECALL_THRESHOLDS.length).fill(0);
    for (let ri = 0; ri < RECALL_THRESHOLDS.length; ri++) {
      const pi = searchsortedLeft(rc, RECALL_THRESHOLDS[ri]!);
      // pycocotools stops at the first recall threshold past the last detection (the
      // IndexError its try/except swallows), leaving the rest at 0
      if (pi >= pr.length) break;
      q[ri] = pr[pi]!;
    }
    return q;
  });
}

function searchsortedLeft(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mean of the precisions > -1 (summarize's rule), over the curves given; -1 when none. */
export function meanPrecision(curves: readonly (number[][] | null)[], tIndex?: number): number {
  let sum = 0;
  let n = 0;
  for (const c of curves) {
    if (!c) continue;
    const rows = tIndex === undefined ? c : [c[tIndex]!];
    for (const row of rows) {
      for (const v of row) {
        sum += v;
        n++;
      }
    }
  }
  return n > 0 ? sum / n : -1;
}
