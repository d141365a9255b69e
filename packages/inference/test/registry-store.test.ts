import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isInferenceError } from "../src/errors.js";
import { GRAPHENE_CONTRAST_DICT } from "../src/models/gmm/graphene.js";
import { ModelRegistry } from "../src/models/registry.js";

const root = mkdtempSync(join(tmpdir(), "flakeops-registry-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const layer = (b: number) => ({
  "1": { ...GRAPHENE_CONTRAST_DICT["1"], contrast: { b, g: -0.1, r: -0.05 } },
});

describe("model directories change atomically", () => {
  it("three registries (as three processes would) racing on one name, 200 rounds: one wins", async () => {
    const writers = [0, 1, 2].map(() => new ModelRegistry({ modelsDir: root }));
    const gmm = join(root, "classification_models/GMM");
    for (let round = 0; round < 200; round++) {
      const results = await Promise.allSettled(
        writers.map((w, i) => w.addGmm("Race", layer(-0.1 - i / 100))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) {
        if (r.status === "fulfilled") continue;
        expect(isInferenceError(r.reason) && r.reason.code).toBe("INVALID_MODEL");
        expect((r.reason as Error).message).toBe(
          "Model Race already exists, please choose a different name",
        );
      }
      expect(readdirSync(gmm, { recursive: true }).map(String).sort()).toEqual([
        "Race",
        "Race/contrast_dict.json",
      ]);
      await writers[round % 3]!.deleteModel("GMM-Race");
      expect(readdirSync(gmm)).toEqual([]);
    }
  });

  it("refuses a hostile covariance before writing anything", async () => {
    const r = new ModelRegistry({ modelsDir: root });
    const wide = {
      "1": {
        contrast: { b: 0, g: 0, r: 0 },
        covariance_matrix: [
          [4, 0, 0],
          [0, 4, 0],
          [0, 0, 4],
        ],
      },
    };
    await expect(r.addGmm("Wide", wide)).rejects.toThrow(
      /standard deviation of 2\.00 on channel b/,
    );
    expect(r.has("GMM-Wide")).toBe(false);
  });
});
