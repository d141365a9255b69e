import { alarmRule } from "../alarm-rules.js";
import { requirePositive } from "../errors.js";
import { type InstanceSpec, SYSTEM_RESERVE_GIB } from "../pricing/catalog.js";

/** Memory may be used up to the memory-high alarm threshold before the group scales out. */
export function usableMemoryGiB(type: InstanceSpec): number {
  return (type.memoryGiB * alarmRule("memory-high").threshold) / 100 - SYSTEM_RESERVE_GIB;
}

/**
 * Workers one instance runs: one per vCPU (each detection keeps one vCPU busy) or one per GPU,
 * fewer if their memory would cross the memory-high threshold; a GPU must also hold the model. 0 means the model does not fit.
 */
export function workersPerInstance(type: InstanceSpec, modelMemoryGiB: number): number {
  requirePositive("model memory (GiB)", modelMemoryGiB);
  // A GPU worker holds its model in GPU memory too: a 20 GiB model does not fit a 16 GiB T4.
  if (type.gpu && type.gpu.memoryGiB < modelMemoryGiB) return 0;
  const slots = type.gpu ? type.gpu.count : type.vcpu;
  return Math.max(0, Math.min(slots, Math.floor(usableMemoryGiB(type) / modelMemoryGiB)));
}
