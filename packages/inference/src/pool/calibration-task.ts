import { type InferenceErrorCode, isInferenceError } from "../errors.js";
import { annotationMask, type CocoAnnotation, type CocoImage } from "../io/coco.js";
import { DEFAULT_MAX_PIXELS, decodeImage, readImageInfo } from "../io/decode.js";
import { addCalibrationImage, type CalibrationSums } from "./calibration.js";

/**
 * One calibration image in a pool worker: read its header (pixel limits and the size its COCO
 * entry says, before decoding), decode it, draw its annotations as layer labels and add its
 * pixels to the running sums. Only the sums (a few hundred bytes) go back.
 */
export interface CalibrationTask {
  calibrate: {
    input: Uint8Array;
    image: CocoImage;
    annotations: CocoAnnotation[];
    /** category id -> label (1-based index into layerNames); other categories are skipped */
    labelOf: [number, number][];
    layerNames: string[];
    /** The sums so far; this image's pixels are added to them. */
    sums: CalibrationSums;
    /** Pixel limit of this image, and what is left of the request's budget. */
    maxPixels?: number;
    budgetPixels: number;
  };
}

/** Why an image cannot be used: the caller names the file and maps the kind. */
export type CalibrationProblem = "image" | "size" | "annotation" | "pixels" | "budget";

export type CalibrationReply =
  | { ok: true; sums: CalibrationSums; pixels: number }
  | { ok: false; problem: CalibrationProblem; code: InferenceErrorCode; message: string };

export async function calibrationTask(
  task: CalibrationTask["calibrate"],
): Promise<CalibrationReply> {
  const { image: entry } = task;
  const maxPixels = task.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fail = (problem: CalibrationProblem, e: unknown): CalibrationReply => ({
    ok: false,
    problem,
    code: isInferenceError(e) ? e.code : "INTERNAL",
    message: e instanceof Error ? e.message : String(e),
  });
  let info: { width: number; height: number };
  try {
    info = await readImageInfo(task.input);
  } catch (e) {
    return fail("image", e);
  }
  const pixels = info.width * info.height;
  const sizeIs = `${info.width}x${info.height}`;
  if (pixels > maxPixels) {
    return {
      ok: false,
      problem: "pixels",
      code: "TOO_MANY_PIXELS",
      message: `${sizeIs} pixels, over the limit of ${maxPixels}`,
    };
  }
  if (pixels > task.budgetPixels) {
    return {
      ok: false,
      problem: "budget",
      code: "TOO_MANY_PIXELS",
      message: `${sizeIs} pixels, over the ${task.budgetPixels} left of this fit's budget`,
    };
  }
  if (info.width !== entry.width || info.height !== entry.height) {
    return {
      ok: false,
      problem: "size",
      code: "BAD_OPTION",
      message: `the image is ${sizeIs}; its COCO entry says ${entry.width}x${entry.height}`,
    };
  }
  let labels: Uint8Array;
  try {
    const labelOf = new Map(task.labelOf);
    labels = new Uint8Array(pixels);
    for (const ann of task.annotations) {
      const label = labelOf.get(ann.category_id);
      if (label === undefined) continue; // a category the fit does not ask for
      const mask = annotationMask(ann, entry);
      for (let p = 0; p < mask.length; p++) if (mask[p]) labels[p] = label;
    }
  } catch (e) {
    return fail("annotation", e);
  }
  try {
    const bgr = await decodeImage(task.input, { maxPixels });
    addCalibrationImage(task.sums, bgr, labels, task.layerNames, entry.file_name);
  } catch (e) {
    return fail("image", e);
  }
  return { ok: true, sums: task.sums, pixels };
}
