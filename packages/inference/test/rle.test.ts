import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRle, encodeRle } from "../src/index.js";
import { countsToString, maskToCounts, stringToCounts } from "../src/io/rle.js";

describe("COCO compressed RLE", () => {
  it("writes the strings pycocotools writes (hand-checked)", () => {
    // 5 then 4 pixels, no delta before the fourth run
    expect(countsToString([0, 5, 4])).toBe("054");
    // fourth run written as the delta against the second: 3 - 3 = 0
    expect(countsToString([2, 3, 1, 3])).toBe("2310");
    // a negative delta (1 - 6 = -5): 5 bits 11011 = 27, sign bit set, no continuation
    expect(countsToString([1, 6, 1, 1])).toBe("161K");
    // 40 = 8 + 1 * 32: low group 8 with the continuation bit (8 | 32 = 40 -> "X"), then "1"
    expect(countsToString([40])).toBe("X1");
    // 16 needs a second group, or it would read back as negative
    expect(countsToString([16])).toBe("`0");
  });

  it("reads those strings back", () => {
    expect(stringToCounts("054")).toEqual([0, 5, 4]);
    expect(stringToCounts("2310")).toEqual([2, 3, 1, 3]);
    expect(stringToCounts("161K")).toEqual([1, 6, 1, 1]);
    expect(stringToCounts("X1")).toEqual([40]);
    expect(stringToCounts("`0")).toEqual([16]);
  });

  it("runs column-major and starts with a run of zeros", () => {
    // 2 x 3 mask (h = 2, w = 3), row-major:
    // 1 0 0
    // 1 1 0
    const mask = Uint8Array.from([1, 0, 0, 1, 1, 0]);
    expect(maskToCounts(mask, 2, 3)).toEqual([0, 2, 1, 1, 2]);
    // the fourth run is written as 1 - 2 = -1 ("O"), the fifth as 2 - 1 = 1
    expect(encodeRle(mask, 2, 3)).toEqual({ size: [2, 3], counts: "021O1" });
    expect([...decodeRle({ size: [2, 3], counts: "021O1" })]).toEqual([1, 0, 0, 1, 1, 0]);
    expect(encodeRle(new Uint8Array(6), 2, 3).counts).toBe("6");
  });

  it("accepts uncompressed counts too", () => {
    expect([...decodeRle({ size: [2, 3], counts: [0, 2, 1, 1, 2] })]).toEqual([1, 0, 0, 1, 1, 0]);
  });

  it("round-trips any mask", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (h, w, seed, density) => {
          let s = seed;
          const mask = Uint8Array.from({ length: h * w }, () => {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            return s / 2 ** 31 < density ? 1 : 0;
          });
          const rle = encodeRle(mask, h, w);
          expect(rle.size).toEqual([h, w]);
          expect(decodeRle(rle)).toEqual(mask);
          expect(stringToCounts(rle.counts)).toEqual(maskToCounts(mask, h, w));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses strings and counts that do not fit", () => {
    expect(() => decodeRle({ size: [2, 2], counts: [0, 5] })).toThrow(/do not fit a 2x2 mask/);
    expect(() => decodeRle({ size: [2, 2], counts: [1, 1] })).toThrow(/cover 2 pixels/);
    expect(() => decodeRle({ size: [2, 2], counts: "0~" })).toThrow(/character/);
  });
});
