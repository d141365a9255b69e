import { type WorkTrackingRule, workTrackingRuleFor } from "../alarm-rules.js";
import { SizingError } from "../errors.js";
import { getInstanceType } from "../pricing/catalog.js";
import { isMemoryBound, workerSlots } from "./capacity.js";
import { resolveServiceTime } from "./service-time.js";

/**
 * Which signal a given tier scales on: its workers per instance (cores or GPUs, limited by the
 * model's memory), and the work-tracking rule when CPU cannot show its load. The same figures
 * recommendForWorkload uses, for a tier described by its type instead of sized from a workload.
 */

export interface TierScalingInput {
  instanceType: string;
  /** Memory one worker needs, GiB (default: the embedded model's). */
  modelMemoryGiB?: number;
  /** Median time of one image on one worker, ms (default: the shipped profile's). */
  serviceMs?: number;
  /** The model served (default: the embedded GMM-Graphene). */
  model?: string;
  region?: string;
}

export interface TierScaling {
  instanceType: string;
  vcpu: number;
  workersPerInstance: number;
  memoryBound: boolean;
  /** Mean time of one image on one of these workers, ms (the rule's capacity). */
  workerServiceMs: number;
  /** Scale on requests per target instead of CPU; null when CPU shows the load. */
  scalingRule: WorkTrackingRule | null;
  notes: string[];
}

export function scalingForTier(input: TierScalingInput): TierScaling {
  const type = getInstanceType(input.instanceType, input.region);
  const st = resolveServiceTime({
    ...(input.serviceMs === undefined ? {} : { serviceMs: input.serviceMs }),
    ...(input.modelMemoryGiB === undefined ? {} : { modelMemoryGiB: input.modelMemoryGiB }),
    ...(input.model === undefined ? {} : { model: input.model }),
    gpu: type.gpu !== null,
  });
  const { workers, serviceScale } = workerSlots(type, st.modelMemoryGiB, st.smtThroughputFactor);
  if (workers === 0) {
    throw new SizingError(
      "UNREACHABLE_TARGET",
      `a ${st.modelMemoryGiB} GiB model does not fit one worker on ${type.type} (${type.gpu ? `${type.gpu.memoryGiB} GiB per GPU` : `${type.memoryGiB} GiB under the memory alarm`}); accepted: a larger type or a smaller model`,
    );
  }
  const memoryBound = isMemoryBound(type, st.modelMemoryGiB, st.smtThroughputFactor);
  const workerServiceMs = st.meanServiceMs * serviceScale;
  return {
    instanceType: type.type,
    vcpu: type.vcpu,
    workersPerInstance: workers,
    memoryBound,
    workerServiceMs,
    scalingRule: workTrackingRuleFor({
      vcpu: type.vcpu,
      workersPerInstance: workers,
      serviceMs: workerServiceMs,
      memoryBound,
    }),
    notes: st.notes,
  };
}
