import { alarmRule } from "../alarm-rules.js";
import { requirePositive } from "../errors.js";
import { type InstanceSpec, SYSTEM_RESERVE_GIB } from "../pricing/catalog.js";

/** Memory may be used up to the memory-high alarm threshold before the group scales out. */
export function usableMemoryGiB(type: InstanceSpec): number {
  return (type.memoryGiB * alarmRule("memory-high").threshold) / 100 - SYSTEM_RESERVE_GIB;
}

/**
 * x86 EC2 vCPUs are hyperthreads, two per core; Graviton vCPUs are cores
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/cpu-options-supported-instances-values.html:
 * threads per core 2 on Intel/AMD types, 1 on Graviton). A second thread on a busy core adds
 * this much throughput unless a profile measured otherwise: none, so 2 x86 vCPUs = 1 core.
 */
export const DEFAULT_SMT_THROUGHPUT_FACTOR = 1;

export interface WorkerSlots {
  /** Detector workers on one instance; 0 means the model does not fit. */
  workers: number;
  /** One image on one of these workers takes this many times the per-core service time. */
  serviceScale: number;
}

/**
 * Workers one instance runs and how fast each is. One per GPU; on Graviton one per vCPU; on x86
 * one per core, or one per vCPU at 2 / factor the time when a second thread adds throughput.
 * On CPUs fewer if their memory would cross the memory-high threshold (then each has its own
 * core); a GPU must hold the model in its own memory.
 */
export function workerSlots(
  type: InstanceSpec,
  modelMemoryGiB: number,
  smtThroughputFactor: number = DEFAULT_SMT_THROUGHPUT_FACTOR,
): WorkerSlots {
  requirePositive("model memory (GiB)", modelMemoryGiB);
  const byMemory = Math.max(0, Math.floor(usableMemoryGiB(type) / modelMemoryGiB));
  if (type.gpu) {
    // A GPU worker holds its model in GPU memory: a 20 GiB model does not fit a 16 GiB T4.
    // (The host keeps only the process, not a second copy of the weights.)
    const fits = type.gpu.memoryGiB >= modelMemoryGiB;
    return { workers: fits ? type.gpu.count : 0, serviceScale: 1 };
  }
  const cores = type.arch === "arm64" ? type.vcpu : Math.max(1, type.vcpu / 2);
  if (byMemory <= cores || smtThroughputFactor <= 1) {
    return { workers: Math.min(cores, byMemory), serviceScale: 1 };
  }
  return { workers: Math.min(type.vcpu, byMemory), serviceScale: 2 / smtThroughputFactor };
}

/**
 * Memory, not cores, limits the workers: without the model's memory the type would run more.
 * Then CPU stays low at full load and cannot drive scaling (see workTrackingRuleFor).
 */
export function isMemoryBound(
  type: InstanceSpec,
  modelMemoryGiB: number,
  smtThroughputFactor: number = DEFAULT_SMT_THROUGHPUT_FACTOR,
): boolean {
  const limited = workerSlots(type, modelMemoryGiB, smtThroughputFactor).workers;
  // A vanishing model: only cores (or GPUs) bound the count.
  return workerSlots(type, 1e-9, smtThroughputFactor).workers > limited;
}

/** Workers one instance runs (see workerSlots). */
export function workersPerInstance(type: InstanceSpec, modelMemoryGiB: number): number {
  return workerSlots(type, modelMemoryGiB).workers;
}
