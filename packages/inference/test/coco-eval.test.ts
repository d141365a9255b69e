import { describe, expect, it } from "vitest";
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from "../src/tools/coco-eval.js";
import { evaluateInstances } from "../src/tools/evaluate.js";

/** Pixels from..to-1 of a mask (row-major indices). */
const px = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

describe("COCO evaluation (pycocotools' algorithm, hand-computed cases)", () => {
  it("uses numpy's threshold grids", () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[50]).toBe(0.5);
  });

  it("one image: a perfect hit, a false positive, a partial hit (IoU 0.62)", () => {
    // gt A = px 0-99, gt B = px 200-299; d1 (0.9) = A exactly, d2 (0.8) = px 400-449 (no
    // overlap), d3 (0.7) = px 200-261, inside B: IoU 62/100 = 0.62.
    const { report } = evaluateInstances(
      [
        {
          image: "a.png",
          gts: [
            { pixels: px(0, 100), layer: "1" },
            { pixels: px(200, 300), layer: "1" },
          ],
          dts: [
            { pixels: px(400, 450), layer: "1", score: 0.8 },
            { pixels: px(0, 100), layer: "1", score: 0.9 },
            { pixels: px(200, 262), layer: "1", score: 0.7 },
          ],
        },
      ],
      0.5,
      ["1"],
    );
    // At IoU 0.5: d1, d3 hit; d2 is false: TP 2, FP 1, FN 0.
    expect(report.overall).toMatchObject({ tp: 2, fp: 1, fn: 0, recall: 1 });
    expect(report.overall.precision).toBeCloseTo(2 / 3, 12);
    expect(report.overall.f1).toBeCloseTo(0.8, 12);
    // Score order d1 (TP), d2 (FP), d3. Where d3 matches (t = .50, .55, .60): recall
    // .5, .5, 1, precision 1, .5, 2/3 -> envelope 1, 2/3, 2/3; recall thresholds 0-.50 (51)
    // read 1, .51-1 (50) read 2/3: (51 + 100/3) / 101 = 253/303.
    // At the 7 other thresholds: recall .5 at most, precision 1 up to it (51 values), 0 past:
    // 51/101. AP = (3 * 253/3 + 7 * 51) / 1010 = 610/1010.
    expect(report.overall.ap50).toBeCloseTo(253 / 303, 12);
    expect(report.overall.ap).toBeCloseTo(610 / 1010, 12);
    expect(report.layers).toHaveLength(1);
    expect(report.layers[0]).toMatchObject({ layer: "1", tp: 2, fp: 1, fn: 0 });
    expect(report.layers[0]!.ap).toBeCloseTo(610 / 1010, 12);
    expect(report.images).toEqual([{ image: "a.png", tp: 2, fp: 1, fn: 0 }]);
  });

  it("two images sorted together; a layer with no ground truth has AP -1 and is left out", () => {
    // image 1: gt A (layer 1) = px 0-99; d (layer 1, 0.6) = A; d (layer 2, 0.95) = A.
    // image 2: gt B (layer 1) = px 0-99; d (layer 1, 0.9) = px 500-599 (false).
    const { report } = evaluateInstances(
      [
        {
          image: "one.png",
          gts: [{ pixels: px(0, 100), layer: "1" }],
          dts: [
            { pixels: px(0, 100), layer: "1", score: 0.6 },
            { pixels: px(0, 100), layer: "2", score: 0.95 },
          ],
        },
        {
          image: "two.png",
          gts: [{ pixels: px(0, 100), layer: "1" }],
          dts: [{ pixels: px(500, 600), layer: "1", score: 0.9 }],
        },
      ],
      0.5,
      ["1"],
    );
    // Layer 1, both images in score order: 0.9 (FP), 0.6 (TP): recall 0, .5; precision 0, .5
    // -> envelope .5, .5. Recall thresholds 0-.50 (51) read .5, the rest 0, at every IoU
    // (the hit is exact): AP = AP50 = 25.5/101.
    const l1 = report.layers.find((l) => l.layer === "1")!;
    expect(l1).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(l1.ap).toBeCloseTo(25.5 / 101, 12);
    expect(l1.ap50).toBeCloseTo(25.5 / 101, 12);
    const l2 = report.layers.find((l) => l.layer === "2")!;
    expect(l2).toMatchObject({ tp: 0, fp: 1, fn: 0, ap: -1, ap50: -1 });
    // The overall AP averages layers with ground truth only (pycocotools' -1 rule).
    expect(report.overall.ap).toBeCloseTo(25.5 / 101, 12);
    expect(report.overall).toMatchObject({ tp: 1, fp: 2, fn: 1 });
    expect(report.images).toEqual([
      { image: "one.png", tp: 1, fp: 1, fn: 0 },
      { image: "two.png", tp: 0, fp: 1, fn: 1 },
    ]);
    // Class-agnostic: in image 1 the layer-2 detection (0.95) takes A first, so A is
    // "1 seen as 2" and the layer-1 detection is unmatched; image 2's detection is unmatched
    // and its gt missed.
    expect(report.confusion).toEqual({
      labels: ["1", "2", "none"],
      matrix: [
        [0, 1, 1],
        [0, 0, 0],
        [2, 0, 0],
      ],
    });
  });

  it("a detection on a crowd region is neither true nor false; an unmatched crowd is no miss", () => {
    // gt A = px 0-99 (layer 1); crowd C = px 1000-1999; d1 (0.9) = A; d2 (0.8) = px 1000-1049
    // (IoU with the crowd: 50/50 = 1 over the detection's own area).
    const { report } = evaluateInstances(
      [
        {
          image: "c.png",
          gts: [
            { pixels: px(1000, 2000), layer: "1", crowd: true },
            { pixels: px(0, 100), layer: "1" },
          ],
          dts: [
            { pixels: px(0, 100), layer: "1", score: 0.9 },
            { pixels: px(1000, 1050), layer: "1", score: 0.8 },
          ],
        },
      ],
      0.5,
      ["1"],
    );
    expect(report.overall).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    // precision 1 / (1 + eps) at every recall, as pycocotools' tp / (tp + fp + np.spacing(1))
    expect(report.overall.ap).toBeCloseTo(1, 12);
    expect(report.overall.ap50).toBeCloseTo(1, 12);
  });
});
