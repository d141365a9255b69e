/**
 * @flakeops/sizing's public API, by name. What is not listed here (validation helpers, the
 * Erlang C queue, capacity and warning internals, the raw instance specs) is internal to the
 * package; the CLI lives in ./cli/ and the shared CLI kit is the "./cli-kit" subpath.
 */

// The alarm and scaling rules (the contract @flakeops/infra deploys).
export {
  ALARM_RULES,
  type AlarmAction,
  type AlarmMetric,
  type AlarmRule,
  type AlarmScope,
  alarmRule,
  alarmRulesFor,
  DEFAULT_BATCH_DEADLINE_SECONDS,
  type MetricNamespace,
  type MissingData,
  type WorkTrackingRule,
  windowMinutes,
  workTrackingRuleFor,
} from "./alarm-rules.js";
// Errors: every bad input is a SizingError with a code.
export {
  isSizingError,
  SIZING_ERROR_CODES,
  SizingError,
  type SizingErrorCode,
} from "./errors.js";
// The cost of a Pulumi preview (`pulumi preview --json`).
export {
  type PreviewDigest,
  PreviewDigestSchema,
  parsePreviewDigest,
  STEP_OPS,
  type StepOp,
} from "./preview/digest.js";
export {
  type PreviewCost,
  type PreviewCostOptions,
  type PreviewResourceCost,
  previewCost,
  priceDigest,
} from "./preview/preview-cost.js";
// Catalog: instance types, regions, price books, the minimum.
export {
  type Arch,
  type BurstSpec,
  CATALOG,
  DEFAULT_MODEL_MEMORY_GIB,
  DEFAULT_REGION,
  DEFAULT_VOLUME_GIB,
  type GpuSpec,
  getInstanceType,
  type InstanceSpec,
  type InstanceType,
  isBelowMinimum,
  listInstanceTypes,
  MIN_INSTANCE_TYPE,
  MIN_MEMORY_GIB,
  NOT_RECOMMENDED_TYPES,
  PRICE_BOOKS,
  PRICES_AS_OF,
  type PriceBook,
  priceBook,
  REGIONS,
} from "./pricing/catalog.js";
// Pricing: on-demand, reserved, spot, T3 surplus, the whole tier.
export {
  burstSurplusPerVcpuHour,
  type CostOptions,
  type CostQuote,
  costOf,
  DEFAULT_RI_SAVINGS,
  HOURS_PER_MONTH,
  hourlyPrice,
  monthlyCost,
  PRICING_MODELS,
  type PriceOptions,
  type PricingModel,
  parsePricing,
  SPOT_BY_FAMILY,
  SPOT_MAX_SAVINGS,
  type SpotProfile,
  spotProfile,
  t3SurplusHourly,
} from "./pricing/pricing.js";
export { type RequestPrices, requestPrices } from "./pricing/request-prices.js";
export {
  breakEvenMonth,
  type SavingsOption,
  savingsOptionsFor,
} from "./pricing/savings-options.js";
export {
  albLcuPerHour,
  DEFAULT_BYTES_PER_IMAGE,
  estimateTierCost,
  TIER_COST_TERMS,
  type TierCost,
  type TierCostInput,
  type TierCostLine,
  type TierCostTerm,
} from "./pricing/tier-cost.js";
export { breakEvenCpuPercent, burstSurplusWarning } from "./pricing/warnings.js";
export {
  type CostChart,
  type CostPoint,
  type CostSeries,
  costChart,
  renderCostChartHtml,
} from "./report/cost-chart.js";
// Right-sizing from exported metrics, and the migration plan to a new type.
export {
  type MetricStats,
  type ParsedMetrics,
  parseMetricsFile,
  RIGHTSIZE_METRICS,
} from "./rightsize/metrics.js";
export { type MigrationPlan, type MigrationStep, planMigration } from "./rightsize/migrate.js";
export {
  DOWNSIZE_MAX_MEMORY_P95,
  DOWNSIZE_MIN_DAYS,
  type RightsizeInput,
  type RightsizeResult,
  rightsize,
} from "./rightsize/rightsize.js";
export {
  BATCH_REQUESTS_PER_IMAGE,
  BATCH_TURNAROUND_MS,
  type Breakdown,
  batchRequestsMonthlyUSD,
  blendDailyProfile,
  type CostTerm,
  estimateAutoscaledTierCost,
  type LoadBalancerKind,
  nlbLcuPerHour,
  SHAPES,
  type Shape,
  type ShapeOption,
  shapeOptions,
  type WholeBill,
  wholeBill,
  withNetworkLoadBalancer,
} from "./workload/bill.js";
export {
  DEFAULT_SMT_THROUGHPUT_FACTOR,
  isMemoryBound,
  type WorkerSlots,
  workerSlots,
} from "./workload/capacity.js";
export { EMBEDDED_MODEL_PROFILE } from "./workload/default-profile.js";
// Recommendations: the guide's use cases, or a measured workload (with a bench profile).
export { type BenchProfile, BenchProfileSchema, parseBenchProfile } from "./workload/profile.js";
export { type MgcInput, mgc, serviceCv2FromQuantiles } from "./workload/queueing.js";
export { scalingForTier, type TierScaling, type TierScalingInput } from "./workload/scaling.js";
export {
  CPU_ONLY_MODEL_KINDS,
  GPU_SPEEDUP_BY_MODEL_KIND,
  resolveServiceTime,
  type ServiceTime,
} from "./workload/service-time.js";
export {
  parseUseCase,
  recommendForUseCase,
  USE_CASE_RULES,
  USE_CASES,
  type UseCase,
  type UseCaseRecommendation,
  type UseCaseRule,
} from "./workload/use-cases.js";
export {
  DEFAULT_P95_LATENCY_MS,
  DEFAULT_PEAK_FACTOR,
  DEFAULT_SERVICE_MS,
  MAX_INSTANCES,
  PRODUCTION_MIN_INSTANCES,
  recommendForWorkload,
  type WorkloadInput,
  type WorkloadOption,
  type WorkloadRecommendation,
} from "./workload/workload.js";
