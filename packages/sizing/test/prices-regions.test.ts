import { describe, expect, it } from "vitest";
import { INSTANCE_SPECS, REGIONS } from "../src/pricing/catalog.js";
import { runSizingCli } from "./helpers.js";

const cli = (...argv: string[]) => runSizingCli(argv);

describe("every built-in region prices catalog, cost and recommend (--region)", () => {
  for (const region of REGIONS) {
    it(`${region}`, async () => {
      const catalog = await cli("catalog", "--region", region, "--json");
      expect(catalog.code).toBe(0);
      const doc = JSON.parse(catalog.stdout);
      expect(doc.region).toBe(region);
      expect(doc.instances).toHaveLength(INSTANCE_SPECS.length);
      const cost = await cli("cost", "t4g.medium", "--region", region, "--json");
      expect(cost.code).toBe(0);
      expect(JSON.parse(cost.stdout)).toMatchObject({ type: "t4g.medium", region });
      const rec = await cli(
        "recommend",
        "--images-per-hour",
        "3600",
        "--service-ms",
        "200",
        "--region",
        region,
        "--json",
      );
      expect(rec.code).toBe(0);
      expect(JSON.parse(rec.stdout).savingsOptions.length).toBeGreaterThan(0);
    });
  }

  const commands: string[][] = [
    ["catalog"],
    ["cost", "t3.large"],
    ["recommend", "--images-per-hour", "3600", "--service-ms", "200"],
    ["recommend", "--use-case", "production"],
  ];
  for (const argv of commands) {
    it(`${argv.join(" ")} --region mars-north-1: one line naming the accepted regions, exit 2`, async () => {
      const r = await cli(...argv, "--region", "mars-north-1");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toBe(
        `flakeops-sizing: no prices for region "mars-north-1"; accepted: ${REGIONS.join(", ")}`,
      );
    });
  }
});
