/**
 * Build @flakeops/api and pack it, with its production dependencies, into ONE file: a gzipped
 * tarball that runs with plain `node dist/main.js` once unpacked.
 *   usage: pnpm --filter @flakeops/api bundle [OUT]
 * OUT (relative to the repository root) defaults to BUNDLE_FILE; the manifest (what the
 * bundle carries, and the tarball's sha256) is written next to it as `<OUT>.json`.
 *
 * Why a tarball: `pnpm deploy` lays node_modules out as ~150 links to directories, and a
 * directory handed to Pulumi as a FileArchive loses them (pulumi/pulumi
 * sdk/go/common/resource/archive/archive.go, readPath: "If this is a symlink and it points at
 * a directory, skip it"; pulumi/pulumi#13349). tar stores links as links, so the host gets the
 * exact tree. Native binaries for both Linux CPUs come from pnpm's supportedArchitectures
 * (pnpm-workspace.yaml); the manifest lists the architectures whose binaries are all present.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tar from "tar";
import { BUNDLE_ENTRY, BUNDLE_FILE, BUNDLE_MANIFEST_SUFFIX } from "../src/contract.js";
import { BUNDLE_MANIFEST_NAME, readManifest } from "./bundle-manifest.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = resolve(root, process.argv[2] || BUNDLE_FILE);
if (!/\.(tgz|tar\.gz)$/.test(out)) {
  process.stderr.write(`bundle: OUT must end in .tgz or .tar.gz; got ${process.argv[2]}\n`);
  process.exit(2);
}
const stage = `${out}.stage`;

// The pnpm the workspace pins (packageManager), run through npx: corepack is not required.
const pm: string = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).packageManager;

function pnpm(...args: string[]): void {
  const r = spawnSync("npx", ["-y", pm, ...args], { cwd: root, stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    process.stderr.write(
      `bundle: pnpm ${args.join(" ")} failed (${r.signal ?? `exit ${r.status}`})\n`,
    );
    process.exit(r.status || 1);
  }
}

// onnxruntime-node ships macOS and Windows binaries too (~220 MB); the hosts are Linux.
const OTHER_PLATFORM_BINARIES = /\/onnxruntime-node\/bin\/napi-v\d+\/(darwin|win32)(\/|$)/;

// tsc -> dist/ for the API and every workspace package it depends on ("..." = with deps).
pnpm("--filter", "@flakeops/api...", "build");
rmSync(stage, { recursive: true, force: true });
// --legacy: pnpm 10 otherwise requires inject-workspace-packages; the legacy deploy copies
// each workspace dependency's published files (its dist/) into the output's node_modules.
pnpm("--filter", "@flakeops/api", "--prod", "deploy", "--legacy", stage);

const manifest = readManifest(stage);
writeFileSync(resolve(stage, BUNDLE_MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
mkdirSync(dirname(out), { recursive: true });
// portable: no uid/gid/user names from this machine; links are stored as links (follow: false).
// sync: the promise form never settled here (tar 7.5, Node 20: the process exited with 13).
tar.create(
  {
    sync: true,
    gzip: true,
    file: out,
    cwd: stage,
    portable: true,
    filter: (path) => !OTHER_PLATFORM_BINARIES.test(path),
  },
  readdirSync(stage).sort(),
);
rmSync(stage, { recursive: true, force: true });

const sha256 = createHash("sha256").update(readFileSync(out)).digest("hex");
writeFileSync(
  `${out}${BUNDLE_MANIFEST_SUFFIX}`,
  `${JSON.stringify({ ...manifest, sha256 }, null, 2)}\n`,
);
process.stdout.write(
  `bundled ${out} (${manifest.architectures.join(", ")}): tar -xzf it into a directory, then node ${BUNDLE_ENTRY}\n`,
);
