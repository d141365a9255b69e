import { describe, expect, it } from "vitest";
import {
  alarmRulesFor,
  type BenchProfile,
  listInstanceTypes,
  recommendForWorkload,
  SizingError,
} from "../src/index.js";
import type { InstanceType } from "../src/pricing/catalog.js";

/**
 * The engine's choice against a brute force over the whole catalog. The bill and the
 * feasibility rules are written out here from AWS's published us-east-1 prices, not taken from
 * the engine's cost code: the engine must never choose something dearer than the cheapest
 * (type, count) that this independent enumeration finds feasible.
 */

// https://aws.amazon.com/ebs/pricing/, /elasticloadbalancing/pricing/, /vpc/pricing/,
// /cloudwatch/pricing/, /ec2/pricing/on-demand/ (T3 unlimited surplus), read 2025-06.
const PUBLISHED = {
  gp3GBMonth: 0.08,
  albHour: 0.0225,
  lcuHour: 0.008,
  natHour: 0.045,
  natGB: 0.045,
  ipv4Hour: 0.005,
  metricMonth: 0.3,
  putPer1000: 0.01,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  t3SurplusVcpuHour: 0.05,
  t4gSurplusVcpuHour: 0.04, // T4g (Graviton) unlimited mode, same page
  nlbHour: 0.0225, // Network Load Balancer, /elasticloadbalancing/pricing/
  nlcuHour: 0.006,
};
const HOURS = 730;
const VOLUME_GIB = 200;
const BYTES = 400_000;
const AGENT_METRICS = 2; // mem_used_percent, disk_used_percent: what the alarms read

/**
 * The front door: an ALB (LCU: 1 GB/h, 25 new connections/s) or an NLB (NLCU: 1 GB/h, 800 new
 * flows/s, 100,000 active flows; a flow lasts `flowSeconds`), one request per connection.
 */
type FrontDoor = { kind: "alb" } | { kind: "nlb"; flowSeconds: number };

function bill(
  type: InstanceType,
  count: number,
  imagesPerHour: number,
  busyVcpus: number,
  door: FrontDoor = { kind: "alb" },
) {
  const p = PUBLISHED;
  const averageCpu = Math.min(1, busyVcpus / (count * type.vcpu));
  const surplus = type.burstable
    ? count * type.vcpu * Math.max(0, averageCpu - type.burstable.baselinePerVcpu)
    : 0;
  const gbPerHour = (imagesPerHour * BYTES) / 1e9;
  const perSecond = imagesPerHour / 3600;
  const loadBalancerHour =
    door.kind === "alb"
      ? p.albHour + Math.max(gbPerHour, perSecond / 25) * p.lcuHour
      : p.nlbHour +
        Math.max(gbPerHour, perSecond / 800, (perSecond * door.flowSeconds) / 100_000) * p.nlcuHour;
  return (
    HOURS * count * type.hourlyUSD +
    HOURS * surplus * (type.arch === "arm64" ? p.t4gSurplusVcpuHour : p.t3SurplusVcpuHour) +
    count * VOLUME_GIB * p.gp3GBMonth +
    HOURS * loadBalancerHour +
    HOURS * p.natHour +
    p.natGB * 1 +
    HOURS * 3 * p.ipv4Hour + // the load balancer's two addresses (one per AZ) and the NAT's
    AGENT_METRICS * (count + 1) * p.metricMonth +
    (count * 60 * HOURS * p.putPer1000) / 1000 +
    alarmRulesFor({ loadBalancer: true, queue: false }).length * p.alarmMonth +
    p.dashboardMonth
  );
}

/** Erlang C by its textbook sum (no recurrence), then the exponential-wait p95. */
function mmcP95WaitMs(servers: number, erlangs: number, serviceMs: number): number {
  if (erlangs >= servers) return Number.POSITIVE_INFINITY;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= erlangs / k;
    sum += term;
  }
  const top = term * (erlangs / servers) * (servers / (servers - erlangs));
  const wait = top / (sum + top);
  const rate = (servers - erlangs) / serviceMs;
  return wait <= 0.05 ? 0 : Math.log(wait / 0.05) / rate;
}

function cheapestFeasible(input: {
  imagesPerHour: number;
  p95: number;
  gib: number;
  gpu: boolean;
  serviceMs: number;
}) {
  const peak = 2;
  const erlangs = (input.imagesPerHour * peak * input.serviceMs) / 3600 / 1000;
  let best = Number.POSITIVE_INFINITY;
  for (const type of listInstanceTypes()) {
    if (Boolean(type.gpu) !== input.gpu || type.memoryGiB < 4) continue;
    if (type.gpu && type.gpu.memoryGiB < input.gib) continue;
    // One worker per GPU; per core on CPUs: x86 vCPUs are hyperthreads (2 per core), Graviton's
    // are cores.
    const slots = type.gpu ? type.gpu.count : type.arch === "arm64" ? type.vcpu : type.vcpu / 2;
    // CPU workers share host memory under the 85 % alarm after a 0.5 GiB reserve; a GPU
    // worker's model lives in GPU memory.
    const workers = type.gpu
      ? slots
      : Math.min(slots, Math.floor((type.memoryGiB * 0.85 - 0.5) / input.gib));
    if (workers < 1) continue;
    for (let count = 1; count <= 1000; count++) {
      const servers = count * workers;
      if (erlangs / servers > 0.8) continue;
      // Servers here are at least as many as M/M/c needs: the engine may need fewer (M/G/c).
      if (input.serviceMs + mmcP95WaitMs(servers, erlangs, input.serviceMs) > input.p95) continue;
      best = Math.min(best, bill(type, count, input.imagesPerHour, erlangs / peak));
      break;
    }
  }
  return best;
}

const cases = [1_000, 20_000, 200_000, 2_000_000].flatMap((imagesPerHour) =>
  [250, 1000, 5000].flatMap((p95) =>
    [0.5, 8, 20].flatMap((gib) => [false, true].map((gpu) => ({ imagesPerHour, p95, gib, gpu }))),
  ),
);

describe("whole-bill choice vs a brute force over the catalog", () => {
  it.each(cases)("%o", ({ imagesPerHour, p95, gib, gpu }) => {
    const serviceMs = 20;
    const best = cheapestFeasible({ imagesPerHour, p95, gib, gpu, serviceMs });
    // GPU figures come from a GPU profile of a segmentation model (GMM has no GPU path).
    const gpuProfile: BenchProfile = {
      kind: "flakeops-bench-profile/1",
      serviceMsPerImage: serviceMs,
      p95ServiceMs: serviceMs,
      decodeMsPerImage: 5,
      model: "M2F-Graphene",
      imageWidth: 1920,
      imageHeight: 1200,
      peakRssMB: gib * 1024,
      imagesPerSecond: 1000 / serviceMs,
      workers: 1,
      cpuModel: "test",
      measuredAt: "2026-11-30T00:00:00.000Z",
      gpu: { model: "NVIDIA T4", memoryGiB: 16 },
    };
    let rec: ReturnType<typeof recommendForWorkload> | undefined;
    try {
      rec = recommendForWorkload({
        imagesPerHour,
        p95LatencyMs: p95,
        modelMemoryGiB: gib,
        gpu,
        ...(gpu ? { profile: gpuProfile } : { serviceMs, p95ServiceMs: serviceMs }),
        peakFactor: 2,
      });
    } catch (e) {
      // The engine may only give up where the brute force finds nothing either.
      expect(e).toBeInstanceOf(SizingError);
      expect(best).toBe(Number.POSITIVE_INFINITY);
      return;
    }
    expect(rec.monthlyUSD).toBeLessThanOrEqual(best + 0.06); // per-line cent rounding;
    // Its own bill agrees with the formula above for what it chose (within rounding).
    const type = listInstanceTypes().find((t) => t.type === rec.instanceType)!;
    // Average busy cores; each shows as one busy vCPU in CPUUtilization.
    const busy = (imagesPerHour * serviceMs) / 3600 / 1000;
    expect(Math.abs(rec.monthlyUSD - bill(type, rec.count, imagesPerHour, busy))).toBeLessThan(
      0.05,
    );
    // The same fleet behind an NLB, by the NLB's own formula (offered, never deployed).
    const nlb = rec.shapeOptions.find((o) => o.loadBalancer === "network")!;
    expect(nlb.chosen).toBe(false);
    expect(
      Math.abs(
        nlb.monthlyUSD -
          bill(type, rec.count, imagesPerHour, busy, { kind: "nlb", flowSeconds: p95 / 1000 }),
      ),
    ).toBeLessThan(0.05);
    // And it is feasible: memory fits, the GPU holds the model.
    if (gpu) expect(type.gpu!.memoryGiB).toBeGreaterThanOrEqual(gib);
    else expect(rec.workersPerInstance * gib).toBeLessThanOrEqual(type.memoryGiB * 0.85 - 0.5);
  });
});
