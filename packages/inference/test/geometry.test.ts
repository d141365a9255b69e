import { describe, expect, it } from "vitest";
import {
  arcLength,
  convexHull,
  minAreaRect,
  polygonArea,
  traceOuterContour,
} from "../src/geometry/contour.js";
import { medianBlur5, medianBlur5Reference } from "../src/kernels/median.js";
import { evalNetwork, finishNetwork, sharedNetwork } from "../src/kernels/median-network.js";

/** Mask (padded by one zero pixel) from rows of "#" and "." */
function padded(rows: string[]) {
  const w = rows[0]!.length + 2;
  const mask = new Uint8Array(w * (rows.length + 2));
  rows.forEach((row, y) => {
    [...row].forEach((ch, x) => {
      if (ch === "#") mask[(y + 1) * w + x + 1] = 1;
    });
  });
  const start = mask.indexOf(1);
  return { mask, w, start };
}

function points(c: Int32Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < c.length; i += 2) out.push([c[i]!, c[i + 1]!]);
  return out;
}

describe("outer contour (cv2.findContours, CHAIN_APPROX_NONE)", () => {
  it("traces a 3x3 square as OpenCV does: down the left side first", () => {
    const { mask, w, start } = padded(["###", "###", "###"]);
    expect(points(traceOuterContour(mask, w, start, 1, 1))).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 2],
      [2, 2],
      [2, 1],
      [2, 0],
      [1, 0],
    ]);
  });

  it("visits a one-pixel-wide arm twice", () => {
    const { mask, w, start } = padded(["###", "#..", "#.."]);
    expect(points(traceOuterContour(mask, w, start, 1, 1))).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 1],
      [1, 0],
      [2, 0],
      [1, 0],
    ]);
  });

  it("returns the single pixel of a one-pixel component", () => {
    const { mask, w, start } = padded(["#"]);
    expect(points(traceOuterContour(mask, w, start, 1, 1))).toEqual([[0, 0]]);
  });
});

describe("contour measures", () => {
  // a diamond with corners on the axes, radius 2
  const diamond = Int32Array.from([2, 0, 0, 2, 2, 4, 4, 2]);

  it("arc length, area and hull of a diamond", () => {
    expect(arcLength(diamond)).toBeCloseTo(8 * Math.SQRT2, 12);
    expect(polygonArea(diamond)).toBe(8);
    expect(polygonArea(convexHull(Int32Array.from([...diamond, 2, 2, 1, 2])))).toBe(8);
  });

  it("minimum-area rectangle of a rotated square and of an axis-aligned bar", () => {
    // single precision, as OpenCV computes it
    const r = minAreaRect(diamond);
    expect(r.cx).toBeCloseTo(2, 6);
    expect(r.cy).toBeCloseTo(2, 6);
    expect(Math.min(r.width, r.height)).toBeCloseTo(2 * Math.SQRT2, 6);
    expect(Math.max(r.width, r.height)).toBeCloseTo(2 * Math.SQRT2, 6);
    const bar = minAreaRect(Int32Array.from([0, 0, 10, 0, 10, 3, 0, 3, 5, 1]));
    expect([
      bar.cx,
      bar.cy,
      Math.min(bar.width, bar.height),
      Math.max(bar.width, bar.height),
    ]).toEqual([5, 1.5, 3, 10]);
  });
});

describe("5x5 median", () => {
  it("the two networks select the median of 25 (shared 4-row columns, then each row's own)", () => {
    // the builder also checks each network on every 0-1 input consistent with its sorted groups
    const shared = sharedNetwork();
    const finish = finishNetwork();
    let seed = 99;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 7; // few distinct values: many ties
    };
    for (let trial = 0; trial < 3000; trial++) {
      const window = Array.from({ length: 25 }, rand); // row-major 5 x 5
      const columns: number[] = [];
      for (let c = 0; c < 5; c++) {
        columns.push(...[1, 2, 3, 4].map((r) => window[5 * r + c]!).sort((a, b) => a - b));
      }
      const ranks = evalNetwork(shared, columns);
      const [median] = evalNetwork(finish, [...ranks, ...window.slice(0, 5)]);
      expect(median).toBe([...window].sort((a, b) => a - b)[12]);
    }
    expect(shared.ops.length + finish.ops.length * 2).toBeLessThan(2 * 124);
  });

  it("the WebAssembly filter equals the plain one (replicated borders, odd sizes)", () => {
    let s = 12345;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % 256;
    };
    for (const [w, h] of [
      [8, 8],
      [9, 13],
      [17, 5],
      [61, 23],
      [1, 1],
      [2, 7],
      [5, 3],
      [6, 9],
      [1, 12],
    ] as const) {
      const img = Uint8Array.from({ length: w * h * 3 }, rand);
      expect(medianBlur5(img, w, h)).toEqual(medianBlur5Reference(img, w, h));
    }
  });

  it("replicates the border (cv2.medianBlur): a 2x2 bright corner block keeps only its corner", () => {
    const w = 6;
    const h = 6;
    const img = new Uint8Array(w * h * 3).fill(10);
    // top-left 2x2 block at 200: replicated, the corner's window holds 4 x 4 = 16 bright values
    // of 25; the window of (1, 0) holds 3 x 4 = 12 and that of (1, 1) 3 x 3 = 9
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]) {
      img.fill(200, (y! * w + x!) * 3, (y! * w + x!) * 3 + 3);
    }
    const out = medianBlur5(img, w, h);
    expect(out[0]).toBe(200);
    expect(out[3]).toBe(10);
    expect(out[(1 * w + 1) * 3]).toBe(10);
    expect([...out].filter((v) => v === 200)).toHaveLength(3);
  });
});
