import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DetectorPool,
  detectImage,
  GRAPHENE_CONTRAST_DICT,
  InferenceError,
  ModelRegistry,
} from "../src/index.js";
import { bgrImage, layerColour, png } from "./fixtures.js";

const BG: [number, number, number] = [150, 100, 110];
const c = (k: keyof typeof GRAPHENE_CONTRAST_DICT) => {
  const m = GRAPHENE_CONTRAST_DICT[k].contrast;
  return layerColour(BG, [m.b, m.g, m.r]);
};

async function failure(p: Promise<unknown>): Promise<InferenceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InferenceError);
    return e as InferenceError;
  }
  throw new Error("expected a rejection");
}

let image: Uint8Array;
let big: Uint8Array;
const root = mkdtempSync(join(tmpdir(), "flakeops-pool-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  image = await png(
    bgrImage(240, 180, BG, [
      { x: 20, y: 20, w: 40, h: 30, bgr: c("1") },
      { x: 120, y: 100, w: 50, h: 35, bgr: c("3") },
    ]),
    240,
    180,
  );
  big = await png(
    bgrImage(1600, 1200, BG, [{ x: 200, y: 200, w: 60, h: 40, bgr: c("2") }]),
    1600,
    1200,
  );
  await new ModelRegistry({ modelsDir: root }).addGmm("OnlyThree", {
    "3": GRAPHENE_CONTRAST_DICT["3"],
  });
});

describe("DetectorPool", () => {
  it("gives the same result as detectImage in this thread, and keeps error codes", async () => {
    const pool = new DetectorPool({ workers: 2, modelsDir: root });
    try {
      const [a, b, local] = await Promise.all([
        pool.run(image),
        pool.run(image),
        detectImage(image),
      ]);
      const { timings: _t1, ...fromWorker } = a;
      const { timings: _t2, ...inProcess } = local;
      expect(fromWorker).toEqual(inProcess);
      expect(b.flakes).toEqual(local.flakes);
      expect(a.flakes.map((f) => f.thickness)).toEqual(["1", "3"]);

      // models from the pool's directory load in the workers
      const three = await pool.run(image, { model: "GMM-OnlyThree" });
      expect(three.flakes.map((f) => f.thickness)).toEqual(["3"]);

      const empty = await failure(pool.run(new Uint8Array(0)));
      expect(empty.code).toBe("EMPTY_INPUT");
      expect(empty.message).toBe(
        "the image is empty (0 bytes); send a JPEG, PNG, TIFF (8 or 16 bit) or WebP file",
      );
      expect((await failure(pool.run(image, { model: "GMM-Nope" }))).code).toBe("UNKNOWN_MODEL");
      expect((await failure(pool.run(image, { sizeThreshold: 0 }))).code).toBe("BAD_OPTION");
      const white = await png(bgrImage(32, 32, [255, 255, 255]), 32, 32);
      expect((await failure(pool.run(white))).code).toBe("NO_BACKGROUND");
    } finally {
      await pool.close();
    }
    expect((await failure(pool.run(image))).code).toBe("ABORTED");
  });

  it("cancels a queued task on abort and refuses work beyond the queue", async () => {
    const pool = new DetectorPool({ workers: 1, maxQueue: 1 });
    try {
      await pool.run(image); // the worker is up
      const controller = new AbortController();
      const first = pool.run(big);
      const queued = pool.run(big, { signal: controller.signal });
      expect([pool.running, pool.queued]).toEqual([1, 1]);
      const refused = await failure(pool.run(image));
      expect(refused.code).toBe("OVERLOADED");
      expect(refused.message).toBe(
        "all 1 detector workers are busy and the queue is full (1); retry later",
      );
      controller.abort();
      expect((await failure(queued)).code).toBe("ABORTED");
      expect((await first).flakes.map((f) => [f.thickness, f.size])).toEqual([["2", 2388]]);
      expect([pool.running, pool.queued]).toEqual([0, 0]);
    } finally {
      await pool.close();
    }
  });

  it("a deadline firing while a task runs terminates its worker: the work really stops", async () => {
    const pool = new DetectorPool({ workers: 1, maxQueue: 1 });
    try {
      const before = (await pool.probe()).threadId;
      const controller = new AbortController();
      // handed to the idle worker at once, so the abort finds it running, not queued
      const running = pool.run(big, { signal: controller.signal, stdThreshold: 100 });
      controller.abort();
      expect((await failure(running)).code).toBe("ABORTED");
      // piscina replaced the terminated thread; the pool works on
      const after = (await pool.probe()).threadId;
      expect(after).not.toBe(before);
      expect((await pool.run(image)).flakes.length).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it("closing rejects the work still waiting with ABORTED", async () => {
    const pool = new DetectorPool({ workers: 1, maxQueue: 4 });
    await pool.run(image);
    const settled = Promise.allSettled([pool.run(big), pool.run(big), pool.run(big)]);
    await pool.close();
    const outcomes = await settled;
    for (const o of outcomes) {
      if (o.status === "rejected") {
        expect(o.reason).toBeInstanceOf(InferenceError);
        expect((o.reason as InferenceError).code).toBe("ABORTED");
      }
    }
    expect(outcomes.filter((o) => o.status === "rejected").length).toBeGreaterThanOrEqual(2);
  });
});
