import { z } from "zod";
import { InferenceError } from "../../errors.js";

/**
 * A contrast dictionary as 2DMatGMM and MaskTerial write it (`contrast_dict.json`): per layer
 * name, the mean contrast (b, g, r) and its 3x3 covariance.
 */
const finite = z.number().finite();
const LayerSchema = z.object({
  contrast: z.object({ b: finite, g: finite, r: finite }).strict(),
  covariance_matrix: z
    .array(z.array(finite).length(3, "each covariance row must have 3 values (b, g, r)"))
    .length(3, "covariance_matrix must have 3 rows (b, g, r)"),
});
export const ContrastDictSchema = z
  .record(z.string().min(1), LayerSchema)
  .refine((d) => Object.keys(d).length > 0, "a contrast dictionary needs at least one layer");
export type ContrastDict = z.infer<typeof ContrastDictSchema>;

/** One layer's Gaussian, prepared for the Mahalanobis test. */
export interface LayerGaussian {
  name: string;
  /** b, g, r */
  mean: [number, number, number];
  covariance: number[][];
  /** Inverse of the lower Cholesky factor, row-major 3x3 (upper part zero). */
  invChol: Float64Array;
}

/** Lower Cholesky factor of a symmetric 3x3 matrix, or null when not positive definite. */
export function cholesky3(a: readonly (readonly number[])[]): Float64Array | null {
  const l = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i * 3 + k]! * l[j * 3 + k]!;
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * 3 + i] = Math.sqrt(sum);
      } else {
        l[i * 3 + j] = sum / l[j * 3 + j]!;
      }
    }
  }
  return l;
}

/** Inverse of a lower-triangular 3x3 matrix. */
function invertLower3(l: Float64Array): Float64Array {
  const inv = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    inv[i * 3 + i] = 1 / l[i * 3 + i]!;
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum += l[i * 3 + k]! * inv[k * 3 + j]!;
      inv[i * 3 + j] = -sum / l[i * 3 + i]!;
    }
  }
  return inv;
}

/**
 * Validate a contrast dictionary (shape, 3 channels, symmetric positive-definite covariances)
 * and prepare its layers in the dictionary's key order; `what` names it in errors.
 */
export function parseContrastDict(input: unknown, what: string): LayerGaussian[] {
  const parsed = ContrastDictSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new InferenceError(
      "INVALID_MODEL",
      `${what} is not a valid contrast dictionary${where}: ${issue?.message ?? "invalid"}; expected {"<layer>": {"contrast": {"b","g","r"}, "covariance_matrix": 3x3}, ...}`,
    );
  }
  const layers: LayerGaussian[] = [];
  for (const [name, layer] of Object.entries(parsed.data)) {
    const cov = layer.covariance_matrix;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < i; j++) {
        const a = cov[i]![j]!;
        const b = cov[j]![i]!;
        if (Math.abs(a - b) > 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12)) {
          throw new InferenceError(
            "INVALID_MODEL",
            `${what}: layer "${name}" covariance_matrix is not symmetric ([${i}][${j}] = ${a}, [${j}][${i}] = ${b})`,
          );
        }
      }
    }
    const l = cholesky3(cov);
    if (!l) {
      throw new InferenceError(
        "INVALID_MODEL",
        `${what}: layer "${name}" covariance_matrix is not positive definite (Cholesky failed); a covariance must have positive variances and be invertible`,
      );
    }
    layers.push({
      name,
      mean: [layer.contrast.b, layer.contrast.g, layer.contrast.r],
      covariance: cov.map((row) => [...row]),
      invChol: invertLower3(l),
    });
  }
  if (layers.length > 127) {
    throw new InferenceError("INVALID_MODEL", `${what}: more than 127 layers`);
  }
  return layers;
}
