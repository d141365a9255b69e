export {
  CLASSIFIER_META_FILE,
  loadOnnxClassifier,
  OnnxPixelClassifier,
} from "./classifier.js";
export { type ClassifierMeta, ClassifierMetaSchema } from "./classifier-meta.js";
export { MODEL_FILE, type Releasable } from "./session.js";
