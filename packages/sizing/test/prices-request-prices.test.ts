import { describe, expect, it } from "vitest";
import { PRICE_BOOKS, REGIONS } from "../src/pricing/catalog.js";
import { requestPrices } from "../src/pricing/request-prices.js";
import { sizingErrorOf } from "./helpers.js";

describe("requestPrices(region): SQS and S3 request prices from the price book", () => {
  it("us-east-1: SQS $0.40 per million, S3 PUT $0.005 and GET $0.0004 per 1,000", () => {
    expect(requestPrices("us-east-1")).toMatchObject({
      region: "us-east-1",
      sqsPerMillionRequestsUSD: 0.4,
      s3PutPer1000USD: 0.005,
      s3GetPer1000USD: 0.0004,
    });
    expect(requestPrices()).toEqual(requestPrices("us-east-1"));
  });

  it("every built-in region has them, dated by its book", () => {
    for (const r of REGIONS) {
      const p = requestPrices(r);
      // A date, or "unknown" where the region's source gives none (the SkyPilot snapshot).
      expect(p.asOf).toBe(PRICE_BOOKS[r]!.asOf);
      expect(p.asOf).toMatch(/^(\d{4}-\d{2}-\d{2}|unknown)$/);
      for (const v of [p.sqsPerMillionRequestsUSD, p.s3PutPer1000USD, p.s3GetPer1000USD])
        expect(v).toBeGreaterThan(0);
    }
  });

  it("an unknown region names the accepted ones", () => {
    const e = sizingErrorOf(() => requestPrices("mars-north-1"));
    expect(e.code).toBe("UNKNOWN_REGION");
    expect(e.message).toBe(`no prices for region "mars-north-1"; accepted: ${REGIONS.join(", ")}`);
  });
});
