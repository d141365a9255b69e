import { execFile, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { form, jsonOf, synthImage } from "./helpers.js";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(pkg, "../../.deploy", `api-test-${process.pid}`);

/** The production artefact: build + `pnpm deploy --prod`, then plain `node dist/main.js`. */
describe("deployed directory", () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("the bundle script (scripts/bundle.ts) produces a directory that serves with plain node", async () => {
    // What `pnpm --filter @flakeops/api bundle <out>` runs: the script under tsx.
    await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--conditions=@flakeops/source", join(pkg, "scripts/bundle.ts"), out],
      { cwd: pkg, timeout: 240_000 },
    );
    expect(existsSync(join(out, "dist/main.js"))).toBe(true);
    // Production dependencies only.
    expect(existsSync(join(out, "node_modules/playwright-core"))).toBe(false);
    expect(existsSync(join(out, "node_modules/@flakeops/inference/dist/index.js"))).toBe(true);

    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: out,
      env: {
        PATH: process.env.PATH ?? "",
        PORT: "0",
        HOST: "127.0.0.1",
        FLAKEOPS_IMDS_URL: "off",
        FLAKEOPS_WORKERS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.on("data", (d) => stderr.push(String(d)));
    try {
      const url = await new Promise<string>((ok, fail) => {
        child.once("exit", (code) => fail(new Error(`exited ${code}: ${stderr.join("")}`)));
        createInterface({ input: child.stdout }).on("line", (line) => {
          if (line.includes('"msg":"listening"')) ok(JSON.parse(line).url);
        });
      });
      const health = await fetch(`${url}/health`);
      expect([health.status, await jsonOf(health)]).toEqual([200, { status: "ok" }]);
      // The container's HEALTHCHECK: the bundled script, pointed at this server's port.
      const check = (port: string) =>
        promisify(execFile)(process.execPath, ["dist/healthcheck.js"], {
          cwd: out,
          env: { PATH: process.env.PATH ?? "", PORT: port },
        }).then(
          () => 0,
          (e: { code?: number }) => e.code ?? -1,
        );
      expect(await check(new URL(url).port)).toBe(0);
      expect(await check("1")).toBe(1);
      const jpeg = await synthImage({ width: 320, height: 240 });
      const res = await fetch(`${url}/detect`, {
        method: "POST",
        body: form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "deploy" }),
      });
      expect(res.status).toBe(200);
      expect((await jsonOf(res)).customer_id).toBe("deploy");
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 300_000);
});
