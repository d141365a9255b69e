/**
 * Build @flakeops/api and its workspace dependencies, then deploy a self-contained production
 * directory (production dependencies only) that runs with plain `node dist/main.js`.
 *   usage: pnpm --filter @flakeops/api bundle [OUT_DIR]
 * OUT_DIR is relative to the repository root; the default is BUNDLE_DIR (contract.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_DIR, BUNDLE_ENTRY } from "../src/contract.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = resolve(root, process.argv[2] || BUNDLE_DIR);

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

// tsc -> dist/ for the API and every workspace package it depends on ("..." = with deps).
pnpm("--filter", "@flakeops/api...", "build");
rmSync(out, { recursive: true, force: true });
// --legacy: pnpm 10 otherwise requires inject-workspace-packages; the legacy deploy copies
// each workspace dependency's published files (its dist/) into the output's node_modules.
pnpm("--filter", "@flakeops/api", "--prod", "deploy", "--legacy", out);
process.stdout.write(`deployed to ${out}: cd ${out} && node ${BUNDLE_ENTRY}\n`);
