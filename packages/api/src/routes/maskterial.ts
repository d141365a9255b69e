import { CLASSIFIER_KINDS, type Flake, SEGMENTATION_KINDS } from "@flakeops/inference";
import { zipSync } from "fflate";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { z } from "zod";
import { requireKey } from "../http/auth.js";
import { callerOf, detectUpload, receive } from "../http/detection.js";
import { ApiError, badField, errorHandler, notFound } from "../http/errors.js";
import { fileField, readForm, textFields } from "../http/form.js";
import { limitBody, requireMultipart } from "../http/limits.js";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";
import {
  type AvailableModels,
  DeleteModelFields,
  DownloadModelQuery,
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
  "/delete_model",
  "/download_model",
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
      const body: z.infer<typeof AvailableModels> = {
        available_models: s.models.available(callerOf(c)),
      };
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
        if (f.postprocessing_model && !s.models.has(callerOf(c), f.postprocessing_model)) {
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
    // Model uploads go through the same upload gate (draining, limits, minimum rate).
    .post(
      "/upload/gmm",
      requireMultipart(),
      receive(s),
      limitBody(s.config.maxModelBytes),
      async (c) => {
        const form = await readForm(c);
        const { model_name } = textFields(form, UploadGmmFields);
        const file = fileField(form, "contrast_file");
        let dict: unknown;
        try {
          dict = JSON.parse(Buffer.from(file.bytes).toString("utf8"));
        } catch {
          throw new ApiError(400, "INVALID_MODEL", "contrast_file is not valid JSON");
        }
        // Validated (shape and worst-case cost) before anything is written; written atomically
        // and never over an existing model (MaskTerial's "already exists").
        await s.models.addGmm(callerOf(c), model_name, dict, file.bytes.byteLength);
        c.get("log").info({ model: `GMM-${model_name}` }, "model uploaded");
        return c.json(`Model ${model_name} uploaded successfully`);
      },
    )
    .post("/delete_model", requireMultipart(), receive(s), limitBody(64 * 1024), async (c) => {
      const f = textFields(await readForm(c), DeleteModelFields);
      const id = modelId(f.model_class, f.model_type, f.model_name);
      if (!(await s.models.delete(callerOf(c), id))) throw modelNotFound(f);
      c.get("log").info({ model: id }, "model deleted");
      return c.json(`Model ${f.model_name} deleted successfully`);
    })
    .get("/download_model", async (c) => {
      const q = DownloadModelQuery.safeParse(c.req.query());
      if (!q.success) {
        const issue = q.error.issues[0]!;
        throw badField(issue.path.map(String).join(".") || "query", issue.message);
      }
      const f = q.data;
      const id = modelId(f.model_class, f.model_type, f.model_name);
      const files = await s.models.files(callerOf(c), id);
      if (!files) throw modelNotFound(f);
      const zip = zipSync(Object.fromEntries(files.map((x) => [x.name, x.bytes])));
      return c.body(zip, 200, {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename=${f.model_class}-${f.model_type}-${f.model_name}.zip`,
      });
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

const MODEL_TYPES: Record<string, readonly string[]> = {
  classification: CLASSIFIER_KINDS,
  segmentation: SEGMENTATION_KINDS,
  postprocessing: [],
};

/**
 * The model id MaskTerial's (model_class, model_type, model_name) names, or its 404 "Model type
 * ... not found for ..." (server.py, delete_model / download_model).
 */
function modelId(modelClass: string, type: string, name: string): string {
  if (!MODEL_TYPES[modelClass]?.includes(type)) {
    throw new ApiError(404, "NOT_FOUND", `Model type ${type} not found for ${modelClass}`);
  }
  return `${type}-${name}`;
}

const modelNotFound = (f: { model_class: string; model_type: string; model_name: string }) =>
  new ApiError(
    404,
    "NOT_FOUND",
    `Model name ${f.model_name} not found in ${f.model_type} for ${f.model_class}`,
  );

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
