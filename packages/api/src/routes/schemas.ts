import {
  DEFAULT_SIZE_THRESHOLD,
  DEFAULT_STD_THRESHOLD,
  DETECT_OPTION_RANGES,
  FlakeSchema,
  isModelName,
  type OptionRange,
  REJECTION_REASONS,
  DETECT_OPTION_SCHEMAS as range,
} from "@flakeops/inference";
import { z } from "zod";
import { customerId, formBool, formNumber } from "../http/form.js";

/**
 * The request and response shapes of the HTTP API: the routes validate with these and the
 * OpenAPI document is generated from them, so the two cannot drift.
 */

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export const FastApiErrorSchema = z.object({ detail: z.string() });

/** An option's accepted range in words, from inference's DETECT_OPTION_RANGES. */
export function rangeText(r: OptionRange): string {
  const what = r.integer ? "an integer" : "a number";
  const low = r.exclusiveMin ? `> ${r.min}` : `>= ${r.min}`;
  if (r.max === undefined) return `${what} ${low}`;
  return r.exclusiveMin ? `${what} ${low} and <= ${r.max}` : `${what} from ${r.min} to ${r.max}`;
}

type RangedOption = keyof typeof range & keyof typeof DETECT_OPTION_RANGES;

/**
 * A detect option as a form field: checked by inference's own schema, refused with the
 * accepted range ("max_fp_probability: must be a number from 0 to 1"), documented with it.
 */
const detectOption = (name: RangedOption, description: string) => {
  const accepted = rangeText(DETECT_OPTION_RANGES[name]);
  return formNumber(
    z.number().refine((v) => range[name].safeParse(v).success, `must be ${accepted}`),
  )
    .optional()
    .describe(`${description}; ${accepted}`);
};

/** Text fields of POST /detect (the `image` file is checked separately). */
export const DetectFields = z.object({
  customer_id: customerId.optional(),
  model: z.string().max(200).optional(),
  /** Smallest flake kept, in pixels. */
  size_threshold: detectOption(
    "sizeThreshold",
    `smallest flake kept, in pixels (default ${DEFAULT_SIZE_THRESHOLD})`,
  ),
  /** Mahalanobis distance cut-off of the contrast classifier. */
  std_threshold: detectOption(
    "stdThreshold",
    `Mahalanobis distance cut-off of the contrast classifier (default ${DEFAULT_STD_THRESHOLD})`,
  ),
  return_mask: formBool.optional().describe("include each flake's RLE mask (default true)"),
  return_overlay: formBool.optional().describe("add the overlay PNG as a data URL (default false)"),
  reject_bright_edges: formBool
    .optional()
    .describe(
      "drop thin rims along crystals much brighter than the substrate (default false: the reference's output)",
    ),
  max_fp_probability: detectOption(
    "maxFpProbability",
    "drop flakes whose false_positive_probability is above this (default: none dropped)",
  ),
  explain: formBool
    .optional()
    .describe(
      "add `rejected`: the flakes the filters dropped, each with `rejected_by` (default false)",
    ),
});

/** A flake a filter dropped, and which filters dropped it (inference's RejectedFlake). */
export const RejectedFlakeSchema = FlakeSchema.partial({ mask: true }).extend({
  /** inference's RejectionReason: bright_edge, thin_rim, fp_probability */
  rejected_by: z.array(z.enum(REJECTION_REASONS)).min(1),
});

export const DetectResponse = z.object({
  request_id: z.string(),
  customer_id: z.string(),
  model: z.string(),
  image: z.object({ width: z.number().int(), height: z.number().int() }),
  flakes: z.array(FlakeSchema.partial({ mask: true })),
  timings: z.object({ decode_ms: z.number(), detect_ms: z.number(), total_ms: z.number() }),
  /** Only with return_overlay=true: the detections drawn on the image, as a PNG data URL. */
  overlay: z.string().optional(),
  /** Only with explain=true: the flakes the filters dropped (empty when none did). */
  rejected: z.array(RejectedFlakeSchema).optional(),
});
export type DetectResponse = z.infer<typeof DetectResponse>;

/** Text fields of MaskTerial's POST /predict. */
export const PredictFields = z.object({
  segmentation_model: z.string().max(200).optional(),
  classification_model: z.string().max(200).optional(),
  postprocessing_model: z.string().max(200).optional(),
  score_threshold: formNumber(range.scoreThreshold).optional(),
  min_class_occupancy: formNumber(range.minClassOccupancy).optional(),
  size_threshold: formNumber(range.sizeThreshold).optional(),
  return_bbox: formBool.optional(),
});

/** MaskTerial's flake: ours with an integer class for thickness, integer sides, bbox on request. */
export const PredictFlake = FlakeSchema.extend({
  thickness: z.number().int(),
  max_sidelength: z.number().int(),
  min_sidelength: z.number().int(),
  bbox: FlakeSchema.shape.bbox.optional(),
});
export const PredictResponse = z.array(PredictFlake);

export const UploadGmmFields = z.object({
  model_name: z
    .string()
    .refine(isModelName, "must be 1-64 letters, digits, '_' or '.', without '..'"),
});

/** MaskTerial's POST /delete_model form and GET /download_model query. */
const modelName = z
  .string()
  .refine(isModelName, "must be 1-64 letters, digits, '_' or '.', without '..'");
export const DeleteModelFields = z.object({
  model_class: z.enum(["segmentation", "classification"]),
  model_type: z.string().max(64),
  model_name: modelName,
});
export const DownloadModelQuery = z.object({
  model_class: z.enum(["segmentation", "classification", "postprocessing"]),
  model_type: z.string().max(64),
  model_name: modelName,
});

export const AvailableModels = z.object({
  available_models: z.object({
    classification_models: z.record(z.string(), z.array(z.string())),
    segmentation_models: z.record(z.string(), z.array(z.string())),
    postprocessing_models: z.record(z.string(), z.array(z.string())),
  }),
});

export const HealthResponse = z.object({ status: z.enum(["ok", "starting", "draining"]) });
