import {
  categoryLayers,
  InferenceError,
  indexCoco,
  isInferenceError,
  parseCoco,
} from "@flakeops/inference";
import { Hono } from "hono";
import { z } from "zod";
import { requireKey } from "../http/auth.js";
import { callerOf, receive, runOnPool } from "../http/detection.js";
import { ApiError, toApiError, withoutPaths } from "../http/errors.js";
import { fileField, readForm, textFields } from "../http/form.js";
import { limitBody, requireMultipart } from "../http/limits.js";
import type { FilePart } from "../http/multipart.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";

export const CALIBRATE_PATH = "/calibrate";

/**
 * One request may fit at most this many max-size images' pixels in all. Memory no longer
 * bounds it: each image is decoded and summed in a pool worker, one at a time, and only its
 * sums come back, so a fit holds one decoded image (in one worker) whatever the count; the
 * uploaded bytes are bounded by the body cap. What it bounds is time: a fit holds one
 * admission slot and one worker for about one detection's work per image (decode, 5x5
 * median, histograms), so 16 keeps it to a few seconds of camera frames and well inside the
 * request deadline for typical images, while a lab's 5-10 annotated images fit in one request.
 */
export const CALIBRATION_IMAGE_BUDGET = 16;

export const CalibrateFields = z.object({
  /** Layers to fit, comma-separated (default: every category's name). */
  layers: z.string().max(4096).optional(),
});

/**
 * POST /calibrate: fit a GMM contrast dictionary from a few uploaded images and their COCO
 * annotations (form fields `coco`: the JSON file, `images`: the image files, named as the
 * COCO file's images[].file_name), with the inference package's calibration, exactly as
 * `flakeops-detect calibrate --coco` does. It answers the fitted layers and the dictionary;
 * saving it is POST /upload/gmm's job, and `can_save` says whether this caller may.
 * Same gate as the detection routes: key, draining/upload limits, the body cap, and one
 * admission slot while fitting. The images are decoded and summed in pool workers, one at a
 * time; this thread only parses the COCO file and fits the sums.
 */
export function calibrateRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  return app.post(
    CALIBRATE_PATH,
    requireKey(s.keys),
    requireMultipart(),
    receive(s),
    limitBody(s.config.maxBodyBytes),
    async (c) => {
      const form = await readForm(c);
      const cocoFile = fileField(form, "coco");
      const { layers: layerList } = textFields(form, CalibrateFields);
      const uploads = form.getAll("images");
      if (uploads.length === 0) {
        throw new ApiError(
          400,
          "MISSING_FIELD",
          'images: at least one file field "images" is required',
        );
      }
      const byName = new Map<string, FilePart>();
      for (const u of uploads) {
        if (typeof u === "string")
          throw new ApiError(400, "INVALID_FIELD", "images: expected files, got a text value");
        if (byName.has(u.filename))
          throw new ApiError(400, "INVALID_FIELD", `images: ${u.filename} given twice`);
        byName.set(u.filename, u);
      }
      const coco = asCoco(() => parseCoco(Buffer.from(cocoFile.bytes).toString("utf8"), "coco"));
      const layerOf = asCoco(() => categoryLayers(coco));
      const layerNames = layerList
        ? layerList.split(",").map((n) => n.trim())
        : [...new Set(layerOf.values())];
      if (layerNames.length === 0 || layerNames.some((n) => n === "")) {
        throw new ApiError(
          400,
          "INVALID_FIELD",
          "layers: comma-separated non-empty layer names (or none: every category)",
        );
      }
      // Grouped as the CLI groups them; a category outside `layers` is skipped when masks are drawn.
      const { images: entries, unknownCategory } = indexCoco(coco, layerOf);
      const used = entries.filter((e) => byName.has(e.image.file_name));
      const missing = entries
        .filter((e) => !byName.has(e.image.file_name))
        .map((e) => e.image.file_name);
      const cocoNames = new Set(entries.map((e) => e.image.file_name));
      const unmatched = [...byName.keys()].filter((n) => !cocoNames.has(n));
      if (used.length === 0) {
        throw new ApiError(
          400,
          "NO_MATCHING_IMAGES",
          `no uploaded image is in the COCO file (uploaded: ${[...byName.keys()].slice(0, 5).join(", ")}; the COCO file names images[].file_name, e.g. ${entries[0]?.image.file_name ?? "(none)"})`,
        );
      }
      // Every image is read, checked and summed in a pool worker (this thread never decodes):
      // one admission slot for the whole fit, as one image of /detect.
      const outcome = await runOnPool(c, s, "calibration", (signal) =>
        s.detector
          .calibrate({
            images: used.map((e) => ({
              input: byName.get(e.image.file_name)!.bytes,
              image: e.image,
              annotations: e.annotations,
            })),
            layerNames,
            layerOf,
            maxPixels: s.config.maxPixels,
            maxTotalPixels: CALIBRATION_IMAGE_BUDGET * s.config.maxPixels,
            // Without explicit layers, a category no annotation uses is left out, not fatal (as the CLI).
            skipMissing: !layerList,
            signal,
          })
          .catch((e: unknown) =>
            asCoco(() => {
              throw e; // the fit's BAD_OPTION (e.g. a layer without pixels): the data's fault
            }),
          ),
      );
      if (!outcome.ok) throw problemError(outcome, s.config.maxPixels);
      const { result } = outcome;
      const caller = callerOf(c);
      return c.json({
        layers: result.layers.map((l) => ({
          ...l,
          contrast: result.dictionary[l.name]!.contrast,
        })),
        dictionary: result.dictionary,
        skipped_layers: result.skipped,
        missing_images: missing,
        unmatched_uploads: unmatched,
        unknown_category_annotations: unknownCategory.length,
        can_save: caller.admin || s.config.allowModelUploads,
      });
    },
  );
}

/** The library's checks of the COCO data (BAD_OPTION) as this route's typed 400. */
function asCoco<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isInferenceError(e) && e.code === "BAD_OPTION")
      throw new ApiError(400, "INVALID_COCO", withoutPaths(e.message));
    throw e;
  }
}

/** One image's problem, as the pool names it, as this route's typed error naming the file. */
function problemError(
  p: Extract<Awaited<ReturnType<Services["detector"]["calibrate"]>>, { ok: false }>,
  maxPixels: number,
): ApiError {
  const message = `${p.file}: ${withoutPaths(p.message)}`;
  switch (p.problem) {
    case "size":
      return new ApiError(400, "IMAGE_SIZE_MISMATCH", message);
    case "annotation":
      return new ApiError(400, "INVALID_COCO", message);
    case "budget":
      return new ApiError(
        422,
        "TOO_MANY_PIXELS",
        `the images hold over ${CALIBRATION_IMAGE_BUDGET * maxPixels} pixels in all (${CALIBRATION_IMAGE_BUDGET} images of the ${maxPixels}-pixel limit; ${message}); fit from fewer or smaller images`,
      );
    default: {
      // the library's code and status, as /detect answers it (e.g. 415 NOT_AN_IMAGE)
      const api = toApiError(new InferenceError(p.code, p.message));
      return new ApiError(api.status, api.code, `${p.file}: ${api.message}`);
    }
  }
}
