import type { BenchProfile } from "./profile.js";

/**
 * The embedded model (GMM-Graphene) measured with `pnpm bench --runs 3 --json --images <the 8
 * sample graphene images, 1920x1200 JPEG>` on the project's development machine (2 vCPUs of an
 * AMD EPYC, 1 thread per core as the guest reports, 23 GiB, shared with other jobs) on
 * 2026-11-30. The sizing default when neither a service time nor a profile is given. The p95 is
 * that of a busy shared machine; re-measure on the target type for a tighter figure.
 */
export const EMBEDDED_MODEL_PROFILE: BenchProfile = {
  kind: "flakeops-bench-profile/1",
  serviceMsPerImage: 21.75,
  p95ServiceMs: 51.76,
  decodeMsPerImage: 10.09,
  model: "GMM-Graphene",
  imageWidth: 1920,
  imageHeight: 1200,
  peakRssMB: 200.85,
  imagesPerSecond: 19.91,
  workers: 2,
  cpuModel: "AMD EPYC",
  measuredAt: "2026-11-30T05:55:19.935Z",
  arch: "x86_64",
  vcpus: 2,
  physicalCores: 2,
  memoryGiB: 23,
  // The sample images average 342,896 bytes; the JSON answer adds a few kB.
  bytesPerImage: 350_000,
};
