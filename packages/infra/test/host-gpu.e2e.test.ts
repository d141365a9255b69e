/**
 * GPU hosts: the rendered setup (onnxruntime-node's CUDA provider, the CUDA 12 + cuDNN 9 library
 * path, the execution providers) and the one-command check, run against a loopback stand-in of
 * the API and a stand-in nvidia-smi. No GPU exists here.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { GPU_EXECUTION_PROVIDERS, gpuCheckScript, ORT_CUDA_MAJOR } from "../src/host/gpu.js";
import { renderUserData, type UserDataOptions } from "../src/host/user-data.js";
import { SHELLCHECK, shellcheck } from "./shellcheck.js";

const JQ = ["/usr/bin/jq", "/usr/local/bin/jq"].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), "flakeops-gpu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gpuTier: UserDataOptions = {
  artifact: {
    kind: "s3",
    uri: "s3://flakeops-artifacts-1a2b/api/0123456789abcdef.tgz",
    format: "tgz",
  },
  port: 5000,
  region: "us-east-1",
  gpu: true,
};

/** The API's /info on loopback, reporting `providers`; /info needs the key, as the API's does. */
async function apiStandIn(providers: string[]) {
  const server = createServer((req, res) => {
    if (req.url === "/health") return res.writeHead(200).end('{"status":"ok"}');
    if (req.url === "/info") {
      if (req.headers["x-api-key"] !== "gpu-check-key-1") return res.writeHead(401).end("{}");
      return res
        .writeHead(200, { "content-type": "application/json" })
        .end(
          JSON.stringify({ name: "@flakeops/api", inference: { execution_providers: providers } }),
        );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, port: (server.address() as { port: number }).port };
}

async function runCheck(providers: string[], host: { gpu: boolean; cuda: boolean }, name: string) {
  const work = join(dir, name);
  const bin = join(work, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "nvidia-smi"),
    host.gpu
      ? "#!/bin/bash\necho 'Tesla T4, 580.105.08, 15360 MiB'\n"
      : "#!/bin/bash\necho 'NVIDIA-SMI has failed'; exit 9\n",
  );
  chmodSync(join(bin, "nvidia-smi"), 0o755);
  const app = join(work, "app");
  const ortBin = join(
    app,
    "node_modules/.pnpm/onnxruntime-node@1.30.0/node_modules/onnxruntime-node/bin/napi-v6/linux/x64",
  );
  mkdirSync(ortBin, { recursive: true });
  if (host.cuda) {
    writeFileSync(join(ortBin, "libonnxruntime_providers_cuda.so"), "");
    writeFileSync(join(work, "cuda.env"), "LD_LIBRARY_PATH=/usr/local/cuda-12.9/lib64\n");
  }
  writeFileSync(join(work, "keys.env"), "FLAKEOPS_API_KEYS=gpu-check-key-1:ops\n");
  const { server, port } = await apiStandIn(providers);
  try {
    writeFileSync(
      join(work, "check.sh"),
      gpuCheckScript({
        port,
        appDir: app,
        cudaEnvPath: join(work, "cuda.env"),
        keysEnvPath: join(work, "keys.env"),
      }),
    );
    const child = spawn("bash", [join(work, "check.sh")], {
      env: { PATH: `${bin}:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    child.stderr.on("data", (d) => {
      out += String(d);
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((ok) => child.once("exit", ok));
    clearTimeout(guard);
    return { code, out };
  } finally {
    await new Promise((ok) => server.close(ok));
  }
}

describe("GPU host", () => {
  it.skipIf(!SHELLCHECK)("passes shellcheck: the check alone and the whole GPU user data", () => {
    expect(shellcheck(gpuCheckScript({ port: 5000 }))).toBe("");
    expect(shellcheck(renderUserData(gpuTier))).toBe("");
    expect(
      shellcheck(
        renderUserData({ ...gpuTier, artifact: { kind: "image", image: "ghcr.io/org/api:1.0" } }),
      ),
    ).toBe("");
  });

  it("fetches onnxruntime-node's CUDA provider, puts CUDA 12 + cuDNN 9 on the unit's path, selects CUDA", () => {
    const script = renderUserData(gpuTier);
    expect(script).toContain(`script/install.js --onnxruntime-node-install=cuda${ORT_CUDA_MAJOR}`);
    expect(script).toContain("-name 'cuda-12.*'");
    expect(script).toContain("libcudnn.so.9");
    expect(script).toContain("EnvironmentFile=-/etc/flakeops/cuda.env");
    expect(script).toContain(
      `Environment="FLAKEOPS_EXECUTION_PROVIDERS=${GPU_EXECUTION_PROVIDERS}"`,
    );
    expect(script).toContain("cat > /usr/local/bin/flakeops-gpu-check <<'CHECK'");
    // The provider is installed before the app user takes the tree over.
    expect(script.indexOf("--onnxruntime-node-install")).toBeLessThan(
      script.indexOf('chown -R "$APP_USER'),
    );
    const cpu = renderUserData({ ...gpuTier, gpu: false });
    expect(cpu).not.toContain("FLAKEOPS_EXECUTION_PROVIDERS");
    expect(cpu).not.toContain("onnxruntime-node-install");
    expect(cpu).not.toContain("flakeops-gpu-check");
    // An explicit choice wins over the tier's default.
    expect(
      renderUserData({ ...gpuTier, environment: { FLAKEOPS_EXECUTION_PROVIDERS: "cpu" } }),
    ).toContain('Environment="FLAKEOPS_EXECUTION_PROVIDERS=cpu"');
  });

  it("uses the flag onnxruntime-node's own install script accepts for linux/x64", () => {
    // The package the bundle ships (a dependency of @flakeops/inference).
    const inference = join(dirname(fileURLToPath(import.meta.url)), "../../inference/package.json");
    const metadata = createRequire(inference)("onnxruntime-node/script/install-metadata.js") as {
      requirements: Record<string, string[]>;
    };
    expect(metadata.requirements["linux/x64"]).toContain(`cuda${ORT_CUDA_MAJOR}`);
  });

  it.skipIf(!JQ)(
    "the check passes when the API reports CUDA, and says what is missing otherwise",
    async () => {
      const good = await runCheck(["cuda", "cpu"], { gpu: true, cuda: true }, "good");
      expect(good.out).toContain("GPU: Tesla T4");
      expect(good.out).toContain("execution provider(s) the API reports: cuda,cpu");
      expect(good.out).toContain("OK: the API runs on the GPU");
      expect(good.code).toBe(0);

      const cpu = await runCheck(["cpu"], { gpu: true, cuda: true }, "cpu");
      expect(cpu.out).toContain("FAIL: the API is not running on CUDA");
      expect(cpu.code).toBe(1);

      const bare = await runCheck(["cpu"], { gpu: false, cuda: false }, "bare");
      expect(bare.out).toContain("FAIL: nvidia-smi sees no GPU");
      expect(bare.out).toContain("FAIL: no CUDA 12 + cuDNN 9 libraries were found at boot");
      expect(bare.out).toContain("FAIL: onnxruntime-node's CUDA provider is not installed");
      expect(bare.code).toBe(1);
    },
  );
});
