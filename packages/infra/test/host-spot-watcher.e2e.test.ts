/**
 * The spot watcher against a loopback stand-in of the instance metadata service (IMDSv2:
 * PUT token, then GET spot/instance-action with it; 404 until a notice, 401 for a stale token),
 * with a stand-in `systemctl` that records what it is asked to stop.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BATCH_UNITS } from "../src/host/batch-worker.js";
import { SERVICE_UNIT } from "../src/host/layout.js";
import { SPOT_WATCHER_SCRIPT, spotWatcherUserData } from "../src/host/spot-watcher.js";
import { renderUserData } from "../src/host/user-data.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

const dir = mkdtempSync(join(tmpdir(), "flakeops-spot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOTICE = { action: "terminate", time: "2026-11-30T05:20:00Z" };

/** IMDS on 127.0.0.1: no notice for the first `quietPolls` polls, and the first token expires. */
function imdsStandIn(quietPolls: number) {
  const seen: string[] = [];
  let tokens = 0;
  let polls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers["x-aws-ec2-metadata-token"];
    seen.push(`${req.method} ${req.url} ${token ?? ""}`);
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return res.writeHead(400).end();
      tokens += 1;
      return res.writeHead(200).end(`token-${tokens}`);
    }
    if (req.method === "GET" && req.url === "/latest/meta-data/spot/instance-action") {
      // IMDSv2 only; and token-1 goes stale after its first use, as a restarted IMDS would.
      if (token !== `token-${tokens}` || (token === "token-1" && polls > 0))
        return res.writeHead(401).end();
      polls += 1;
      if (polls <= quietPolls) return res.writeHead(404).end();
      return res.writeHead(200, { "content-type": "text/plain" }).end(JSON.stringify(NOTICE));
    }
    res.writeHead(404).end();
  });
  return { server, seen };
}

describe("spot interruption watcher", () => {
  it.skipIf(!SHELLCHECK)("passes shellcheck, alone and in the user data that installs it", () => {
    expect(shellcheck(SPOT_WATCHER_SCRIPT)).toBe("");
    expect(
      shellcheck(`#!/bin/bash\nset -euo pipefail\n${spotWatcherUserData([SERVICE_UNIT])}`),
    ).toBe("");
  });

  it("is installed on every host, stopping the batch workers and the API", () => {
    const base = {
      artifact: {
        kind: "s3",
        uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz",
        format: "tgz",
      },
      port: 5000,
      region: "us-east-1",
    } as const;
    expect(renderUserData(base)).toContain(
      `ExecStart=/usr/local/bin/flakeops-spot-watcher ${SERVICE_UNIT}\n`,
    );
    const batch = renderUserData({
      ...base,
      batch: {
        queueUrl: "https://sqs.us-east-1.amazonaws.com/000000000000/jobs",
        bucket: "jobs-bucket",
        inputPrefix: "input/",
        resultsPrefix: "results/",
        customerId: "batch",
        workers: 2,
        region: "us-east-1",
        apiPort: 5000,
      },
    });
    expect(batch).toContain(
      `ExecStart=/usr/local/bin/flakeops-spot-watcher ${BATCH_UNITS} ${SERVICE_UNIT}\n`,
    );
    expect(() => spotWatcherUserData(["x; reboot"])).toThrow(/bad unit name/);
  });

  it("polls with an IMDSv2 token, renews it on 401, and on a notice stops the units, then exits 0", async () => {
    const { server, seen } = imdsStandIn(2);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as { port: number };
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "systemctl"), `#!/bin/bash\necho "$*" >> "${dir}/systemctl.log"\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
    writeFileSync(join(dir, "watcher.sh"), SPOT_WATCHER_SCRIPT);
    try {
      const child = spawn("bash", [join(dir, "watcher.sh"), BATCH_UNITS, SERVICE_UNIT], {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          FLAKEOPS_IMDS_BASE: `http://127.0.0.1:${port}`,
          FLAKEOPS_SPOT_POLL_SECONDS: "0.05",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += String(d);
      });
      // Bounded: a watcher that never acts is killed, and the exit code says so.
      const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await new Promise<number | null>((ok) => child.once("exit", ok));
      clearTimeout(guard);
      expect(code).toBe(0);
      expect(readFileSync(join(dir, "systemctl.log"), "utf8")).toBe(
        `stop ${BATCH_UNITS} ${SERVICE_UNIT}\n`,
      );
      expect(stdout).toContain(`spot interruption notice: ${JSON.stringify(NOTICE)}`);
      // token-1, a 401 after it went stale, token-2, two quiet polls, then the notice.
      expect(seen).toEqual([
        "PUT /latest/api/token ",
        "GET /latest/meta-data/spot/instance-action token-1",
        "GET /latest/meta-data/spot/instance-action token-1",
        "PUT /latest/api/token ",
        "GET /latest/meta-data/spot/instance-action token-2",
        "GET /latest/meta-data/spot/instance-action token-2",
      ]);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  }, 30_000);
});
