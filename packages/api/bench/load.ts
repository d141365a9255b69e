/**
 * Load benchmark (not a test): start the API as `pnpm start` does, drive it over loopback with
 * autocannon, report sustained images/s, p50/p99 latency and the server's RSS (p50/p95/max)
 * over the run; then a burst of 4096x4096 images and the RSS over the 30 s after it.
 *
 *   pnpm --filter @flakeops/api bench [-- --requests 2000 --workers 2 --connections 4]
 *   pnpm --filter @flakeops/api bench -- --entry <unpacked bundle>/dist/main.js   (the deployed build)
 *   pnpm --filter @flakeops/api bench -- --help
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
import { SERVICE_ENV } from "../src/contract.js";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");

const USAGE = `usage: pnpm --filter @flakeops/api bench [-- options]

  --requests N      images sent in the sustained phase (default 2000)
  --workers N       detector workers of the server (default 2)
  --connections N   concurrent connections (default 2 x workers)
  --burst N         4096x4096 images sent after it, 0 to skip (default 8)
  --settle S        seconds RSS is followed after the burst (default 30)
  --images DIR      JPEG/PNG images to send (default: the shared graphene images, else synthetic 1920x1200)
  --entry FILE      run a built entry (e.g. the bundle's dist/main.js) instead of src/main.ts under tsx
  --json            print the summary as JSON
  --help            this text
`;

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseOptions>;
function parseOptions() {
  return parseArgs({
    // pnpm passes a literal "--" through to the script.
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      requests: { type: "string", default: "2000" },
      workers: { type: "string", default: "2" },
      connections: { type: "string" },
      burst: { type: "string", default: "8" },
      settle: { type: "string", default: "30" },
      images: { type: "string" },
      entry: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
}
try {
  parsed = parseOptions();
} catch (e) {
  usage((e as Error).message);
}
const args = parsed.values;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const count = (name: string, raw: string | undefined, min: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) usage(`--${name} ${raw}: expected an integer >= ${min}`);
  return n;
};
const entry = args.entry ? resolve(args.entry) : undefined;
if (entry && !existsSync(entry)) usage(`--entry ${args.entry}: no such file`);
const total = count("requests", args.requests, 1);
const workers = count("workers", args.workers, 1);
const connections = count("connections", args.connections ?? String(workers * 2), 1);
const burst = count("burst", args.burst, 0);
const settleS = count("settle", args.settle, 1);

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
    entry ? [entry] : ["--import", "tsx", "--conditions=@flakeops/source", "src/main.ts"],
    {
      cwd: pkg,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        FLAKEOPS_WORKERS: String(workers),
        // as deployed (Dockerfile, host unit): the contract's service environment
        ...SERVICE_ENV,
        FLAKEOPS_IMDS_URL: "off",
        FLAKEOPS_DRAIN_MS: "0",
        FLAKEOPS_MAX_PIXELS: String(4096 * 4096),
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

/**
 * `burst` 4096x4096 images at once (as many connections as the sustained phase), then RSS
 * once a second for `settle` seconds: how far memory climbs and how soon it comes back.
 */
async function largeBurst(url: string, pid: number) {
  const size = 4096;
  const { image } = synthesize({ width: size, height: size, seed: 99 });
  const rgb = Buffer.alloc(image.data.length);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = image.data[i + 2]!;
    rgb[i + 1] = image.data[i + 1]!;
    rgb[i + 2] = image.data[i]!;
  }
  const jpeg = await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  const b = await multipart(jpeg, 0);
  let maxMB = rssMB(pid);
  const sampler = setInterval(() => {
    maxMB = Math.max(maxMB, rssMB(pid));
  }, 100);
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: Math.min(connections, burst) }, async () => {
      while (next < burst) {
        next++;
        const res = await fetch(`${url}/detect`, {
          method: "POST",
          headers: { "Content-Type": b.type },
          body: b.body,
        });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
      }
    }),
  );
  clearInterval(sampler);
  let under300AfterS: number | undefined;
  for (let t = 1; t <= settleS; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (under300AfterS === undefined && rssMB(pid) < 300) under300AfterS = t;
  }
  return {
    images: burst,
    size: `${size}x${size}`,
    ok,
    maxMB: Math.round(maxMB),
    afterMB: Math.round(rssMB(pid)),
    under300AfterS,
  };
}

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
    // After the sustained phase: let the pool go idle and see where memory settles.
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssMB(pid);
    const burstReport = burst > 0 ? await largeBurst(url, pid) : undefined;
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
      burst: burstReport,
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
        p95: Math.round(pct(mbs, 95)),
        max: Math.round(Math.max(...mbs)),
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
        `server RSS MB under load: p50 ${summary.rssMB.p50}, p95 ${summary.rssMB.p95}, max ${summary.rssMB.max} (baseline ${summary.rssMB.baseline}, first-quarter mean ${summary.rssMB.firstQuarterMean}, last-quarter mean ${summary.rssMB.lastQuarterMean}, 3 s after ${summary.rssMB.afterIdle3s})`,
      );
      if (burstReport) {
        console.log(
          `burst of ${burstReport.images} ${burstReport.size} images: ${burstReport.ok} OK; RSS MB max ${burstReport.maxMB}; ${settleS} s after: ${burstReport.afterMB} (${burstReport.under300AfterS === undefined ? `not under 300 MB within ${settleS} s` : `under 300 MB after ${burstReport.under300AfterS} s`})`,
        );
      }
    }
  } finally {
    // wait for the server's own shutdown (it removes its scratch models directory)
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
