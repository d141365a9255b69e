import type { BenchProfile } from "./profile.js";

/**
 * The embedded model (GMM-Graphene) measured with the built CLI, `node
 * packages/inference/dist/cli.js bench --runs 5 --json --images <the 8 sample graphene images,
 * 1920x1200 JPEG>`, on the project's development machine (2 vCPUs of an AMD EPYC, 1 thread per
 * core as the guest reports, 23.5 GiB, shared with other jobs) on 2026-11-30. The sizing
 * default when neither a service time nor a profile is given; the pool's throughput on both
 * workers (39.65 images/s, 50.4 ms per image per worker) is what the tier is sized on. Under tsx
 * (`pnpm bench`) the workers load the TypeScript loader and collect a larger heap after every
 * image, so that pool figure is lower than the deployed build's: profile the build.
 */
export const EMBEDDED_MODEL_PROFILE: BenchProfile = {
  kind: "flakeops-bench-profile/1",
  serviceMsPerImage: 19.05,
  p95ServiceMs: 25.7,
  p99ServiceMs: 31.77,
  decodeMsPerImage: 8.24,
  model: "GMM-Graphene",
  imageWidth: 1920,
  imageHeight: 1200,
  peakRssMB: 195.31,
  imagesPerSecond: 39.65,
  workers: 2,
  cpuModel: "AMD EPYC",
  measuredAt: "2026-11-30T07:52:21.272Z",
  arch: "x86_64",
  vcpus: 2,
  physicalCores: 2,
  memoryGiB: 23.54,
  // The sample images average 342,896 bytes; the JSON answer adds a few kB.
  bytesPerImage: 350_000,
};
