import {
  annotationMask,
  categoryLayers,
  decodeImage,
  indexCoco,
  isInferenceError,
  parseCoco,
  readImageInfo,
} from "@flakeops/inference";
import { type CalibrationSample, calibrateDetailed } from "@flakeops/inference/tools";
import { Hono } from "hono";
import { z } from "zod";
import { requireKey } from "../http/auth.js";
import { callerOf, receive } from "../http/detection.js";
import { ApiError, toApiError, withoutPaths } from "../http/errors.js";
import { fileField, readForm, textFields } from "../http/form.js";
import { limitBody, overloaded, requireMultipart } from "../http/limits.js";
import type { FilePart } from "../http/multipart.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";

export const CALIBRATE_PATH = "/calibrate";

/**
 * The fit holds every image decoded at once (the library sums over all samples), so one request
 * may decode at most this many max-size images' pixels in all: a few images, as calibration
 * needs, without one request taking the memory of a whole detection queue.
 */
export const CALIBRATION_IMAGE_BUDGET = 4;

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
 * admission slot while fitting (the fit decodes and filters every image).
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
      // Pixel limits from the headers, before any image is decoded (a decompression bomb costs nothing).
      const budget = CALIBRATION_IMAGE_BUDGET * s.config.maxPixels;
      let total = 0;
      for (const e of used) {
        const bytes = byName.get(e.image.file_name)!.bytes;
        const info = await imageStep(e.image.file_name, () => readImageInfo(bytes));
        if (info.width * info.height > s.config.maxPixels) {
          throw new ApiError(
            422,
            "TOO_MANY_PIXELS",
            `${e.image.file_name}: ${info.width}x${info.height} pixels, over the limit of ${s.config.maxPixels}`,
          );
        }
        total += info.width * info.height;
        if (total > budget) {
          throw new ApiError(
            422,
            "TOO_MANY_PIXELS",
            `the images hold over ${budget} pixels in all (${CALIBRATION_IMAGE_BUDGET} images of the ${s.config.maxPixels}-pixel limit); fit from fewer or smaller images`,
          );
        }
        if (info.width !== e.image.width || info.height !== e.image.height) {
          throw new ApiError(
            400,
            "IMAGE_SIZE_MISMATCH",
            `${e.image.file_name}: the image is ${info.width}x${info.height}; its COCO entry says ${e.image.width}x${e.image.height}`,
          );
        }
      }
      const release = s.admission.tryAcquire();
      if (!release) {
        s.metrics.rejected.inc({ reason: "overloaded" });
        throw overloaded(
          s.admission.backlogMs(),
          `the detection queue is full (${s.admission.capacity} images admitted); retry later`,
        );
      }
      try {
        const samples: CalibrationSample[] = [];
        for (const e of used) {
          const name = e.image.file_name;
          const bytes = byName.get(name)!.bytes;
          const image = await imageStep(name, () =>
            decodeImage(bytes, { maxPixels: s.config.maxPixels }),
          );
          const labels = new Uint8Array(image.width * image.height);
          for (const ann of e.annotations) {
            const k = layerNames.indexOf(layerOf.get(ann.category_id) ?? "");
            if (k < 0) continue; // a category the layers do not ask for
            const mask = asCoco(() => annotationMask(ann, e.image));
            for (let p = 0; p < mask.length; p++) if (mask[p]) labels[p] = k + 1;
          }
          samples.push({ image, labels, name });
        }
        // Without explicit layers, a category no annotation uses is left out, not fatal (as the CLI).
        const result = asCoco(() =>
          calibrateDetailed(samples, layerNames, { skipMissing: !layerList }),
        );
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
      } finally {
        release();
      }
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

/** An image the library cannot read: its typed error, naming the uploaded file. */
async function imageStep<T>(name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!isInferenceError(e) || e.code === "INTERNAL") throw e;
    const api = toApiError(e); // the library's code and status (e.g. 400 CORRUPT_IMAGE)
    throw new ApiError(api.status, api.code, `${name}: ${api.message}`);
  }
}
