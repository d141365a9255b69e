import { spawnSync } from "node:child_process";
import { ALARM_RULES } from "@flakeops/sizing";
import { describe, expect, it } from "vitest";
import {
  cloudWatchAgentConfig,
  renderUserData,
  shellQuote,
  USER_DATA_MAX_BYTES,
  type UserDataOptions,
} from "../src/host/user-data.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

if (!SHELLCHECK)
  console.warn(
    "shellcheck is not installed (apt-get install shellcheck): user-data lint tests skip",
  );

const s3: UserDataOptions = {
  artifact: {
    kind: "s3",
    uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz",
    format: "tgz",
  },
  port: 5000,
  region: "us-east-1",
};
const zipWithModels: UserDataOptions = {
  ...s3,
  artifact: {
    kind: "s3",
    uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.zip",
    format: "zip",
  },
  modelsUri: "s3://flakeops-models/prod/",
  environment: { FLAKEOPS_WORKERS: "4", LOG_LEVEL: "info" },
};
const ecrGpuImage: UserDataOptions = {
  artifact: {
    kind: "image",
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/flakeops/api:1.4.0",
  },
  port: 5000,
  region: "us-east-1",
  gpu: true,
  environment: { NOTE: 'quotes " and % and $HOME stay literal' },
};

describe("user data", () => {
  const cases: [string, UserDataOptions][] = [
    ["s3 tarball", s3],
    ["s3 zip + models + environment", zipWithModels],
    ["ECR image on a GPU", ecrGpuImage],
  ];

  it.skipIf(!SHELLCHECK).each(cases)("passes shellcheck: %s", (_, opts) => {
    expect(shellcheck(renderUserData(opts))).toBe("");
  });

  it.skipIf(!SHELLCHECK)("shellcheck is live: it flags an unquoted expansion", () => {
    expect(shellcheck("#!/bin/bash\nrm -rf $1/tmp\n")).toMatch(/SC2086/);
  });

  it("installs Node 22, fetches the artifact from S3 and runs node dist/main.js on the port as a non-root user", () => {
    const script = renderUserData(s3);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("dnf install -y nodejs22");
    expect(script).toContain(
      "aws s3 cp 's3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz' /tmp/flakeops-api.tgz",
    );
    expect(script).toContain("tar -xzf /tmp/flakeops-api.tgz -C /opt/flakeops/api");
    const unit = script.slice(script.indexOf("<<'UNIT'"), script.lastIndexOf("UNIT"));
    expect(unit).toContain("User=flakeops");
    expect(unit).toContain("WorkingDirectory=/opt/flakeops/api");
    expect(unit).toContain("ExecStart=/usr/local/bin/flakeops-node dist/main.js");
    expect(unit).toContain('Environment="PORT=5000"');
    expect(unit).toContain("Restart=always");
    expect(unit).not.toContain("FLAKEOPS_MODELS_DIR");
    expect(script).toContain("systemctl enable --now flakeops-api.service");
  });

  it("syncs the models prefix and points the API at it; unpacks zip artifacts", () => {
    const script = renderUserData(zipWithModels);
    expect(script).toContain(`aws s3 sync 's3://flakeops-models/prod/' "$MODELS_DIR"`);
    expect(script).toContain('Environment="FLAKEOPS_MODELS_DIR=/opt/flakeops/models"');
    expect(script).toContain('Environment="FLAKEOPS_WORKERS=4"');
    expect(script).toContain("unzip -q -o /tmp/flakeops-api.zip -d /opt/flakeops/api");
  });

  it("runs a container image as the app user, logs in to ECR, passes the GPUs", () => {
    const script = renderUserData(ecrGpuImage);
    expect(script).not.toContain("nodejs22");
    expect(script).toContain(
      "aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
    );
    expect(script).toMatch(
      /ExecStart=\/usr\/bin\/docker run .*--user \$\{APP_UID\}:\$\{APP_GID\} --gpus all -p 5000:5000 /,
    );
    expect(script).toContain("Requires=docker.service");
    // systemd value escaping: quotes escaped, % doubled, $ left for systemd to keep literal in quotes.
    expect(script).toContain('Environment="NOTE=quotes \\" and %% and $HOME stay literal"');
  });

  it("publishes, per auto-scaling group, exactly the agent metrics the alarm rules read", () => {
    const config = cloudWatchAgentConfig() as {
      metrics: {
        namespace: string;
        append_dimensions: Record<string, string>;
        aggregation_dimensions: string[][];
        metrics_collected: Record<string, { measurement: string[] }>;
      };
    };
    const published = Object.entries(config.metrics.metrics_collected).flatMap(([plugin, m]) =>
      m.measurement.map((x) => `${plugin}_${x}`),
    );
    const agentRules = ALARM_RULES.filter((r) => r.namespace === "CWAgent");
    expect(published.sort()).toEqual([...new Set(agentRules.map((r) => r.metric))].sort());
    expect(published).toEqual(expect.arrayContaining(["mem_used_percent", "disk_used_percent"]));
    expect(config.metrics.namespace).toBe(agentRules[0]!.namespace);
    expect(config.metrics.append_dimensions.AutoScalingGroupName).toBe(
      ["$", "{aws:AutoScalingGroupName}"].join(""),
    );
    expect(config.metrics.aggregation_dimensions).toContainEqual(["AutoScalingGroupName"]);
    // The script writes it verbatim (quoted heredoc: no shell expansion of ${aws:...}).
    expect(renderUserData(s3)).toContain(JSON.stringify(config, null, 2));
  });

  it("refuses values that cannot be placed in a script safely", () => {
    expect(() =>
      renderUserData({ ...s3, artifact: { kind: "s3", uri: "s3://b/x; rm -rf /", format: "tgz" } }),
    ).toThrow(/s3:\/\/bucket\/key/);
    expect(() =>
      renderUserData({ ...s3, artifact: { kind: "image", image: "nginx:latest && curl evil" } }),
    ).toThrow(/not a container image/);
    expect(() => renderUserData({ ...s3, environment: { "bad-name": "x" } })).toThrow(
      /environment name/,
    );
    expect(() => renderUserData({ ...s3, environment: { OK: "two\nlines" } })).toThrow(
      /span lines/,
    );
    expect(() => renderUserData({ ...s3, port: 70000 })).toThrow(/port/);
    expect(() => renderUserData({ ...s3, region: "us-east-1; reboot" })).toThrow(/region/);
    expect(() => renderUserData({ ...s3, modelsUri: "https://example.com/models" })).toThrow(
      /modelsUri/,
    );
  });

  it("shell-quotes any string so bash reads it back unchanged", () => {
    const nasty = `it's "$(rm -rf /)" \`x\` \\ $HOME {} ;|&`;
    const out = spawnSync("bash", ["-c", `printf %s ${shellQuote(nasty)}`], { encoding: "utf8" });
    expect(out.stdout).toBe(nasty);
  });
});

describe("user data size", () => {
  // Everything a host can carry at once: a GPU bundle host with models, keys from two secrets,
  // batch workers, the spot watcher and a long environment.
  const largest: UserDataOptions = {
    ...s3,
    gpu: true,
    modelsUri: "s3://flakeops-models-0123456789abcdef0123456789abcdef/prod/models/2026-11/",
    environment: Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`FLAKEOPS_SETTING_${i}`, "x".repeat(40)]),
    ),
    apiKeysSecretArn:
      "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:flakeops/production/api-keys-AbC123",
    adminKeysSecretArn:
      "arn:aws:ssm:ap-southeast-2:123456789012:parameter/flakeops/production/admin-keys",
    batch: {
      queueUrl: "https://sqs.ap-southeast-2.amazonaws.com/123456789012/flakeops-batch-jobs-1a2b3c4",
      bucket: "flakeops-batch-jobs-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
      inputPrefix: "customers/lab-a/input/",
      resultsPrefix: "customers/lab-a/results/",
      region: "ap-southeast-2",
      apiPort: 5000,
      customerId: "lab-a",
      workers: 64,
    },
  };

  it("stays under EC2's 16 KB (raw, before base64) in the largest configuration", () => {
    const script = renderUserData(largest);
    const bytes = Buffer.byteLength(script, "utf8");
    console.info(`largest user data: ${bytes} bytes of ${USER_DATA_MAX_BYTES}`);
    expect(USER_DATA_MAX_BYTES).toBe(16_384);
    expect(bytes).toBeLessThanOrEqual(USER_DATA_MAX_BYTES);
  });

  it.skipIf(!SHELLCHECK)("passes shellcheck in the largest configuration", () => {
    expect(shellcheck(renderUserData(largest))).toBe("");
  });

  it("refuses user data over 16 KB with the size and the limit", () => {
    expect(() =>
      renderUserData({ ...largest, environment: { BIG: "x".repeat(USER_DATA_MAX_BYTES) } }),
    ).toThrow(/^user data is \d+ bytes; EC2 accepts at most 16384 \(16 KB before base64\)/);
  });
});
