/**
 * Load benchmark (not a test): start the API as `pnpm start` does, drive it over loopback with
 * autocannon, report sustained images/s, p50/p99 latency and the server's RSS over the run.
 *
 *   pnpm --filter @flakeops/api bench [-- --requests 2000 --workers 2 --connections 4]
 *   pnpm --filter @flakeops/api bench -- --entry ../../.deploy/api/dist/main.js   (the deployed build)
 *
 * Images: the shared real graphene JPEGs (../shared/data/images/graphene from the repository)
 * when present, else synthetic 1920x1200 microscope images.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { synthesize } from "@flakeops/inference/tools";
import autocannon from "autocannon";
import sharp from "sharp";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");

const { values: args } = parseArgs({
  // pnpm passes a literal "--" through to the script.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    requests: { type: "string", default: "2000" },
    workers: { type: "string", default: "2" },
    connections: { type: "string" },
    images: { type: "string" },
    /** Run a built entry (e.g. .deploy/api/dist/main.js from the bundle script) instead of the sources under tsx. */
    entry: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const entry = args.entry ? resolve(args.entry) : undefined;
const total = Number(args.requests);
const workers = Number(args.workers);
const connections = Number(args.connections ?? workers * 2);

async function loadImages(): Promise<{ source: string; images: Buffer[] }> {
  const dir = args.images ?? resolve(pkg, "../../../shared/data/images/graphene");
  if (existsSync(dir)) {
    const files = readdirSync(dir)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort();
    if (files.length > 0)
      return { source: dir, images: files.map((f) => readFileSync(join(dir, f))) };
  }
  console.error(`bench: no images at ${dir}; using synthetic 1920x1200 images`);
  const images: Buffer[] = [];
  for (let seed = 1; seed <= 8; seed++) {
    const { image } = synthesize({ width: 1920, height: 1200, seed });
    const rgb = Buffer.alloc(image.data.length);
    for (let i = 0; i < rgb.length; i += 3) {
      rgb[i] = image.data[i + 2]!;
      rgb[i + 1] = image.data[i + 1]!;
      rgb[i + 2] = image.data[i]!;
    }
    images.push(
      await sharp(rgb, { raw: { width: 1920, height: 1200, channels: 3 } })
        .jpeg({ quality: 92 })
        .toBuffer(),
    );
  }
  return { source: "synthetic", images };
}

async function multipart(image: Buffer, i: number): Promise<{ body: Buffer; type: string }> {
  const fd = new FormData();
  fd.append("image", new Blob([image], { type: "image/jpeg" }), `img${i}.jpg`);
  fd.append("customer_id", "bench");
  fd.append("return_mask", "false");
  const r = new Response(fd);
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get("content-type")! };
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@flakeops/source", "src/main.ts"],
    {
      cwd: pkg,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        FLAKEOPS_WORKERS: String(workers),
        FLAKEOPS_IMDS_URL: "off",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`server exited (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes('"msg":"listening"')) ok({ child, url: JSON.parse(line).url });
    });
  });
}

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main() {
  const { source, images } = await loadImages();
  const bodies = await Promise.all(images.map(multipart));
  const { child, url } = await startServer();
  const pid = child.pid!;
  try {
    // Warm-up: every image once per worker (JIT, model load), not measured.
    for (let i = 0; i < bodies.length * workers; i++) {
      const b = bodies[i % bodies.length]!;
      const res = await fetch(`${url}/detect`, {
        method: "POST",
        headers: { "Content-Type": b.type },
        body: b.body,
      });
      if (res.status !== 200) throw new Error(`warm-up: HTTP ${res.status} ${await res.text()}`);
    }
    const baseline = rssMB(pid);
    const samples: { t: number; mb: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => samples.push({ t: Date.now() - t0, mb: rssMB(pid) }), 250);
    let n = 0;
    const result = await autocannon({
      url: `${url}/detect`,
      connections,
      amount: total,
      timeout: 30,
      requests: [
        {
          method: "POST",
          setupRequest: (req: Record<string, unknown>) => {
            const b = bodies[n++ % bodies.length]!;
            return { ...req, headers: { "content-type": b.type }, body: b.body };
          },
        },
      ],
    });
    clearInterval(sampler);
    // After the burst: let the pool go idle and see where memory settles.
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssMB(pid);
    // The main thread's own share (the rest of RSS is the detector threads and native memory).
    const metricsText = await (await fetch(`${url}/metrics`)).text();
    const gauge = (name: string) =>
      Math.round(
        Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metricsText)?.[1] ?? Number.NaN) / 1048576,
      );
    const mainThread = {
      heapUsedMB: gauge("flakeops_nodejs_heap_size_used_bytes"),
      externalMB: gauge("flakeops_nodejs_external_memory_bytes"),
    };
    const mbs = samples.map((s) => s.mb);
    const q = Math.max(1, Math.floor(samples.length / 4));
    const summary = {
      images: source,
      requests: total,
      workers,
      connections,
      ok: result["2xx"],
      non2xx: result.non2xx,
      errors: result.errors,
      durationS: result.duration,
      imagesPerSecond: Number((result["2xx"] / result.duration).toFixed(1)),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      rssMB: {
        baseline: Math.round(baseline),
        peak: Math.round(Math.max(...mbs)),
        firstQuarterMean: Math.round(mbs.slice(0, q).reduce((a, b) => a + b, 0) / q),
        lastQuarterMean: Math.round(mbs.slice(-q).reduce((a, b) => a + b, 0) / q),
        p50: Math.round(pct(mbs, 50)),
        afterIdle3s: Math.round(after),
        mainThread,
      },
    };
    if (args.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`server: ${entry ?? "src/main.ts (tsx)"}; images: ${summary.images}`);
      console.log(
        `${summary.ok}/${total} OK (${summary.non2xx} non-2xx, ${summary.errors} errors) in ${summary.durationS} s with ${workers} workers, ${connections} connections`,
      );
      console.log(`throughput: ${summary.imagesPerSecond} images/s`);
      console.log(
        `latency ms: p50 ${summary.latencyMs.p50}, p90 ${summary.latencyMs.p90}, p99 ${summary.latencyMs.p99}, max ${summary.latencyMs.max}`,
      );
      console.log(
        `main thread MB: heap used ${mainThread.heapUsedMB}, external ${mainThread.externalMB}`,
      );
      console.log(
        `server RSS MB: baseline ${summary.rssMB.baseline}, peak ${summary.rssMB.peak}, first-quarter mean ${summary.rssMB.firstQuarterMean}, last-quarter mean ${summary.rssMB.lastQuarterMean}, 3 s after ${summary.rssMB.afterIdle3s}`,
      );
    }
  } finally {
    child.kill("SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
