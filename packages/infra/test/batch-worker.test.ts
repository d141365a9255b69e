import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEALTH_PATH } from "@flakeops/api/contract";
import { describe, expect, it } from "vitest";
import {
  BATCH_WORKER_SCRIPT,
  type BatchWorkerEnv,
  batchEnvFile,
  batchWorkerUserData,
  HEALTH_FAILURES_LIMIT,
  LOOP_FAILURES_LIMIT,
} from "../src/host/batch-worker.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

const JQ = ["/usr/bin/jq", "/usr/local/bin/jq"].find((p) => existsSync(p));

const env: BatchWorkerEnv = {
  queueUrl: "https://sqs.us-east-1.amazonaws.com/000000000000/batch-jobs-1a2b3c4",
  bucket: "batch-jobs-1a2b3c4",
  inputPrefix: "input/",
  resultsPrefix: "results/",
  region: "us-east-1",
  apiPort: 5000,
  customerId: "batch",
  workers: 2,
};

// Stand-ins for the AWS CLI and curl that record what the worker asks of them.
const AWS_STUB = `#!/bin/bash
echo "$*" >> "$STUB_DIR/aws.log"
case "$1 $2" in
  "sqs receive-message")
    n=$(( $(cat "$STUB_DIR/receives" 2>/dev/null || echo 0) + 1 ))
    echo "$n" > "$STUB_DIR/receives"
    if [ -f "$STUB_DIR/message.$n.json" ]; then cat "$STUB_DIR/message.$n.json"; else kill -TERM "$WORKER_PID"; exit 1; fi ;;
  "s3 cp")
    if [[ $3 == s3://* ]]; then printf 'IMAGE:%s' "\${3#s3://}" > "$4"
    else mkdir -p "$(dirname "$STUB_DIR/uploads/\${4#s3://}")"; cp "$3" "$STUB_DIR/uploads/\${4#s3://}"; fi ;;
esac
`;
const CURL_STUB = `#!/bin/bash
echo "$*" >> "$STUB_DIR/curl.log"
case "$*" in *"/health"*) exit 0 ;; esac
out=""; image=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out=$2; shift ;; -F) [[ $2 == image=@* ]] && image=\${2#image=@}; shift ;; esac
  shift
done
content=$(cat "$image")
case "$content" in
  *slow*) kill -TERM "$WORKER_PID"; exec sleep 30 ;;
  *bad*) echo '{"error":{"code":"unsupported_media_type"}}' > "$out"; printf 415 ;;
  *busy*) printf 503 ;;
  *) printf '{"flakes":[],"source":"%s"}' "$content" > "$out"; printf 200 ;;
esac
`;

function s3Event(...keys: string[]): string {
  return JSON.stringify({
    Records: keys.map((key) => ({
      eventSource: "aws:s3",
      s3: { bucket: { name: env.bucket }, object: { key } },
    })),
  });
}

describe("batch worker", () => {
  it.skipIf(!SHELLCHECK)("passes shellcheck, alone and in the user data that installs it", () => {
    expect(shellcheck(BATCH_WORKER_SCRIPT)).toBe("");
    expect(shellcheck(`#!/bin/bash\nset -euo pipefail\n${batchWorkerUserData(env)}`)).toBe("");
  });

  it.skipIf(!JQ)(
    "turns S3 events into results, stores refusals, retries what failed through the queue",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "flakeops-batch-"));
      const bin = join(dir, "bin");
      mkdirSync(bin);
      for (const [name, body] of [
        ["aws", AWS_STUB],
        ["curl", CURL_STUB],
      ] as const) {
        writeFileSync(join(bin, name), body);
        chmodSync(join(bin, name), 0o755);
      }
      writeFileSync(join(dir, "worker.sh"), BATCH_WORKER_SCRIPT);
      // Message 1: two images (one the API refuses); 2: the API is overloaded; 3: an S3 test event.
      writeFileSync(
        join(dir, "message.1.json"),
        JSON.stringify({
          Messages: [
            { ReceiptHandle: "r1", Body: s3Event("input/run+1/flake%281%29.jpg", "input/bad.jpg") },
          ],
        }),
      );
      writeFileSync(
        join(dir, "message.2.json"),
        JSON.stringify({ Messages: [{ ReceiptHandle: "r2", Body: s3Event("input/busy.jpg") }] }),
      );
      writeFileSync(
        join(dir, "message.3.json"),
        JSON.stringify({
          Messages: [{ ReceiptHandle: "r3", Body: JSON.stringify({ Event: "s3:TestEvent" }) }],
        }),
      );
      const vars = Object.fromEntries(
        batchEnvFile(env)
          .trim()
          .split("\n")
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      const result = spawnSync(
        "bash",
        ["-c", 'export WORKER_PID=$$; exec bash "$0"', join(dir, "worker.sh")],
        {
          env: { ...process.env, ...vars, PATH: `${bin}:${process.env.PATH}`, STUB_DIR: dir },
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      // Stopped by the stub (SIGTERM) once the queue is empty: it drains and exits 0.
      expect([result.signal, result.status]).toEqual([null, 0]);

      const uploads = join(dir, "uploads", env.bucket, "results");
      // URL-decoded key; the result is what the API answered for that image.
      expect(JSON.parse(readFileSync(join(uploads, "run 1", "flake(1).jpg.json"), "utf8"))).toEqual(
        {
          flakes: [],
          source: `IMAGE:${env.bucket}/input/run 1/flake(1).jpg`,
        },
      );
      expect(JSON.parse(readFileSync(join(uploads, "bad.jpg.error.json"), "utf8")).error.code).toBe(
        "unsupported_media_type",
      );
      expect(existsSync(join(uploads, "busy.jpg.json"))).toBe(false);

      const awsLog = readFileSync(join(dir, "aws.log"), "utf8");
      const deleted = [
        ...awsLog.matchAll(/sqs delete-message --queue-url (\S+) --receipt-handle (\S+)/g),
      ];
      expect(deleted.map((m) => m[2])).toEqual(["r1", "r3"]); // r2 goes back to the queue
      expect(deleted.every((m) => m[1] === env.queueUrl)).toBe(true);
      const curlLog = readFileSync(join(dir, "curl.log"), "utf8");
      expect(curlLog).toContain("customer_id=batch");
      expect(curlLog).toContain("http://127.0.0.1:5000/detect");
    },
  );

  it.skipIf(!JQ)(
    "drains on SIGTERM: stops the in-flight image and gives its message back to the queue at once",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "flakeops-batch-"));
      try {
        const bin = join(dir, "bin");
        mkdirSync(bin);
        for (const [name, body] of [
          ["aws", AWS_STUB],
          ["curl", CURL_STUB],
        ] as const) {
          writeFileSync(join(bin, name), body);
          chmodSync(join(bin, name), 0o755);
        }
        writeFileSync(join(dir, "worker.sh"), BATCH_WORKER_SCRIPT);
        // The API is still working on slow.jpg when systemd (or the spot watcher) stops the worker.
        writeFileSync(
          join(dir, "message.1.json"),
          JSON.stringify({ Messages: [{ ReceiptHandle: "r9", Body: s3Event("input/slow.jpg") }] }),
        );
        const vars = Object.fromEntries(
          batchEnvFile(env)
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        const result = spawnSync(
          "bash",
          ["-c", 'export WORKER_PID=$$; exec bash "$0"', join(dir, "worker.sh")],
          {
            env: { ...process.env, ...vars, PATH: `${bin}:${process.env.PATH}`, STUB_DIR: dir },
            encoding: "utf8",
            // The stand-in API would answer in 30 s: a worker that waited for it is killed here.
            timeout: 20_000,
          },
        );
        expect([result.signal, result.status]).toEqual([null, 0]);
        const awsLog = readFileSync(join(dir, "aws.log"), "utf8");
        expect(awsLog).toContain(
          `sqs change-message-visibility --queue-url ${env.queueUrl} --receipt-handle r9 --visibility-timeout 0`,
        );
        expect(awsLog).not.toContain("delete-message");
        expect(existsSync(join(dir, "uploads"))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("refuses settings that would not be safe in its environment file", () => {
    expect(() => batchEnvFile({ ...env, queueUrl: "https://evil.example.com/q" })).toThrow(
      /SQS queue URL/,
    );
    expect(() => batchEnvFile({ ...env, bucket: "Bad_Bucket" })).toThrow(/bucket/);
    expect(() => batchEnvFile({ ...env, inputPrefix: "in put/" })).toThrow(/prefix/);
    expect(() => batchEnvFile({ ...env, resultsPrefix: "input/" })).toThrow(/must differ/);
    expect(() => batchEnvFile({ ...env, customerId: "a b" })).toThrow(/customer id/);
    expect(() => batchEnvFile({ ...env, workers: 0 })).toThrow(/workers/);
  });

  it("starts one worker per requested process", () => {
    const script = batchWorkerUserData({ ...env, workers: 4 });
    expect(script).toContain(
      'for i in $(seq 1 4); do systemctl enable --now "flakeops-batch@$i.service"; done',
    );
    expect(script).toContain("User=flakeops");
    expect(script).toContain("Restart=always");
    // SIGTERM reaches the worker alone, which stops its children and returns its message.
    expect(script).toContain("KillMode=mixed");
  });
});

// --- Self-reported health -------------------------------------------------------------------

const INSTANCE_ID = "i-0123456789abcdef0";

/**
 * One loopback server standing in for the local API (GET /health answers the given statuses in
 * turn, the last one from then on) and the instance metadata service (IMDSv2: the instance id
 * only with a token from PUT /latest/api/token).
 */
async function apiAndImds(healthStatuses: readonly number[]) {
  const seen: string[] = [];
  let healthChecks = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers["x-aws-ec2-metadata-token"];
    seen.push(`${req.method} ${req.url}`);
    if (req.method === "GET" && req.url === HEALTH_PATH) {
      const status = healthStatuses[Math.min(healthChecks, healthStatuses.length - 1)]!;
      healthChecks += 1;
      return res.writeHead(status).end(status === 200 ? '{"status":"ok"}' : "");
    }
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return res.writeHead(400).end();
      return res.writeHead(200).end("token-1");
    }
    if (req.method === "GET" && req.url === "/latest/meta-data/instance-id") {
      if (token !== "token-1") return res.writeHead(401).end();
      return res.writeHead(200).end(INSTANCE_ID);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    healthChecks: () => healthChecks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The AWS CLI: an empty queue (or a failing one with RECEIVE_FAILS=1); set-instance-health is
// recorded and, as the group would, the worker is then stopped.
const HEALTH_AWS_STUB = `#!/bin/bash
echo "$*" >> "$STUB_DIR/aws.log"
case "$1 $2" in
  "sqs receive-message")
    if [ "\${RECEIVE_FAILS:-0}" = 1 ]; then echo "An error occurred (AccessDenied)" >&2; exit 255; fi
    echo '{}' ;;
  "autoscaling set-instance-health") kill -TERM "$WORKER_PID" ;;
esac
`;

async function runWorkerAgainst(
  healthStatuses: readonly number[],
  extraEnv: Record<string, string>,
): Promise<{ code: number | null; stderr: string; awsLog: string[]; healthChecks: number }> {
  const stand = await apiAndImds(healthStatuses);
  const dir = mkdtempSync(join(tmpdir(), "flakeops-batch-health-"));
  try {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "aws"), HEALTH_AWS_STUB);
    chmodSync(join(bin, "aws"), 0o755);
    writeFileSync(join(dir, "worker.sh"), BATCH_WORKER_SCRIPT);
    const vars = Object.fromEntries(
      batchEnvFile({ ...env, apiPort: stand.port })
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const child = spawn(
      "bash",
      ["-c", 'export WORKER_PID=$$; exec bash "$0"', join(dir, "worker.sh")],
      {
        env: {
          ...process.env,
          ...vars,
          PATH: `${bin}:${process.env.PATH}`,
          STUB_DIR: dir,
          FLAKEOPS_IMDS_BASE: `http://127.0.0.1:${stand.port}`,
          CHECK_INTERVAL_SECONDS: "0",
          ...extraEnv,
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    // Each case ends after a handful of checks; this only bounds a broken worker.
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(guard);
    let awsLog: string[] = [];
    if (existsSync(join(dir, "aws.log")))
      awsLog = readFileSync(join(dir, "aws.log"), "utf8").trim().split("\n");
    return { code, stderr, awsLog, healthChecks: stand.healthChecks() };
  } finally {
    await stand.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARK = `autoscaling set-instance-health --instance-id ${INSTANCE_ID} --health-status Unhealthy`;

describe("batch worker health", () => {
  it.skipIf(!JQ)(
    `marks its instance Unhealthy after ${HEALTH_FAILURES_LIMIT} failed API health checks in a row, not after one`,
    async () => {
      // Up, one blip (forgiven), up, then down for good.
      const r = await runWorkerAgainst([200, 503, 200, 503, 503, 503], {});
      expect(r.code).toBe(0); // stopped by the group's SIGTERM, it drains and exits 0
      expect(r.awsLog.filter((l) => l === MARK)).toHaveLength(1);
      expect(r.healthChecks).toBe(6);
      // Work is taken only while the API answers.
      expect(r.awsLog.filter((l) => l.startsWith("sqs receive-message"))).toHaveLength(2);
      expect(r.stderr).toContain(
        `the local API did not answer ${HEALTH_PATH} ${HEALTH_FAILURES_LIMIT} times in a row`,
      );
    },
  );

  it.skipIf(!JQ)("counts an API that never answered once the boot allowance is over", async () => {
    const r = await runWorkerAgainst([503], { API_BOOT_ALLOWANCE_SECONDS: "0" });
    expect(r.awsLog).toEqual([MARK]);
    expect(r.healthChecks).toBe(HEALTH_FAILURES_LIMIT);
  });

  it.skipIf(!JQ)(
    `marks its instance Unhealthy after ${LOOP_FAILURES_LIMIT} failed receives in a row`,
    async () => {
      const r = await runWorkerAgainst([200], { RECEIVE_FAILS: "1" });
      expect(r.code).toBe(0);
      expect(r.awsLog.filter((l) => l.startsWith("sqs receive-message"))).toHaveLength(
        LOOP_FAILURES_LIMIT,
      );
      expect(r.awsLog.at(-1)).toBe(MARK);
      expect(r.stderr).toContain(
        `receiving from the queue failed ${LOOP_FAILURES_LIMIT} times in a row`,
      );
    },
  );
});
