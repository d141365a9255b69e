import type { ContrastDict } from "../src/models/gmm/contrast-dict.js";

/**
 * Graphene on SiO2/Si: per-layer contrast means (b, g, r) from 2DMatGMM (Uslu et al.,
 * Mach. Learn.: Sci. Technol. 5 015027, 2024, MIT), with round diagonal covariances;
 * a test dictionary independent of the embedded default.
 */
export const TEST_DICTIONARY: ContrastDict = {
  "1": {
    contrast: { b: -0.071, g: -0.14, r: -0.137 },
    covariance_matrix: diag(0.0004, 0.00025, 0.0003),
  },
  "2": {
    contrast: { b: -0.152, g: -0.264, r: -0.248 },
    covariance_matrix: diag(0.0008, 0.00025, 0.0003),
  },
  "3": {
    contrast: { b: -0.216, g: -0.368, r: -0.347 },
    covariance_matrix: diag(0.0012, 0.0003, 0.0003),
  },
};

function diag(a: number, b: number, c: number): number[][] {
  return [
    [a, 0, 0],
    [0, b, 0],
    [0, 0, c],
  ];
}
