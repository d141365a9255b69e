import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRle, GRAPHENE_CONTRAST_DICT } from "@flakeops/inference";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictResponse } from "../src/routes/schemas.js";
import type { RunningServer } from "../src/server.js";
import { form, getJson, jsonOf, postForm, startTestServer, synthImage } from "./helpers.js";

/** MaskTerial's client contract: its frontend and scripts must work unchanged. */
describe("MaskTerial-compatible routes", () => {
  let srv: RunningServer;
  let jpeg: Buffer;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), "flakeops-models-"));
    // A local setup: uploads opted in (deployed hosts keep models read-only).
    srv = await startTestServer({ modelsDir, allowModelUploads: true });
    jpeg = await synthImage({ width: 480, height: 360, seed: 5 });
  });
  afterAll(async () => {
    await srv.shutdown();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it("GET /status", async () => {
    const res = await fetch(`${srv.url}/status`);
    expect(await jsonOf(res)).toBe("Ready for inference");
  });

  it("GET /available_models lists the embedded graphene GMM", async () => {
    const body = await getJson(`${srv.url}/available_models`);
    expect(body.available_models.classification_models.GMM).toContain("Graphene");
    expect(body.available_models).toHaveProperty("segmentation_models");
    expect(body.available_models).toHaveProperty("postprocessing_models");
  });

  it("POST /predict with field `files`: a list of flakes whose masks decode to each flake", async () => {
    const r = await postForm(
      `${srv.url}/predict`,
      form({
        files: { bytes: jpeg, filename: "img.jpg", type: "image/jpeg" },
        classification_model: "GMM-Graphene",
        return_bbox: "true",
      }),
    );
    expect(r.status).toBe(200);
    const flakes = PredictResponse.parse(r.body);
    expect(flakes.length).toBeGreaterThan(0);
    for (const f of flakes) {
      expect(Number.isInteger(f.thickness)).toBe(true);
      expect(f.mask.size).toEqual([360, 480]);
      const mask = decodeRle(f.mask);
      expect(mask.length).toBe(360 * 480);
      let area = 0;
      let minX = Infinity;
      let minY = Infinity;
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        area++;
        minX = Math.min(minX, i % 480);
        minY = Math.min(minY, Math.floor(i / 480));
      }
      // The mask is the filled outline: at least the component's pixels (holes filled).
      expect(area).toBeGreaterThanOrEqual(f.size);
      expect([minX, minY]).toEqual([f.bbox![0], f.bbox![1]]);
    }
  });

  it("errors are FastAPI-shaped { detail }", async () => {
    const noFile = await postForm(
      `${srv.url}/predict`,
      form({ classification_model: "GMM-Graphene" }),
    );
    expect(noFile.status).toBe(400);
    expect(Object.keys(noFile.body)).toEqual(["detail"]);
    expect(noFile.body.detail).toMatch(/files/);
    const noModel = await postForm(
      `${srv.url}/predict`,
      form({ files: { bytes: jpeg, filename: "a.jpg" } }),
    );
    expect([noModel.status, typeof noModel.body.detail]).toEqual([400, "string"]);
    const badScore = await postForm(
      `${srv.url}/predict`,
      form({
        files: { bytes: jpeg, filename: "a.jpg" },
        classification_model: "GMM-Graphene",
        score_threshold: "1.5",
      }),
    );
    expect(badScore.status).toBe(400);
    expect(badScore.body.detail).toMatch(/^score_threshold/);
  });

  it("CORS is open on MaskTerial routes (preflight and response)", async () => {
    const pre = await fetch(`${srv.url}/predict`, {
      method: "OPTIONS",
      headers: { Origin: "http://frontend.example", "Access-Control-Request-Method": "POST" },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const res = await fetch(`${srv.url}/available_models`, {
      headers: { Origin: "http://frontend.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("POST /upload/gmm adds a usable model; a bad dictionary leaves nothing behind", async () => {
    const dict = new TextEncoder().encode(JSON.stringify(GRAPHENE_CONTRAST_DICT));
    const ok = await postForm(
      `${srv.url}/upload/gmm`,
      form({
        model_name: "MyGraphene",
        contrast_file: { bytes: dict, filename: "contrast_dict.json" },
      }),
    );
    expect([ok.status, ok.body]).toEqual([200, "Model MyGraphene uploaded successfully"]);
    const models = await getJson(`${srv.url}/available_models`);
    expect(models.available_models.classification_models.GMM).toContain("MyGraphene");
    const used = await postForm(
      `${srv.url}/predict`,
      form({ files: { bytes: jpeg, filename: "a.jpg" }, classification_model: "GMM-MyGraphene" }),
    );
    expect(used.status).toBe(200);

    const before = readdirSync(modelsDir, { recursive: true }).sort();
    const bad: [string, Uint8Array][] = [
      ["NotJson", new TextEncoder().encode("{ not json")],
      ["NoLayers", new TextEncoder().encode("{}")],
      [
        "BadCov",
        new TextEncoder().encode(
          JSON.stringify({
            "1": {
              contrast: { b: 0, g: 0, r: 0 },
              covariance_matrix: [
                [1, 0],
                [0, 1],
              ],
            },
          }),
        ),
      ],
    ];
    for (const [name, bytes] of bad) {
      const r = await postForm(
        `${srv.url}/upload/gmm`,
        form({ model_name: name, contrast_file: { bytes, filename: "c.json" } }),
      );
      expect(r.status).toBe(400);
      expect(typeof r.body.detail).toBe("string");
    }
    const traversal = await postForm(
      `${srv.url}/upload/gmm`,
      form({ model_name: "../evil", contrast_file: { bytes: dict, filename: "c.json" } }),
    );
    expect(traversal.status).toBe(400);
    expect(readdirSync(modelsDir, { recursive: true }).sort()).toEqual(before);
    expect(existsSync(join(modelsDir, "..", "evil"))).toBe(false);
    const after = await getJson(`${srv.url}/available_models`);
    for (const [name] of bad)
      expect(after.available_models.classification_models.GMM).not.toContain(name);
  });
});
