/**
 * The batch worker that runs next to the API on each BatchWorkers instance: it takes S3
 * "object created" events for the input prefix from SQS, posts each image to the local API's
 * POST /detect, and writes the result next to it under the results prefix. A message is
 * deleted only once every image in it has a result, so a failure, a crash or a spot
 * interruption returns it to the queue (and after the queue's maxReceiveCount, to the
 * dead-letter queue). On SIGTERM (systemctl stop, the spot watcher) a worker stops its
 * in-flight work and sets the message's visibility timeout to 0, so it is back in the queue
 * at once instead of after the timeout.
 *
 * Health: EC2 health checks see only the machine, and a batch group has no load balancer. So a
 * worker that finds the local API not answering its health path HEALTH_FAILURES_LIMIT checks in
 * a row (counted once the API has answered, or after a boot allowance), or that fails to receive
 * from the queue LOOP_FAILURES_LIMIT times in a row, marks its own instance Unhealthy
 * (`aws autoscaling set-instance-health`, the instance id from IMDSv2) and the group replaces it.
 */

import {
  CUSTOMER_ID_PATTERN,
  CUSTOMER_ID_RULE,
  DETECT_PATH,
  HEALTH_PATH,
} from "@flakeops/api/contract";
import { isBucketName, isKeyPrefix, isSqsQueueUrl } from "../aws-names.js";
import {
  APP_USER,
  BATCH_ENV_PATH,
  BATCH_SERVICE_NAME,
  BATCH_WORKER_PATH,
  SERVICE_UNIT,
} from "./layout.js";

/** Consecutive failed health checks of the local API before the instance is marked Unhealthy. */
export const HEALTH_FAILURES_LIMIT = 3;
/** Consecutive failed receives from the queue before the instance is marked Unhealthy. */
export const LOOP_FAILURES_LIMIT = 10;
/**
 * Seconds from the worker's start during which a silent API is still booting (installing,
 * loading models), not failing. Above the group's default health-check grace period (300 s),
 * during which AWS ignores set-instance-health (SetInstanceHealth: ShouldRespectGracePeriod).
 */
export const API_BOOT_ALLOWANCE_SECONDS = 600;

/** Every batch worker unit, as a pattern systemctl understands. */
export const BATCH_UNITS = `${BATCH_SERVICE_NAME}@*.service`;

export interface BatchWorkerEnv {
  readonly queueUrl: string;
  readonly bucket: string;
  readonly inputPrefix: string;
  readonly resultsPrefix: string;
  readonly region: string;
  readonly apiPort: number;
  /** `customer_id` sent with every image (the API's CUSTOMER_ID_PATTERN). */
  readonly customerId: string;
  /** Worker processes per instance (systemd template instances). */
  readonly workers: number;
}

/**
 * The worker, verbatim (bash). HTTP 200 -> `<results><name>.json`; a 4xx other than 429 (an
 * image the API refuses: it will never succeed) -> `<results><name>.error.json`, done; anything
 * else (429, 5xx, network) -> retried through the queue.
 */
export const BATCH_WORKER_SCRIPT = `#!/bin/bash
# flakeops batch worker (rendered by @flakeops/infra): S3 input events from SQS -> POST ${DETECT_PATH}
# on the local API -> results in S3. Reads its settings from the environment (${BATCH_ENV_PATH}).
set -uo pipefail

: "\${QUEUE_URL:?}" "\${JOBS_BUCKET:?}" "\${INPUT_PREFIX:?}" "\${RESULTS_PREFIX:?}" "\${API_PORT:?}"
api="http://127.0.0.1:\${API_PORT}"
# FLAKEOPS_IMDS_BASE: set only by the loopback test.
imds=\${FLAKEOPS_IMDS_BASE:-http://169.254.169.254}
interval=\${CHECK_INTERVAL_SECONDS:-5}
boot_allowance=\${API_BOOT_ALLOWANCE_SECONDS:-${API_BOOT_ALLOWANCE_SECONDS}}
work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

# S3 event keys are URL-encoded, with + for spaces.
url_decode() {
  local encoded=\${1//+/ }
  printf '%b' "\${encoded//%/\\\\x}"
}

# 0: done (a result or a permanent refusal is stored); 1: retry later.
process_key() {
  local key=$1 name status
  name=\${key#"$INPUT_PREFIX"}
  aws s3 cp "s3://$JOBS_BUCKET/$key" "$work_dir/image" --only-show-errors || return 1
  status=$(curl -sS --max-time 300 -o "$work_dir/result.json" -w '%{http_code}' \\
    -F "image=@$work_dir/image" -F "customer_id=\${CUSTOMER_ID:-batch}" "$api${DETECT_PATH}") || return 1
  case "$status" in
    200) aws s3 cp "$work_dir/result.json" "s3://$JOBS_BUCKET/$RESULTS_PREFIX$name.json" \\
      --content-type application/json --only-show-errors ;;
    429) return 1 ;;
    4??) aws s3 cp "$work_dir/result.json" "s3://$JOBS_BUCKET/$RESULTS_PREFIX$name.error.json" \\
      --content-type application/json --only-show-errors ;;
    *) return 1 ;;
  esac
}

# Drain on SIGTERM: stop the in-flight work and give its message back to the queue now
# (visibility 0) rather than after its visibility timeout. Long commands run in the
# background under \`wait\`, which a trapped signal interrupts at once.
receipt=""
job=""
on_term() {
  if [ -n "$job" ]; then
    pkill -TERM -P "$job" 2>/dev/null
    kill -TERM "$job" 2>/dev/null
  fi
  if [ -n "$receipt" ]; then
    aws sqs change-message-visibility --queue-url "$QUEUE_URL" --receipt-handle "$receipt" \
      --visibility-timeout 0 || true
  fi
  exit 0
}
trap on_term TERM INT

# The group replaces an Unhealthy instance (SIGTERM on the way out). If AWS ignores the call
# (grace period) or it fails, exit later: systemd restarts the worker, which checks again.
mark_unhealthy() {
  local token id
  echo "batch worker: $1; marking this instance Unhealthy" >&2
  if token=$(curl -fsS --max-time 5 -X PUT "$imds/latest/api/token" \
    -H "X-aws-ec2-metadata-token-ttl-seconds: 60") &&
    id=$(curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" \
      "$imds/latest/meta-data/instance-id") &&
    aws autoscaling set-instance-health --instance-id "$id" --health-status Unhealthy; then
    echo "batch worker: instance $id marked Unhealthy" >&2
  else
    echo "batch worker: could not mark the instance Unhealthy (see above)" >&2
  fi
  sleep 300 &
  job=$!
  wait "$job"
  exit 1
}

# Failures count once the API has answered, or after the boot allowance.
started=$SECONDS
api_seen=0
health_failures=0
api_healthy() {
  if curl -fsS --max-time 5 "$api${HEALTH_PATH}" >/dev/null 2>&1; then
    api_seen=1
    health_failures=0
    return 0
  fi
  if [ "$api_seen" = 1 ] || [ $((SECONDS - started)) -ge "$boot_allowance" ]; then
    health_failures=$((health_failures + 1))
  fi
  if [ "$health_failures" -ge ${HEALTH_FAILURES_LIMIT} ]; then
    mark_unhealthy "the local API did not answer ${HEALTH_PATH} $health_failures times in a row"
  fi
  return 1
}

loop_failures=0
while true; do
  receipt=""
  if ! api_healthy; then
    sleep "$interval" &
    job=$!
    wait "$job"
    job=""
    continue
  fi
  aws sqs receive-message --queue-url "$QUEUE_URL" --max-number-of-messages 1 \
    --wait-time-seconds 20 --output json >"$work_dir/message.json" &
  job=$!
  if ! wait "$job"; then
    job=""
    loop_failures=$((loop_failures + 1))
    if [ "$loop_failures" -ge ${LOOP_FAILURES_LIMIT} ]; then
      mark_unhealthy "receiving from the queue failed $loop_failures times in a row"
    fi
    sleep "$interval"
    continue
  fi
  job=""
  loop_failures=0
  receipt=$(jq -r '.Messages[0].ReceiptHandle // empty' "$work_dir/message.json")
  [ -n "$receipt" ] || continue
  done_all=1
  while IFS= read -r encoded; do
    [ -n "$encoded" ] || continue
    process_key "$(url_decode "$encoded")" &
    job=$!
    wait "$job" || done_all=0
    job=""
  done < <(jq -r '.Messages[0].Body | fromjson | .Records[]? | select(.eventSource == "aws:s3") | .s3.object.key' "$work_dir/message.json")
  if [ "$done_all" = 1 ]; then
    aws sqs delete-message --queue-url "$QUEUE_URL" --receipt-handle "$receipt" || true
  fi
done
`;

/** The settings a user chooses (checked before anything is deployed). */
export function checkBatchSettings(
  env: Pick<BatchWorkerEnv, "inputPrefix" | "resultsPrefix" | "customerId" | "workers">,
): void {
  for (const prefix of [env.inputPrefix, env.resultsPrefix]) {
    if (!isKeyPrefix(prefix))
      throw new Error(`prefix "${prefix}" must be path segments ending in /`);
  }
  if (env.inputPrefix === env.resultsPrefix)
    throw new Error("input and results prefixes must differ");
  if (!CUSTOMER_ID_PATTERN.test(env.customerId)) {
    throw new Error(`customer id "${env.customerId}" must be ${CUSTOMER_ID_RULE}`);
  }
  if (!Number.isInteger(env.workers) || env.workers < 1 || env.workers > 64) {
    throw new Error(`workers must be 1-64; got ${env.workers}`);
  }
}

/** The worker's environment file; every value is checked, so the plain KEY=value form is safe. */
export function batchEnvFile(env: BatchWorkerEnv): string {
  if (!isSqsQueueUrl(env.queueUrl))
    throw new Error(`queue URL "${env.queueUrl}" is not an SQS queue URL`);
  if (!isBucketName(env.bucket)) throw new Error(`bucket "${env.bucket}" is not an S3 bucket name`);
  checkBatchSettings(env);
  return [
    `QUEUE_URL=${env.queueUrl}`,
    `JOBS_BUCKET=${env.bucket}`,
    `INPUT_PREFIX=${env.inputPrefix}`,
    `RESULTS_PREFIX=${env.resultsPrefix}`,
    `API_PORT=${env.apiPort}`,
    `CUSTOMER_ID=${env.customerId}`,
    `AWS_DEFAULT_REGION=${env.region}`,
    "",
  ].join("\n");
}

/** Bash appended to the node's user data: install the worker and start `workers` of it. */
export function batchWorkerUserData(env: BatchWorkerEnv): string {
  return [
    "",
    "# Batch workers: S3 input events from SQS through the local API into S3 results.",
    "dnf install -y jq",
    `cat > ${BATCH_ENV_PATH} <<'ENV'`,
    batchEnvFile(env).trimEnd(),
    "ENV",
    `cat > ${BATCH_WORKER_PATH} <<'WORKER'`,
    BATCH_WORKER_SCRIPT.trimEnd(),
    "WORKER",
    `chmod 0755 ${BATCH_WORKER_PATH}`,
    `cat > /etc/systemd/system/${BATCH_SERVICE_NAME}@.service <<'UNIT'`,
    "[Unit]",
    "Description=flakeops batch worker %i",
    `After=${SERVICE_UNIT}`,
    `Wants=${SERVICE_UNIT}`,
    "",
    "[Service]",
    `User=${APP_USER}`,
    `EnvironmentFile=${BATCH_ENV_PATH}`,
    `ExecStart=${BATCH_WORKER_PATH}`,
    // SIGTERM to the worker alone: it stops its own children and returns its message.
    "KillMode=mixed",
    "TimeoutStopSec=30",
    "Restart=always",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "UNIT",
    "systemctl daemon-reload",
    `for i in $(seq 1 ${env.workers}); do systemctl enable --now "${BATCH_SERVICE_NAME}@$i.service"; done`,
    "",
  ].join("\n");
}
