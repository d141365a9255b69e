import { type ChildProcess, spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { encodeForm, form, heldUpload, jsonOf, synthImage, untilInFlight } from "./helpers.js";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `pnpm start` as the deployment runs it: src/main.ts under tsx, configured by env. */
function startProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@flakeops/source", "src/main.ts"],
    {
      cwd: pkg,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        FLAKEOPS_IMDS_URL: "off",
        FLAKEOPS_WORKERS: "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: string[] = [];
  child.stderr!.on("data", (d) => logs.push(String(d)));
  return new Promise((resolveUrl, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`server exited early (${code}): ${logs.join("")}`)),
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === "listening") resolveUrl({ child, url: entry.url, logs });
      } catch {
        /* not a log line */
      }
    });
  });
}

describe("graceful shutdown (spawned server process)", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("SIGTERM: /health 503, new work 503, in-flight finishes, exit 0", async () => {
    const started = await startProcess({
      FLAKEOPS_SHUTDOWN_DEADLINE_MS: "60000",
      FLAKEOPS_DRAIN_MS: "500",
    });
    child = started.child;
    const { url } = started;
    expect((await fetch(`${url}/health`)).status).toBe(200);

    const jpeg = await synthImage({ width: 320, height: 240 });
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "s" }),
    );
    const inflight = heldUpload(`${url}/detect`, body, type);
    await inflight.sent;
    await untilInFlight(url, 1);

    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    // Draining: still listening, health says 503, new work is refused with a JSON 503.
    for (;;) {
      const h = await fetch(`${url}/health`);
      if (h.status === 503) {
        expect(await jsonOf(h)).toEqual({ status: "draining" });
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const refused = await fetch(`${url}/detect`, {
      method: "POST",
      headers: { "Content-Type": type },
      body,
    });
    expect(refused.status).toBe(503);
    expect((await jsonOf(refused)).error.code).toBe("SHUTTING_DOWN");

    inflight.finish();
    const done = await inflight.response;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body).customer_id).toBe("s");
    expect(await exited).toBe(0);
    expect(started.logs.join("\n")).toMatch(/"msg":"stopped"/);
  });

  it("SIGTERM under load: during the drain only 200 (in flight) and 503 (new), never a refused or reset connection", async () => {
    const started = await startProcess({
      // Long enough that the bounded loop below ends inside it even on a loaded machine.
      FLAKEOPS_DRAIN_MS: "20000",
      FLAKEOPS_SHUTDOWN_DEADLINE_MS: "30000",
      FLAKEOPS_WORKERS: "1",
      FLAKEOPS_MAX_QUEUE: "8",
    });
    child = started.child;
    const { url } = started;
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    const jpeg = await synthImage({ width: 320, height: 240 });
    const { body, type } = await encodeForm(
      form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "drain" }),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    type Outcome = { afterTerm: boolean; status?: number; error?: string; close?: boolean };
    const outcomes: Outcome[] = [];
    let terminated = false;
    const send = (path: string) =>
      new Promise<Outcome>((resolve) => {
        const afterTerm = terminated;
        const post = path === "/detect";
        const req = request(
          `${url}${path}`,
          {
            agent,
            method: post ? "POST" : "GET",
            headers: post ? { "Content-Type": type, "Content-Length": body.length } : {},
          },
          (res) => {
            res.resume();
            res.on("end", () =>
              resolve({
                afterTerm,
                status: res.statusCode ?? 0,
                close: res.headers.connection === "close",
              }),
            );
          },
        );
        req.on("error", (e: NodeJS.ErrnoException) => resolve({ afterTerm, error: e.code }));
        req.end(post ? body : undefined);
      });
    // Eight keep-alive clients; each sends a bounded number of requests after the SIGTERM.
    const PER_CLIENT_AFTER = 6;
    const clients = Array.from({ length: 8 }, async (_, i) => {
      let after = 0;
      for (let n = 0; n < 200 && after < PER_CLIENT_AFTER; n++) {
        const o = await send(i === 0 && terminated ? "/health" : "/detect");
        outcomes.push(o);
        if (o.afterTerm) after++;
      }
    });
    await untilInFlight(url, 4);
    terminated = true;
    child.kill("SIGTERM");
    await Promise.all(clients);
    // Every request of the loop was answered before the drain period was over.
    expect(started.logs.join("\n")).not.toMatch(/"msg":"drained"/);
    agent.destroy();

    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const after = outcomes.filter((o) => o.afterTerm);
    expect(after).toHaveLength(8 * PER_CLIENT_AFTER);
    for (const o of after) {
      expect([200, 503]).toContain(o.status);
      expect(o.close).toBe(true);
    }
    // The requests in flight at SIGTERM finished with 200, answered with Connection: close.
    expect(outcomes.some((o) => !o.afterTerm && o.status === 200 && o.close)).toBe(true);
    expect(after.filter((o) => o.status === 503).length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });
});
