/**
 * The spot interruption watcher every API host runs. EC2 posts a spot instance-action to the
 * instance metadata two minutes before it stops or terminates a spot instance ("Spot Instance
 * interruption notices", EC2 User Guide: GET /latest/meta-data/spot/instance-action answers 404
 * until then, then `{"action": "terminate"|"stop"|"hibernate", "time": ...}`). On a notice the
 * watcher stops the service units: the API gets SIGTERM, answers /health 503 for the drain
 * period so the ALB takes it out of rotation, finishes in-flight requests and exits; the batch
 * workers give their in-flight message back to the queue. On an on-demand host the path stays
 * 404, so the watcher costs one local HTTP request per interval.
 */
import { SERVICE_UNIT, SPOT_WATCHER_PATH, SPOT_WATCHER_SERVICE } from "./layout.js";

/**
 * The watcher (bash + curl, present on every AMI the hosts use). IMDSv2 only: a session token
 * from PUT /latest/api/token, renewed when IMDS answers 401 or after an hour. The metadata base
 * URL comes from FLAKEOPS_IMDS_BASE, which only the loopback test sets; the units set nothing.
 */
export const SPOT_WATCHER_SCRIPT = `#!/bin/bash
# flakeops spot watcher (rendered by @flakeops/infra): on a spot interruption notice, stop the
# units named as arguments (systemctl stop), so the API drains before EC2 reclaims the host.
set -uo pipefail

imds=\${FLAKEOPS_IMDS_BASE:-http://169.254.169.254}
interval=\${FLAKEOPS_SPOT_POLL_SECONDS:-5}
notice=$(mktemp)
trap 'rm -f "$notice"' EXIT
token=""
token_at=0

while true; do
  now=$(date +%s)
  if [ -z "$token" ] || [ $((now - token_at)) -ge 3600 ]; then
    token=$(curl -sS -f --max-time 2 -X PUT "$imds/latest/api/token" \\
      -H "X-aws-ec2-metadata-token-ttl-seconds: 21600") || token=""
    token_at=$now
  fi
  if [ -n "$token" ]; then
    status=$(curl -sS --max-time 2 -o "$notice" -w '%{http_code}' \\
      -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/spot/instance-action") || status=000
    case "$status" in
      200)
        echo "spot interruption notice: $(cat "$notice"); stopping $*"
        systemctl stop "$@"
        exit $?
        ;;
      401) token="" ;;
    esac
  fi
  sleep "$interval"
done
`;

/** Bash appended to the user data: install the watcher and its unit (stopping `units`). */
export function spotWatcherUserData(units: readonly string[]): string {
  for (const unit of units) {
    if (!/^[A-Za-z0-9@*:_.-]+\.service$/.test(unit)) throw new Error(`bad unit name "${unit}"`);
  }
  return [
    "",
    "# Spot interruption notices: drain the API (and return batch messages) before EC2 reclaims the host.",
    `cat > ${SPOT_WATCHER_PATH} <<'WATCHER'`,
    SPOT_WATCHER_SCRIPT.trimEnd(),
    "WATCHER",
    `chmod 0755 ${SPOT_WATCHER_PATH}`,
    `cat > /etc/systemd/system/${SPOT_WATCHER_SERVICE} <<'UNIT'`,
    "[Unit]",
    "Description=flakeops spot interruption watcher",
    `After=${SERVICE_UNIT}`,
    "",
    "[Service]",
    `ExecStart=${SPOT_WATCHER_PATH} ${units.join(" ")}`,
    // Once it has acted it exits 0 and stays down; a crash restarts it.
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "UNIT",
    "systemctl daemon-reload",
    `systemctl enable --now ${SPOT_WATCHER_SERVICE}`,
    "",
  ].join("\n");
}
