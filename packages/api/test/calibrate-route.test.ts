import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALIBRATION_IMAGE_BUDGET } from "../src/routes/calibrate.js";
import type { RunningServer } from "../src/server.js";
import { calibrateForm, synthCocoSet } from "./calibrate-fixtures.js";
import { expectErrorShape, postForm, startTestServer } from "./helpers.js";

describe("POST /calibrate", () => {
  let srv: RunningServer;
  let set: Awaited<ReturnType<typeof synthCocoSet>>;
  beforeAll(async () => {
    srv = await startTestServer({ maxBodyBytes: 256 * 1024 });
    set = await synthCocoSet(2);
  });
  afterAll(() => srv.shutdown());

  it("fits the layers as the library does from the same pixels; saving is off by default", async () => {
    const res = await postForm(
      `${srv.url}/calibrate`,
      calibrateForm(JSON.stringify(set.coco), set.images),
    );
    expect(res.status).toBe(200);
    expect(res.body.dictionary).toEqual(JSON.parse(JSON.stringify(set.expected.dictionary)));
    expect(res.body.layers.map((l: { name: string }) => l.name)).toEqual(
      set.expected.layers.map((l) => l.name),
    );
    expect(res.body.can_save).toBe(false);
    expect(res.body.missing_images).toEqual([]);
  });

  it("reports COCO images that were not uploaded and fits from the rest", async () => {
    const res = await postForm(
      `${srv.url}/calibrate`,
      calibrateForm(JSON.stringify(set.coco), set.images.slice(0, 1)),
    );
    expect(res.status).toBe(200);
    expect(res.body.missing_images).toEqual([set.images[1]!.name]);
  });

  const bad: [string, () => FormData, number, string][] = [
    ["not JSON", () => calibrateForm("this is not json", set.images), 400, "INVALID_COCO"],
    [
      "JSON that is not COCO",
      () => calibrateForm(JSON.stringify({ images: "no" }), set.images),
      400,
      "INVALID_COCO",
    ],
    [
      "a segmentation outside its image",
      () => {
        const coco = structuredClone(set.coco);
        coco.annotations[0]!.segmentation = [[0, 0, 5000, 0, 0, 10]];
        return calibrateForm(JSON.stringify(coco), set.images);
      },
      400,
      "INVALID_COCO",
    ],
    [
      "no uploaded image in the COCO file",
      () =>
        calibrateForm(JSON.stringify(set.coco), [
          { name: "other.png", bytes: set.images[0]!.bytes },
        ]),
      400,
      "NO_MATCHING_IMAGES",
    ],
    ["no images at all", () => calibrateForm(JSON.stringify(set.coco), []), 400, "MISSING_FIELD"],
    [
      "an image of another size than its COCO entry",
      () => {
        const coco = structuredClone(set.coco);
        coco.images[0]!.width = 321;
        return calibrateForm(JSON.stringify(coco), set.images);
      },
      400,
      "IMAGE_SIZE_MISMATCH",
    ],
    [
      "an image that is not an image",
      () =>
        calibrateForm(JSON.stringify(set.coco), [
          { name: set.images[0]!.name, bytes: new TextEncoder().encode("not an image at all") },
        ]),
      415, // the API's status for NOT_AN_IMAGE, as on /detect
      "NOT_AN_IMAGE",
    ],
    [
      "a body over the limit",
      () =>
        calibrateForm(JSON.stringify(set.coco), [
          { name: set.images[0]!.name, bytes: new Uint8Array(300 * 1024) },
        ]),
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ];
  for (const [what, make, status, code] of bad) {
    it(`refuses ${what}: ${status} ${code}`, async () => {
      const res = await postForm(`${srv.url}/calibrate`, make());
      expect(res.status).toBe(status);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe(code);
    });
  }

  it("refuses images over the pixel budget of one fit with 422 TOO_MANY_PIXELS", async () => {
    // 5 images of 320x240 with a pixel limit of one such image: over CALIBRATION_IMAGE_BUDGET.
    const small = await startTestServer({ maxPixels: 320 * 240 });
    try {
      const many = await synthCocoSet(CALIBRATION_IMAGE_BUDGET + 1);
      const res = await postForm(
        `${small.url}/calibrate`,
        calibrateForm(JSON.stringify(many.coco), many.images),
      );
      expect(res.status).toBe(422);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe("TOO_MANY_PIXELS");
      const fits = await postForm(
        `${small.url}/calibrate`,
        calibrateForm(JSON.stringify(many.coco), many.images.slice(0, CALIBRATION_IMAGE_BUDGET)),
      );
      expect(fits.status).toBe(200);
    } finally {
      await small.shutdown();
    }
  });

  it("refuses a missing coco field with a typed 400", async () => {
    const fd = new FormData();
    fd.append("images", new Blob([set.images[0]!.bytes]), set.images[0]!.name);
    const res = await postForm(`${srv.url}/calibrate`, fd);
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("MISSING_FIELD");
  });
});
