import { z } from "zod";

/**
 * The Flake shape of CONTRACTS.md: the one definition the detector, the CLI's JSON, the API's
 * responses and its OpenAPI document all use. Channel order is B, G, R everywhere.
 */

/** COCO run-length encoding in the compressed string form pycocotools reads. */
export const CocoRleSchema = z.object({
  /** [height, width] */
  size: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  counts: z.string(),
});
export type CocoRle = z.infer<typeof CocoRleSchema>;

export const FlakeSchema = z.object({
  /** Layer name from the model ("1" = monolayer, ...). */
  thickness: z.string(),
  /** Pixel count of the component, before hole filling. */
  size: z.number().int().nonnegative(),
  /** [x, y], centre of the minimum-area rotated rectangle, truncated to int. */
  center: z.tuple([z.number(), z.number()]),
  min_sidelength: z.number(),
  max_sidelength: z.number(),
  aspect_ratio: z.number(),
  /** [b, g, r] mean contrast over the filled mask. */
  mean_contrast: z.tuple([z.number(), z.number(), z.number()]),
  false_positive_probability: z.number().min(0).max(1),
  entropy: z.number(),
  /** [x, y, w, h] of the filled mask. */
  bbox: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  mask: CocoRleSchema,
});
export type Flake = z.infer<typeof FlakeSchema>;
