export {
  BATCH_WORKERS_TYPE,
  BatchWorkers,
  type BatchWorkersArgs,
} from "./components/batch-workers.js";
export {
  INFERENCE_SERVICE_TYPE,
  InferenceService,
  type InferenceServiceArgs,
} from "./components/inference-service.js";
export {
  INSTANCE_MANAGED_POLICIES,
  SESSION_MANAGER_STATEMENT,
  secretReadStatements,
} from "./components/instance-role.js";
export type { ExistingNetwork } from "./components/network.js";
export { ConfigError, ProductionCapacityError } from "./errors.js";
export { BATCH_WORKER_SCRIPT, type BatchWorkerEnv } from "./host/batch-worker.js";
export {
  type ArtifactSource,
  cloudWatchAgentConfig,
  renderUserData,
  shellQuote,
  type UserDataOptions,
} from "./host/user-data.js";
export {
  parseStackConfig,
  readStackConfig,
  STACK_CONFIG_KEYS,
  type StackConfig,
  StackConfigSchema,
} from "./program/config.js";
export {
  artifactFromConfig,
  type BatchDeployOptions,
  DEFAULT_ARTIFACT,
  type DeployedBatchWorkers,
  type DeployedTier,
  type DeployOptions,
  deployBatchWorkersFromConfig,
  deployFromConfig,
  withDefaults,
} from "./program/deploy.js";
export { DEFAULT_USE_CASE, resolveTier, type Tier } from "./program/tier.js";
export { type AlarmOptions, createAlarms, type TierAlarm } from "./tier/alarms.js";
export { type AmiQuery, amiQuery } from "./tier/ami.js";
export { type ArtifactArg, parseS3Uri } from "./tier/artifact.js";
export { budgetLimitUSD } from "./tier/budget.js";
export { DASHBOARD_GRAPHS, dashboardBody, dashboardNameFor } from "./tier/dashboard.js";
export { COST_TAG_KEY, DEFAULTS, type SpotOptions, type TierArgs } from "./tier/plan.js";
