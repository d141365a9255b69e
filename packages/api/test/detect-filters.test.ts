import { DETECT_OPTION_RANGES, detectImage } from "@flakeops/inference";
import { encodeBgr, synthesize } from "@flakeops/inference/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetectResponse, rangeText } from "../src/routes/schemas.js";
import type { RunningServer } from "../src/server.js";
import { expectErrorShape, form, getJson, postForm, startTestServer } from "./helpers.js";

/** POST /detect's opt-in filters: reject_bright_edges, max_fp_probability, explain. */
describe("POST /detect filters", () => {
  let srv: RunningServer;
  let halo: Buffer;
  const post = (fields: Record<string, string>) =>
    postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: halo, filename: "halo.png" }, customer_id: "t", ...fields }),
    );
  const json = (v: unknown) => JSON.parse(JSON.stringify(v));

  beforeAll(async () => {
    srv = await startTestServer();
    // bulk crystals with bright halos, whose rims the plain detector reports as flakes
    const s = synthesize({ width: 480, height: 360, seed: 500, flakes: 5, halos: 2 });
    halo = await encodeBgr(s.image, "png");
  });
  afterAll(() => srv.shutdown());

  it("by default answers the reference's flakes and no `rejected`", async () => {
    const r = await post({});
    expect(r.status).toBe(200);
    expect("rejected" in r.body).toBe(false);
    expect(r.body.flakes).toEqual(json((await detectImage(halo)).flakes));
  });

  it("reject_bright_edges + explain: what detectImage keeps and drops, with rejected_by", async () => {
    const r = await post({ reject_bright_edges: "true", explain: "true" });
    expect(r.status).toBe(200);
    DetectResponse.parse(r.body);
    const direct = await detectImage(halo, { rejectBrightEdges: true, explainRejections: true });
    expect(r.body.flakes).toEqual(json(direct.flakes));
    expect(r.body.rejected).toEqual(json(direct.rejected));
    // the halos' rims are dropped, and say why
    expect(r.body.rejected.length).toBeGreaterThan(0);
    for (const f of r.body.rejected) {
      expect(f.rejected_by.length).toBeGreaterThan(0);
      for (const why of f.rejected_by) expect(["bright_edge", "thin_rim"]).toContain(why);
    }
    const plain = await post({});
    expect(r.body.flakes.length).toBeLessThan(plain.body.flakes.length);
  });

  it("max_fp_probability drops flakes above it; explain lists them; return_mask=false strips masks", async () => {
    const r = await post({ max_fp_probability: "0", explain: "yes", return_mask: "false" });
    expect(r.status).toBe(200);
    const direct = await detectImage(halo, { maxFpProbability: 0, explainRejections: true });
    const noMask = (fs: object[]) => fs.map(({ mask: _, ...rest }: { mask?: unknown }) => rest);
    expect(r.body.flakes).toEqual(json(noMask(direct.flakes)));
    expect(r.body.rejected).toEqual(json(noMask(direct.rejected ?? [])));
    expect(r.body.rejected.length).toBeGreaterThan(0);
    for (const f of r.body.rejected) {
      expect(f.rejected_by).toContain("fp_probability");
      expect(f.false_positive_probability).toBeGreaterThan(0);
      expect("mask" in f).toBe(false);
    }
    // explain without a filter: nothing was dropped
    const none = await post({ explain: "true" });
    expect(none.body.rejected).toEqual([]);
    expect(none.body.flakes).toEqual((await post({})).body.flakes);
  });

  const accepted = rangeText(DETECT_OPTION_RANGES.maxFpProbability);
  it.each([
    ["max_fp_probability", "1.5", accepted],
    ["max_fp_probability", "-0.1", accepted],
    ["max_fp_probability", "often", "number"],
    ["reject_bright_edges", "maybe", ""],
    ["explain", "2", ""],
  ])("%s=%s -> 400 BAD_FIELD naming it and what is accepted", async (field, value, says) => {
    const r = await post({ [field]: value });
    expect(r.status).toBe(400);
    expectErrorShape(r.body);
    expect(r.body.error.code).toBe("BAD_FIELD");
    expect(r.body.error.message.startsWith(`${field}:`)).toBe(true);
    expect(r.body.error.message).toContain(says);
  });

  it("the range in the 400 is inference's", () => {
    expect(accepted).toBe("a number from 0 to 1");
    expect(rangeText(DETECT_OPTION_RANGES.stdThreshold)).toBe("a number > 0 and <= 100");
  });

  it("the OpenAPI document lists the fields with their ranges, and `rejected`", async () => {
    const doc = await getJson(`${srv.url}/openapi.json`);
    const form =
      doc.paths["/detect"].post.requestBody.content["multipart/form-data"].schema.properties;
    for (const f of ["reject_bright_edges", "max_fp_probability", "explain"])
      expect(form[f]?.type).toBe("string");
    expect(form.max_fp_probability.description).toContain(accepted);
    expect(form.std_threshold.description).toContain(rangeText(DETECT_OPTION_RANGES.stdThreshold));
    const ok = doc.paths["/detect"].post.responses["200"].content["application/json"].schema;
    const props = ok.properties ?? doc.components?.schemas?.[ok.$ref?.split("/").pop()]?.properties;
    expect(props.rejected.type).toBe("array");
  });
});
