import type { Component } from "./components.js";

/**
 * The bright-edge filter (opt-in): on images from other microscopes, thick bulk crystals that
 * are much brighter than the substrate have blurred rims whose colour passes through a
 * layer's, so thin rims along them come out as monolayers. A component is rejected when
 * - "bright_edge": a large share of the pixels just around it (a band of BAND_PX, holes
 *   included) is much brighter than the background; a real flake is bordered by substrate or
 *   by other (darker) layers, a halo by the crystal it hugs; or
 * - "thin_rim": its mean width, twice its area over its boundary length, is under
 *   MIN_WIDTH_PX: what the disk(2) opening leaves of a rim, not of a flake.
 */

export const EDGE_FILTER = {
  /** Band around the component examined for bright pixels, px. */
  BAND_PX: 3,
  /** Contrast (mean of b, g, r) at which a pixel counts as much brighter than the background. */
  BRIGHT_CONTRAST: 0.15,
  /** Share of the band that is bright at which the component is a halo. */
  BRIGHT_SHARE: 0.08,
  /** Mean width below which a component is a rim, px. */
  MIN_WIDTH_PX: 6,
} as const;

/** Why an opt-in filter dropped a flake (`rejected_by` in explained results). */
export const REJECTION_REASONS = ["bright_edge", "thin_rim", "fp_probability"] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface EdgeInput {
  bgr: Uint8Array;
  width: number;
  height: number;
  background: readonly [number, number, number];
  offsets?: readonly [number, number, number];
}

/** Why the bright-edge filter rejects a component (empty: it is kept). */
export function edgeRejections(input: EdgeInput, comp: Component): RejectionReason[] {
  const { width, height, bgr, background } = input;
  const [ob, og, or] = input.offsets ?? [0, 1, 2];
  const band = EDGE_FILTER.BAND_PX;
  // local box grown by the band, clipped to the image
  const x0 = Math.max(0, comp.x - band);
  const y0 = Math.max(0, comp.y - band);
  const x1 = Math.min(width - 1, comp.x + comp.w - 1 + band);
  const y1 = Math.min(height - 1, comp.y + comp.h - 1 + band);
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  // distance (4-connected steps) from the component, up to the band width
  const dist = new Uint8Array(bw * bh).fill(255);
  let frontier: number[] = [];
  for (const p of comp.pixels) {
    const x = p % width;
    const local = ((p - x) / width - y0) * bw + (x - x0);
    dist[local] = 0;
    frontier.push(local);
  }
  let boundary = 0;
  let bandPixels = 0;
  let bright = 0;
  // brightness as contrast: mean over channels of v / background - 1
  const isBright = (local: number) => {
    const lx = local % bw;
    const p = ((local - lx) / bw + y0) * width + lx + x0;
    const c =
      (bgr[p * 3 + ob]! / background[0] +
        bgr[p * 3 + og]! / background[1] +
        bgr[p * 3 + or]! / background[2]) /
        3 -
      1;
    return c >= EDGE_FILTER.BRIGHT_CONTRAST;
  };
  for (let d = 1; d <= band; d++) {
    const next: number[] = [];
    for (const q of frontier) {
      const qx = q % bw;
      const neighbours = [qx > 0 ? q - 1 : -1, qx < bw - 1 ? q + 1 : -1, q - bw, q + bw];
      let outer = false;
      for (const n of neighbours) {
        if (n < 0 || n >= dist.length) {
          outer = true;
          continue;
        }
        if (dist[n] === 0) continue;
        outer = true;
        if (dist[n] !== 255) continue;
        dist[n] = d;
        next.push(n);
        bandPixels++;
        if (isBright(n)) bright++;
      }
      if (d === 1 && outer) boundary++;
    }
    frontier = next;
  }
  const reasons: RejectionReason[] = [];
  if (bandPixels > 0 && bright / bandPixels >= EDGE_FILTER.BRIGHT_SHARE)
    reasons.push("bright_edge");
  if (boundary > 0 && (2 * comp.pixels.length) / boundary < EDGE_FILTER.MIN_WIDTH_PX) {
    reasons.push("thin_rim");
  }
  return reasons;
}
