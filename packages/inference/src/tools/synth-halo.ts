import { fillPolygon } from "../geometry/polygon.js";
import type { Region } from "./synth-raster.js";

/**
 * Bright bulk crystals with halos, as other microscopes show them: a crystal much brighter
 * than the substrate, ringed by a thin fringe whose colour is a thin layer's, with a blurred
 * rim. The fringe is not a flake (label 0), but a detector without the bright-edge filter
 * reports it as one: the false positives `--reject-bright-edges` exists for.
 */

export interface HaloSpec {
  polygon: [number, number][];
  /** The crystal's contrast [b, g, r] (positive: brighter than the substrate). */
  bright: [number, number, number];
  /** The fringe's contrast [b, g, r]. */
  fringe: [number, number, number];
  /** Fringe width, px. */
  ring: number;
}

/** Paint one halo crystal into `clean` where no flake is; returns its region for the blur. */
export function paintHalo(
  clean: Float32Array,
  instances: Uint16Array,
  width: number,
  height: number,
  background: readonly [number, number, number],
  spec: HaloSpec,
): Region {
  const { polygon, ring } = spec;
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - ring - 1));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - ring - 1));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs) + ring + 1));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys) + ring + 1));
  const inside = new Set<number>();
  fillPolygon(polygon, width, height, (x, y) => {
    inside.add(y * width + x);
  });
  const paint = (p: number, contrast: readonly number[]) => {
    for (let c = 0; c < 3; c++) clean[p * 3 + c] = background[c]! * (1 + contrast[c]!);
  };
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      if (instances[p] !== 0) continue;
      if (inside.has(p)) paint(p, spec.bright);
      else if (distanceToPolygon(polygon, x + 0.5, y + 0.5) <= ring) paint(p, spec.fringe);
    }
  }
  return [x0, y0, x1, y1];
}

function distanceToPolygon(polygon: readonly [number, number][], px: number, py: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < polygon.length; i++) {
    const [ax, ay] = polygon[i]!;
    const [bx, by] = polygon[(i + 1) % polygon.length]!;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(
      0,
      Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)),
    );
    best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
  }
  return best;
}
