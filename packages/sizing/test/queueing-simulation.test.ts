import { describe, expect, it } from "vitest";
import { recommendForWorkload } from "../src/index.js";
import { mgc, mmc, serviceCv2FromQuantiles } from "../src/workload/queueing.js";
import { random } from "./helpers.js";

/**
 * A discrete-event simulation of a FCFS queue with c servers, Poisson arrivals and lognormal
 * service times (seeded, a bounded number of jobs), against the M/G/c approximation the sizing
 * uses.
 */
function simulate(opts: {
  servers: number;
  utilization: number;
  serviceMs: number;
  cv2: number;
  jobs: number;
  seed: number;
}) {
  const next = random(opts.seed);
  const normal = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const sigma2 = Math.log1p(opts.cv2);
  const mu = Math.log(opts.serviceMs) - sigma2 / 2; // mean serviceMs
  const meanGapMs = opts.serviceMs / (opts.servers * opts.utilization);
  const freeAt = new Array<number>(opts.servers).fill(0);
  const waits: number[] = [];
  const sojourns: number[] = [];
  let now = 0;
  const warmup = Math.floor(opts.jobs / 10);
  for (let n = 0; n < opts.jobs; n++) {
    now += -Math.log(1 - next()) * meanGapMs;
    let k = 0;
    for (let i = 1; i < freeAt.length; i++) if (freeAt[i]! < freeAt[k]!) k = i;
    const start = Math.max(now, freeAt[k]!);
    const service = Math.exp(mu + Math.sqrt(sigma2) * normal());
    freeAt[k] = start + service;
    if (n >= warmup) {
      waits.push(start - now);
      sojourns.push(start - now + service);
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * xs.length)]!;
  return { p95Wait: q(waits, 0.95), p95Sojourn: q(sojourns, 0.95) };
}

describe("M/G/c approximation vs a discrete-event simulation", () => {
  const cases = [2, 8].flatMap((servers) =>
    [0.6, 0.75, 0.85, 0.92].flatMap((utilization) =>
      [0.02, 0.25, 1].map((cv2) => ({ servers, utilization, cv2 })),
    ),
  );
  it.each(cases)("%o: p95 wait within 10 %", ({ servers, utilization, cv2 }) => {
    const serviceMs = 20;
    const sim = simulate({ servers, utilization, serviceMs, cv2, jobs: 200_000, seed: 11 });
    const queue = mgc({
      servers,
      arrivalsPerSecond: (servers * utilization * 1000) / serviceMs,
      serviceMs,
      serviceCv2: cv2,
    });
    const wait = queue.waitQuantileMs(0.95);
    // Within 10 % of the simulated p95 wait, or of a service time where waits are that short.
    expect(Math.abs(wait - sim.p95Wait)).toBeLessThanOrEqual(
      0.1 * Math.max(sim.p95Wait, serviceMs),
    );
    // What the sizing calls the p95 latency (p95 service + p95 wait) never undershoots.
    const sigma = Math.sqrt(Math.log1p(cv2));
    const p95Service = serviceMs * Math.exp(-(sigma * sigma) / 2 + 1.6448536 * sigma);
    expect(p95Service + wait).toBeGreaterThanOrEqual(sim.p95Sojourn);
  });

  it("is M/M/c at Cs^2 = 1 and less pessimistic for near-constant service", () => {
    const base = { servers: 4, arrivalsPerSecond: 160, serviceMs: 20 };
    expect(mgc({ ...base, serviceCv2: 1 }).waitQuantileMs(0.95)).toBe(
      mmc(base).waitQuantileMs(0.95),
    );
    expect(mgc({ ...base, serviceCv2: 0 }).waitQuantileMs(0.95)).toBeCloseTo(
      mmc(base).waitQuantileMs(0.95) / 2,
      9,
    );
  });

  it("reads Cs^2 from a median and a p95", () => {
    expect(serviceCv2FromQuantiles(20, 20)).toBe(0);
    expect(serviceCv2FromQuantiles(20, 24)).toBeCloseTo(0.0123, 3);
    expect(serviceCv2FromQuantiles(20, 10)).toBe(0); // a p95 under the median is read as constant
  });

  it("sizes near-constant service times with fewer workers than M/M/c at a tight target (audit)", () => {
    // 2 images/s x 200 ms = 0.4 Erlang, p95 <= 220 ms: M/M/c wants 4 workers, M/G/c 2.
    const input = { imagesPerHour: 7200, peakFactor: 1, serviceMs: 200, p95LatencyMs: 220 };
    const constant = recommendForWorkload(input);
    const exponential = recommendForWorkload({ ...input, serviceCv2: 1 });
    expect(constant.assumptions.serviceCv2).toBe(0);
    expect(constant.count * constant.workersPerInstance).toBe(2);
    expect(exponential.count * exponential.workersPerInstance).toBe(4);
    expect(constant.monthlyUSD).toBeLessThan(exponential.monthlyUSD);
  });
});
