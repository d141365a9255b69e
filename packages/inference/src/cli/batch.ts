import { createWriteStream, type WriteStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type CliIo, fileErrorReason, usageError } from "@flakeops/sizing/cli-kit";
import type { DetectionResult } from "../detect.js";
import type { Flake } from "../flake.js";
import { CSV_COLUMNS } from "../io/flake-csv.js";
import { isImageFileName } from "./io.js";

/**
 * Batch detection's inputs and outputs: directories expanded to their image files, results
 * streamed as JSON Lines or CSV rows (to stdout or a file), and what `--resume` skips.
 */

/** Files as given; directories walked recursively for image files (sorted, stable). */
export async function expandInputs(inputs: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const s = await stat(resolve(cwd, input)).catch(() => undefined);
    if (s?.isDirectory()) await walk(input, cwd, out);
    else out.push(input); // a missing file is reported per image, like any unreadable one
  }
  return out;
}

async function walk(dir: string, cwd: string, out: string[]): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(resolve(cwd, dir), { withFileTypes: true });
  } catch (e) {
    throw usageError(`cannot list ${dir}: ${fileErrorReason(e)}`, "a readable directory");
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, cwd, out);
    else if (e.isFile() && isImageFileName(e.name)) out.push(path);
  }
}

export type BatchFormat = "jsonl" | "csv";

export type BatchRecord =
  | { image: string; result: DetectionResult }
  | { image: string; error: { code: string; message: string } };

/** CONTRACTS.md's JSON line for one image. */
export function jsonLine(r: BatchRecord): string {
  if ("error" in r) return `${JSON.stringify({ image: r.image, error: r.error })}\n`;
  const { width, height, model, flakes, rejected, timings } = r.result;
  // "rejected" only with --explain (undefined keys are left out)
  return `${JSON.stringify({ image: r.image, width, height, model, flakes, rejected, timings })}\n`;
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per flake; an image without flakes, or one that failed, still gets one row (empty
 * flake columns, or its error), so every image processed is in the file and --resume can tell.
 */
export function csvRows(r: BatchRecord): string {
  const row = (cells: (string | number)[]) => `${cells.map(csvField).join(",")}\n`;
  const blank = CSV_COLUMNS.length - 2;
  if ("error" in r) {
    return row([r.image, ...new Array(blank).fill(""), `${r.error.code}: ${r.error.message}`]);
  }
  if (r.result.flakes.length === 0) return row([r.image, ...new Array(blank + 1).fill("")]);
  return r.result.flakes
    .map((f: Flake, i) =>
      row([
        r.image,
        i + 1,
        f.thickness,
        f.size,
        f.center[0],
        f.center[1],
        f.min_sidelength,
        f.max_sidelength,
        f.aspect_ratio,
        ...f.mean_contrast,
        f.false_positive_probability,
        f.entropy,
        ...f.bbox,
        "",
      ]),
    )
    .join("");
}

/** Split one CSV line (RFC 4180 quoting; our rows never hold a line break). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * Images an earlier run already wrote to `path` without an error (a failed image is tried
 * again). A missing file means nothing is done yet; a torn last line (a killed run) is ignored.
 */
export async function doneImages(path: string, format: BatchFormat): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Set();
    throw usageError(`--out ${path}: ${fileErrorReason(e)}`, "a readable output file to resume");
  }
  const done = new Set<string>();
  const errorColumn = CSV_COLUMNS.indexOf("error");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (format === "jsonl") {
      try {
        const rec = JSON.parse(line) as { image?: unknown; error?: unknown };
        if (typeof rec.image === "string" && rec.error === undefined) done.add(rec.image);
      } catch {
        // the torn line of an interrupted run: that image is done again
      }
    } else {
      const cells = parseCsvLine(line);
      if (cells.length === CSV_COLUMNS.length && cells[0] !== "image" && !cells[errorColumn]) {
        done.add(cells[0]!);
      }
    }
  }
  return done;
}

/** Where records go: stdout, or a file (appended to when resuming), with backpressure. */
export interface RecordSink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** What a Node stream adds to CliIo's stdout: the backpressure signal and its events. */
interface EventedOut {
  write(chunk: string): unknown;
  once?(event: "drain" | "error" | "close", listener: () => void): unknown;
  off?(event: "drain" | "error" | "close", listener: () => void): unknown;
}

/**
 * Stdout with backpressure: when write() says the stream's buffer is full (a pipe to a slower
 * reader), wait for "drain" before the next record. Without it a batch piped to a slow consumer
 * queued every record in memory (the memory-flat requirement of issue 13). A reader that goes
 * away ("error", "close") also ends the wait, so a closed pipe never hangs the run.
 */
export function stdoutSink(io: CliIo): RecordSink {
  const out = io.stdout as EventedOut;
  return {
    async write(text) {
      if (out.write(text) !== false || !out.once) return;
      await new Promise<void>((ok) => {
        const done = () => {
          for (const e of ["drain", "error", "close"] as const) out.off?.(e, done);
          ok();
        };
        for (const e of ["drain", "error", "close"] as const) out.once!(e, done);
      });
    },
    async close() {},
  };
}

export async function fileSink(path: string, append: boolean): Promise<RecordSink> {
  const stream: WriteStream = createWriteStream(path, { flags: append ? "a" : "w" });
  await new Promise<void>((ok, fail) => {
    stream.once("open", () => ok());
    stream.once("error", (e) =>
      fail(usageError(`--out ${path}: ${fileErrorReason(e)}`, "a writable file path")),
    );
  });
  return {
    async write(text) {
      if (!stream.write(text)) await new Promise<void>((ok) => stream.once("drain", () => ok()));
    },
    close: () => new Promise<void>((ok) => stream.end(() => ok())),
  };
}
