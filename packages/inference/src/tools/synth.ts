import { InferenceError } from "../errors.js";
import { fillPolygon } from "../geometry/polygon.js";
import { cholesky3 } from "../models/gmm/contrast-dict.js";
import { GRAPHENE_CONTRAST_DICT } from "../models/gmm/graphene.js";
import type { BgrImage } from "../types.js";
import { type HaloSpec, paintHalo } from "./synth-halo.js";
import { Random } from "./synth-random.js";
import { gaussianBlur, type Region } from "./synth-raster.js";

/**
 * Synthetic optical-microscope images of flakes on SiO2/Si, with ground truth. The optics
 * follow the contrast model the detectors assume: a flake pixel is background * (1 + c)
 * per channel, c drawn from the layer's Gaussian in a contrast dictionary; then a slight
 * blur (the objective), vignetting (uneven illumination) and per-pixel sensor noise.
 */

/**
 * A contrast dictionary (the shape of contrast_dict.json, see ContrastDict), read-only so the
 * embedded constant fits.
 */
export type SynthDictionary = Readonly<
  Record<
    string,
    {
      readonly contrast: { readonly b: number; readonly g: number; readonly r: number };
      readonly covariance_matrix: readonly (readonly number[])[];
    }
  >
>;

export interface SynthFlakeSpec {
  /** Layer name in the dictionary. */
  layer: string;
  center: [number, number];
  /** Mean radius in px. */
  radius: number;
  /** Polygon vertex count (default 7-13). */
  vertices?: number;
  /** Ratio of the long to the short axis (default 1-2.2). */
  elongation?: number;
  /** Orientation in radians. */
  angle?: number;
}

export interface SynthesizeOptions {
  width: number;
  height: number;
  seed: number;
  /** Explicit flakes, or how many to place at random (default 3-6). */
  flakes?: number | SynthFlakeSpec[];
  /** Layer contrasts (default the embedded graphene dictionary, GMM-Graphene's). */
  dictionary?: SynthDictionary;
  /** Layers random flakes are drawn from (default every layer in the dictionary). */
  layers?: string[];
  /** Background B, G, R (default a SiO2/Si violet, jittered by the seed). */
  background?: [number, number, number];
  /** Per-pixel noise standard deviation in 8-bit levels (default 1.5). */
  noise?: number;
  /** Gaussian blur sigma in px (default 0.7; 0 for none). */
  blur?: number;
  /** Relative darkening in the corners (default 0.01). */
  vignetting?: number;
  /** Per-flake contrast is drawn from N(mean, spread^2 * covariance) (default 0.5). */
  contrastSpread?: number;
  /** Radius range of random flakes in px (default 18-55). */
  radius?: [number, number];
  /**
   * Bulk crystals: thick pieces far darker than any layer, which are not flakes (label 0) but
   * whose blurred rims pass through layer colours, as on real chips (default 0-2 at random).
   */
  bulk?: number;
  /**
   * Bright bulk crystals ringed by a thin fringe of the thinnest layer's colour with a blurred
   * rim (see synth-halo.ts): not flakes, but what the bright-edge filter must remove (default 0).
   */
  halos?: number;
}

export interface SynthFlake {
  layer: string;
  /** Vertices [x, y] in pixel coordinates. */
  polygon: [number, number][];
  /** [x, y, w, h] of the rasterised polygon. */
  bbox: [number, number, number, number];
  /** Pixel count of the rasterised polygon. */
  size: number;
  /** The flake's true contrast [b, g, r]. */
  contrast: [number, number, number];
}

export interface SynthImage {
  image: BgrImage;
  /** Layer names; label k (1-based) is layerNames[k - 1]. */
  layerNames: string[];
  /** width x height, 0 = background, k = layer layerNames[k - 1]. */
  labels: Uint8Array;
  /** width x height, 0 = background, i = flakes[i - 1]. */
  instances: Uint16Array;
  flakes: SynthFlake[];
  /** Bulk crystals drawn (not flakes; label 0). */
  bulk: { polygon: [number, number][]; contrast: [number, number, number] }[];
  /** Bright crystals with halos drawn (not flakes; label 0). */
  halos: HaloSpec[];
  background: [number, number, number];
}

const MAX_SIDE = 8192;

export function synthesize(options: SynthesizeOptions): SynthImage {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16) {
    throw new InferenceError(
      "BAD_OPTION",
      `synthetic image size ${width}x${height}: width and height must be integers >= 16`,
    );
  }
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new InferenceError(
      "BAD_OPTION",
      `synthetic image size ${width}x${height}: at most ${MAX_SIDE} px a side`,
    );
  }
  const dictionary: SynthDictionary = options.dictionary ?? GRAPHENE_CONTRAST_DICT;
  const layerNames = Object.keys(dictionary);
  if (layerNames.length === 0 || layerNames.length > 255) {
    throw new InferenceError("BAD_OPTION", "the contrast dictionary needs 1-255 layers");
  }
  const rng = new Random(options.seed);
  const background = options.background ?? [
    Math.round(160 + rng.uniform(-12, 12)),
    Math.round(104 + rng.uniform(-8, 8)),
    Math.round(116 + rng.uniform(-8, 8)),
  ];
  const specs = flakeSpecs(options, layerNames, rng);
  const bulkCount = options.bulk ?? (Array.isArray(options.flakes) ? 0 : rng.int(0, 2));
  const bulkSpecs = flakeSpecs(
    { ...options, flakes: bulkCount, radius: [15, 40] },
    layerNames,
    rng,
    specs,
  );

  const labels = new Uint8Array(width * height);
  const instances = new Uint16Array(width * height);
  const flakes: SynthFlake[] = [];
  const spread = options.contrastSpread ?? 0.5;
  // Clean image, float, per channel: background * (1 + contrast).
  const plane = width * height;
  const clean = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    clean[p * 3] = background[0];
    clean[p * 3 + 1] = background[1];
    clean[p * 3 + 2] = background[2];
  }
  const regions: Region[] = [];
  const regionOf = (polygon: [number, number][]): Region => [
    Math.floor(Math.min(...polygon.map((p) => p[0]))),
    Math.floor(Math.min(...polygon.map((p) => p[1]))),
    Math.ceil(Math.max(...polygon.map((p) => p[0]))),
    Math.ceil(Math.max(...polygon.map((p) => p[1]))),
  ];
  for (const spec of specs) {
    const layer = dictionary[spec.layer];
    if (!layer) {
      throw new InferenceError(
        "BAD_OPTION",
        `flake layer "${spec.layer}" is not in the contrast dictionary (${layerNames.join(", ")})`,
      );
    }
    const contrast = drawContrast(layer, spread, rng);
    const polygon = flakePolygon(spec, rng);
    regions.push(regionOf(polygon));
    const label = layerNames.indexOf(spec.layer) + 1;
    const id = flakes.length + 1;
    let size = 0;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    fillPolygon(polygon, width, height, (x, y) => {
      const p = y * width + x;
      if (instances[p] !== 0) return; // earlier flakes stay on top
      instances[p] = id;
      labels[p] = label;
      for (let c = 0; c < 3; c++)
        clean[p * 3 + c] = (background[c] ?? 0) * (1 + (contrast[c] ?? 0));
      size++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    });
    if (size === 0) continue;
    flakes.push({
      layer: spec.layer,
      polygon: polygon.map(([x, y]) => [round3(x), round3(y)]),
      bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
      size,
      contrast: [round5(contrast[0]!), round5(contrast[1]!), round5(contrast[2]!)],
    });
  }

  const bulk: SynthImage["bulk"] = [];
  for (const spec of bulkSpecs) {
    // Thick graphite: dark and slightly blue-shifted, well outside every layer's Gaussian.
    const contrast: [number, number, number] = [
      rng.uniform(-0.45, -0.3),
      rng.uniform(-0.75, -0.6),
      rng.uniform(-0.7, -0.55),
    ];
    const polygon = flakePolygon(spec, rng);
    regions.push(regionOf(polygon));
    fillPolygon(polygon, width, height, (x, y) => {
      const p = y * width + x;
      if (instances[p] !== 0) return;
      for (let c = 0; c < 3; c++) clean[p * 3 + c] = (background[c] ?? 0) * (1 + contrast[c]!);
    });
    bulk.push({
      polygon: polygon.map(([x, y]) => [round3(x), round3(y)]),
      contrast: [round5(contrast[0]), round5(contrast[1]), round5(contrast[2])],
    });
  }

  const halos: HaloSpec[] = [];
  const haloRegions: Region[] = [];
  if ((options.halos ?? 0) > 0) {
    const haloSpecs = flakeSpecs(
      { ...options, flakes: options.halos, radius: [20, 45] },
      layerNames,
      rng,
      [...specs, ...bulkSpecs],
    );
    const thin = dictionary[layerNames[0]!]!.contrast;
    for (const spec of haloSpecs) {
      const halo: HaloSpec = {
        polygon: flakePolygon(spec, rng),
        bright: [rng.uniform(0.3, 0.45), rng.uniform(0.45, 0.6), rng.uniform(0.4, 0.55)],
        fringe: [thin.b, thin.g, thin.r],
        ring: rng.uniform(5, 8),
      };
      haloRegions.push(paintHalo(clean, instances, width, height, background, halo));
      halos.push(halo);
    }
  }
  // the halos' rims are softer than the flakes' edges (sigma 1.2 before the objective's blur)
  const rimmed =
    haloRegions.length > 0 ? gaussianBlur(clean, width, height, 1.2, haloRegions) : clean;
  const blurred = gaussianBlur(rimmed, width, height, options.blur ?? 0.7, [
    ...regions,
    ...haloRegions,
  ]);
  const data = new Uint8Array(plane * 3);
  const vignetting = options.vignetting ?? 0.01;
  const noise = options.noise ?? 1.5;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const r2max = cx * cx + cy * cy;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const light = 1 - (vignetting * ((x - cx) ** 2 + (y - cy) ** 2)) / r2max;
      for (let c = 0; c < 3; c++) {
        const v = blurred[p * 3 + c]! * light + noise * rng.normal();
        data[p * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return {
    image: { width, height, data },
    layerNames,
    labels,
    instances,
    flakes,
    bulk,
    halos,
    background,
  };
}

function flakeSpecs(
  options: SynthesizeOptions,
  layerNames: string[],
  rng: Random,
  avoid: readonly SynthFlakeSpec[] = [],
): SynthFlakeSpec[] {
  if (Array.isArray(options.flakes)) return options.flakes;
  const count = options.flakes ?? rng.int(3, 6);
  if (!Number.isInteger(count) || count < 0 || count > 1000) {
    throw new InferenceError("BAD_OPTION", `flake count ${count}: expected an integer 0-1000`);
  }
  const layers = options.layers ?? layerNames;
  const [rmin, rmax] = options.radius ?? [18, 55];
  const { width, height } = options;
  const placed: SynthFlakeSpec[] = [];
  const taken: SynthFlakeSpec[] = [...avoid];
  // Rejection sampling for flakes that neither overlap nor touch the border.
  for (let tries = 0; placed.length < count && tries < count * 200; tries++) {
    const radius = rng.uniform(rmin, Math.min(rmax, Math.min(width, height) / 4));
    const elongation = rng.uniform(1, 2.2);
    const reach = radius * Math.sqrt(elongation) * 1.25 + 6;
    if (2 * reach >= Math.min(width, height)) continue;
    const center: [number, number] = [
      rng.uniform(reach, width - reach),
      rng.uniform(reach, height - reach),
    ];
    const clear = taken.every((f) => {
      const other = f.radius * Math.sqrt(f.elongation ?? 1) * 1.25 + 6;
      return Math.hypot(f.center[0] - center[0], f.center[1] - center[1]) > reach + other + 10;
    });
    if (!clear) continue;
    const layer = layers[rng.int(0, layers.length - 1)]!;
    const spec = { layer, center, radius, elongation, angle: rng.uniform(0, Math.PI) };
    placed.push(spec);
    taken.push(spec);
  }
  return placed;
}

function drawContrast(layer: SynthDictionary[string], spread: number, rng: Random): number[] {
  const l = cholesky3(layer.covariance_matrix);
  if (!l) {
    throw new InferenceError(
      "INVALID_MODEL",
      "a synthesis dictionary covariance is not positive definite",
    );
  }
  const z = [rng.normal(), rng.normal(), rng.normal()];
  const mean = [layer.contrast.b, layer.contrast.g, layer.contrast.r];
  return mean.map((m, i) => {
    let s = 0;
    for (let k = 0; k <= i; k++) s += l[i * 3 + k]! * z[k]!;
    return m + spread * s;
  });
}

/** An irregular, roughly convex polygon: jittered radii around an ellipse. */
function flakePolygon(spec: SynthFlakeSpec, rng: Random): [number, number][] {
  const n = spec.vertices ?? rng.int(7, 13);
  const elong = spec.elongation ?? 1;
  const angle = spec.angle ?? 0;
  const a = spec.radius * Math.sqrt(elong);
  const b = spec.radius / Math.sqrt(elong);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const offsets = Array.from({ length: n }, () => rng.uniform(0.15, 0.85));
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const t = ((i + (offsets[i] ?? 0.5)) / n) * 2 * Math.PI;
    const r = rng.uniform(0.8, 1.15);
    const ex = a * r * Math.cos(t);
    const ey = b * r * Math.sin(t);
    points.push([spec.center[0] + ex * cos - ey * sin, spec.center[1] + ex * sin + ey * cos]);
  }
  return points;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round5 = (v: number) => Math.round(v * 100000) / 100000;
