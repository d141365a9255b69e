import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_MODEL_ID, decodeRle, detectImage, FlakeSchema } from "@flakeops/inference";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetectResponse } from "../src/routes/schemas.js";
import type { RunningServer } from "../src/server.js";
import { form, postForm, sharedGrapheneImages, startTestServer, synthImage } from "./helpers.js";

const run = promisify(execFile);

describe("POST /detect", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  let dir: string;
  beforeAll(async () => {
    srv = await startTestServer();
    jpeg = await synthImage({ width: 640, height: 480, seed: 11 });
    dir = mkdtempSync(join(tmpdir(), "flakeops-api-"));
    writeFileSync(join(dir, "test_image.jpg"), jpeg);
  });
  afterAll(async () => {
    await srv.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the seed's curl command verbatim", async () => {
    const { stdout } = await run(
      "curl",
      [
        "-sS",
        "-X",
        "POST",
        `${srv.url}/detect`,
        "-F",
        "image=@test_image.jpg",
        "-F",
        "customer_id=test",
      ],
      { cwd: dir },
    );
    const body = DetectResponse.parse(JSON.parse(stdout));
    expect(body.customer_id).toBe("test");
    expect(body.model).toBe(DEFAULT_MODEL_ID);
    expect(body.image).toEqual({ width: 640, height: 480 });
    expect(body.flakes.length).toBeGreaterThan(0);
    for (const f of body.flakes) {
      FlakeSchema.parse(f);
      expect(f.mask!.size).toEqual([480, 640]);
    }
  });

  it("returns exactly what the detector finds, plus request id and timings", async () => {
    const r = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "lab_1" }),
      {
        "X-Request-Id": "trace-abc-123",
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toBe("trace-abc-123");
    expect(r.body.request_id).toBe("trace-abc-123");
    const direct = await detectImage(jpeg, { model: DEFAULT_MODEL_ID });
    expect(r.body.flakes).toEqual(JSON.parse(JSON.stringify(direct.flakes)));
    expect(r.body.timings.total_ms).toBeGreaterThanOrEqual(r.body.timings.detect_ms);
  });

  it("generates a request id when none (or a bad one) is given", async () => {
    const r = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "x" }),
      {
        "X-Request-Id": "bad id with spaces",
      },
    );
    expect(r.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get("x-request-id")).toBe(r.body.request_id);
  });

  it("honours size_threshold, return_mask=false and return_overlay=true", async () => {
    const all = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "t", size_threshold: "50" }),
    );
    const big = await postForm(
      `${srv.url}/detect`,
      form({
        image: { bytes: jpeg, filename: "a.jpg" },
        customer_id: "t",
        size_threshold: "3000",
        return_mask: "false",
        return_overlay: "true",
      }),
    );
    expect(all.status).toBe(200);
    expect(big.status).toBe(200);
    expect(big.body.flakes.every((f: { size: number }) => f.size >= 3000)).toBe(true);
    expect(all.body.flakes.length).toBeGreaterThanOrEqual(big.body.flakes.length);
    expect(big.body.flakes.every((f: object) => !("mask" in f))).toBe(true);
    const png = Buffer.from(big.body.overlay.replace(/^data:image\/png;base64,/, ""), "base64");
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 640, 480]);
    // Masks, when returned, decode to the image's size.
    for (const f of all.body.flakes) expect(decodeRle(f.mask).length).toBe(640 * 480);
  });

  const shared = sharedGrapheneImages();
  it.skipIf(shared.length === 0)(
    "detects flakes in the shared real graphene images (skipped without ../shared/data)",
    async () => {
      const first = shared[0]!;
      const r = await postForm(
        `${srv.url}/detect`,
        form({ image: { bytes: first.bytes, filename: first.name }, customer_id: "test" }),
      );
      expect(r.status).toBe(200);
      expect(r.body.image).toEqual({ width: 1920, height: 1200 });
      expect(r.body.flakes.length).toBeGreaterThan(0);
    },
  );
});
