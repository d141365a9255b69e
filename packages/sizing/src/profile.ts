import { z } from "zod";

/**
 * A benchmark profile: what `flakeops-detect bench` measures on a machine and
 * `flakeops-sizing recommend --profile FILE` reads. The inference package writes it; this
 * schema is the one definition both sides use.
 */
export const BenchProfileSchema = z.object({
  /** Always "flakeops-bench-profile/1"; lets readers refuse other JSON with a clear message. */
  kind: z.literal("flakeops-bench-profile/1"),
  /** Median decode + detect time of one image on one worker (one vCPU busy), ms. */
  serviceMsPerImage: z.number().positive(),
  /** 95th percentile of the same, ms. */
  p95ServiceMs: z.number().positive(),
  /** Decode-only median, ms, measured in the same run. */
  decodeMsPerImage: z.number().nonnegative(),
  model: z.string().min(1),
  imageWidth: z.number().int().positive(),
  imageHeight: z.number().int().positive(),
  /** Peak resident memory of one worker process, MB. */
  peakRssMB: z.number().positive(),
  /** Throughput with `workers` workers, images per second. */
  imagesPerSecond: z.number().positive(),
  workers: z.number().int().positive(),
  /** os.cpus()[0].model of the machine that ran the bench. */
  cpuModel: z.string(),
  /** The EC2 instance type, when the bench ran on one. */
  instanceType: z.string().optional(),
  measuredAt: z.string().datetime(),
});

export type BenchProfile = z.infer<typeof BenchProfileSchema>;
