import type { Flake } from "@flakeops/inference";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { z } from "zod";
import { requireKey } from "../http/auth.js";
import { detectUpload, receive } from "../http/detection.js";
import { ApiError, errorHandler, notFound } from "../http/errors.js";
import { fileField, readForm, textFields } from "../http/form.js";
import { limitBody, requireMultipart } from "../http/limits.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";
import {
  type AvailableModels,
  PredictFields,
  type PredictFlake,
  UploadGmmFields,
} from "./schemas.js";

/**
 * MaskTerial's server routes, so its frontend and scripts work unchanged: CORS open as its
 * FastAPI server has it, and errors in FastAPI's `{ "detail": "..." }` shape, which that
 * frontend shows to the user. The sub-app has its own onError for that shape; `app.route()`
 * keeps it for these routes (and their middleware) when mounted.
 */
export const MASKTERIAL_PATHS = [
  "/status",
  "/available_models",
  "/predict",
  "/upload/gmm",
] as const;

export function maskterialRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler("fastapi", s.logger));
  // Scoped to MaskTerial's paths: a "*" middleware here would apply to the whole app once mounted.
  for (const path of MASKTERIAL_PATHS) {
    app.use(
      path,
      cors({ origin: "*", exposeHeaders: ["X-Request-Id", "Retry-After", "Retry-After-Ms"] }),
    );
    app.use(path, requireKey(s.keys));
  }

  const routes = app
    .get("/status", (c) => c.json("Ready for inference"))
    .get("/available_models", (c) => {
      const body: z.infer<typeof AvailableModels> = { available_models: s.registry.available() };
      return c.json(body);
    })
    .post(
      "/predict",
      requireMultipart(),
      receive(s),
      limitBody(s.config.maxBodyBytes),
      async (c) => {
        const form = await readForm(c);
        const image = fileField(form, "files");
        const f = textFields(form, PredictFields);
        if (!f.classification_model && !f.segmentation_model) {
          throw new ApiError(
            400,
            "MISSING_FIELD",
            "at least one of classification_model and segmentation_model is required",
          );
        }
        if (f.postprocessing_model && !s.registry.has(f.postprocessing_model)) {
          throw new ApiError(
            400,
            "UNKNOWN_MODEL",
            `unknown postprocessing model "${f.postprocessing_model}"`,
          );
        }
        const result = await detectUpload(c, s, image.bytes, {
          ...(f.classification_model && { model: f.classification_model }),
          ...(f.segmentation_model && { segmentationModel: f.segmentation_model }),
          ...(f.size_threshold !== undefined && { sizeThreshold: f.size_threshold }),
          ...(f.score_threshold !== undefined && { scoreThreshold: f.score_threshold }),
          ...(f.min_class_occupancy !== undefined && { minClassOccupancy: f.min_class_occupancy }),
        });
        return c.json(result.flakes.map((fl) => toPredictFlake(fl, f.return_bbox === true)));
      },
    )
    .post("/upload/gmm", requireMultipart(), limitBody(s.config.maxModelBytes), async (c) => {
      if (!s.lifecycle.ready)
        throw new ApiError(503, "SHUTTING_DOWN", "the server is shutting down");
      const form = await readForm(c);
      const { model_name } = textFields(form, UploadGmmFields);
      const file = fileField(form, "contrast_file");
      let dict: unknown;
      try {
        dict = JSON.parse(Buffer.from(file.bytes).toString("utf8"));
      } catch {
        throw new ApiError(400, "INVALID_MODEL", "contrast_file is not valid JSON");
      }
      // The registry validates before it writes, and writes atomically: a bad dictionary
      // leaves nothing behind.
      await s.registry.addGmm(model_name, dict);
      s.logger.info({ model: `GMM-${model_name}` }, "model uploaded");
      return c.json(`Model ${model_name} uploaded successfully`);
    });
  // Registered last, so it answers only another method on these paths: a 405 with Allow in
  // this sub-app's shape (the parent app's notFound would answer in its own).
  const own = [...routes.routes];
  for (const path of MASKTERIAL_PATHS) {
    routes.all(path, (c) => {
      throw notFound(c, own);
    });
  }
  return routes;
}

/** MaskTerial's flake: integer thickness and side lengths, bbox only on request. */
function toPredictFlake(f: Flake, withBbox: boolean): z.infer<typeof PredictFlake> {
  const thickness = Number.parseInt(f.thickness, 10);
  return {
    mask: f.mask,
    thickness: Number.isFinite(thickness) ? thickness : 0,
    size: f.size,
    mean_contrast: f.mean_contrast,
    center: f.center,
    max_sidelength: Math.round(f.max_sidelength),
    min_sidelength: Math.round(f.min_sidelength),
    aspect_ratio: f.aspect_ratio,
    false_positive_probability: f.false_positive_probability,
    entropy: f.entropy,
    ...(withBbox && { bbox: f.bbox }),
  };
}
