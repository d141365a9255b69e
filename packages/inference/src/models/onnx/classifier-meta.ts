import { z } from "zod";

/**
 * meta_data.json of an ONNX pixel classifier (AMM-*, MLP-*). MaskTerial writes train_mean,
 * train_std and train_config there; the other fields are ours and all optional, with
 * MaskTerial's conventions as defaults (output class 0 is background, class k is layer "k").
 */
const triple = z.tuple([z.number(), z.number(), z.number()]);

export const ClassifierMetaSchema = z.looseObject({
  /** Per-channel (B, G, R) normalisation applied before the model: (contrast - mean) / std. */
  train_mean: triple.optional(),
  train_std: triple.refine((s) => s.every((v) => v > 0), "every std must be > 0").optional(),
  /** Layer names of the non-background outputs, in output order. Default "1", "2", ... */
  class_names: z.array(z.string().min(1)).min(1).optional(),
  /** Output column that means background; null when the model has none. Default 0. */
  background_class: z.number().int().nonnegative().nullable().optional(),
  input_name: z.string().optional(),
  output_name: z.string().optional(),
  uncertainty_output_name: z.string().optional(),
  /**
   * How to read the scores output: "logits" (softmax applied), "probabilities", or
   * "distances" (per-class Mahalanobis distance, lower is nearer, as an AMM head computes).
   * Default: "distances" for AMM, "logits" for MLP.
   */
  output_kind: z.enum(["logits", "probabilities", "distances"]).optional(),
  /** logits/probabilities: background where the top probability is below this. Default 0. */
  min_score: z.number().min(0).max(1).optional(),
  /** Background where the uncertainty output is above this. Default: no limit. */
  max_uncertainty: z.number().optional(),
  /** Pixels per inference call. Default 65536. */
  batch_size: z.number().int().min(1).max(4_194_304).optional(),
});
export type ClassifierMeta = z.infer<typeof ClassifierMetaSchema>;
