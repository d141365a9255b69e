/**
 * The embedded default model GMM-Graphene and the false-positive logistic model.
 *
 * Figures restated from 2DMatGMM: L. Uslu et al., "An open-source robust machine learning
 * platform for real-time detection and classification of 2D material flakes",
 * Mach. Learn.: Sci. Technol. 5 015027 (2024), https://github.com/Jaluus/2DMatGMM (MIT).
 * Graphene on 90 nm SiO2/Si: per-layer mean contrast (b, g, r) and covariance
 * (GMMDetector/trained_parameters/Graphene_GMM.json), and the L2 logistic regression over
 * (arcarea, solidity) of FalsePositiveDetector/models/classifier_L2_logistic.joblib.
 */
export const GRAPHENE_CONTRAST_DICT = {
  "1": {
    contrast: { b: -0.071, g: -0.14, r: -0.137 },
    covariance_matrix: [
      [0.00043690708813418295, 0.00013442550316341518, 3.640871553385172e-5],
      [0.00013442550316341518, 0.00023107833499992487, 9.354030315496938e-5],
      [3.640871553385172e-5, 9.354030315496936e-5, 0.0003320244165912582],
    ],
  },
  "2": {
    contrast: { b: -0.152, g: -0.264, r: -0.248 },
    covariance_matrix: [
      [0.0008328732295338676, 0.00025254658263370265, -0.00011751135771427775],
      [0.00025254658263370265, 0.0002369906495868485, 2.030565474167504e-5],
      [-0.00011751135771427775, 2.030565474167504e-5, 0.00031832333867950097],
    ],
  },
  "3": {
    contrast: { b: -0.216, g: -0.368, r: -0.347 },
    covariance_matrix: [
      [0.0013438145132320882, 0.0003876553710589909, -0.00017056175302890137],
      [0.0003876553710589909, 0.00027824710350493256, 1.567135606074001e-6],
      [-0.00017056175302890137, 1.5671356060739976e-6, 0.0003016258829573738],
    ],
  },
  "4": {
    contrast: { b: -0.272, g: -0.465, r: -0.436 },
    covariance_matrix: [
      [0.0010399285512173939, 0.00038128261246451735, 4.529938289991867e-5],
      [0.00038128261246451735, 0.0002952529548842852, 4.883854391652727e-5],
      [4.529938289991866e-5, 4.883854391652727e-5, 0.0002183833746245863],
    ],
  },
} as const;

/** P(false positive) = 1 - sigmoid(coef . (arcarea, solidity) + intercept). */
export const FP_LOGISTIC = {
  coef: [-0.6023313994658692, 3.407656207829059] as const,
  intercept: 2.960335491687551,
};
