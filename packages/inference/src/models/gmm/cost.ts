import { InferenceError } from "../../errors.js";
import type { LayerGaussian } from "./contrast-dict.js";

/**
 * The candidate search (GmmClassifier.channelLuts) keeps one bit per layer in a 32-bit mask:
 * past 32 layers every pixel becomes a candidate and is tested against every layer.
 */
export const MAX_COSTED_LAYERS = 32;

/**
 * Widest per-channel standard deviation (contrast units) an uploaded layer may have: at the
 * default threshold of 5 sigma its slab is then at most +-0.5 contrast wide, so the channel
 * prefilter still rejects most background. Measured MaskTerial dictionaries (Graphene, WSe2)
 * stay under 0.06; a layer of sigma 1 would make every pixel a candidate (issue 10: one image
 * 1.8 s instead of 20-40 ms).
 */
export const MAX_LAYER_SIGMA = 0.1;

/**
 * Refuse a dictionary whose worst-case cost per image is unbounded, with the reason. Applied
 * to uploads; models installed by the operator are trusted as they are.
 */
export function checkGmmCost(layers: readonly LayerGaussian[], what: string): void {
  if (layers.length > MAX_COSTED_LAYERS) {
    throw new InferenceError(
      "INVALID_MODEL",
      `${what}: ${layers.length} layers, over the ${MAX_COSTED_LAYERS} the candidate search can prefilter (every pixel would be tested against every layer)`,
    );
  }
  const channels = ["b", "g", "r"] as const;
  for (const layer of layers) {
    for (let c = 0; c < 3; c++) {
      const sigma = Math.sqrt(layer.covariance[c]![c]!);
      if (sigma > MAX_LAYER_SIGMA) {
        throw new InferenceError(
          "INVALID_MODEL",
          `${what}: layer "${layer.name}" has a standard deviation of ${sigma.toPrecision(3)} on channel ${channels[c]}, over ${MAX_LAYER_SIGMA}: its ellipsoid would cover nearly every pixel and make the candidate search test them all`,
        );
      }
    }
  }
}
