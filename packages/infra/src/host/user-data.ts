import { BUNDLE_ENTRY, SERVICE_ENV, STOP_TIMEOUT_SECONDS } from "@flakeops/api/contract";
import { ALARM_RULES } from "@flakeops/sizing";
import { ecrRegistry, isImageRef, isRegion, isS3Uri } from "../aws-names.js";
import { apiKeysUserData, hasKeySecrets, type KeySecrets } from "./api-keys.js";
import { BATCH_UNITS, type BatchWorkerEnv, batchWorkerUserData } from "./batch-worker.js";
import { GPU_EXECUTION_PROVIDERS, gpuCheckUserData, gpuSetupUserData } from "./gpu.js";
import {
  AGENT_CONFIG_PATH,
  AGENT_CTL,
  API_KEYS_ENV_PATH,
  APP_DIR,
  APP_HOME,
  APP_USER,
  artifactDownloadPath,
  BOOTSTRAP_LOG,
  CONFIG_DIR,
  CUDA_ENV_PATH,
  HOST_NODE_PACKAGE,
  HOST_NODE_PATH,
  MODELS_DIR,
  NODE_BIN,
  RUNTIME_ENV_PATH,
  SERVICE_NAME,
  SERVICE_UNIT,
  tarUnpackArgs,
} from "./layout.js";
import { spotWatcherUserData } from "./spot-watcher.js";

/**
 * The instance bootstrap script, rendered as plain text so it can be checked (shellcheck) and
 * read before it ever reaches EC2. Everything user-supplied is validated and shell-quoted here.
 */

/** Where the API comes from on the instance. */
export type ArtifactSource =
  /** The api package's deploy output (BUNDLE_ENTRY + `node_modules` at its root), tgz or zip. */
  | { readonly kind: "s3"; readonly uri: string; readonly format: "tgz" | "zip" }
  /** A container image that serves the API on `port` (runs under Docker with systemd). */
  | { readonly kind: "image"; readonly image: string };

export interface UserDataOptions extends KeySecrets {
  readonly artifact: ArtifactSource;
  /** The port the API listens on (the ALB's target port). */
  readonly port: number;
  /** AWS region, for ECR logins. */
  readonly region: string;
  /** Optional `s3://bucket/prefix` synced to the models directory at boot. */
  readonly modelsUri?: string | undefined;
  /** Detector workers (FLAKEOPS_WORKERS); default the API's, one per vCPU. */
  readonly workers?: number | undefined;
  /** Extra environment for the service (names `[A-Z_][A-Z0-9_]*`). */
  readonly environment?: Readonly<Record<string, string>> | undefined;
  /** Pass the GPUs through to a container (`--gpus all`); the node artifact sees them directly. */
  readonly gpu?: boolean | undefined;
  /** Also run batch workers against the local API (BatchWorkers). */
  readonly batch?: BatchWorkerEnv | undefined;
}

/**
 * "User data is limited to 16 KB, in raw form, before it is base64-encoded" (EC2 User Guide,
 * "Work with instance user data"). Checked here, so a preview fails rather than the launch.
 */
export const USER_DATA_MAX_BYTES = 16 * 1024;

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Key variables (and their _FILE forms) only ever come from a secret, never from user data. */
const KEY_VARIABLES = [
  "FLAKEOPS_API_KEYS",
  "FLAKEOPS_API_KEYS_FILE",
  "FLAKEOPS_ADMIN_KEYS",
  "FLAKEOPS_ADMIN_KEYS_FILE",
];

/** POSIX single-quoting: safe for any string. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** A systemd `Environment=` assignment, quoted as systemd.syntax(7) reads it. */
function systemdEnv(name: string, value: string): string {
  if (/[\n\r]/.test(value)) throw new Error(`environment ${name}: values cannot span lines`);
  // systemd expands % specifiers; double them so values stay literal.
  const escaped = value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("%", "%%");
  return `Environment="${name}=${escaped}"`;
}

/**
 * The CloudWatch agent configuration. Metrics carry the AutoScalingGroupName dimension and are
 * also aggregated by it alone, which is the series the alarms (and the dashboard) read.
 * The agent names a metric `<plugin>_<measurement>`, so the rule table's metric names say
 * which plugin and measurement to collect: nothing here re-types them.
 */
export function cloudWatchAgentConfig(): Record<string, unknown> {
  const agentRules = ALARM_RULES.filter((r) => r.namespace === "CWAgent");
  const namespaces = new Set(agentRules.map((r) => r.namespace));
  if (namespaces.size !== 1) throw new Error("agent metrics must share one namespace");
  const collected: Record<string, Record<string, unknown>> = {};
  for (const rule of agentRules) {
    const [plugin, ...rest] = rule.metric.split("_");
    if (!plugin || rest.length === 0) throw new Error(`cannot map metric ${rule.metric}`);
    const entry = collected[plugin] ?? { measurement: [] as string[] };
    (entry.measurement as string[]).push(rest.join("_"));
    // disk: the root volume only, without per-device dimensions (they vary by instance type).
    if (plugin === "disk") Object.assign(entry, { resources: ["/"], drop_device: true });
    collected[plugin] = entry;
  }
  return {
    agent: { metrics_collection_interval: 60 },
    metrics: {
      namespace: [...namespaces][0],
      // The agent fills these placeholders in on the instance.
      append_dimensions: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an agent placeholder, not JS
        AutoScalingGroupName: "${aws:AutoScalingGroupName}",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an agent placeholder, not JS
        InstanceId: "${aws:InstanceId}",
      },
      aggregation_dimensions: [["AutoScalingGroupName"]],
      metrics_collected: collected,
    },
  };
}

/** Render the bash user data. Throws on values that cannot be placed in a script safely. */
export function renderUserData(opts: UserDataOptions): string {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new Error(`port must be 1-65535; got ${opts.port}`);
  }
  if (!isRegion(opts.region)) {
    throw new Error(`region must look like us-east-1; got "${opts.region}"`);
  }
  if (opts.modelsUri !== undefined && !isS3Uri(opts.modelsUri)) {
    throw new Error(`modelsUri must be an s3://bucket/prefix URI; got "${opts.modelsUri}"`);
  }
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(opts.port),
    // The settings the API's load bench measured (glibc arenas and mmap threshold, V8's young
    // generation): the contract's SERVICE_ENV, as the Dockerfile sets it too.
    ...SERVICE_ENV,
    ...(opts.workers === undefined ? {} : { FLAKEOPS_WORKERS: String(opts.workers) }),
    // Without a models bucket the API serves its embedded default model.
    ...(opts.modelsUri !== undefined ? { FLAKEOPS_MODELS_DIR: MODELS_DIR } : {}),
    // A deployed host serves detection; adding models is an admin-key operation unless enabled.
    FLAKEOPS_ALLOW_MODEL_UPLOADS: "false",
    // GPU tiers run the detector on CUDA (CPU for what CUDA cannot run); `environment` may override.
    ...(opts.gpu ? { FLAKEOPS_EXECUTION_PROVIDERS: GPU_EXECUTION_PROVIDERS } : {}),
    ...opts.environment,
  };
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) throw new Error(`environment name "${name}" must match ${ENV_NAME}`);
    if (KEY_VARIABLES.includes(name)) {
      throw new Error(
        `environment ${name} would put keys in the user data; give apiKeysSecretArn / adminKeysSecretArn (an SSM SecureString or Secrets Manager ARN) instead`,
      );
    }
  }
  const keys = hasKeySecrets(opts);

  const lines: string[] = [
    "#!/bin/bash",
    "# flakeops inference node bootstrap, rendered by @flakeops/infra.",
    "set -euo pipefail",
    `exec > >(tee -a ${BOOTSTRAP_LOG}) 2>&1`,
    "",
    `readonly APP_USER=${APP_USER}`,
    `readonly MODELS_DIR=${MODELS_DIR}`,
    "",
    "# Amazon Linux 2023 (and the GPU Deep Learning AMI built on it) ship dnf and the AWS CLI.",
    `dnf install -y amazon-cloudwatch-agent tar gzip unzip${keys || opts.gpu ? " jq" : ""}`,
    'if ! id -u "$APP_USER" >/dev/null 2>&1; then',
    `  useradd --system --home-dir ${APP_HOME} --shell /sbin/nologin "$APP_USER"`,
    "fi",
    `mkdir -p ${APP_DIR} "$MODELS_DIR"`,
  ];
  if (opts.modelsUri !== undefined) {
    lines.push(`aws s3 sync ${shellQuote(opts.modelsUri)} "$MODELS_DIR" --only-show-errors`);
  }

  if (keys) lines.push(apiKeysUserData(opts));
  // Read by systemd (root) before it drops to the service user: the keys file stays root-only.
  const envLines = [
    ...(keys ? [`EnvironmentFile=${API_KEYS_ENV_PATH}`] : []),
    ...Object.entries(env).map(([k, v]) => systemdEnv(k, v)),
  ];
  const unitDeps = ["network-online.target"];
  const unit: string[] = [];

  if (opts.artifact.kind === "s3") {
    if (!isS3Uri(opts.artifact.uri)) {
      throw new Error(`artifact must be an s3://bucket/key URI; got "${opts.artifact.uri}"`);
    }
    const download = artifactDownloadPath(opts.artifact.format);
    lines.push(
      "",
      "# The Node.js LTS from the distribution, by its namespaced binary (not the alternatives link).",
      `dnf install -y ${HOST_NODE_PACKAGE}`,
      `ln -sf ${HOST_NODE_PATH} ${NODE_BIN}`,
      "",
      "# The API: the bundle tarball (pnpm --filter @flakeops/api bundle), shipped through S3.",
      `aws s3 cp ${shellQuote(opts.artifact.uri)} ${download} --only-show-errors`,
      `rm -rf ${APP_DIR} && mkdir -p ${APP_DIR}`,
      opts.artifact.format === "zip"
        ? `unzip -q -o ${download} -d ${APP_DIR}`
        : tarUnpackArgs(download, APP_DIR).join(" "),
      `rm -f ${download}`,
    );
    if (opts.gpu) lines.push(gpuSetupUserData());
    lines.push(`chown -R "$APP_USER:$APP_USER" ${APP_HOME}`);
    unit.push(
      `User=${APP_USER}`,
      `Group=${APP_USER}`,
      `WorkingDirectory=${APP_DIR}`,
      // The CUDA 12 + cuDNN 9 library path found at boot ("-": none on CPU hosts).
      ...(opts.gpu ? [`EnvironmentFile=-${CUDA_ENV_PATH}`] : []),
      ...envLines,
      `ExecStart=${NODE_BIN} ${BUNDLE_ENTRY}`,
      "NoNewPrivileges=true",
      "ProtectSystem=full",
      "PrivateTmp=true",
    );
  } else {
    const image = opts.artifact.image;
    if (!isImageRef(image)) throw new Error(`image "${image}" is not a container image reference`);
    const registry = ecrRegistry(image);
    lines.push(
      "",
      "# The API as a container image; the Deep Learning AMI already has Docker and the NVIDIA toolkit.",
      "command -v docker >/dev/null 2>&1 || dnf install -y docker",
      "systemctl enable --now docker",
      `chown -R "$APP_USER:$APP_USER" ${APP_HOME}`,
      `mkdir -p ${CONFIG_DIR}`,
      `{ echo "APP_UID=$(id -u "$APP_USER")"; echo "APP_GID=$(id -g "$APP_USER")"; } > ${RUNTIME_ENV_PATH}`,
    );
    const envFlags = [
      ...Object.keys(env),
      ...(keys ? ["FLAKEOPS_API_KEYS", "FLAKEOPS_ADMIN_KEYS"] : []),
    ]
      .map((k) => `-e ${k}`)
      .join(" ");
    unitDeps.push("docker.service");
    unit.push(`EnvironmentFile=${RUNTIME_ENV_PATH}`, ...envLines);
    if (registry) {
      unit.push(
        `ExecStartPre=/bin/sh -c 'aws ecr get-login-password --region ${opts.region} | docker login --username AWS --password-stdin ${registry}'`,
      );
    }
    unit.push(
      `ExecStartPre=-/usr/bin/docker rm -f ${SERVICE_NAME}`,
      `ExecStartPre=/usr/bin/docker pull ${image}`,
      // The container runs as the unprivileged app user, never as root.
      `ExecStart=/usr/bin/docker run --rm --name ${SERVICE_NAME} --user \${APP_UID}:\${APP_GID}${opts.gpu ? " --gpus all" : ""} -p ${opts.port}:${opts.port} ${envFlags} -v ${MODELS_DIR}:${MODELS_DIR}:ro ${image}`,
      `ExecStop=/usr/bin/docker stop -t ${STOP_TIMEOUT_SECONDS} ${SERVICE_NAME}`,
    );
  }
  unit.unshift(
    "[Unit]",
    "Description=flakeops detection API",
    `After=${unitDeps.join(" ")}`,
    "Wants=network-online.target",
    ...(opts.artifact.kind === "image" ? ["Requires=docker.service"] : []),
    "",
    "[Service]",
  );
  // SIGTERM lets the API drain (health 503, then in-flight requests) before systemd kills it.
  unit.push(
    "Restart=always",
    "RestartSec=2",
    `TimeoutStopSec=${STOP_TIMEOUT_SECONDS}`,
    "LimitNOFILE=65536",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  );

  lines.push(
    "",
    "# CloudWatch agent: mem_used_percent and disk_used_percent per auto-scaling group.",
    `cat > ${AGENT_CONFIG_PATH} <<'AGENT'`,
    JSON.stringify(cloudWatchAgentConfig(), null, 2),
    "AGENT",
    `${AGENT_CTL} -a fetch-config -m ec2 -s -c file:${AGENT_CONFIG_PATH}`,
    "",
    "# The service: restarted whenever it exits.",
    `cat > /etc/systemd/system/${SERVICE_UNIT} <<'UNIT'`,
    ...unit,
    "UNIT",
    "systemctl daemon-reload",
    `systemctl enable --now ${SERVICE_UNIT}`,
    "",
  );
  if (opts.batch)
    lines.push(batchWorkerUserData({ ...opts.batch, apiPort: opts.port, region: opts.region }));
  if (opts.gpu) lines.push(gpuCheckUserData(opts.port));
  // Batch units first: they are ordered after the API, so systemd stops them before it.
  lines.push(spotWatcherUserData([...(opts.batch ? [BATCH_UNITS] : []), SERVICE_UNIT]));
  const script = lines.join("\n");
  const bytes = Buffer.byteLength(script, "utf8");
  if (bytes > USER_DATA_MAX_BYTES) {
    throw new Error(
      `user data is ${bytes} bytes; EC2 accepts at most ${USER_DATA_MAX_BYTES} (16 KB before base64): shorten environment values`,
    );
  }
  return script;
}
