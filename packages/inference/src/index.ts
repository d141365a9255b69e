export {
  DEFAULT_MIN_CLASS_OCCUPANCY,
  DEFAULT_SCORE_THRESHOLD,
  DEFAULT_SIZE_THRESHOLD,
  DEFAULT_STD_THRESHOLD,
  DETECT_OPTION_RANGES,
  DETECT_OPTION_SCHEMAS,
  type DetectionResult,
  type DetectOptions,
  detectImage,
  type OptionRange,
} from "./detect.js";
export { REJECTION_REASONS, type RejectionReason } from "./detector/edges.js";
export type { RejectedFlake } from "./detector/flakes.js";
export * from "./errors.js";
export * from "./flake.js";
export {
  annotationMask,
  type CocoAnnotation,
  type CocoFile,
  type CocoImage,
  type CocoImageEntry,
  type CocoIndex,
  CocoSchema,
  categoryLayers,
  indexCoco,
  parseCoco,
} from "./io/coco.js";
export {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  type ImageInfo,
  MIN_SIDE,
  readImageInfo,
} from "./io/decode.js";
export { CSV_COLUMNS } from "./io/flake-csv.js";
export { layerColor, type OverlayOptions, renderOverlay } from "./io/overlay.js";
export { decodeRle, encodeRle } from "./io/rle.js";
export { type ContrastDict, ContrastDictSchema } from "./models/gmm/contrast-dict.js";
export { FP_LOGISTIC, GRAPHENE_CONTRAST_DICT } from "./models/gmm/graphene.js";
export {
  type ClassifierMeta,
  loadOnnxClassifier,
  loadOnnxSegmenter,
  OnnxInstanceSegmenter,
  OnnxPixelClassifier,
  type OnnxSegmentationInstance,
  type Releasable,
  type SegmenterConfig,
  type SegmentOptions,
} from "./models/onnx/index.js";
export { type AvailableModels, DEFAULT_MODEL_ID, ModelRegistry } from "./models/registry.js";
export { DetectorPool, type DetectorPoolOptions } from "./pool/pool.js";
export * from "./types.js";
