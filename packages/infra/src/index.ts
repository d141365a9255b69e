export { type AlarmOptions, createAlarms, type TierAlarm } from "./alarms.js";
export { type AmiQuery, amiQuery } from "./ami.js";
export { type ArtifactArg, parseS3Uri } from "./artifact.js";
export { BATCH_WORKER_SCRIPT, type BatchWorkerEnv } from "./batch-worker.js";
export { BATCH_WORKERS_TYPE, BatchWorkers, type BatchWorkersArgs } from "./batch-workers.js";
export { budgetLimitUSD } from "./budget.js";
export {
  ConfigError,
  DEFAULT_USE_CASE,
  parseStackConfig,
  readStackConfig,
  resolveTier,
  STACK_CONFIG_KEYS,
  type StackConfig,
  StackConfigSchema,
  type Tier,
} from "./config.js";
export { DASHBOARD_GRAPHS, dashboardBody } from "./dashboard.js";
export { INSTANCE_MANAGED_POLICIES } from "./iam.js";
export {
  INFERENCE_SERVICE_TYPE,
  InferenceService,
  type InferenceServiceArgs,
} from "./inference-service.js";
export type { ExistingNetwork } from "./network.js";
export {
  artifactFromConfig,
  type BatchDeployOptions,
  DEFAULT_ARTIFACT,
  type DeployedTier,
  type DeployOptions,
  deployBatchWorkersFromConfig,
  deployFromConfig,
  withDefaults,
} from "./program.js";
export {
  COST_TAG_KEY,
  DEFAULTS,
  dashboardNameFor,
  type SpotOptions,
  type TierArgs,
} from "./tier.js";
export {
  type ArtifactSource,
  cloudWatchAgentConfig,
  renderUserData,
  shellQuote,
  type UserDataOptions,
} from "./user-data.js";
