import { z } from "zod";
import { SizingError } from "../errors.js";

/**
 * The document `pulumi preview --json` prints: Pulumi's `PreviewDigest`
 * (pulumi/pulumi, sdk/go/common/display/json.go; re-exported by pkg/display/json.go):
 * `config` (secrets blinded), `steps[]` (`PreviewStep`: `op`, `urn`, `provider`, `oldState`,
 * `newState`, each an `apitype.ResourceV3` with `urn`, `custom`, `type`, `id`, `inputs`,
 * `outputs`, `parent`), `diagnostics[]` (`urn`, `prefix`, `message`, `severity`),
 * `duration` and `changeSummary` (a count per op).
 */

/** Step ops the engine emits (pulumi/pulumi, pkg/resource/deploy/step.go, `StepOp` constants). */
export const STEP_OPS = [
  "same",
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "read",
  "read-replacement",
  "refresh",
  "read-discard",
  "discard-replaced",
  "remove-pending-replace",
  "import",
  "import-replacement",
] as const;
export type StepOp = (typeof STEP_OPS)[number];

const ResourceStateSchema = z
  .object({
    urn: z.string().optional(),
    custom: z.boolean().optional(),
    type: z.string(),
    id: z.string().optional(),
    parent: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type ResourceState = z.infer<typeof ResourceStateSchema>;

const StepSchema = z
  .object({
    op: z.enum(STEP_OPS),
    urn: z.string().startsWith("urn:pulumi:"),
    provider: z.string().optional(),
    oldState: ResourceStateSchema.optional(),
    newState: ResourceStateSchema.optional(),
  })
  .loose();
export type PreviewStep = z.infer<typeof StepSchema>;

const DiagnosticSchema = z
  .object({
    urn: z.string().optional(),
    message: z.string(),
    severity: z.string(),
  })
  .loose();

export const PreviewDigestSchema = z
  .object({
    config: z.record(z.string(), z.string()).optional(),
    steps: z.array(StepSchema).optional(),
    diagnostics: z.array(DiagnosticSchema).optional(),
    changeSummary: z.record(z.string(), z.number()).optional(),
  })
  .loose();
export type PreviewDigest = z.infer<typeof PreviewDigestSchema>;

const ACCEPTED = "the JSON document `pulumi preview --json` prints (a digest with steps[])";

/** A preview document, validated: it has steps and its run did not fail. */
export function parsePreviewDigest(text: string): PreviewDigest & { steps: PreviewStep[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SizingError("BAD_PREVIEW", `the preview is not JSON; accepted: ${ACCEPTED}`);
  }
  const parsed = PreviewDigestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SizingError(
      "BAD_PREVIEW",
      `the preview is not a Pulumi preview digest (${issue.path.join(".") || "document"}: ${issue.message}); accepted: ${ACCEPTED}`,
    );
  }
  const digest = parsed.data;
  // A failed run still prints a digest; its steps stop where the error struck, so any price is partial.
  const errors = (digest.diagnostics ?? []).filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new SizingError(
      "BAD_PREVIEW",
      `the preview failed (${errors.length} error diagnostic${errors.length === 1 ? "" : "s"}: ${errors[0]!.message.trim().split("\n")[0]}); accepted: ${ACCEPTED} from a run that succeeded`,
    );
  }
  if (!digest.steps || digest.steps.length === 0) {
    throw new SizingError(
      "BAD_PREVIEW",
      `the preview has no steps (was it run with --json on a program with resources?); accepted: ${ACCEPTED}`,
    );
  }
  return { ...digest, steps: digest.steps };
}

/** Ops whose new state exists after the deployment, and whose old state existed before it. */
const HAS_AFTER = new Set<StepOp>([
  "same",
  "create",
  "update",
  "replace",
  "create-replacement",
  "import",
  "import-replacement",
]);
const HAS_BEFORE = new Set<StepOp>(["same", "update", "delete", "replace", "delete-replaced"]);
/** When several steps name one URN (a replacement), the one reported. */
const OP_RANK: readonly StepOp[] = ["replace", "update", "delete", "create", "same"];

/** One managed resource before and after the deployment (undefined: absent on that side). */
export interface ResourceChange {
  urn: string;
  type: string;
  op: StepOp;
  before: ResourceState | undefined;
  after: ResourceState | undefined;
}

/**
 * The steps folded per URN: a replacement's `replace`, `create-replacement` and
 * `delete-replaced` steps are one change with both sides. Reads and refreshes change nothing
 * billed and are left out.
 */
export function resourceChanges(steps: readonly PreviewStep[]): ResourceChange[] {
  const byUrn = new Map<string, ResourceChange>();
  for (const step of steps) {
    const state = step.newState ?? step.oldState;
    if (!state || !(HAS_AFTER.has(step.op) || HAS_BEFORE.has(step.op))) continue;
    const change = byUrn.get(step.urn) ?? {
      urn: step.urn,
      type: state.type,
      op: step.op,
      before: undefined,
      after: undefined,
    };
    if (HAS_BEFORE.has(step.op))
      change.before = step.oldState ?? (step.op === "same" ? step.newState : undefined);
    if (HAS_AFTER.has(step.op) && step.newState) change.after = step.newState;
    const rank = (op: StepOp) => {
      const i = OP_RANK.indexOf(op);
      return i < 0 ? OP_RANK.length : i;
    };
    if (rank(step.op) < rank(change.op)) change.op = step.op;
    if (step.op === "create-replacement" || step.op === "delete-replaced") change.op = "replace";
    byUrn.set(step.urn, change);
  }
  return [...byUrn.values()];
}
