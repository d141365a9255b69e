import { z } from "zod";
import { backgroundFromHistograms } from "./detector/background.js";
import { flakesFromLabels, type RejectedFlake } from "./detector/flakes.js";
import { segmentAndClassify } from "./detector/segmentation.js";
import { InferenceError } from "./errors.js";
import type { Flake } from "./flake.js";
import { decodeRgb } from "./io/decode.js";
import { drawOverlay } from "./io/overlay.js";
import { medianAndHistograms } from "./kernels/scans.js";
import { swapRedBlue } from "./kernels/swap.js";
import { GmmClassifier } from "./models/gmm/classifier.js";
import { DEFAULT_MODEL_ID, defaultRegistry, type ModelRegistry } from "./models/registry.js";
import type { BgrImage, InstanceSegmenter, PixelClassifier } from "./types.js";

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
  /** Also render the overlay PNG (flakes outlined by layer) from the decoded pixels. */
  overlay?: boolean;
  /** Drop thin rims along regions much brighter than the background (detector/edges.ts). */
  rejectBrightEdges?: boolean;
  /** Drop flakes whose false_positive_probability is above this (0-1), as MaskTerial's post-processing does. */
  maxFpProbability?: number;
  /** Also return the flakes the filters dropped, each with `rejected_by`. */
  explainRejections?: boolean;
  signal?: AbortSignal;
}

export interface DetectionResult {
  width: number;
  height: number;
  model: string;
  background_bgr: [number, number, number];
  flakes: Flake[];
  /** With explainRejections: the flakes the filters dropped, and why. */
  rejected?: RejectedFlake[];
  /** PNG, when `overlay` was asked for. */
  overlay?: Uint8Array;
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
  rejectBrightEdges?: boolean;
}

/** An accepted numeric range (the shape of the CLI kit's NumberRule). */
export interface OptionRange {
  readonly min: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** min itself is refused (a value must be > min) */
  readonly exclusiveMin?: boolean;
}

/**
 * The accepted range of each numeric option, the one definition: detectImage checks with the
 * schemas built from it, the API validates its form fields with the same schemas and the CLI
 * checks its flags with these ranges, so none of them can disagree.
 */
export const DETECT_OPTION_RANGES = {
  sizeThreshold: { min: 1, max: 1e9, integer: true },
  stdThreshold: { min: 0, exclusiveMin: true, max: 100 },
  scoreThreshold: { min: 0, max: 1 },
  minClassOccupancy: { min: 0, max: 1 },
  maxPixels: { min: 1, integer: true },
  maxFpProbability: { min: 0, max: 1 },
} as const satisfies Record<string, OptionRange>;

function rangeSchema(r: OptionRange): z.ZodNumber {
  let s = r.integer ? z.number().int() : z.number();
  s = r.exclusiveMin ? s.gt(r.min) : s.min(r.min);
  return r.max === undefined ? s : s.max(r.max);
}

/** DETECT_OPTION_RANGES as zod schemas. */
export const DETECT_OPTION_SCHEMAS = {
  sizeThreshold: rangeSchema(DETECT_OPTION_RANGES.sizeThreshold),
  stdThreshold: rangeSchema(DETECT_OPTION_RANGES.stdThreshold),
  scoreThreshold: rangeSchema(DETECT_OPTION_RANGES.scoreThreshold),
  minClassOccupancy: rangeSchema(DETECT_OPTION_RANGES.minClassOccupancy),
  maxPixels: rangeSchema(DETECT_OPTION_RANGES.maxPixels),
  maxFpProbability: rangeSchema(DETECT_OPTION_RANGES.maxFpProbability),
} as const;

const ACCEPTED: Record<keyof typeof DETECT_OPTION_SCHEMAS, string> = {
  sizeThreshold: "an integer number of pixels >= 1",
  stdThreshold: "a number > 0 and <= 100 (standard deviations)",
  scoreThreshold: "a number from 0 to 1",
  minClassOccupancy: "a number from 0 to 1",
  maxPixels: "a positive integer",
  maxFpProbability: "a probability from 0 to 1",
};

function checked<K extends keyof typeof DETECT_OPTION_SCHEMAS>(
  name: K,
  value: number | undefined,
  fallback: number,
): number {
  const v = value ?? fallback;
  if (!DETECT_OPTION_SCHEMAS[name].safeParse(v).success) {
    throw new InferenceError(
      "BAD_OPTION",
      `${name} is ${String(value)}; accepted: ${ACCEPTED[name]}`,
    );
  }
  return v;
}

/** Check the numeric options and fill in defaults. */
export function resolveOptions(o: DetectOptions): ResolvedOptions {
  if (o.maxPixels !== undefined) checked("maxPixels", o.maxPixels, 0);
  if (o.maxFpProbability !== undefined) checked("maxFpProbability", o.maxFpProbability, 1);
  return {
    rejectBrightEdges: o.rejectBrightEdges === true,
    sizeThreshold: checked("sizeThreshold", o.sizeThreshold, DEFAULT_SIZE_THRESHOLD),
    stdThreshold: checked("stdThreshold", o.stdThreshold, DEFAULT_STD_THRESHOLD),
    scoreThreshold: checked("scoreThreshold", o.scoreThreshold, DEFAULT_SCORE_THRESHOLD),
    minClassOccupancy: checked(
      "minClassOccupancy",
      o.minClassOccupancy,
      DEFAULT_MIN_CLASS_OCCUPANCY,
    ),
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
    throw new InferenceError("ABORTED", `detection was cancelled${reason}`);
  }
}

/** Contrast of every pixel of a median-filtered image, float32 (b, g, r interleaved). */
function contrastImage(median: Uint8Array, background: readonly [number, number, number]) {
  const contrast = new Float32Array(median.length);
  const luts = [0, 1, 2].map((c) => {
    const bg = Math.fround(background[c]!);
    return Float32Array.from({ length: 256 }, (_, v) => Math.fround(v / bg) - 1);
  }) as [Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < median.length; i += 3) {
    contrast[i] = luts[0][median[i]!]!;
    contrast[i + 1] = luts[1][median[i + 1]!]!;
    contrast[i + 2] = luts[2][median[i + 2]!]!;
  }
  return contrast;
}

// Two all-zero per-pixel arrays reused from image to image on this thread (the GMM path is
// synchronous and hands them back zeroed), instead of allocating 2 x width x height each time.
let zeros: [Uint8Array, Uint8Array] | undefined;
function scratch(n: number): [Uint8Array, Uint8Array] {
  if (!zeros || zeros[0].length !== n) zeros = [new Uint8Array(n), new Uint8Array(n)];
  return zeros;
}

/** Detect flakes in a decoded BGR image. */
export async function detectBgr(
  image: BgrImage,
  classifier: PixelClassifier,
  options: ResolvedOptions & {
    segmenter?: InstanceSegmenter;
    signal?: AbortSignal;
    /** receives what the bright-edge filter drops */
    rejected?: RejectedFlake[];
  },
  /** "rgb" when `image.data` is still in decode order (the GMM path reads it as it is) */
  order: "bgr" | "rgb" = "bgr",
): Promise<{ background: [number, number, number]; flakes: Flake[] }> {
  const { width, height } = image;
  // The median lives in the kernels' memory until the next call on this thread, so the GMM
  // path below runs without an await; other classifiers get a copy.
  const mh = medianAndHistograms(image.data, width, height, order);
  const background = backgroundFromHistograms(mh.histograms);
  const base = {
    width,
    height,
    classes: classifier.classes,
    background,
    sizeThreshold: options.sizeThreshold,
    rejectBrightEdges: options.rejectBrightEdges,
    rejected: options.rejected,
  };
  if (classifier instanceof GmmClassifier && !options.segmenter) {
    const candidates = mh.candidates(classifier.channelLuts(background, options.stdThreshold));
    const [zeroA, zeroB] = scratch(width * height);
    const { labels, pixels } = classifier.labelCandidates(
      mh.median,
      candidates,
      background,
      options.stdThreshold,
      zeroA,
      mh.offsets,
    );
    try {
      const flakes = flakesFromLabels({
        ...base,
        bgr: mh.median,
        offsets: mh.offsets,
        labels,
        pixels,
        scratch: zeroB,
      });
      return { background, flakes };
    } finally {
      for (let i = 0; i < pixels.length; i++) labels[pixels[i]!] = 0;
    }
  }
  const median = mh.median.slice();
  if (order === "rgb") swapRedBlue(median);
  let labels: Uint8Array;
  if (classifier instanceof GmmClassifier) {
    labels = classifier.labelImage(median, background, options.stdThreshold);
  } else {
    const classes = await classifier.classify(contrastImage(median, background), {
      stdThreshold: options.stdThreshold,
    });
    labels = new Uint8Array(width * height);
    for (let i = 0; i < labels.length; i++) labels[i] = classes[i]! + 1;
  }
  throwIfAborted(options.signal);
  const input = { ...base, bgr: median, labels };
  if (!options.segmenter) return { background, flakes: flakesFromLabels(input) };
  // Segmenters take BGR; swap a copy so the caller's pixels keep their order (for the overlay).
  const bgrImage = order === "rgb" ? { width, height, data: image.data.slice() } : image;
  if (order === "rgb") swapRedBlue(bgrImage.data);
  const flakes = await segmentAndClassify(bgrImage, options.segmenter, input, options);
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
  const image = await decodeRgb(input, { maxPixels: options.maxPixels });
  const t1 = performance.now();
  throwIfAborted(options.signal);
  const rejected: RejectedFlake[] = [];
  const detected = await detectBgr(
    image,
    classifier,
    { ...resolved, segmenter, signal: options.signal, rejected },
    "rgb",
  );
  const { background } = detected;
  let { flakes } = detected;
  if (options.maxFpProbability !== undefined) {
    const max = options.maxFpProbability;
    for (const f of flakes) {
      if (f.false_positive_probability > max)
        rejected.push({ ...f, rejected_by: ["fp_probability"] });
    }
    flakes = flakes.filter((f) => f.false_positive_probability <= max);
  }
  const t2 = performance.now();
  // Detection is done with the pixels (still in decode order, RGB): draw on them directly.
  const overlay = options.overlay
    ? await drawOverlay(image.data, image.width, image.height, flakes)
    : undefined;
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
    ...(options.explainRejections && { rejected }),
    ...(overlay && { overlay }),
    timings: { decode_ms: ms(t1 - t0), detect_ms: ms(t2 - t1), total_ms: ms(t2 - t0) },
  };
}
