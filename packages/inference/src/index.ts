export { type ContrastDict, ContrastDictSchema } from "./contrast-dict.js";
export {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  type ImageInfo,
  MIN_SIDE,
  readImageInfo,
} from "./decode.js";
export {
  DEFAULT_SIZE_THRESHOLD,
  DEFAULT_STD_THRESHOLD,
  DETECT_OPTION_SCHEMAS,
  type DetectionResult,
  type DetectOptions,
  detectImage,
} from "./detect.js";
export * from "./errors.js";
export * from "./flake.js";
export { FP_LOGISTIC, GRAPHENE_CONTRAST_DICT } from "./gmm-graphene.js";
export * from "./models.js";
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
} from "./onnx/index.js";
export { layerColor, type OverlayOptions, renderOverlay } from "./overlay.js";
export { DetectorPool, type DetectorPoolOptions } from "./pool.js";
export { type AvailableModels, DEFAULT_MODEL_ID, ModelRegistry } from "./registry.js";
export { decodeRle, encodeRle } from "./rle.js";
