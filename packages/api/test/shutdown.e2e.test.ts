import { type ChildProcess, spawn } from "node:child_process";
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
    const started = await startProcess({ FLAKEOPS_SHUTDOWN_DEADLINE_MS: "60000" });
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
});
