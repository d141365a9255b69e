import { backgroundFromHistograms, channelHistograms } from "./background.js";
import { decodeImage } from "./decode.js";
import { flakesFromLabels } from "./detect-flakes.js";
import { segmentAndClassify } from "./detect-segmentation.js";
import { InferenceError } from "./errors.js";
import type { Flake } from "./flake.js";
import { GmmClassifier } from "./gmm.js";
import { medianBlur5 } from "./median.js";
import type { BgrImage, InstanceSegmenter, PixelClassifier } from "./models.js";
import { DEFAULT_MODEL_ID, defaultRegistry, type ModelRegistry } from "./registry.js";

export interface DetectOptions {
  /** classification model id, default GMM-Graphene */
  model?: string;
  segmentationModel?: string;
  /** px, default 200 */
  sizeThreshold?: number;
  /** default 5 */
  stdThreshold?: number;
  /** 0-1, segmentation */
  scoreThreshold?: number;
  /** 0-1 */
  minClassOccupancy?: number;
  maxPixels?: number;
  signal?: AbortSignal;
}

export interface DetectionResult {
  width: number;
  height: number;
  model: string;
  background_bgr: [number, number, number];
  flakes: Flake[];
  timings: { decode_ms: number; detect_ms: number; total_ms: number };
}

export const DEFAULT_SIZE_THRESHOLD = 200;
export const DEFAULT_STD_THRESHOLD = 5;
export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_MIN_CLASS_OCCUPANCY = 0.5;

export interface ResolvedOptions {
  sizeThreshold: number;
  stdThreshold: number;
  scoreThreshold: number;
  minClassOccupancy: number;
}

function badOption(name: string, value: unknown, accepted: string): InferenceError {
  return new InferenceError("BAD_OPTION", `${name} is ${String(value)}; accepted: ${accepted}`);
}

/** Check the numeric options and fill in defaults. */
export function resolveOptions(o: DetectOptions): ResolvedOptions {
  const size = o.sizeThreshold ?? DEFAULT_SIZE_THRESHOLD;
  if (!Number.isInteger(size) || size < 1 || size > 1e9) {
    throw badOption("sizeThreshold", o.sizeThreshold, "an integer number of pixels >= 1");
  }
  const std = o.stdThreshold ?? DEFAULT_STD_THRESHOLD;
  if (!Number.isFinite(std) || std <= 0 || std > 100) {
    throw badOption(
      "stdThreshold",
      o.stdThreshold,
      "a number > 0 and <= 100 (standard deviations)",
    );
  }
  const score = o.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  if (!Number.isFinite(score) || score < 0 || score > 1) {
    throw badOption("scoreThreshold", o.scoreThreshold, "a number from 0 to 1");
  }
  const occ = o.minClassOccupancy ?? DEFAULT_MIN_CLASS_OCCUPANCY;
  if (!Number.isFinite(occ) || occ < 0 || occ > 1) {
    throw badOption("minClassOccupancy", o.minClassOccupancy, "a number from 0 to 1");
  }
  if (o.maxPixels !== undefined && (!Number.isInteger(o.maxPixels) || o.maxPixels < 1)) {
    throw badOption("maxPixels", o.maxPixels, "a positive integer");
  }
  return { sizeThreshold: size, stdThreshold: std, scoreThreshold: score, minClassOccupancy: occ };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
    throw new InferenceError("ABORTED", `detection was cancelled${reason}`);
  }
}

/** The per-pixel contrast classification of a median-filtered image: 0 = none, k + 1 = class k. */
export async function classifyPixels(
  median: BgrImage,
  background: readonly [number, number, number],
  classifier: PixelClassifier,
  stdThreshold: number,
): Promise<Uint8Array> {
  if (classifier instanceof GmmClassifier) {
    return classifier.labelImage(median.data, background, stdThreshold);
  }
  const n = median.width * median.height;
  const contrast = new Float32Array(n * 3);
  const bg = background.map((b) => Math.fround(b));
  for (let i = 0; i < n * 3; i++) contrast[i] = median.data[i]! / bg[i % 3]! - 1;
  const classes = await classifier.classify(contrast, { stdThreshold });
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = classes[i]! + 1;
  return labels;
}

/** Detect flakes in a decoded BGR image. */
export async function detectBgr(
  image: BgrImage,
  classifier: PixelClassifier,
  options: ResolvedOptions & { segmenter?: InstanceSegmenter; signal?: AbortSignal },
): Promise<{ background: [number, number, number]; flakes: Flake[] }> {
  const median: BgrImage = {
    width: image.width,
    height: image.height,
    data: medianBlur5(image.data, image.width, image.height),
  };
  const background = backgroundFromHistograms(channelHistograms(median.data));
  throwIfAborted(options.signal);
  const labels = await classifyPixels(median, background, classifier, options.stdThreshold);
  throwIfAborted(options.signal);
  const input = {
    bgr: median.data,
    width: image.width,
    height: image.height,
    labels,
    classes: classifier.classes,
    background,
    sizeThreshold: options.sizeThreshold,
  };
  const flakes = options.segmenter
    ? await segmentAndClassify(image, options.segmenter, input, options)
    : flakesFromLabels(input);
  return { background, flakes };
}

/** Decode an image and detect its flakes (in this thread; see DetectorPool for workers). */
export async function detectImage(
  input: Uint8Array,
  options: DetectOptions & { registry?: ModelRegistry } = {},
): Promise<DetectionResult> {
  const t0 = performance.now();
  const resolved = resolveOptions(options);
  throwIfAborted(options.signal);
  const registry = options.registry ?? defaultRegistry();
  const modelId = options.model ?? DEFAULT_MODEL_ID;
  const classifier = await registry.classifier(modelId);
  const segmenter = options.segmentationModel
    ? await registry.segmenter(options.segmentationModel)
    : undefined;
  const image = await decodeImage(input, { maxPixels: options.maxPixels });
  const t1 = performance.now();
  throwIfAborted(options.signal);
  const { background, flakes } = await detectBgr(image, classifier, {
    ...resolved,
    segmenter,
    signal: options.signal,
  });
  const t2 = performance.now();
  const ms = (v: number) => Math.round(v * 100) / 100;
  return {
    width: image.width,
    height: image.height,
    model: modelId,
    background_bgr: background.map((b) => Math.round(b * 10000) / 10000) as [
      number,
      number,
      number,
    ],
    flakes,
    timings: { decode_ms: ms(t1 - t0), detect_ms: ms(t2 - t1), total_ms: ms(t2 - t0) },
  };
}
