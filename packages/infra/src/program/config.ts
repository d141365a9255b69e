import { USE_CASES } from "@flakeops/sizing";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ACM_CERTIFICATE_ARN, INSTANCE_TYPE, isS3Uri, REGION } from "../aws-names.js";
import { isDomainName, isHostedZoneId } from "../components/certificate.js";
import { ConfigError } from "../errors.js";
import { MAX_REFRESH_TIMEOUT_MINUTES } from "../tier/refresh-gate.js";
import { nearest } from "./nearest.js";

/**
 * Stack configuration a user sets with `pulumi config set <key> <value>` (project namespace),
 * validated with zod. Which tier is deployed is decided by the first that is set:
 *   1. `instanceType` (explicit), 2. `imagesPerHour` (+ `p95LatencyMs`, `peakFactor`: the sizing
 *   engine picks type and count), 3. `useCase` (the seed's rule; default "production").
 */

// Messages leave out the key: parseStackConfig prefixes it.
const positiveNumber = () =>
  z.coerce
    .number({ error: "must be a positive number" })
    .refine((n) => Number.isFinite(n) && n > 0, { error: "must be a positive number" });

const wholeNumber = (min: number) =>
  z.coerce
    .number({ error: `must be a whole number >= ${min}` })
    .refine((n) => Number.isInteger(n) && n >= min, { error: `must be a whole number >= ${min}` });

const bool = z
  .enum(["true", "false"], { error: 'must be "true" or "false"' })
  .transform((v) => v === "true");

export const StackConfigSchema = z
  .object({
    useCase: z.enum(USE_CASES, { error: `must be one of ${USE_CASES.join(", ")}` }).optional(),
    instanceType: z
      .string()
      .regex(INSTANCE_TYPE, {
        error: "must be an EC2 instance type such as t3.large",
      })
      .optional(),
    imagesPerHour: positiveNumber().optional(),
    p95LatencyMs: positiveNumber().optional(),
    /** Measured time per image of the served model on the tier's type, ms (a GPU model's own). */
    serviceMs: positiveNumber().optional(),
    peakFactor: positiveNumber()
      .refine((n) => n >= 1, { error: "must be >= 1 (peak / average)" })
      .optional(),
    /**
     * Production: at least two instances in two availability zones (default: true for the
     * production use case, else false).
     */
    production: bool.optional(),
    /** Hours a day at the peak rate: the workload is sized and priced over the autoscaled day. */
    peakHoursPerDay: positiveNumber()
      .refine((n) => n <= 24, { error: "must be a number of hours in (0, 24]" })
      .optional(),
    minSize: wholeNumber(0).optional(),
    maxSize: wholeNumber(1).optional(),
    desiredCount: wholeNumber(1).optional(),
    /** Instance refresh: share of capacity kept in service while rolling (AWS: 0-100). */
    minHealthyPercentage: wholeNumber(0)
      .refine((n) => n <= 100, { error: "must be a whole number 0-100" })
      .optional(),
    spot: bool.optional(),
    /** Wait for each instance refresh during `pulumi up` (default true). */
    refreshGate: bool.optional(),
    /** How long that wait may last, minutes (default DEFAULT_REFRESH_TIMEOUT_MINUTES). */
    refreshTimeoutMinutes: wholeNumber(1)
      .refine((n) => n <= MAX_REFRESH_TIMEOUT_MINUTES, {
        error: `must be a whole number 1-${MAX_REFRESH_TIMEOUT_MINUTES}`,
      })
      .optional(),
    alarmEmail: z.email({ error: "must be an e-mail address" }).optional(),
    region: z
      .string()
      .regex(REGION, { error: "must be an AWS region such as us-east-1" })
      .optional(),
    volumeGiB: wholeNumber(8)
      .refine((n) => n <= 16384, { error: "must be at most 16384 (gp3's limit)" })
      .optional(),
    /** A local tarball/directory of the api deploy output, an s3:// URI, or a container image. */
    artifact: z.string().min(1).optional(),
    /** `s3://bucket/prefix` synced to the instances' models directory. */
    modelsUri: z
      .string()
      .refine(isS3Uri, { error: "must be an s3://bucket/prefix URI" })
      .optional(),
    /** Comma-separated model ids the tier serves (`M2F-Graphene,GMM-Graphene`). */
    models: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== ""),
      )
      .refine((ids) => ids.every((id) => /^[A-Za-z0-9]+-[A-Za-z0-9_.-]+$/.test(id)), {
        error: "must be comma-separated model ids <kind>-<name>, e.g. M2F-Graphene",
      })
      .optional(),
    allowCpuOnlyModels: bool.optional(),
    /** Batch tiers: `pulumi destroy` also deletes the job bucket and its contents. */
    destroyJobBucket: bool.optional(),
    /** ALB access logs into an encrypted bucket. */
    accessLogs: bool.optional(),
    /** WAF: block an IP above this many requests per 5 minutes (10-2000000000). */
    rateLimitPerIp: wholeNumber(10)
      .refine((n) => n <= 2e9, { error: "must be a whole number 10-2000000000" })
      .optional(),
    /** SSM SecureString or Secrets Manager ARN of the API keys (JSON {key: customer_id}). */
    apiKeysSecretArn: z.string().min(1).optional(),
    /** Likewise for the admin keys (model management). */
    adminKeysSecretArn: z.string().min(1).optional(),
    certificateArn: z
      .string()
      .regex(ACM_CERTIFICATE_ARN, { error: "must be an ACM certificate ARN" })
      .optional(),
    /** HTTPS for this name: a DNS-validated ACM certificate and an alias record (needs hostedZoneId). */
    domainName: z
      .string()
      .refine(isDomainName, {
        error: "must be a fully qualified domain name such as api.example.com",
      })
      .optional(),
    /** The Route 53 hosted zone that holds domainName. */
    hostedZoneId: z
      .string()
      .refine(isHostedZoneId, {
        error: "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
      })
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.minSize !== undefined && c.maxSize !== undefined && c.minSize > c.maxSize) {
      ctx.addIssue({
        code: "custom",
        path: ["minSize"],
        message: `minSize (${c.minSize}) exceeds maxSize (${c.maxSize})`,
      });
    }
    if (c.desiredCount !== undefined) {
      if (c.maxSize !== undefined && c.desiredCount > c.maxSize) {
        ctx.addIssue({
          code: "custom",
          path: ["desiredCount"],
          message: `desiredCount (${c.desiredCount}) exceeds maxSize (${c.maxSize})`,
        });
      }
      if (c.minSize !== undefined && c.desiredCount < c.minSize) {
        ctx.addIssue({
          code: "custom",
          path: ["desiredCount"],
          message: `desiredCount (${c.desiredCount}) is below minSize (${c.minSize})`,
        });
      }
    }
    if (c.p95LatencyMs !== undefined && c.imagesPerHour === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["p95LatencyMs"],
        message: "p95LatencyMs needs imagesPerHour",
      });
    }
    if (c.peakHoursPerDay !== undefined && c.imagesPerHour === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["peakHoursPerDay"],
        message: "peakHoursPerDay needs imagesPerHour",
      });
    }
    if (c.instanceType !== undefined && c.imagesPerHour !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceType"],
        message: "set instanceType or imagesPerHour, not both (the workload picks the type)",
      });
    }
  });

export type StackConfig = z.output<typeof StackConfigSchema>;

/** The keys a stack may set (anything else is a typo and fails the preview). */
export const STACK_CONFIG_KEYS = Object.keys(StackConfigSchema.shape) as (keyof StackConfig)[];

/**
 * Validate raw config values (strings, as Pulumi stores them). Every problem is listed in one
 * line: `invalid stack config: maxSize: must be a whole number >= 1 (got "zero"); ...`.
 */
export function parseStackConfig(raw: Readonly<Record<string, string | undefined>>): StackConfig {
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = StackConfigSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
      const hints = issue.keys.map((k) => `"${k}" (did you mean "${nearestKey(k)}"?)`);
      return `unknown key(s) ${hints.join(", ")}; accepted: ${STACK_CONFIG_KEYS.join(", ")}`;
    }
    const got = key in present ? ` (got "${present[key]}")` : "";
    return `${key}: ${issue.message}${got}`;
  });
  throw new ConfigError(`invalid stack config: ${problems.join("; ")}`);
}

/** The accepted key closest to a typo. */
export function nearestKey(key: string): string {
  return nearest(key, STACK_CONFIG_KEYS);
}

/**
 * Read the project's stack configuration and validate it. Every key the stack sets in the
 * project's namespace is read (Pulumi's whole config map), so a typo such as `instancetype`
 * fails the preview instead of being ignored.
 */
export function readStackConfig(config: pulumi.Config = new pulumi.Config()): StackConfig {
  const raw: Record<string, string | undefined> = {};
  const prefix = `${config.name}:`;
  for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) {
    if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
  }
  for (const key of STACK_CONFIG_KEYS) raw[key] ??= config.get(key);
  return parseStackConfig(raw);
}
