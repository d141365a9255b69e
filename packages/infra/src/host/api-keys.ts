/**
 * API keys on the host, from a secret: the user data carries only the secret's ARN. At boot a
 * root-only script reads the secret (SSM Parameter Store SecureString or Secrets Manager) with
 * the instance role and writes a root-owned 0600 environment file that systemd (root) reads for
 * the API unit (EnvironmentFile=), so the keys never appear in user data, in the launch
 * template or in a file the service user can read back.
 *
 * The secret's value is the API's key file format, a JSON object `{ "<key>": "<customer_id>" }`;
 * the script checks it and writes it as the API's inline form (`key:customer_id,...`).
 */
import { CUSTOMER_ID_PATTERN } from "@flakeops/api/contract";
import { API_KEYS_ENV_PATH, API_KEYS_SCRIPT_PATH, CONFIG_DIR } from "./layout.js";

export interface KeySecrets {
  /** ARN of the secret holding the API keys (FLAKEOPS_API_KEYS). */
  readonly apiKeysSecretArn?: string | undefined;
  /** ARN of the secret holding the admin keys (FLAKEOPS_ADMIN_KEYS: model management). */
  readonly adminKeysSecretArn?: string | undefined;
}

export interface SecretRef {
  readonly service: "ssm" | "secretsmanager";
  readonly region: string;
  readonly arn: string;
}

/*
 * ARN shapes, from the IAM Service Authorization Reference (resource types): SSM
 * `arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}`
 * (names: a-zA-Z0-9_.-/, Parameter Store "Parameter naming"), Secrets Manager
 * `arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}` (names:
 * alphanumerics and /_+=.@-, plus the 6-character suffix Secrets Manager appends).
 */
const SECRET_ARN =
  /^arn:aws(?:-[a-z]+)*:(ssm|secretsmanager):([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):(parameter\/[A-Za-z0-9_./-]{1,2048}|secret:[A-Za-z0-9/_+=.@-]{1,512})$/;

/** Parse a secret ARN, or throw one line saying what is accepted. */
export function parseSecretArn(arn: string, what: string): SecretRef {
  const m = SECRET_ARN.exec(arn);
  const kind = m?.[1];
  const resource = m?.[4] ?? "";
  if (
    !m ||
    (kind === "ssm" && !resource.startsWith("parameter/")) ||
    (kind === "secretsmanager" && !resource.startsWith("secret:"))
  ) {
    throw new Error(
      `${what} "${arn}" is not a secret ARN; accepted: arn:aws:ssm:<region>:<account>:parameter/<name> (a SecureString) or arn:aws:secretsmanager:<region>:<account>:secret:<name>`,
    );
  }
  return { service: kind as SecretRef["service"], region: m[2]!, arn };
}

/** The keys the API accepts (at least 8 characters), restricted so the env file needs no quoting. */
const KEY_PATTERN = "^[A-Za-z0-9._~+/=-]{8,256}$";

function fetchLine(ref: SecretRef, variable: string): string {
  const read =
    ref.service === "ssm"
      ? `aws ssm get-parameter --region ${ref.region} --name '${ref.arn}' --with-decryption --query Parameter.Value --output text`
      : `aws secretsmanager get-secret-value --region ${ref.region} --secret-id '${ref.arn}' --query SecretString --output text`;
  return `${read} | to_env ${variable} >>"$tmp"`;
}

/** The root-only script that reads the secrets into `envPath` (rerun it, then restart, to rotate). */
export function apiKeysScript(secrets: KeySecrets, envPath: string = API_KEYS_ENV_PATH): string {
  const lines = [
    "#!/bin/bash",
    "# flakeops API keys (rendered by @flakeops/infra): secrets -> a root-only env file for the API unit.",
    "# To rotate: update the secret, run this script, then systemctl restart the API unit.",
    "set -euo pipefail",
    "umask 077",
    `tmp=$(mktemp "${envPath}.XXXXXX")`,
    `trap 'rm -f "$tmp"' EXIT`,
    "",
    "# JSON object of key -> customer_id on stdin; VARIABLE=key:customer,... on stdout.",
    "to_env() {",
    `  jq -er --arg var "$1" --arg key '${KEY_PATTERN}' --arg customer '${CUSTOMER_ID_PATTERN.source}' '`,
    '    if type == "object" and length > 0',
    '      and all(to_entries[]; (.key | test($key)) and (.value | type == "string" and test($customer)))',
    '    then "\\($var)=" + (to_entries | map("\\(.key):\\(.value)") | join(","))',
    '    else error("\\($var): the secret must be a JSON object {\\"<key: 8-256 of A-Za-z0-9._~+/=->\\": \\"<customer_id>\\"}") end\'',
    "}",
    "",
  ];
  if (secrets.apiKeysSecretArn !== undefined)
    lines.push(
      fetchLine(parseSecretArn(secrets.apiKeysSecretArn, "apiKeysSecretArn"), "FLAKEOPS_API_KEYS"),
    );
  if (secrets.adminKeysSecretArn !== undefined)
    lines.push(
      fetchLine(
        parseSecretArn(secrets.adminKeysSecretArn, "adminKeysSecretArn"),
        "FLAKEOPS_ADMIN_KEYS",
      ),
    );
  lines.push(`mv -f "$tmp" ${envPath}`, "trap - EXIT", "");
  return lines.join("\n");
}

export function hasKeySecrets(secrets: KeySecrets): boolean {
  return secrets.apiKeysSecretArn !== undefined || secrets.adminKeysSecretArn !== undefined;
}

/** Bash for the user data: install the script (root, 0700) and run it once before the API starts. */
export function apiKeysUserData(secrets: KeySecrets): string {
  return [
    "",
    "# API keys: read from their secrets by the instance role; only the ARNs are in this script.",
    `mkdir -p ${CONFIG_DIR}`,
    `cat > ${API_KEYS_SCRIPT_PATH} <<'KEYS'`,
    apiKeysScript(secrets).trimEnd(),
    "KEYS",
    `chmod 0700 ${API_KEYS_SCRIPT_PATH}`,
    API_KEYS_SCRIPT_PATH,
    "",
  ].join("\n");
}
