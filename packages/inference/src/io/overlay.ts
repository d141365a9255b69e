import sharp from "sharp";
import { InferenceError } from "../errors.js";
import type { Flake } from "../flake.js";
import type { BgrImage } from "../types.js";
import { decodeImage } from "./decode.js";
import { bgrToRgb } from "./image-files.js";
import { decodeRle } from "./rle.js";

/**
 * Overlays for people: each flake outlined in its layer's colour (exact pixels, drawn on the
 * image itself) and labelled with its layer and index (SVG text composited by sharp).
 */

/** [r, g, b] per layer: numeric layer names index this palette, others hash into it. */
const PALETTE: readonly [number, number, number][] = [
  [0, 230, 118], // 1: green
  [41, 121, 255], // 2: blue
  [255, 234, 0], // 3: yellow
  [255, 23, 68], // 4: red
  [213, 0, 249], // 5: magenta
  [0, 229, 255], // 6: cyan
  [255, 145, 0], // 7: orange
  [255, 255, 255], // 8+: white
];

export function layerColor(layer: string): [number, number, number] {
  const n = Number(layer);
  let index: number;
  if (Number.isInteger(n) && n >= 1) {
    index = Math.min(n, PALETTE.length) - 1;
  } else {
    let h = 0;
    for (const ch of layer) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
    index = h % PALETTE.length;
  }
  return [...PALETTE[index]!];
}

export interface OverlayOptions {
  /** Outline width in px (default 2). */
  lineWidth?: number;
  /** Label each flake (default true). */
  labels?: boolean;
}

/** Render `flakes` over `input` (encoded image bytes, or decoded BGR pixels) as a PNG. */
export async function renderOverlay(
  input: BgrImage | Uint8Array,
  flakes: readonly Flake[],
  options: OverlayOptions = {},
): Promise<Buffer> {
  // Bytes go through the detector's own decoder, so EXIF orientation matches the flakes.
  const image = input instanceof Uint8Array ? await decodeImage(input) : input;
  return drawOverlay(bgrToRgb(image), image.width, image.height, flakes, options);
}

/**
 * Draw onto `rgb` (RGB pixels, modified in place) and encode the PNG. detectImage calls this
 * with the pixels it already decoded, so an overlay never costs a second decode.
 */
export async function drawOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  flakes: readonly Flake[],
  options: OverlayOptions = {},
): Promise<Buffer> {
  const lineWidth = Math.max(1, Math.floor(options.lineWidth ?? 2));
  flakes.forEach((flake, i) => {
    const [h, w] = flake.mask.size;
    if (h !== height || w !== width) {
      throw new InferenceError(
        "BAD_OPTION",
        `flake ${i + 1} has a ${w}x${h} mask; the image is ${width}x${height}`,
      );
    }
    const mask = decodeRle(flake.mask);
    const color = layerColor(flake.thickness);
    for (const p of outline(mask, width, height, lineWidth)) rgb.set(color, p * 3);
  });
  let out = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (options.labels !== false && flakes.length > 0) {
    out = out.composite([{ input: Buffer.from(labelSvg(flakes, width, height)), top: 0, left: 0 }]);
  }
  // The SVG brings an alpha channel; the overlay itself is opaque.
  return out.removeAlpha().png().toBuffer();
}

/** Indices of mask pixels within `lineWidth` (4-connected steps) of the mask's edge. */
export function outline(
  mask: Uint8Array,
  width: number,
  height: number,
  lineWidth: number,
): number[] {
  const dist = new Int32Array(mask.length).fill(-1);
  let frontier: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const x = p % width;
    const y = (p - x) / width;
    const edge =
      x === 0 ||
      y === 0 ||
      x === width - 1 ||
      y === height - 1 ||
      !mask[p - 1] ||
      !mask[p + 1] ||
      !mask[p - width] ||
      !mask[p + width];
    if (edge) {
      dist[p] = 0;
      frontier.push(p);
    }
  }
  const result = [...frontier];
  for (let d = 1; d < lineWidth; d++) {
    const next: number[] = [];
    for (const p of frontier) {
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width];
      for (const q of neighbours) {
        if (q >= 0 && q < mask.length && mask[q] && dist[q] === -1) {
          dist[q] = d;
          next.push(q);
        }
      }
    }
    result.push(...next);
    frontier = next;
  }
  return result;
}

function labelSvg(flakes: readonly Flake[], width: number, height: number): string {
  const size = Math.max(11, Math.min(28, Math.round(Math.min(width, height) / 45)));
  const parts = flakes.map((flake, i) => {
    const [r, g, b] = layerColor(flake.thickness);
    // "1L" (one layer) for numeric layer names, the name itself otherwise.
    const layer = /^\d+$/.test(flake.thickness) ? `${flake.thickness}L` : flake.thickness;
    const text = `${i + 1}: ${layer}`;
    const boxW = Math.ceil(text.length * size * 0.62) + 6;
    const boxH = size + 6;
    const [bx, by] = flake.bbox;
    const x = Math.min(Math.max(0, bx), Math.max(0, width - boxW));
    const y = by - boxH - 2 >= 0 ? by - boxH - 2 : Math.min(height - boxH, by + flake.bbox[3] + 2);
    return (
      `<rect x="${x}" y="${Math.max(0, y)}" width="${boxW}" height="${boxH}" rx="3" fill="black" fill-opacity="0.6"/>` +
      `<text x="${x + 3}" y="${Math.max(0, y) + size}" fill="rgb(${r},${g},${b})">${escapeXml(text)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="DejaVu Sans" font-size="${size}" font-weight="bold">${parts.join("")}</g></svg>`
  );
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Outlines in one colour per group, each mask given as its row-major pixel indices. */
export interface MarkGroup {
  color: [number, number, number];
  masks: readonly Int32Array[];
}

/** Draw outlined masks over a decoded image (e.g. evaluation hits, misses, false positives). */
export async function drawMarks(
  image: BgrImage,
  groups: readonly MarkGroup[],
  lineWidth = 2,
): Promise<Buffer> {
  const { width, height } = image;
  const rgb = bgrToRgb(image);
  const mask = new Uint8Array(width * height);
  for (const group of groups) {
    for (const pixels of group.masks) {
      for (const p of pixels) mask[p] = 1;
      for (const p of outline(mask, width, height, lineWidth)) rgb.set(group.color, p * 3);
      for (const p of pixels) mask[p] = 0;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
