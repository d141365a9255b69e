import { EventEmitter } from "node:events";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvLine, stdoutSink } from "../src/cli/batch.js";
import { main } from "../src/cli/main.js";
import { FlakeSchema } from "../src/flake.js";
import { CSV_COLUMNS } from "../src/io/flake-csv.js";
import { run } from "./cli-helpers.js";

let dir: string;

/** scan/a.png, scan/b.png, scan/sub/c.png, scan/sub/broken.png (not an image), notes.txt. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flakeops-batch-"));
  const r = await run(
    ["synth", "--out", "src", "--count", "3", "--seed", "9", "--width", "160", "--height", "120"],
    { cwd: dir },
  );
  expect(r.code).toBe(0);
  await mkdir(join(dir, "scan", "sub"), { recursive: true });
  await copyFile(join(dir, "src", "synth-0000.png"), join(dir, "scan", "a.png"));
  await copyFile(join(dir, "src", "synth-0001.png"), join(dir, "scan", "b.png"));
  await copyFile(join(dir, "src", "synth-0002.png"), join(dir, "scan", "sub", "c.png"));
  await writeFile(join(dir, "scan", "sub", "broken.png"), "not a png at all");
  await writeFile(join(dir, "scan", "notes.txt"), "ignored: not an image extension");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const IMAGES = [
  join("scan", "a.png"),
  join("scan", "b.png"),
  join("scan", "sub", "broken.png"),
  join("scan", "sub", "c.png"),
];

describe("batch detection", () => {
  it("--jsonl walks directories, streams a line per image, reports a broken one and goes on", async () => {
    const r = await run(["scan", "--jsonl", "--workers", "2"], { cwd: dir });
    expect(r.code).toBe(2); // one image failed
    const lines = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image).sort()).toEqual(IMAGES);
    const broken = lines.find((l) => l.image.endsWith("broken.png"));
    expect(broken).toEqual({
      image: join("scan", "sub", "broken.png"),
      error: { code: "NOT_AN_IMAGE", message: expect.stringMatching(/not an image/) },
    });
    for (const l of lines.filter((x) => !x.error)) {
      expect(Object.keys(l)).toEqual(["image", "width", "height", "model", "flakes", "timings"]);
      expect([l.width, l.height, l.model]).toEqual([160, 120, "GMM-Graphene"]);
      for (const f of l.flakes) FlakeSchema.parse(f);
    }
    // piped (not a terminal): no progress bar, one line per failure and the summary
    expect(r.stderr).not.toContain("ETA");
    expect(r.stderr).toMatch(/broken\.png: .*not an image/);
    expect(r.stderr).toContain("1 of 4 images failed; the others were processed");
  });

  it("--csv writes one row per flake (and one per image without flakes or with an error)", async () => {
    const r = await run(["scan", "--csv", "--out", "flakes.csv"], { cwd: dir });
    expect(r.code).toBe(2);
    const rows = (await readFile(join(dir, "flakes.csv"), "utf8")).trimEnd().split("\n");
    expect(rows[0]).toBe(CSV_COLUMNS.join(","));
    const cells = rows.slice(1).map(parseCsvLine);
    for (const c of cells) expect(c).toHaveLength(CSV_COLUMNS.length);
    expect([...new Set(cells.map((c) => c[0]))].sort()).toEqual(IMAGES);
    const json = await run(["scan", "--jsonl"], { cwd: dir });
    const flakeCount = json.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l))
      .reduce((n, l) => n + (l.flakes?.length ?? 0), 0);
    expect(cells.filter((c) => c[1] !== "").length).toBe(flakeCount);
    expect(cells.find((c) => c[0]!.endsWith("broken.png"))![CSV_COLUMNS.length - 1]).toMatch(
      /^NOT_AN_IMAGE: /,
    );
  });

  it("--resume skips the images already in --out and retries failed ones", async () => {
    const out = join(dir, "run.jsonl");
    const first = await run(
      [join("scan", "a.png"), join("scan", "sub", "broken.png"), "--jsonl", "--out", "run.jsonl"],
      { cwd: dir },
    );
    expect(first.code).toBe(2);
    const resumed = await run(["scan", "--jsonl", "--out", "run.jsonl", "--resume"], { cwd: dir });
    expect(resumed.stderr).toContain("--resume: 1 images already in run.jsonl; skipped");
    const lines = (await readFile(out, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    // a.png once; broken.png tried twice (two error lines); b and c once each
    expect(lines.map((l) => l.image).sort()).toEqual(
      [...IMAGES, join("scan", "sub", "broken.png")].sort(),
    );
    const csv = await run(["scan", "--csv", "--out", "r.csv"], { cwd: dir });
    expect(csv.code).toBe(2);
    const again = await run(["scan", "--csv", "--out", "r.csv", "--resume"], { cwd: dir });
    expect(again.stderr).toContain("--resume: 3 images already in r.csv; skipped");
    const rows = (await readFile(join(dir, "r.csv"), "utf8")).trimEnd().split("\n");
    expect(rows.filter((r) => r.startsWith("image,"))).toHaveLength(1);
  });

  it("shows images/s and the ETA on a terminal", async () => {
    const r = await run(["scan", "--jsonl"], { cwd: dir, tty: true });
    expect(r.stderr).toMatch(/detect \[.*\] \d+\/4 [\d.]+\/s ETA/);
  });

  it("says when a directory holds no image, and --resume needs --out", async () => {
    await mkdir(join(dir, "empty"), { recursive: true });
    const r = await run(["empty", "--jsonl"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^flakeops-detect: no image files in empty; accepted: files ending in \.jpg/,
    );
    const resume = await run(["scan", "--jsonl", "--resume"], { cwd: dir });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toBe(
      "flakeops-detect: --resume needs --out FILE; accepted: the output file of the run to resume\n",
    );
  });
});

describe("batch output to a slow reader", () => {
  it("--jsonl to stdout waits for the pipe to drain instead of buffering every record", async () => {
    // 12 images; a reader that takes one record at a time, later: each record is bigger than
    // the stream's buffer, so without backpressure all 12 would sit in memory at once.
    const many = join(dir, "many");
    await mkdir(many, { recursive: true });
    for (let i = 0; i < 12; i++)
      await copyFile(join(dir, "src", `synth-000${i % 3}.png`), join(many, `m${i}.png`));
    let text = "";
    let mostBuffered = 0;
    const slow = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        setTimeout(done, 5);
      },
    });
    const io = {
      stdout: {
        write(s: string) {
          const ok = slow.write(s);
          mostBuffered = Math.max(mostBuffered, slow.writableLength);
          return ok;
        },
        once: (e: string, f: () => void) => slow.once(e, f),
        off: (e: string, f: () => void) => slow.off(e, f),
      },
      stderr: { write: () => true, isTTY: false },
      cwd: dir,
    };
    expect(await main(["many", "--jsonl", "--workers", "2"], io)).toBe(0);
    await new Promise<void>((ok) => slow.end(ok));
    const lines = text.trimEnd().split("\n");
    expect(lines.length).toBe(12);
    const biggest = Math.max(...lines.map((l) => l.length + 1));
    expect(biggest).toBeGreaterThan(64);
    // bounded by the records in flight (2 workers -> 4 lanes), whatever the image count
    expect(mostBuffered).toBeLessThanOrEqual(4 * biggest + 64);
  });

  it("the stdout sink holds the next record until the stream drains (or closes)", async () => {
    const stream = new EventEmitter();
    const written: string[] = [];
    const out = Object.assign(stream, {
      write: (s: string) => {
        written.push(s);
        return false; // the buffer is full
      },
    });
    const sink = stdoutSink({ stdout: out, stderr: { write: () => true } });
    let resolved = false;
    const pending = sink.write("a\n").then(() => {
      resolved = true;
    });
    await new Promise((ok) => setImmediate(ok));
    expect(written).toEqual(["a\n"]);
    expect(resolved).toBe(false);
    stream.emit("drain");
    await pending;
    expect(resolved).toBe(true);
    expect(stream.listenerCount("drain") + stream.listenerCount("close")).toBe(0);
    // a reader that goes away ends the wait too
    const closing = sink.write("b\n");
    stream.emit("close");
    await closing;
    // a plain writer (no events, e.g. a string collector) is never waited on
    await stdoutSink({ stdout: { write: () => false }, stderr: { write: () => true } }).write("c");
  });
});
