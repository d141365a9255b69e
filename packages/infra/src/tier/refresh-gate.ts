import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../errors.js";

/**
 * The refresh gate: `pulumi up` waits for the group's instance refresh and fails when it does
 * not succeed. terraform-provider-aws (which @pulumi/aws wraps) starts the refresh and returns
 * (internal/service/autoscaling/group.go: startInstanceRefresh does not wait), and its capacity
 * wait (waitForElbCapacity) runs only on create and on min/desired size changes; so without this
 * a release that never turns healthy "deploys" and the refresh fails later, unseen.
 *
 * A `command:local:Command` runs REFRESH_WAIT_SCRIPT on the machine running `pulumi up`, after
 * the group, whenever the launch template (id or version) changes: the change that makes the
 * provider start a refresh. It needs bash and the AWS CLI v2 there.
 */

/** Exit codes of the script (also in the README, "Gated deploys"). */
export const REFRESH_GATE_EXIT = {
  /** The newest refresh is Successful, or the group has never been refreshed (first create). */
  ok: 0,
  /** The refresh ended Failed, Cancelled, RollbackSuccessful or RollbackFailed. */
  failed: 1,
  /** Still running at the deadline (the refresh goes on in AWS). */
  timedOut: 2,
  /** The AWS CLI failed three polls in a row (credentials, permissions, region). */
  awsError: 3,
  /** Its own settings are malformed. */
  badSettings: 64,
} as const;

export const DEFAULT_REFRESH_TIMEOUT_MINUTES = 30;
/** Bound of the timeout: 24 h is far past any refresh of these tiers, and catches typos. */
export const MAX_REFRESH_TIMEOUT_MINUTES = 1440;
const POLL_SECONDS = 15;

export interface RefreshGateOptions {
  /** How long `pulumi up` waits for the refresh, minutes. Default 30. */
  readonly timeoutMinutes?: number;
}

/**
 * The InstanceRefresh Status enum (Amazon EC2 Auto Scaling API Reference, InstanceRefresh:
 * Status): Pending, InProgress, Successful, Failed, Cancelling, Cancelled, RollbackInProgress,
 * RollbackFailed, RollbackSuccessful, Baking. Successful is the only good end; Failed,
 * Cancelled, RollbackFailed and RollbackSuccessful (the old version is back: the release did
 * not go out) are bad ends; Pending, InProgress, Cancelling, RollbackInProgress and Baking
 * are still moving. A status AWS adds later is waited on, bounded by the timeout.
 * DescribeInstanceRefreshes returns the group's refreshes of the previous six weeks "sorted by
 * creation timestamp in descending order" (its response, InstanceRefreshes); the provider starts
 * ours during the group update, so when this runs (after the group) the newest is this release's.
 */
export const REFRESH_WAIT_SCRIPT = `#!/bin/bash
# flakeops refresh gate (rendered by @flakeops/infra): wait for the Auto Scaling group's newest
# instance refresh; exit 0 when Successful, non-zero (with AWS's reason) otherwise.
set -uo pipefail
export AWS_PAGER=""

group=\${GROUP_NAME:-}
timeout=\${TIMEOUT_SECONDS:-}
poll=\${POLL_SECONDS:-${POLL_SECONDS}}
if [ -z "$group" ] || ! [[ $timeout =~ ^[0-9]+$ ]] || ! [[ $poll =~ ^[0-9]+$ ]]; then
  echo "refresh gate: need GROUP_NAME, and TIMEOUT_SECONDS and POLL_SECONDS as whole seconds" >&2
  exit ${REFRESH_GATE_EXIT.badSettings}
fi
region_args=()
if [ -n "\${AWS_REGION:-}" ]; then region_args=(--region "$AWS_REGION"); fi
deadline=$((SECONDS + timeout))
aws_failures=0

while true; do
  if ! line=$(aws autoscaling describe-instance-refreshes "\${region_args[@]}" \\
    --auto-scaling-group-name "$group" --max-records 1 \\
    --query 'InstanceRefreshes[0].[InstanceRefreshId,Status,PercentageComplete,StatusReason]' \\
    --output text); then
    aws_failures=$((aws_failures + 1))
    if [ "$aws_failures" -ge 3 ]; then
      echo "refresh gate: the AWS CLI failed 3 times in a row (see above) for group $group" >&2
      exit ${REFRESH_GATE_EXIT.awsError}
    fi
  else
    aws_failures=0
    if [ -z "$line" ] || [ "$line" = "None" ]; then
      # A new group has no refresh: the provider's own capacity wait (waitForElbCapacity, or
      # min size InService) already held the create until the instances were healthy.
      echo "refresh gate: group $group has no instance refresh (a new group); the group's own capacity wait covered its first instances"
      exit ${REFRESH_GATE_EXIT.ok}
    fi
    IFS=$'\\t' read -r id status percent reason <<<"$line"
    # The CLI's text output prints an absent field as None.
    if [ "$reason" = "None" ]; then reason=""; fi
    case "$status" in
      Successful)
        echo "refresh gate: instance refresh $id of $group: Successful"
        exit ${REFRESH_GATE_EXIT.ok} ;;
      Failed | Cancelled | RollbackFailed | RollbackSuccessful)
        echo "refresh gate: instance refresh $id of $group ended $status: \${reason:-no reason given}" >&2
        echo "refresh gate: the group's launch template is the new release; fix it (or deploy the previous one) and run pulumi up again" >&2
        exit ${REFRESH_GATE_EXIT.failed} ;;
      *)
        echo "refresh gate: instance refresh $id of $group: $status, $percent% complete" ;;
    esac
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "refresh gate: timed out after \${timeout}s waiting for the instance refresh of $group; it goes on in AWS (aws autoscaling describe-instance-refreshes --auto-scaling-group-name $group)" >&2
    exit ${REFRESH_GATE_EXIT.timedOut}
  fi
  sleep "$poll"
done
`;

/** Checked timeout, seconds (one-line ConfigError otherwise). */
export function refreshTimeoutSeconds(name: string, opts: RefreshGateOptions = {}): number {
  const minutes = opts.timeoutMinutes ?? DEFAULT_REFRESH_TIMEOUT_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_REFRESH_TIMEOUT_MINUTES) {
    throw new ConfigError(
      `${name}: refresh gate timeoutMinutes must be a whole number 1-${MAX_REFRESH_TIMEOUT_MINUTES}; got ${minutes}`,
    );
  }
  return minutes * 60;
}

export interface RefreshGateInputs {
  readonly group: pulumi.Resource & { readonly name: pulumi.Output<string> };
  readonly launchTemplateId: pulumi.Input<string>;
  readonly launchTemplateVersion: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly options?: RefreshGateOptions | undefined;
}

/** The gate's Command, parented to the component and run after the group. */
export function createRefreshGate(
  name: string,
  inputs: RefreshGateInputs,
  parent: pulumi.Resource,
): command.local.Command {
  const timeoutSeconds = refreshTimeoutSeconds(name, inputs.options);
  // The CLI must act as the stack does: its region, and the stack's named profile when set
  // (other credentials, e.g. AWS_ACCESS_KEY_ID, are inherited from `pulumi up`'s environment).
  const profile = new pulumi.Config("aws").get("profile");
  return new command.local.Command(
    `${name}-refresh-gate`,
    {
      create: REFRESH_WAIT_SCRIPT,
      interpreter: ["/bin/bash", "-c"],
      environment: {
        GROUP_NAME: inputs.group.name,
        AWS_REGION: inputs.region,
        TIMEOUT_SECONDS: String(timeoutSeconds),
        ...(profile ? { AWS_PROFILE: profile } : {}),
      },
      // A new template version is what makes the provider start a refresh; a replaced
      // Command runs `create` again.
      triggers: [inputs.launchTemplateId, inputs.launchTemplateVersion],
    },
    { parent, dependsOn: [inputs.group] },
  );
}
