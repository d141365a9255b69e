import { requireCount, requirePositive, SizingError } from "../errors.js";

/**
 * M/M/c queueing (Erlang C): Poisson arrivals, c identical servers (workers), exponential
 * service. Hand-written because it is a few lines of textbook recurrence and no maintained npm
 * package offers it.
 */

/**
 * Probability that an arrival has to wait, for c servers offered a = lambda / mu Erlangs.
 * Uses the Erlang B recurrence, which stays stable for thousands of servers.
 */
export function erlangC(c: number, a: number): number {
  requireCount("servers", c);
  requirePositive("offered load", a, true);
  if (a >= c) return 1; // unstable: the queue grows without bound, everyone waits
  if (a === 0) return 0;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return (c * b) / (c - a * (1 - b));
}

export interface MmcInput {
  servers: number;
  /** Arrivals per second. */
  arrivalsPerSecond: number;
  /** Mean service time of one job on one server, ms. */
  serviceMs: number;
}

export interface MmcResult {
  servers: number;
  /** Offered load in Erlangs (lambda x service time). */
  offeredLoad: number;
  /** Server utilization, 0-1. */
  utilization: number;
  /** P(wait > 0). */
  waitProbability: number;
  meanWaitMs: number;
  /** Time in queue at quantile q (0-1), ms; 0 when fewer than 1 - q of jobs wait. */
  waitQuantileMs(q: number): number;
}

export function mmc({ servers, arrivalsPerSecond, serviceMs }: MmcInput): MmcResult {
  requireCount("servers", servers);
  requirePositive("arrivals per second", arrivalsPerSecond, true);
  requirePositive("service time (ms)", serviceMs);
  const offeredLoad = (arrivalsPerSecond * serviceMs) / 1000;
  const utilization = offeredLoad / servers;
  if (utilization >= 1) {
    throw new SizingError(
      "UNREACHABLE_TARGET",
      `${servers} workers at ${serviceMs} ms each cannot keep up with ${arrivalsPerSecond} images/s (utilization ${(utilization * 100).toFixed(0)} %); accepted: utilization below 100 %`,
    );
  }
  const waitProbability = erlangC(servers, offeredLoad);
  // Waiting time given a wait is exponential with rate c*mu - lambda (per ms here).
  const drainPerMs = servers / serviceMs - arrivalsPerSecond / 1000;
  return {
    servers,
    offeredLoad,
    utilization,
    waitProbability,
    meanWaitMs: waitProbability / drainPerMs,
    waitQuantileMs(q: number): number {
      if (!(q > 0 && q < 1))
        throw new SizingError("BAD_NUMBER", `quantile must be in (0, 1); got ${q}`);
      const tail = 1 - q;
      return waitProbability <= tail ? 0 : Math.log(waitProbability / tail) / drainPerMs;
    },
  };
}
