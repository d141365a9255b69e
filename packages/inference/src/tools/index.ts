/**
 * `@flakeops/inference/tools`: what builds, fits and measures detectors rather than serving
 * them: synthetic microscope images, calibration, the benchmark.
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
  type SynthDictionary,
  type SynthesizeOptions,
  type SynthFlake,
  type SynthFlakeSpec,
  type SynthImage,
  synthesize,
} from "./synth.js";
export { type SynthManifest, writeSynthSet } from "./synth-io.js";
