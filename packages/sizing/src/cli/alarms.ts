import { ALARM_RULES, type AlarmRule, windowMinutes } from "../alarm-rules.js";
import { numberFlag, stringFlag } from "../cli-kit.js";
import { round } from "../format.js";
import { DEFAULT_MODEL_MEMORY_GIB } from "../pricing/catalog.js";
import { scalingForTier } from "../workload/scaling.js";
import { DEFAULT_SERVICE_MS } from "../workload/workload.js";
import { type Command, noPositionals, POSITIVE, REGION_FLAG, regionOf } from "./command.js";
import { newTable, withNotes } from "./table.js";

/** The unit a rule's threshold is in, for the condition column. */
function unitOf(rule: AlarmRule): string {
  if (rule.ratioOf) return "% of requests";
  switch (rule.metric) {
    case "HealthyHostCount":
      return "hosts";
    case "TargetResponseTime":
    case "ApproximateAgeOfOldestMessage":
      return "s";
    case "ApproximateNumberOfMessagesVisible":
      return "messages";
    default:
      return "%";
  }
}

export const alarmsCommand: Command = {
  name: "alarms",
  summary:
    "the alarm and scaling rules @flakeops/infra deploys; with --instance-type, which signal that tier scales on",
  flags: {
    "instance-type": {
      type: "string",
      value: "T",
      help: "the tier's type: its workers per instance decide CPU or requests-per-target scaling",
    },
    "model-memory-gib": {
      type: "string",
      value: "G",
      help: `memory one worker needs, GiB (default ${DEFAULT_MODEL_MEMORY_GIB}); with --instance-type`,
    },
    "service-ms": {
      type: "string",
      value: "S",
      help: `time of one image on one worker, ms (default ${DEFAULT_SERVICE_MS}, the shipped profile); with --instance-type`,
    },
    model: {
      type: "string",
      value: "ID",
      help: "the model served (default GMM-Graphene); with --instance-type",
    },
    ...REGION_FLAG,
  },
  run({ values, positionals }) {
    noPositionals("alarms", positionals);
    const instanceType = stringFlag(values["instance-type"]);
    const modelMemoryGiB = numberFlag(values["model-memory-gib"], "model-memory-gib", POSITIVE);
    const serviceMs = numberFlag(values["service-ms"], "service-ms", POSITIVE);
    const model = stringFlag(values.model);
    const tier =
      instanceType === undefined
        ? undefined
        : scalingForTier({
            instanceType,
            region: regionOf(values),
            ...(modelMemoryGiB === undefined ? {} : { modelMemoryGiB }),
            ...(serviceMs === undefined ? {} : { serviceMs }),
            ...(model === undefined ? {} : { model }),
          });
    const scalingRule = tier?.scalingRule ?? null;
    const replaced = new Set<string>(scalingRule?.replaces ?? []);
    const rules = ALARM_RULES.map((r) => ({
      ...r,
      windowMinutes: windowMinutes(r),
      ...(replaced.has(r.id) ? { replacedBy: scalingRule!.id } : {}),
    }));
    const t = newTable(["rule", "metric", "condition", "window", "action"]);
    for (const r of rules) {
      t.push([
        r.id,
        `${r.namespace} ${r.metric} (${r.statistic})`,
        `${r.comparison === "GreaterThanThreshold" ? ">" : "<"} ${r.threshold} ${unitOf(r)}`,
        `${r.windowMinutes} min`,
        r.replacedBy
          ? `replaced by ${r.replacedBy}`
          : r.action.kind === "scale"
            ? `scale ${r.action.adjustment > 0 ? "out +1" : "in -1"}`
            : "notify",
      ]);
    }
    if (scalingRule) {
      t.push([
        scalingRule.id,
        `${scalingRule.namespace} ${scalingRule.metric} (target tracking)`,
        `= ${scalingRule.targetValue} requests/target/min`,
        "AWS-managed",
        "scale out and in",
      ]);
    }
    const signal = tier
      ? [
          scalingRule
            ? `${tier.instanceType} scales on ${scalingRule.predefinedMetricType} (target ${scalingRule.targetValue}/min) instead of ${scalingRule.replaces.join(" and ")}: ${scalingRule.reason}`
            : `${tier.instanceType} scales on CPU: ${tier.workersPerInstance} worker${tier.workersPerInstance === 1 ? "" : "s"} on ${tier.vcpu} vCPUs keep CPUUtilization with the load`,
        ]
      : [];
    return {
      doc: {
        rules,
        ...(tier
          ? {
              tier: {
                instanceType: tier.instanceType,
                vcpu: tier.vcpu,
                workersPerInstance: tier.workersPerInstance,
                memoryBound: tier.memoryBound,
                workerServiceMs: round(tier.workerServiceMs, 2),
              },
              scalingRule,
            }
          : {}),
      },
      table: withNotes(withNotes(t.toString(), signal, "scaling"), tier?.notes ?? [], "note"),
    };
  },
};
