/**
 * API keys from a secret: the root-only script the user data installs, run against a stand-in
 * `aws` executable, writes the 0600 env file the API unit reads; the API's own parser accepts
 * what it wrote. The user data carries only the ARNs.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseApiKeys } from "@flakeops/api";
import { afterAll, describe, expect, it } from "vitest";
import { apiKeysScript, parseSecretArn } from "../src/host/api-keys.js";
import { renderUserData, type UserDataOptions } from "../src/host/user-data.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

const JQ = ["/usr/bin/jq", "/usr/local/bin/jq"].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), "flakeops-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/flakeops/prod/api-keys";
const SM_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:flakeops/admin-AbC123";

// Answers get-parameter / get-secret-value with $SSM_VALUE / $SM_VALUE, as --output text does.
const AWS_STUB = `#!/bin/bash
echo "$*" >> "$STUB_DIR/aws.log"
case "$1 $2" in
  "ssm get-parameter") printf '%s\\n' "$SSM_VALUE" ;;
  "secretsmanager get-secret-value") printf '%s\\n' "$SM_VALUE" ;;
  *) exit 254 ;;
esac
`;

function run(values: { ssm: string; sm: string }, name: string) {
  const work = join(dir, name);
  const bin = join(work, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "aws"), AWS_STUB);
  chmodSync(join(bin, "aws"), 0o755);
  const envFile = join(work, "api-keys.env");
  writeFileSync(
    join(work, "keys.sh"),
    apiKeysScript({ apiKeysSecretArn: SSM_ARN, adminKeysSecretArn: SM_ARN }, envFile),
  );
  const result = spawnSync("bash", [join(work, "keys.sh")], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      STUB_DIR: work,
      SSM_VALUE: values.ssm,
      SM_VALUE: values.sm,
    },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { result, work, envFile };
}

const base: UserDataOptions = {
  artifact: {
    kind: "s3",
    uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz",
    format: "tgz",
  },
  port: 5000,
  region: "us-east-1",
};

describe("API keys from a secret", () => {
  it.skipIf(!JQ)("writes a root-only env file the API's parser accepts", () => {
    const { result, work, envFile } = run(
      {
        ssm: JSON.stringify({ "k3y-for-lab-a": "lab-a", "another.key+/=": "lab_b" }),
        sm: JSON.stringify({ "admin-key-0001": "ops" }),
      },
      "ok",
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      readFileSync(envFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(Object.keys(env)).toEqual(["FLAKEOPS_API_KEYS", "FLAKEOPS_ADMIN_KEYS"]);
    expect([...parseApiKeys(env)]).toEqual([
      ["k3y-for-lab-a", "lab-a"],
      ["another.key+/=", "lab_b"],
    ]);
    expect([...parseApiKeys(env, "FLAKEOPS_ADMIN_KEYS")]).toEqual([["admin-key-0001", "ops"]]);
    const log = readFileSync(join(work, "aws.log"), "utf8");
    expect(log).toContain(
      `ssm get-parameter --region us-east-1 --name ${SSM_ARN} --with-decryption --query Parameter.Value --output text`,
    );
    expect(log).toContain(
      `secretsmanager get-secret-value --region eu-west-1 --secret-id ${SM_ARN} --query SecretString --output text`,
    );
  });

  it.skipIf(!JQ)("refuses a secret that is not a key map, and leaves no file behind", () => {
    for (const [name, ssm] of [
      ["array", JSON.stringify(["k3y-for-lab-a"])],
      ["short key", JSON.stringify({ short: "lab-a" })],
      ["bad customer", JSON.stringify({ "k3y-for-lab-a": "lab a" })],
      ["quote in key", JSON.stringify({ "k3y'for-lab-a": "lab-a" })],
      ["not json", "k3y-for-lab-a:lab-a"],
    ] as const) {
      const { result, work, envFile } = run(
        { ssm, sm: JSON.stringify({ "admin-key-0001": "ops" }) },
        name.replaceAll(" ", "-"),
      );
      expect(result.status, name).not.toBe(0);
      expect(existsSync(envFile)).toBe(false);
      expect(readdirSync(work).filter((f) => f.startsWith("api-keys.env"))).toEqual([]);
      if (name !== "not json")
        expect(result.stderr).toContain("FLAKEOPS_API_KEYS: the secret must be a JSON object");
    }
  });

  it("puts only the ARNs in the user data, and the env file in the unit", () => {
    const script = renderUserData({
      ...base,
      apiKeysSecretArn: SSM_ARN,
      adminKeysSecretArn: SM_ARN,
    });
    expect(script).toContain(`--name '${SSM_ARN}'`);
    expect(script).toContain(`--secret-id '${SM_ARN}'`);
    expect(script).toContain("EnvironmentFile=/etc/flakeops/api-keys.env");
    expect(script).toMatch(/dnf install -y .* jq/);
    // Keys are fetched before the API starts.
    expect(script.indexOf("\n/usr/local/bin/flakeops-api-keys\n")).toBeGreaterThan(0);
    expect(script.indexOf("\n/usr/local/bin/flakeops-api-keys\n")).toBeLessThan(
      script.indexOf("systemctl enable --now flakeops-api.service"),
    );
    expect(script).toContain('Environment="FLAKEOPS_ALLOW_MODEL_UPLOADS=false"');
    expect(renderUserData(base)).not.toContain("api-keys");
    const image = renderUserData({
      ...base,
      artifact: { kind: "image", image: "ghcr.io/org/api:1.0" },
      apiKeysSecretArn: SSM_ARN,
    });
    expect(image).toMatch(/docker run .*-e FLAKEOPS_API_KEYS -e FLAKEOPS_ADMIN_KEYS /);
  });

  it.skipIf(!SHELLCHECK)("passes shellcheck, alone and in the user data", () => {
    expect(
      shellcheck(apiKeysScript({ apiKeysSecretArn: SSM_ARN, adminKeysSecretArn: SM_ARN })),
    ).toBe("");
    expect(shellcheck(renderUserData({ ...base, apiKeysSecretArn: SM_ARN }))).toBe("");
  });

  it("refuses anything but an SSM parameter or Secrets Manager ARN, and keys in the environment", () => {
    expect(parseSecretArn(SSM_ARN, "x")).toEqual({
      service: "ssm",
      region: "us-east-1",
      arn: SSM_ARN,
    });
    for (const bad of [
      "flakeops/prod/api-keys",
      "arn:aws:ssm:us-east-1:123456789012:document/x",
      "arn:aws:secretsmanager:us-east-1:123456789012:parameter/x",
      "arn:aws:s3:::bucket/key",
      `${SSM_ARN}'; reboot #`,
    ]) {
      expect(() => renderUserData({ ...base, apiKeysSecretArn: bad })).toThrow(
        /^apiKeysSecretArn ".*" is not a secret ARN; accepted: arn:aws:ssm:<region>:<account>:parameter\/<name> \(a SecureString\) or arn:aws:secretsmanager:/,
      );
    }
    expect(() =>
      renderUserData({ ...base, environment: { FLAKEOPS_API_KEYS: "k3y-for-lab-a:lab-a" } }),
    ).toThrow(/would put keys in the user data; give apiKeysSecretArn/);
  });
});
