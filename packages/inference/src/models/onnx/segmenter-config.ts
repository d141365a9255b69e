import { z } from "zod";

/**
 * config.json of an ONNX segmentation model (M2F-*, MRCNN-*). Field names follow
 * detectron2 where MaskTerial's configs use them (MODEL.PIXEL_MEAN, MODEL.PIXEL_STD,
 * INPUT.FORMAT, in the INPUT.FORMAT channel order); the flat snake_case fields win.
 */
const triple = z.tuple([z.number(), z.number(), z.number()]);
const positiveTriple = triple.refine((s) => s.every((v) => v > 0), "every std must be > 0");

export const SegmenterConfigSchema = z.looseObject({
  input_name: z.string().optional(),
  /**
   * Tensor layout of the image input. Default NCHW; CHW/HWC for graphs without a batch
   * dimension (torchvision's Mask R-CNN export takes CHW RGB in 0-1: pixel_std 255).
   */
  input_layout: z.enum(["NCHW", "NHWC", "CHW", "HWC"]).optional(),
  /** Channel order the model expects. Default BGR (detectron2 / MaskTerial). */
  input_format: z.enum(["BGR", "RGB"]).optional(),
  /** Per-channel mean and std on 0-255 values, in input_format order: (v - mean) / std. */
  pixel_mean: triple.optional(),
  pixel_std: positiveTriple.optional(),
  /** [height, width] the image is resized to; default the model's fixed size or the image's. */
  input_size: z.tuple([z.number().int().min(1), z.number().int().min(1)]).optional(),
  masks_output: z.string().optional(),
  scores_output: z.string().optional(),
  classes_output: z.string().optional(),
  /** Masks as probabilities (default) or logits. */
  mask_format: z.enum(["probabilities", "logits"]).optional(),
  /** A pixel is inside where its probability is above this. Default 0.5 (MaskTerial). */
  mask_threshold: z.number().gt(0).lt(1).optional(),
  MODEL: z
    .looseObject({ PIXEL_MEAN: triple.optional(), PIXEL_STD: positiveTriple.optional() })
    .optional(),
  INPUT: z.looseObject({ FORMAT: z.enum(["BGR", "RGB"]).optional() }).optional(),
});
export type SegmenterConfig = z.infer<typeof SegmenterConfigSchema>;
