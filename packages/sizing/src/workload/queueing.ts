import { requireCount, requirePositive, SizingError } from "../errors.js";

/**
 * M/M/c queueing (Erlang C): Poisson arrivals, c identical servers (workers), exponential
 * service; M/G/c for service times that barely vary. Hand-written because it is a few lines of textbook recurrence and no maintained npm
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

export function mmc(input: MmcInput): MmcResult {
  return mgc({ ...input, serviceCv2: 1 });
}

export interface MgcInput extends MmcInput {
  /**
   * Squared coefficient of variation of the service time (variance / mean^2): 1 is exponential
   * (M/M/c), 0 is constant; the detector on fixed-size images is near 0.
   */
  serviceCv2: number;
}

/**
 * M/G/c by the Allen-Cunneen approximation: the M/M/c wait scaled by (Ca^2 + Cs^2) / 2 with
 * Poisson arrivals (Ca^2 = 1). P(wait > 0) stays Erlang C and the wait given a wait stays
 * exponential with its mean scaled the same way (Whitt, "Approximations for the GI/G/m queue",
 * 1993, sec. 2). With Cs^2 = 1 it is M/M/c exactly.
 */
export function mgc({ servers, arrivalsPerSecond, serviceMs, serviceCv2 }: MgcInput): MmcResult {
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
  requirePositive("service-time variability (Cs^2)", serviceCv2, true);
  // Waiting time given a wait is exponential with rate c*mu - lambda (per ms here), slowed or
  // sped up by the Allen-Cunneen factor.
  const drainPerMs = (servers / serviceMs - arrivalsPerSecond / 1000) / ((1 + serviceCv2) / 2);
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

/**
 * Cs^2 of a lognormal service time with this median and 95th percentile: sigma =
 * ln(p95 / median) / z(0.95), Cs^2 = e^(sigma^2) - 1. Equal quantiles mean constant service.
 */
export function serviceCv2FromQuantiles(medianMs: number, p95Ms: number): number {
  requirePositive("median service time (ms)", medianMs);
  requirePositive("p95 service time (ms)", p95Ms);
  const sigma = Math.log(Math.max(1, p95Ms / medianMs)) / Z95;
  return Math.expm1(sigma * sigma);
}

/** The 95th percentile of the standard normal. */
const Z95 = 1.6448536269514722;
