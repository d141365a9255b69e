/**
 * Where things live on an instance: the service user, the systemd units, the paths. The user
 * data, the batch worker's units and the container flags all read these, so a unit name or a
 * path is typed once.
 */

/** The unprivileged user the API (and the batch workers) run as. */
export const APP_USER = "flakeops";
/** The user's home; everything the node installs for the service is under it. */
export const APP_HOME = "/opt/flakeops";
/** The API's deploy output, unpacked. */
export const APP_DIR = `${APP_HOME}/api`;
/** Models synced from `modelsUri` (the API's `FLAKEOPS_MODELS_DIR`). */
export const MODELS_DIR = `${APP_HOME}/models`;
/** Host-side settings files (root-owned). */
export const CONFIG_DIR = "/etc/flakeops";
/** The app user's uid/gid, for the container unit's `--user`. */
export const RUNTIME_ENV_PATH = `${CONFIG_DIR}/runtime.env`;
/**
 * The Node.js LTS the hosts run. Amazon Linux 2023 packages each major as `nodejs<major>` with
 * a namespaced binary `/usr/bin/node-<major>` that, unlike `node` (an `alternatives` link),
 * always runs that major (AL2023 User Guide, "Node.js in AL2023").
 */
export const HOST_NODE_MAJOR = 22;
export const HOST_NODE_PACKAGE = `nodejs${HOST_NODE_MAJOR}`;
export const HOST_NODE_PATH = `/usr/bin/node-${HOST_NODE_MAJOR}`;
/** The Node.js binary the API unit runs (a link to HOST_NODE_PATH). */
export const NODE_BIN = "/usr/local/bin/flakeops-node";
export const BOOTSTRAP_LOG = "/var/log/flakeops-bootstrap.log";

/** The API's systemd unit (and, for an image, its container's name). */
export const SERVICE_NAME = "flakeops-api";
export const SERVICE_UNIT = `${SERVICE_NAME}.service`;

/** The batch workers: a systemd template unit, one instance per worker process. */
export const BATCH_SERVICE_NAME = "flakeops-batch";
export const BATCH_WORKER_PATH = "/usr/local/bin/flakeops-batch-worker";
export const BATCH_ENV_PATH = `${CONFIG_DIR}/batch.env`;

/** API keys from their secrets (host/api-keys.ts): the root-only script and its env file. */
export const API_KEYS_SCRIPT_PATH = "/usr/local/bin/flakeops-api-keys";
export const API_KEYS_ENV_PATH = `${CONFIG_DIR}/api-keys.env`;

/** GPU hosts (host/gpu.ts): the CUDA library path for the API unit, and the one-command check. */
export const CUDA_ENV_PATH = `${CONFIG_DIR}/cuda.env`;
export const GPU_CHECK_PATH = "/usr/local/bin/flakeops-gpu-check";

/** The spot interruption watcher (host/spot-watcher.ts) and its unit. */
export const SPOT_WATCHER_PATH = "/usr/local/bin/flakeops-spot-watcher";
export const SPOT_WATCHER_SERVICE = "flakeops-spot-watcher.service";

/** The CloudWatch agent's configuration file and its control script. */
export const AGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/flakeops-agent.json";
export const AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";

/** Where the S3 artifact is downloaded before it is unpacked into APP_DIR. */
export function artifactDownloadPath(format: "tgz" | "zip"): string {
  return `/tmp/flakeops-api.${format}`;
}

/**
 * How the host unpacks the bundle tarball (argv): links stay links (GNU tar's default), and
 * files belong to whoever unpacks (root, then chown to the app user), never to uids recorded in
 * the archive. The round-trip test runs exactly this.
 */
export function tarUnpackArgs(file: string, dir: string): string[] {
  return ["tar", "-xzf", file, "-C", dir, "--no-same-owner"];
}
