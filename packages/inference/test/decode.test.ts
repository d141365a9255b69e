import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PIXELS, decodeImage, InferenceError, readImageInfo } from "../src/index.js";
import { png16, pngHeaderOnly } from "./fixtures.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InferenceError);
    return (e as InferenceError).code;
  }
  return "resolved";
}

const raw = (width: number, height: number, rgb: [number, number, number]) => {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return sharp(data, { raw: { width, height, channels: 3 } });
};

/** Noise, so JPEG has real entropy-coded data to truncate. */
function noisy(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    data[i] = s & 255;
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

describe("decodeImage", () => {
  it("returns B, G, R order", async () => {
    const bytes = await raw(16, 12, [250, 20, 5]).png().toBuffer();
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([16, 12]);
    expect(img.data.length).toBe(16 * 12 * 3);
    expect([...img.data.subarray(0, 6)]).toEqual([5, 20, 250, 5, 20, 250]);
    expect(img.data.every((v, i) => v === [5, 20, 250][i % 3])).toBe(true);
  });

  it("reads WebP (lossless) and 8-bit TIFF exactly", async () => {
    for (const bytes of [
      await raw(20, 10, [10, 120, 230]).webp({ lossless: true }).toBuffer(),
      await raw(20, 10, [10, 120, 230]).tiff({ compression: "lzw" }).toBuffer(),
    ]) {
      const img = await decodeImage(bytes);
      expect([...img.data.subarray(0, 3)]).toEqual([230, 120, 10]);
    }
  });

  it("scales 16-bit PNG and TIFF to 8 bits", async () => {
    // 51400 = 200 * 257, 25700 = 100 * 257, 0x1234 = 18.1 * 257
    const png = png16(12, 9, [51400, 25700, 0x1234]);
    const tiff = await sharp(png).toColourspace("rgb16").tiff({ compression: "lzw" }).toBuffer();
    for (const bytes of [png, tiff]) {
      expect((await sharp(bytes).metadata()).depth).toBe("ushort");
      const img = await decodeImage(bytes);
      expect([...img.data.subarray(0, 3)]).toEqual([18, 100, 200]);
    }
  });

  it("expands grayscale to three channels and drops alpha", async () => {
    const gray = await raw(10, 10, [90, 90, 90]).toColourspace("b-w").png().toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    expect([...(await decodeImage(gray)).data.subarray(0, 6)]).toEqual([90, 90, 90, 90, 90, 90]);
    const rgba = await raw(10, 10, [1, 2, 3]).ensureAlpha(1).png().toBuffer();
    expect((await sharp(rgba).metadata()).channels).toBe(4);
    const img = await decodeImage(rgba);
    expect(img.data.length).toBe(300);
    expect([...img.data.subarray(0, 3)]).toEqual([3, 2, 1]);
  });

  it("applies the EXIF orientation", async () => {
    // 20 x 10, left half red, rotated 90 degrees clockwise by orientation 6
    const data = Buffer.alloc(20 * 10 * 3);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 10; x++) data.set([255, 0, 0], (y * 20 + x) * 3);
    const bytes = await sharp(data, { raw: { width: 20, height: 10, channels: 3 } })
      .png()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([10, 20]);
    // the left half becomes the top half
    expect([...img.data.subarray(0, 3)]).toEqual([0, 0, 255]);
    expect([...img.data.subarray((19 * 10 + 9) * 3, (19 * 10 + 9) * 3 + 3)]).toEqual([0, 0, 0]);
  });

  it("reads the header without decoding", async () => {
    expect(await readImageInfo(await raw(33, 17, [0, 0, 0]).jpeg().toBuffer())).toEqual({
      width: 33,
      height: 17,
      format: "jpeg",
    });
    expect(await readImageInfo(pngHeaderOnly(60000, 60000))).toEqual({
      width: 60000,
      height: 60000,
      format: "png",
    });
  });
});

describe("bad input gets a typed error", () => {
  it("0-byte file: EMPTY_INPUT", async () => {
    expect(await codeOf(decodeImage(new Uint8Array(0)))).toBe("EMPTY_INPUT");
    expect(await codeOf(readImageInfo(new Uint8Array(0)))).toBe("EMPTY_INPUT");
  });

  it("text: NOT_AN_IMAGE", async () => {
    const text = new TextEncoder().encode("this is not an image, just some text\n");
    await expect(decodeImage(text)).rejects.toThrow(/not an image we can read.*JPEG, PNG/);
    expect(await codeOf(decodeImage(text))).toBe("NOT_AN_IMAGE");
  });

  it("truncated JPEG: CORRUPT_IMAGE", async () => {
    const jpeg = await noisy(64, 64).jpeg({ quality: 90 }).toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(decodeImage(cut)).rejects.toThrow(/truncated or damaged/);
    expect(await codeOf(decodeImage(cut))).toBe("CORRUPT_IMAGE");
  });

  it("1x1 image: IMAGE_TOO_SMALL", async () => {
    const one = await raw(1, 1, [1, 2, 3]).png().toBuffer();
    await expect(decodeImage(one)).rejects.toThrow(
      "the image is 1x1; the detector needs at least 8x8",
    );
  });

  it("60000x60000 PNG header: TOO_MANY_PIXELS, before any allocation", async () => {
    const before = process.memoryUsage().rss;
    await expect(decodeImage(pngHeaderOnly(60000, 60000))).rejects.toThrow(
      `the image is 60000x60000 = 3600000000 pixels; the limit is ${DEFAULT_MAX_PIXELS}`,
    );
    expect(await codeOf(decodeImage(pngHeaderOnly(60000, 60000)))).toBe("TOO_MANY_PIXELS");
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it("a caller's lower pixel limit", async () => {
    const img = await raw(100, 100, [1, 2, 3]).png().toBuffer();
    expect(await codeOf(decodeImage(img, { maxPixels: 9999 }))).toBe("TOO_MANY_PIXELS");
    expect((await decodeImage(img, { maxPixels: 10000 })).width).toBe(100);
  });

  it("CMYK JPEG: refused with UNSUPPORTED_IMAGE", async () => {
    const cmyk = await raw(16, 16, [200, 50, 50]).toColourspace("cmyk").jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe("cmyk");
    await expect(decodeImage(cmyk)).rejects.toThrow(/CMYK images are not accepted/);
    expect(await codeOf(decodeImage(cmyk))).toBe("UNSUPPORTED_IMAGE");
  });

  it("a format we recognise but do not accept (GIF): UNSUPPORTED_IMAGE", async () => {
    const gif = await raw(16, 16, [1, 2, 3]).gif().toBuffer();
    expect(await codeOf(decodeImage(gif))).toBe("UNSUPPORTED_IMAGE");
  });
});
