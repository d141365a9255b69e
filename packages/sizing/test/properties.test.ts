import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CATALOG,
  getInstanceType,
  hourlyPrice,
  isBelowMinimum,
  MIN_MEMORY_GIB,
  monthlyCost,
  PRICING_MODELS,
  recommendForUseCase,
  recommendForWorkload,
  SizingError,
  USE_CASES,
} from "../src/index.js";

const types = fc.constantFrom(...CATALOG.map((t) => t.type));

describe("properties", () => {
  it("reserved instances always cost less than on-demand, 3 years less than 1", () => {
    fc.assert(
      fc.property(types, (type) => {
        const onDemand = hourlyPrice(type, "on-demand");
        expect(hourlyPrice(type, "ri-1y")).toBeLessThan(onDemand);
        expect(hourlyPrice(type, "ri-3y")).toBeLessThan(hourlyPrice(type, "ri-1y"));
        expect(hourlyPrice(type, "spot")).toBeLessThan(onDemand);
      }),
    );
  });

  it("cost grows with count, whatever the pricing and load", () => {
    fc.assert(
      fc.property(
        types,
        fc.constantFrom(...PRICING_MODELS),
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (type, pricing, count, averageCpuPercent) => {
          const at = (n: number) => monthlyCost(type, pricing, { count: n, averageCpuPercent });
          expect(at(count + 1)).toBeGreaterThan(at(count));
        },
      ),
    );
  });

  it("no recommendation falls below the minimum", () => {
    let sized = 0;
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 200_000, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.double({ min: 5, max: 2000, noNaN: true }),
        fc.double({ min: 1.05, max: 20, noNaN: true }),
        fc.boolean(),
        (imagesPerHour, peakFactor, serviceMs, slack, gpu) => {
          try {
            const rec = recommendForWorkload({
              imagesPerHour,
              peakFactor,
              serviceMs,
              p95LatencyMs: serviceMs * slack,
              gpu,
              // GMM has no GPU path (refused with gpu): size a segmentation model there.
              ...(gpu ? { model: "M2F-Graphene" } : {}),
            });
            for (const o of [rec, ...rec.alternatives]) {
              expect(isBelowMinimum(getInstanceType(o.instanceType))).toBe(false);
              expect(o.utilization).toBeLessThanOrEqual(0.8);
            }
            sized++;
          } catch (e) {
            // A tight target at a huge rate may be out of reach; that must be said, not crash.
            expect(e).toBeInstanceOf(SizingError);
            expect((e as SizingError).code).toBe("UNREACHABLE_TARGET");
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(sized).toBeGreaterThan(30); // most draws are sizable: the property is not vacuous
    for (const useCase of USE_CASES) {
      expect(
        getInstanceType(recommendForUseCase(useCase).instanceType).memoryGiB,
      ).toBeGreaterThanOrEqual(MIN_MEMORY_GIB);
    }
  });
});
