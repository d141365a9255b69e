export {
  CLASSIFIER_META_FILE,
  loadOnnxClassifier,
  OnnxPixelClassifier,
} from "./classifier.js";
export { type ClassifierMeta, ClassifierMetaSchema } from "./classifier-meta.js";
export {
  loadOnnxSegmenter,
  OnnxInstanceSegmenter,
  type OnnxSegmentationInstance,
  SEGMENTER_CONFIG_FILE,
  type SegmentOptions,
} from "./segmenter.js";
export { type SegmenterConfig, SegmenterConfigSchema } from "./segmenter-config.js";
export { MODEL_FILE, type Releasable } from "./session.js";
