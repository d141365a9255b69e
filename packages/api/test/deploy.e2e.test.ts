import { execFile, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { archFiles, BUNDLE_MANIFEST_NAME } from "../scripts/bundle-manifest.js";
import { BUNDLE_MANIFEST_SUFFIX } from "../src/contract.js";
import { form, jsonOf, synthImage } from "./helpers.js";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "flakeops-api-bundle-"));
const tarball = join(work, "api.tgz");
const out = join(work, "api");

/**
 * The production artefact: build + `pnpm deploy --prod`, packed into one tarball that keeps
 * pnpm's links; unpacked, it runs with plain `node dist/main.js`. (The infra's
 * artifact-bundle e2e test runs it the way a host does: its unpack command and unit.)
 */
describe("bundle tarball", () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the bundle script (scripts/bundle.ts) produces one tarball that serves with plain node", async () => {
    // What `pnpm --filter @flakeops/api bundle <out>` runs: the script under tsx.
    await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--conditions=@flakeops/source", join(pkg, "scripts/bundle.ts"), tarball],
      { cwd: pkg, timeout: 240_000 },
    );
    mkdirSync(out);
    expect(spawnSync("tar", ["-xzf", tarball, "-C", out]).status).toBe(0);
    expect(existsSync(join(out, "dist/main.js"))).toBe(true);
    // Links to directories survive (what a Pulumi FileArchive of the directory loses).
    expect(lstatSync(join(out, "node_modules/hono")).isSymbolicLink()).toBe(true);
    // Both Linux CPUs' native binaries; no macOS or Windows ones.
    for (const arch of ["x64", "arm64"] as const) {
      expect(Object.values(archFiles(out, arch)).every((f) => f !== undefined)).toBe(true);
    }
    const napi = dirname(dirname(dirname(archFiles(out, "x64").onnxruntime!)));
    expect(existsSync(join(napi, "linux"))).toBe(true);
    expect(existsSync(join(napi, "darwin")) || existsSync(join(napi, "win32"))).toBe(false);
    // The manifest, inside and next to the tarball (with the tarball's sha256).
    const { sha256, ...next } = JSON.parse(
      readFileSync(`${tarball}${BUNDLE_MANIFEST_SUFFIX}`, "utf8"),
    );
    expect(sha256).toBe(createHash("sha256").update(readFileSync(tarball)).digest("hex"));
    expect(JSON.parse(readFileSync(join(out, BUNDLE_MANIFEST_NAME), "utf8"))).toEqual(next);
    expect(next.architectures).toEqual(["x64", "arm64"]);
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
        FLAKEOPS_DRAIN_MS: "0",
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
