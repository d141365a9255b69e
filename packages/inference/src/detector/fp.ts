import { arcLength, type Contour, convexHull, polygonArea } from "../geometry/contour.js";
import { FP_LOGISTIC } from "../models/gmm/graphene.js";

/**
 * False-positive probability of a flake from its outer contour: the 2DMatGMM logistic model
 * over arcarea = perimeter / sqrt(area) and solidity = area / convex-hull area, P(class 0),
 * rounded to 3 decimals.
 */
export function falsePositiveProbability(contour: Contour, model = FP_LOGISTIC): number {
  const area = polygonArea(contour);
  const hullArea = polygonArea(convexHull(contour));
  if (!(area > 0) || !(hullArea > 0)) return 1;
  const arcarea = arcLength(contour) / Math.sqrt(area);
  const solidity = area / hullArea;
  const z = model.coef[0] * arcarea + model.coef[1] * solidity + model.intercept;
  return Math.round((1 / (1 + Math.exp(z))) * 1000) / 1000;
}
