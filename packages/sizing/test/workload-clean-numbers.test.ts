import { describe, expect, it } from "vitest";
import { PRICES_AS_OF } from "../src/pricing/catalog.js";
import { runSizingCli } from "./helpers.js";

const cli = (...argv: string[]) => runSizingCli(argv);

describe("clean numbers (issue 11)", () => {
  it("the migrate table fits 120 columns", async () => {
    const r = await cli("migrate", "--from", "t3.large", "--to", "c7g.large");
    expect(r.code).toBe(0);
    const table = r.stdout.split("\n").filter((l) => !l.startsWith("warning: "));
    for (const line of table) expect([...line].length).toBeLessThanOrEqual(120);
  });

  it.each([
    ["recommend", "--images-per-hour", "20000"],
    ["recommend", "--use-case", "production"],
    ["migrate", "--from", "t3.large", "--to", "c7g.large"],
  ])("%s carries currency and price date, in JSON and table", async (...argv) => {
    const doc = JSON.parse((await cli(...argv, "--json")).stdout);
    expect(doc).toMatchObject({ currency: "USD", pricesAsOf: PRICES_AS_OF });
    expect((await cli(...argv)).stdout).toContain(`USD, prices as of ${PRICES_AS_OF}`);
  });

  it("shows percentages rounded", async () => {
    const r = await cli("recommend", "--images-per-hour", "20000", "--service-ms", "21.7");
    expect(r.stdout).not.toMatch(/\d\.\d{5,}/);
  });
});
