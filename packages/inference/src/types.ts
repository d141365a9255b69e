import { InferenceError } from "./errors.js";

/**
 * The seam between model kinds. A GMM and an ONNX pixel classifier (AMM, MLP) both turn
 * per-pixel contrast into layer classes, so they share every step after classification
 * (opening, components, geometry); a segmentation model (M2F, MRCNN) proposes instance masks
 * that a pixel classifier then labels by majority class, as MaskTerial does.
 */

export const CLASSIFIER_KINDS = ["GMM", "AMM", "MLP"] as const;
export const SEGMENTATION_KINDS = ["M2F", "MRCNN"] as const;
export type ClassifierKind = (typeof CLASSIFIER_KINDS)[number];
export type SegmentationKind = (typeof SEGMENTATION_KINDS)[number];
export type ModelKind = ClassifierKind | SegmentationKind;

export interface ModelRef {
  readonly kind: ModelKind;
  readonly name: string;
  /** `${kind}-${name}`, e.g. "GMM-Graphene". */
  readonly id: string;
}

const MODEL_NAME = /^[A-Za-z0-9_.]{1,64}$/;

/** A model name (the part after "Kind-"): it names a folder, so it may not walk out of one. */
export function isModelName(name: string): boolean {
  return MODEL_NAME.test(name) && !name.includes("..");
}

/** Parse "Kind-Name"; the name may not walk out of the models directory. */
export function parseModelId(id: string): ModelRef {
  const dash = id.indexOf("-");
  const kind = id.slice(0, dash);
  const name = id.slice(dash + 1);
  const kinds: readonly string[] = [...CLASSIFIER_KINDS, ...SEGMENTATION_KINDS];
  if (dash < 1 || !kinds.includes(kind) || !isModelName(name)) {
    throw new InferenceError(
      "UNKNOWN_MODEL",
      `"${id}" is not a model id: expected <Kind>-<Name> with Kind one of ${kinds.join(", ")} and Name of letters, digits, "_" or "."`,
    );
  }
  return { kind: kind as ModelKind, name, id };
}

/** A decoded image: 8-bit, 3 channels interleaved in B, G, R order (as OpenCV holds it). */
export interface BgrImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Per-pixel contrast classifier (GMM, AMM, MLP). */
export interface PixelClassifier {
  readonly ref: ModelRef;
  /** Layer name of each class index ("1" = monolayer, ...). */
  readonly classes: readonly string[];
  /**
   * Classify N pixels given their contrast (N x 3, interleaved B, G, R). Returns each pixel's
   * class index, or -1 where it is background (e.g. Mahalanobis distance >= stdThreshold).
   */
  classify(contrast: Float32Array, options: { stdThreshold: number }): Promise<Int8Array>;
}

/** One instance proposed by a segmentation model, before layer assignment. */
export interface SegmentationInstance {
  /** width x height, row-major, 1 inside the instance. */
  readonly mask: Uint8Array;
  readonly score: number;
}

/** Instance segmentation model (M2F, MRCNN). */
export interface InstanceSegmenter {
  readonly ref: ModelRef;
  segment(image: BgrImage): Promise<SegmentationInstance[]>;
}
