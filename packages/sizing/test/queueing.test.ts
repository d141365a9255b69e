import { describe, expect, it } from "vitest";
import { erlangC, mmc } from "../src/workload/queueing.js";
import { sizingErrorOf } from "./helpers.js";

describe("Erlang C", () => {
  it("matches known values", () => {
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12); // M/M/1: P(wait) = utilization
    // Values from the closed form a^c/c! * c/(c-a) / (sum_{k<c} a^k/k! + that).
    expect(erlangC(10, 8)).toBeCloseTo(0.4091801507964435, 12);
    expect(erlangC(5, 4)).toBeCloseTo(0.5541125541125541, 12);
    expect(erlangC(20, 15)).toBeCloseTo(0.16042938741692364, 12);
  });

  it("is 0 with no load and 1 at or over capacity", () => {
    expect(erlangC(4, 0)).toBe(0);
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 9)).toBe(1);
  });

  it("stays finite for thousands of servers", () => {
    const p = erlangC(5000, 4900);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it("gives M/M/1 waits in closed form", () => {
    // lambda = 2/s, service 250 ms (mu = 4/s): rho 0.5, mean wait rho/(mu - lambda) = 250 ms.
    const q = mmc({ servers: 1, arrivalsPerSecond: 2, serviceMs: 250 });
    expect(q.utilization).toBe(0.5);
    expect(q.meanWaitMs).toBeCloseTo(250, 9);
    // P(W > t) = rho e^{-(mu-lambda) t} = 0.05  =>  t = ln(10) / 2 per s.
    expect(q.waitQuantileMs(0.95)).toBeCloseTo((Math.log(10) / 2) * 1000, 9);
    expect(q.waitQuantileMs(0.4)).toBe(0); // half the jobs never wait, so the 40th percentile is 0
  });

  it("refuses an overloaded queue and bad inputs", () => {
    expect(
      sizingErrorOf(() => mmc({ servers: 2, arrivalsPerSecond: 10, serviceMs: 200 })).code,
    ).toBe("UNREACHABLE_TARGET");
    expect(sizingErrorOf(() => erlangC(0, 1)).code).toBe("BAD_NUMBER");
    expect(sizingErrorOf(() => erlangC(2, -1)).code).toBe("BAD_NUMBER");
  });
});
