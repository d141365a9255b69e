import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The CLI as users run it (`pnpm detect`): a separate process, its exit code and streams. */
const root = fileURLToPath(new URL("../../..", import.meta.url));
const cli = join(root, "packages", "inference", "src", "cli.ts");
const tsx = join(root, "node_modules", ".bin", "tsx");

function detect(args: string[], cwd: string) {
  return spawnSync(tsx, ["--conditions=@flakeops/source", cli, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-spawn-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("flakeops-detect as a process", () => {
  it("synth then detect --json; bad usage exits 2 with one line and no stack", () => {
    const synth = detect(
      ["synth", "--out", "s", "--count", "1", "--seed", "9", "--width", "256", "--height", "192"],
      dir,
    );
    expect(synth.status).toBe(0);
    expect(synth.stdout).toMatch(/^wrote 1 images with \d+ flakes/);
    const ok = detect([join("s", "synth-0000.png"), "--json"], dir);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc.results[0]).toMatchObject({
      image: join("s", "synth-0000.png"),
      width: 256,
      height: 192,
    });

    const bad = detect([join("s", "synth-0000.png"), "--size-threshold", "ten"], dir);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe(
      'flakeops-detect: --size-threshold "ten" is not valid; accepted: an integer >= 1 and <= 1000000000\n',
    );
  });
});
