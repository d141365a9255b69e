import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { CUSTOMER_ID_PATTERN, DETECT_PATH, HEALTH_PATH } from "../contract.js";
import { CALIBRATE_PATH, CalibrateFields } from "./calibrate.js";
import {
  AvailableModels,
  DeleteModelFields,
  DetectFields,
  DetectResponse,
  DownloadModelQuery,
  ErrorSchema,
  FastApiErrorSchema,
  HealthResponse,
  PredictFields,
  PredictResponse,
  UploadGmmFields,
} from "./schemas.js";

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.
 * Multipart text fields are documented as strings (that is what a form sends); the file
 * fields as binary.
 */
export function openApiDocument(version: string): unknown {
  const doc = new OpenAPIHono();
  const r = doc.openAPIRegistry;
  r.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  r.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  const binary = z.string().meta({ type: "string", format: "binary" });
  const formOf = (fields: z.ZodObject, files: Record<string, boolean>) => {
    const props: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(fields.shape)) {
      // A form sends text: documented as a string, required when the schema rejects absence.
      const text = (field as z.ZodType).description;
      const str = text === undefined ? z.string() : z.string().describe(text);
      props[key] = (field as z.ZodType).safeParse(undefined).success ? str.optional() : str;
    }
    for (const [name, required] of Object.entries(files))
      props[name] = required ? binary : binary.optional();
    return z.object(props);
  };
  const errors = (fastapi: boolean) => {
    const schema = fastapi ? FastApiErrorSchema : ErrorSchema;
    const e = (description: string) => ({
      description,
      content: { "application/json": { schema } },
    });
    return {
      400: e("A missing or invalid field (the message names it)"),
      401: e("No or unknown API key (only when keys are configured)"),
      403: e("The key may not act as this customer_id; models read-only; a model quota reached"),
      404: e("No such model (model routes)"),
      408: e("The upload did not arrive within the request deadline or ran under the minimum rate"),
      413: e("Body over the upload cap"),
      415: e("Not multipart/form-data, or a file that is not an image type the server reads"),
      422: e("An image that cannot be decoded, or over the pixel limit"),
      429: e("Too many uploads at once from this client"),
      503: e(
        "Overloaded or shutting down; Retry-After (s, rounded up) and Retry-After-Ms give the backlog",
      ),
    };
  };
  const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }, {}];
  const json = (schema: z.ZodType, description: string) => ({
    description,
    content: { "application/json": { schema } },
  });

  r.registerPath({
    method: "post",
    path: DETECT_PATH,
    summary: "Detect flakes in one image",
    description: `Fields: image (file, required), customer_id (${CUSTOMER_ID_PATTERN.source}; filled in from the API key when omitted), model (default GMM-Graphene), size_threshold (px), std_threshold (standard deviations), return_mask (default true), return_overlay (adds a PNG data URL); filters, off by default: reject_bright_edges, max_fp_probability (0-1), and explain (adds rejected flakes with rejected_by). Each field's schema states its accepted range; out of range is 400 BAD_FIELD naming it.`,
    security,
    request: {
      body: {
        content: { "multipart/form-data": { schema: formOf(DetectFields, { image: true }) } },
      },
    },
    responses: { 200: json(DetectResponse, "Flakes found"), ...errors(false) },
  });
  r.registerPath({
    method: "post",
    path: CALIBRATE_PATH,
    summary: "Fit a GMM contrast dictionary from a few images and their COCO annotations",
    description:
      "Fields: coco (the COCO JSON file), images (the image files, named as its images[].file_name), layers (optional, comma-separated). Answers the fitted layers, the dictionary, what was skipped or missing, and can_save (whether this caller may save it with POST /upload/gmm).",
    security,
    request: {
      body: {
        content: {
          "multipart/form-data": {
            schema: formOf(CalibrateFields, { coco: true, images: true }),
          },
        },
      },
    },
    responses: {
      200: json(
        z.object({
          layers: z.array(z.object({ name: z.string() }).loose()),
          dictionary: z.record(z.string(), z.unknown()),
          skipped_layers: z.array(z.unknown()),
          missing_images: z.array(z.string()),
          unmatched_uploads: z.array(z.string()),
          unknown_category_annotations: z.number(),
          can_save: z.boolean(),
        }),
        "The fit",
      ),
      ...errors(false),
    },
  });
  r.registerPath({
    method: "post",
    path: "/predict",
    summary: "MaskTerial-compatible prediction",
    description:
      "MaskTerial's form: files (the image), classification_model and/or segmentation_model (Type-Name), score_threshold and min_class_occupancy (0-1), size_threshold (px), return_bbox. Errors are FastAPI-shaped.",
    security,
    request: {
      body: {
        content: { "multipart/form-data": { schema: formOf(PredictFields, { files: true }) } },
      },
    },
    responses: { 200: json(PredictResponse, "Flakes, masks as COCO RLE"), ...errors(true) },
  });
  r.registerPath({
    method: "post",
    path: "/upload/gmm",
    summary: "Upload a GMM contrast dictionary (MaskTerial-compatible)",
    description:
      "Never replaces a model (400 'Model <name> already exists, please choose a different name'). Needs an admin key, or FLAKEOPS_ALLOW_MODEL_UPLOADS=true (then into the caller's own namespace when auth is on).",
    security,
    request: {
      body: {
        content: {
          "multipart/form-data": { schema: formOf(UploadGmmFields, { contrast_file: true }) },
        },
      },
    },
    responses: { 200: json(z.string(), '"Model <name> uploaded successfully"'), ...errors(true) },
  });
  r.registerPath({
    method: "post",
    path: "/delete_model",
    summary: "Delete a model (MaskTerial-compatible)",
    description:
      "MaskTerial's form: model_class (segmentation | classification), model_type (GMM, AMM, MLP, M2F, MRCNN), model_name. Same permissions as uploads; the embedded GMM-Graphene cannot be deleted.",
    security,
    request: {
      body: { content: { "multipart/form-data": { schema: formOf(DeleteModelFields, {}) } } },
    },
    responses: { 200: json(z.string(), '"Model <name> deleted successfully"'), ...errors(true) },
  });
  r.registerPath({
    method: "get",
    path: "/download_model",
    summary: "Download a model's files as a zip (MaskTerial-compatible)",
    security,
    request: { query: DownloadModelQuery },
    responses: {
      200: {
        description: "application/zip, attachment <class>-<type>-<name>.zip",
        content: { "application/zip": { schema: binary } },
      },
      ...errors(true),
    },
  });
  r.registerPath({
    method: "get",
    path: "/available_models",
    summary: "Models this server can run (MaskTerial-compatible)",
    security,
    responses: { 200: json(AvailableModels, "Model names by kind") },
  });
  r.registerPath({
    method: "get",
    path: "/status",
    summary: "MaskTerial readiness probe",
    responses: { 200: json(z.string(), '"Ready for inference"') },
  });
  r.registerPath({
    method: "get",
    path: HEALTH_PATH,
    summary: "Load-balancer health check (no key needed)",
    responses: {
      200: json(HealthResponse, "Serving"),
      503: json(HealthResponse, "Starting or draining"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/info",
    summary: "Version, models, limits, host and EC2 instance facts",
    security,
    responses: { 200: json(z.record(z.string(), z.unknown()), "Service facts") },
  });
  r.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    security,
    responses: {
      200: {
        description: "Prometheus text format",
        content: { "text/plain": { schema: z.string() } },
      },
    },
  });
  return doc.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "flakeops API",
      version,
      description:
        "2D-material flake detection. Errors are { error: { code, message } } (FastAPI's { detail } on MaskTerial routes). On 503, Retry-After is the queued work in whole seconds rounded up and Retry-After-Ms the same in milliseconds.",
    },
  });
}
