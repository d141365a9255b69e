import { z } from "zod";
import { SizingError } from "../errors.js";

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
  // What the machine is, so that throughput carries over to other types (all optional: older
  // profiles and other writers still parse; the defaults are stated in the answer).
  /** process.arch of the bench machine, as EC2 names it. */
  arch: z.enum(["x86_64", "arm64"]).optional(),
  /** Logical CPUs (vCPUs) the bench machine has. */
  vcpus: z.number().int().positive().optional(),
  /** Physical cores behind them (vCPUs / threads per core). */
  physicalCores: z.number().int().positive().optional(),
  /**
   * Throughput of one core with both hyperthreads busy over one thread alone, measured; 1 means
   * SMT adds nothing (the default for x86: 2 vCPUs = 1 core).
   */
  smtThroughputFactor: z.number().min(1).max(2).optional(),
  /** 99th percentile of decode + detect, ms. */
  p99ServiceMs: z.number().positive().optional(),
  /** Total memory of the bench machine, GiB. */
  memoryGiB: z.number().positive().optional(),
  /** Mean bytes of one request (the image file) and its answer. */
  bytesPerImage: z.number().positive().optional(),
  /** The GPU the profile ran on, when the service time is one image on one GPU. */
  gpu: z.object({ model: z.string(), memoryGiB: z.number().positive() }).optional(),
});

export type BenchProfile = z.infer<typeof BenchProfileSchema>;

/**
 * Read a profile file: the profile itself, or the whole `flakeops-detect bench --json` document
 * whose `profile` field it is. Anything else is a BAD_PROFILE error naming the file and fault.
 */
export function parseBenchProfile(text: string, filename: string): BenchProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SizingError(
      "BAD_PROFILE",
      `${filename}: not valid JSON (${(e as Error).message}); ${ACCEPTED}`,
    );
  }
  const inner =
    doc && typeof doc === "object" && "profile" in doc
      ? (doc as { profile: unknown }).profile
      : doc;
  const parsed = BenchProfileSchema.safeParse(inner);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join(".") : "(document)";
    throw new SizingError("BAD_PROFILE", `${filename}: ${at}: ${issue.message}; ${ACCEPTED}`);
  }
  return parsed.data;
}

const ACCEPTED =
  'accepted: the JSON that `flakeops-detect bench` writes (kind "flakeops-bench-profile/1"), or its --json output';
