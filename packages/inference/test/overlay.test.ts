import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { detectImage } from "../src/detect.js";
import type { Flake } from "../src/flake.js";
import { encodeBgr } from "../src/io/image-files.js";
import { layerColor, renderOverlay } from "../src/io/overlay.js";
import { encodeRle } from "../src/io/rle.js";
import { synthesize } from "../src/tools/synth.js";

const W = 160;
const H = 120;

function rectFlake(thickness: string, x: number, y: number, w: number, h: number): Flake {
  const mask = new Uint8Array(W * H);
  for (let yy = y; yy < y + h; yy++) mask.fill(1, yy * W + x, yy * W + x + w);
  return {
    thickness,
    size: w * h,
    center: [x + Math.floor(w / 2), y + Math.floor(h / 2)],
    min_sidelength: Math.min(w, h),
    max_sidelength: Math.max(w, h),
    aspect_ratio: Math.max(w, h) / Math.min(w, h),
    mean_contrast: [-0.1, -0.2, -0.2],
    false_positive_probability: 0.1,
    entropy: 1,
    bbox: [x, y, w, h],
    mask: encodeRle(mask, H, W),
  };
}

const image = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(128) };

async function rgbAt(png: Buffer): Promise<(x: number, y: number) => number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return (x, y) => Array.from(data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
}

describe("renderOverlay", () => {
  it("is a PNG of the image's size with each outline in its layer's colour", async () => {
    const flakes = [rectFlake("1", 20, 40, 40, 30), rectFlake("3", 90, 50, 50, 50)];
    const png = await renderOverlay(image, flakes);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", W, H]);
    const at = await rgbAt(png);
    // Bottom edges (away from the labels, which sit above each flake), two pixels thick.
    expect(at(40, 69)).toEqual(layerColor("1"));
    expect(at(40, 68)).toEqual(layerColor("1"));
    expect(at(40, 67)).toEqual([128, 128, 128]); // inside, untouched
    expect(at(40, 70)).toEqual([128, 128, 128]); // outside, untouched
    expect(at(90, 80)).toEqual(layerColor("3")); // left edge of flake 2
    expect(at(139, 99)).toEqual(layerColor("3"));
    expect(at(115, 75)).toEqual([128, 128, 128]);
    expect(layerColor("1")).not.toEqual(layerColor("3"));
  });

  it("draws the labels (text pixels appear above the flake)", async () => {
    const flakes = [rectFlake("2", 30, 60, 40, 30)];
    const plain = await rgbAt(await renderOverlay(image, flakes, { labels: false }));
    const labelled = await rgbAt(await renderOverlay(image, flakes));
    let changed = 0;
    for (let y = 0; y < 60; y++) {
      for (let x = 0; x < W; x++) if (plain(x, y).join() !== labelled(x, y).join()) changed++;
    }
    expect(changed).toBeGreaterThan(50);
  });

  it("accepts encoded image bytes", async () => {
    const png = await sharp(Buffer.alloc(W * H * 3, 128), {
      raw: { width: W, height: H, channels: 3 },
    })
      .png()
      .toBuffer();
    const at = await rgbAt(await renderOverlay(png, [rectFlake("2", 20, 40, 40, 30)]));
    expect(at(40, 69)).toEqual(layerColor("2"));
    expect(at(40, 60)).toEqual([128, 128, 128]);
  });

  it("refuses a flake whose mask does not match the image", async () => {
    const flake = rectFlake("1", 0, 0, 10, 10);
    flake.mask = { size: [10, 10], counts: flake.mask.counts };
    await expect(renderOverlay(image, [flake])).rejects.toThrow(/10x10 mask; the image is 160x120/);
  });
});

describe("detectImage({ overlay: true })", () => {
  it("draws on the pixels it decoded: the same PNG renderOverlay makes from the bytes", async () => {
    const synth = synthesize({ width: 320, height: 240, seed: 5 });
    const bytes = await encodeBgr(synth.image, "png");
    const { overlay, flakes } = await detectImage(bytes, { overlay: true });
    expect(flakes.length).toBeGreaterThan(0);
    expect(overlay).toBeDefined();
    expect(Buffer.from(overlay!).equals(await renderOverlay(bytes, flakes))).toBe(true);
    expect((await detectImage(bytes)).overlay).toBeUndefined();
  });
});
