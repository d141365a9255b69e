/**
 * `@flakeops/inference/tools`: what builds, fits and measures detectors rather than serving
 * them: synthetic microscope images, calibration, evaluation (COCO AP), the benchmark.
 */

export { encodeBgr, encodeLabelPng, type ImageFormat } from "../io/image-files.js";
export {
  type BenchOptions,
  type BenchProfile,
  type BenchResult,
  benchProfileJson,
  runBench,
} from "./bench.js";
export {
  type CalibrateOptions,
  type CalibrationResult,
  type CalibrationSample,
  calibrate,
  calibrateDetailed,
  type LayerFit,
} from "./calibrate.js";
export {
  type EvalDetection,
  type EvalGroundTruth,
  type EvalImage,
  IOU_THRESHOLDS,
  RECALL_THRESHOLDS,
} from "./coco-eval.js";
export {
  type Counts,
  detectionOf,
  type EvaluationReport,
  evaluateInstances,
  type LayerReport,
} from "./evaluate.js";
export {
  type SynthDictionary,
  type SynthesizeOptions,
  type SynthFlake,
  type SynthFlakeSpec,
  type SynthImage,
  synthesize,
} from "./synth.js";
export { addToCoco, type SynthManifest, writeSynthSet } from "./synth-io.js";
