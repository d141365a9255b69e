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
