/**
 * The artifact round trip: the real bundle (`pnpm --filter @flakeops/api bundle`), the check the
 * component runs at preview, the host's unpack command from the rendered user data, and the
 * service unit's own environment and ExecStart, run with plain node: /health 200 and a real
 * /detect. Also: the arm64 native binaries are in the same file.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
// The bundle script's own reader of what a bundle carries, and the API's test image maker.
import { BUNDLE_MANIFEST_SUFFIX } from "@flakeops/api/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archFiles, BUNDLE_MANIFEST_NAME } from "../../api/scripts/bundle-manifest.js";
import { form, jsonOf, synthImage } from "../../api/test/helpers.js";
import { APP_DIR, NODE_BIN, tarUnpackArgs } from "../src/host/layout.js";
import { renderUserData } from "../src/host/user-data.js";
import { checkArtifact } from "../src/tier/artifact.js";

const apiPkg = resolve(dirname(fileURLToPath(import.meta.url)), "../../api");
const work = mkdtempSync(join(tmpdir(), "flakeops-bundle-"));
const tarball = join(work, "api.tgz");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/** The service unit the user data writes (between `<<'UNIT'` and `UNIT`). */
function unitOf(script: string): string[] {
  const lines = script.split("\n");
  const start = lines.findIndex((l) => l.endsWith("<<'UNIT'"));
  const end = lines.indexOf("UNIT", start);
  return lines.slice(start + 1, end);
}

/** `Environment="K=V"` as systemd reads it (systemd.syntax(7): \" \\ and %% unescaped). */
function unitEnvironment(unit: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unit) {
    const m = /^Environment="([A-Z_][A-Z0-9_]*)=(.*)"$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/\\(["\\])/g, "$1").replaceAll("%%", "%");
  }
  return env;
}

describe("the API bundle, deployed the way a host deploys it", () => {
  beforeAll(async () => {
    // What `pnpm --filter @flakeops/api bundle <out>` runs: the script under tsx.
    await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=@flakeops/source",
        join(apiPkg, "scripts/bundle.ts"),
        tarball,
      ],
      { cwd: apiPkg, timeout: 280_000 },
    );
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("passes the component's check for both architectures; a bundle without arm64 is refused for arm64", () => {
    expect(() => checkArtifact({ path: tarball }, "x86_64")).not.toThrow();
    expect(() => checkArtifact({ path: tarball }, "arm64")).not.toThrow();
    const sidecar = JSON.parse(readFileSync(`${tarball}${BUNDLE_MANIFEST_SUFFIX}`, "utf8"));

    const x64Only = join(work, "x64-only.tgz");
    copyFileSync(tarball, x64Only);
    writeFileSync(
      `${x64Only}${BUNDLE_MANIFEST_SUFFIX}`,
      JSON.stringify({ ...sidecar, architectures: ["x64"] }),
    );
    expect(() => checkArtifact({ path: x64Only }, "x86_64")).not.toThrow();
    expect(() => checkArtifact({ path: x64Only }, "arm64")).toThrow(
      /carries native binaries for x64; this arm64 tier needs arm64/,
    );
    writeFileSync(x64Only, "another build");
    expect(() => checkArtifact({ path: x64Only }, "x86_64")).toThrow(/sha256 differs/);
    rmSync(`${x64Only}${BUNDLE_MANIFEST_SUFFIX}`);
    expect(() => checkArtifact({ path: x64Only }, "x86_64")).toThrow(/no readable manifest/);
  });

  it("unpacks with the user data's command and serves /health and a real /detect with the unit's environment", async () => {
    const port = await freePort();
    const script = renderUserData({
      artifact: {
        kind: "s3",
        uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz",
        format: "tgz",
      },
      port,
      region: "us-east-1",
    });
    // The host's unpack line, run here with the app directory swapped for a temp one.
    const app = join(work, "app");
    mkdirSync(app);
    const hostArgs = tarUnpackArgs("/tmp/flakeops-api.tgz", APP_DIR);
    expect(script).toContain(hostArgs.join(" "));
    const [cmd, ...args] = tarUnpackArgs(tarball, app);
    const unpack = spawnSync(cmd!, args, { encoding: "utf8" });
    expect(unpack.stderr).toBe("");
    expect(unpack.status).toBe(0);

    // What the bundle carries: both CPUs' sharp + libvips + onnxruntime, and says so inside.
    for (const arch of ["x64", "arm64"] as const) {
      const files = archFiles(app, arch);
      expect(files.sharp).toMatch(
        new RegExp(`@img/sharp-linux-${arch}/lib/sharp-linux-${arch}-.*\\.node$`),
      );
      expect(files.libvips).toMatch(
        new RegExp(`@img/sharp-libvips-linux-${arch}/lib/libvips-cpp\\.so`),
      );
      expect(files.onnxruntime).toMatch(
        new RegExp(`/bin/napi-v\\d+/linux/${arch}/onnxruntime_binding\\.node$`),
      );
    }
    const inside = JSON.parse(readFileSync(join(app, BUNDLE_MANIFEST_NAME), "utf8"));
    const { sha256, ...sidecar } = JSON.parse(
      readFileSync(`${tarball}${BUNDLE_MANIFEST_SUFFIX}`, "utf8"),
    );
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inside).toEqual(sidecar);
    expect(inside.architectures).toEqual(["x64", "arm64"]);

    const unit = unitOf(script);
    const env = unitEnvironment(unit);
    expect(env.PORT).toBe(String(port));
    const exec = unit
      .find((l) => l.startsWith("ExecStart="))!
      .slice("ExecStart=".length)
      .split(" ");
    expect(exec[0]).toBe(NODE_BIN);
    expect(unit).toContain(`WorkingDirectory=${APP_DIR}`);
    const child = spawn(process.execPath, exec.slice(1), {
      cwd: app,
      env: {
        ...env,
        PATH: process.env.PATH ?? "",
        // Test-only: loopback, and no instance metadata service to ask.
        HOST: "127.0.0.1",
        FLAKEOPS_IMDS_URL: "off",
        FLAKEOPS_WORKERS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.on("data", (d) => stderr.push(String(d)));
    try {
      await new Promise<void>((ok, fail) => {
        child.once("exit", (code) => fail(new Error(`exited ${code}: ${stderr.join("")}`)));
        createInterface({ input: child.stdout }).on("line", (line) => {
          if (line.includes('"msg":"listening"')) ok();
        });
      });
      const url = `http://127.0.0.1:${port}`;
      const health = await fetch(`${url}/health`);
      expect([health.status, await jsonOf(health)]).toEqual([200, { status: "ok" }]);
      const jpeg = await synthImage({ width: 320, height: 240 });
      const res = await fetch(`${url}/detect`, {
        method: "POST",
        body: form({ image: { bytes: jpeg, filename: "a.jpg" }, customer_id: "deploy" }),
      });
      const body = await jsonOf(res);
      expect(res.status).toBe(200);
      expect(body.customer_id).toBe("deploy");
      expect(Array.isArray(body.flakes)).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
