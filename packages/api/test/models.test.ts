import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GRAPHENE_CONTRAST_DICT } from "@flakeops/inference";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../src/config.js";
import { form, getJson, postForm, startTestServer, synthImage } from "./helpers.js";

const ADMIN = "admin-key-0001";
const LAB_A = "lab-a-key-0001";
const LAB_B = "lab-b-key-0001";
const dictBytes = (d: unknown = GRAPHENE_CONTRAST_DICT) =>
  new TextEncoder().encode(JSON.stringify(d));
const oneLayer = (b: number) => ({
  "1": { ...GRAPHENE_CONTRAST_DICT["1"], contrast: { b, g: -0.1, r: -0.05 } },
});

function upload(url: string, name: string, bytes: Uint8Array, key?: string) {
  return postForm(
    `${url}/upload/gmm`,
    form({ model_name: name, contrast_file: { bytes, filename: "contrast_dict.json" } }),
    key ? { "X-Api-Key": key } : {},
  );
}

function del(url: string, name: string, key?: string) {
  return postForm(
    `${url}/delete_model`,
    form({ model_class: "classification", model_type: "GMM", model_name: name }),
    key ? { "X-Api-Key": key } : {},
  );
}

/** Every file and directory under `dir`, hidden ones included. */
const tree = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

async function serverWith(overrides: Partial<Config>) {
  const modelsDir = mkdtempSync(join(tmpdir(), "flakeops-models-"));
  const srv = await startTestServer({ modelsDir, ...overrides });
  return {
    srv,
    modelsDir,
    close: async () => {
      await srv.shutdown();
      rmSync(modelsDir, { recursive: true, force: true });
    },
  };
}

describe("models are read-only by default", () => {
  let s: Awaited<ReturnType<typeof serverWith>>;
  beforeAll(async () => {
    s = await serverWith({
      apiKeys: new Map([[LAB_A, "lab_a"]]),
      adminKeys: new Map([[ADMIN, "ops"]]),
    });
  });
  afterAll(() => s.close());

  it("a customer key cannot upload or delete; an admin key can; nobody overwrites", async () => {
    const refused = await upload(s.srv.url, "Mine", dictBytes(oneLayer(-0.2)), LAB_A);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/read-only.*FLAKEOPS_ADMIN_KEYS/);
    expect((await del(s.srv.url, "Graphene", LAB_A)).status).toBe(403);

    const ok = await upload(s.srv.url, "Shared", dictBytes(oneLayer(-0.2)), ADMIN);
    expect([ok.status, ok.body]).toEqual([200, "Model Shared uploaded successfully"]);
    for (const name of ["Graphene", "Shared"]) {
      const again = await upload(s.srv.url, name, dictBytes(oneLayer(-0.3)), ADMIN);
      expect([again.status, again.body]).toEqual([
        400,
        { detail: `Model ${name} already exists, please choose a different name` },
      ]);
    }
    // the first upload is intact
    const saved = join(s.modelsDir, "classification_models/GMM/Shared/contrast_dict.json");
    expect(JSON.parse(readFileSync(saved, "utf8"))).toEqual(oneLayer(-0.2));
    // the embedded default can be neither replaced nor deleted
    const gone = await del(s.srv.url, "Graphene", ADMIN);
    expect(gone.status).toBe(400);
    expect(gone.body.detail).toMatch(/built in/);
  });
});

describe("uploads opted in, auth off (a local setup)", () => {
  let s: Awaited<ReturnType<typeof serverWith>>;
  beforeAll(async () => {
    s = await serverWith({ allowModelUploads: true, maxModelsPerNamespace: 3 });
  });
  afterAll(() => s.close());

  it("an overwrite attempt without keys: 'already exists', Graphene untouched", async () => {
    const r = await upload(s.srv.url, "Graphene", dictBytes(oneLayer(-0.9)));
    expect([r.status, r.body.detail]).toEqual([
      400,
      "Model Graphene already exists, please choose a different name",
    ]);
    expect(existsSync(join(s.modelsDir, "classification_models/GMM/Graphene"))).toBe(false);
  });

  it("200 rounds of 3 concurrent same-name uploads: exactly one wins, no 500, nothing left behind", async () => {
    const gmmDir = join(s.modelsDir, "classification_models/GMM");
    for (let round = 0; round < 200; round++) {
      const answers = await Promise.all(
        [0, 1, 2].map((i) => upload(s.srv.url, "Race", dictBytes(oneLayer(-0.1 - i / 100)))),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 400, 400]);
      const winner = answers.findIndex((a) => a.status === 200);
      for (const a of answers.filter((x) => x.status === 400)) {
        expect(a.body.detail).toBe("Model Race already exists, please choose a different name");
      }
      expect(tree(gmmDir)).toEqual(["Race", "Race/contrast_dict.json"]);
      const saved = JSON.parse(readFileSync(join(gmmDir, "Race/contrast_dict.json"), "utf8"));
      expect(saved).toEqual(oneLayer(-0.1 - winner / 100));
      const d = await del(s.srv.url, "Race");
      expect([d.status, d.body]).toEqual([200, "Model Race deleted successfully"]);
      expect(tree(gmmDir)).toEqual([]);
    }
  });

  it("the quota reached: 403 with the reason, and a delete makes room", async () => {
    for (const n of ["Q1", "Q2", "Q3"]) {
      expect((await upload(s.srv.url, n, dictBytes(oneLayer(-0.2)))).status).toBe(200);
    }
    const over = await upload(s.srv.url, "Q4", dictBytes(oneLayer(-0.2)));
    expect(over.status).toBe(403);
    expect(over.body.detail).toMatch(/quota is reached \(3 of 3 models\)/);
    expect((await del(s.srv.url, "Q1")).status).toBe(200);
    expect((await upload(s.srv.url, "Q4", dictBytes(oneLayer(-0.2)))).status).toBe(200);
    for (const n of ["Q2", "Q3", "Q4"]) expect((await del(s.srv.url, n)).status).toBe(200);
  });

  it("a hostile covariance is refused with the reason; so are too many layers", async () => {
    const wide = {
      "1": {
        contrast: { b: -0.1, g: -0.1, r: -0.1 },
        covariance_matrix: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
      },
    };
    const r = await upload(s.srv.url, "Wide", dictBytes(wide));
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/standard deviation of 1\.00 on channel b, over 0\.1/);
    const many = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [String(i + 1), oneLayer(-0.01 * i)["1"]]),
    );
    const m = await upload(s.srv.url, "Many", dictBytes(many));
    expect(m.status).toBe(400);
    expect(m.body.detail).toMatch(/40 layers, over the 32/);
    expect(tree(join(s.modelsDir, "classification_models/GMM"))).toEqual([]);
  });

  it("errors never show server paths: an unknown model names models, not directories", async () => {
    const r = await postForm(
      `${s.srv.url}/detect`,
      form({
        image: { bytes: await synthImage({ width: 160, height: 120 }), filename: "a.jpg" },
        customer_id: "x",
        model: "GMM-Nowhere",
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("UNKNOWN_MODEL");
    expect(r.body.error.message).toMatch(/unknown model GMM-Nowhere/);
    expect(r.body.error.message).not.toContain(s.modelsDir);
    expect(r.body.error.message).not.toMatch(/\/classification_models\//);
  });

  it("GET /download_model: a zip of the model's files, MaskTerial's 404s otherwise", async () => {
    const res = await fetch(
      `${s.srv.url}/download_model?model_class=classification&model_type=GMM&model_name=Graphene`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toBe(
      "attachment; filename=classification-GMM-Graphene.zip",
    );
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files)).toEqual(["contrast_dict.json"]);
    expect(JSON.parse(new TextDecoder().decode(files["contrast_dict.json"]))).toEqual(
      GRAPHENE_CONTRAST_DICT,
    );
    const noType = await getJson(
      `${s.srv.url}/download_model?model_class=classification&model_type=XYZ&model_name=A`,
    );
    expect(noType).toEqual({ detail: "Model type XYZ not found for classification" });
    const noName = await fetch(
      `${s.srv.url}/download_model?model_class=classification&model_type=GMM&model_name=Nope`,
    );
    expect([noName.status, await noName.json()]).toEqual([
      404,
      { detail: "Model name Nope not found in GMM for classification" },
    ]);
    const d = await del(s.srv.url, "Nope");
    expect([d.status, d.body.detail]).toEqual([
      404,
      "Model name Nope not found in GMM for classification",
    ]);
  });
});

describe("uploads opted in, auth on: per-customer namespaces", () => {
  let s: Awaited<ReturnType<typeof serverWith>>;
  let jpeg: Buffer;
  beforeAll(async () => {
    s = await serverWith({
      allowModelUploads: true,
      apiKeys: new Map([
        [LAB_A, "lab_a"],
        [LAB_B, "lab_b"],
      ]),
    });
    jpeg = await synthImage({ width: 320, height: 240 });
  });
  afterAll(() => s.close());

  it("one customer's key cannot replace another's model or a shared one; each sees its own", async () => {
    expect((await upload(s.srv.url, "Mine", dictBytes(), LAB_A)).status).toBe(200);
    // B has its own namespace: the same name is B's own model, A's is untouched
    expect((await upload(s.srv.url, "Mine", dictBytes(oneLayer(-0.5)), LAB_B)).status).toBe(200);
    const overwrite = await upload(s.srv.url, "Graphene", dictBytes(oneLayer(-0.5)), LAB_B);
    expect(overwrite.status).toBe(400);
    expect(overwrite.body.detail).toMatch(/already exists/);
    const seen = (key: string) =>
      getJson(`${s.srv.url}/available_models`, { headers: { "X-Api-Key": key } });
    expect((await seen(LAB_A)).available_models.classification_models.GMM).toEqual([
      "Graphene",
      "Mine",
    ]);
    const detect = (key: string) =>
      postForm(
        `${s.srv.url}/detect`,
        form({ image: { bytes: jpeg, filename: "a.jpg" }, model: "GMM-Mine" }),
        { "X-Api-Key": key },
      );
    // A's "Mine" is the graphene dictionary: it finds the synthetic flakes; B's finds none.
    const a = await detect(LAB_A);
    const b = await detect(LAB_B);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.flakes.length).toBeGreaterThan(0);
    expect(b.body.flakes).toEqual([]);
    // B deleting "Mine" deletes B's, never A's
    expect((await del(s.srv.url, "Mine", LAB_B)).status).toBe(200);
    expect((await detect(LAB_A)).body.flakes.length).toBeGreaterThan(0);
    expect((await seen(LAB_B)).available_models.classification_models.GMM).toEqual(["Graphene"]);
  });
});
