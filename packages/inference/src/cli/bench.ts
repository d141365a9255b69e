import { readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type CliIo,
  EXIT_OK,
  type FlagSpecs,
  helpText,
  numberFlag,
  parseFlags,
  stringFlag,
  usageError,
} from "@flakeops/sizing/cli-kit";
import { benchProfileJson, runBench } from "../tools/bench.js";
import { fixed, keyValueTable } from "./format.js";
import { isImageFileName, PROGRAM, requireDirectory } from "./io.js";
import { type Progress, progress } from "./progress.js";

export const BENCH_FLAGS: FlagSpecs = {
  images: {
    type: "string",
    value: "DIR",
    help: "images to time (default: synthetic 1920x1200 images)",
  },
  runs: { type: "string", value: "N", help: "timed passes over the images" },
  workers: {
    type: "string",
    value: "N",
    help: "workers for the throughput run (default one per core)",
  },
  json: { type: "boolean", help: "print the bench document as JSON" },
  "profile-out": {
    type: "string",
    value: "FILE",
    help: "write the profile flakeops-sizing recommend --profile reads",
  },
  help: { type: "boolean", help: "show this help" },
};

const USAGE = `usage: ${PROGRAM} bench [--images DIR] [--runs N] [--workers N] [--json] [--profile-out FILE]`;

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, BENCH_FLAGS, `${PROGRAM} bench`);
  if (values.help) {
    io.stdout.write(helpText(USAGE, BENCH_FLAGS));
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw usageError(
      `${PROGRAM} bench: unexpected argument ${positionals[0]}`,
      "flags only (see --help)",
    );
  }
  const cwd = io.cwd ?? process.cwd();
  const dir = stringFlag(values.images);
  let images: string[] | undefined;
  if (dir !== undefined) {
    const path = resolve(cwd, dir);
    await requireDirectory(path, "--images");
    images = (await readdir(path))
      .filter(isImageFileName)
      .sort()
      .map((n) => join(path, n));
    if (images.length === 0) {
      throw usageError(
        `--images ${dir}: no image files in it`,
        "a directory holding JPEG, PNG, TIFF or WebP files",
      );
    }
  }
  const profileOut = stringFlag(values["profile-out"]);
  const runs = numberFlag(values.runs, "runs", { min: 1, max: 10_000, integer: true });
  const workers = numberFlag(values.workers, "workers", { min: 1, max: 256, integer: true });
  let bar: Progress | undefined;
  const result = await runBench({
    images,
    runs,
    workers,
    onProgress: (done, total) => {
      bar ??= progress(io, total, "bench");
      bar.tick(`${done}/${total}`);
    },
  }).finally(() => bar?.stop());
  if (profileOut !== undefined) {
    const file = resolve(cwd, profileOut);
    await writeFile(file, benchProfileJson(result.profile)).catch((e: Error) => {
      throw usageError(
        `--profile-out ${profileOut}: cannot write (${e.message})`,
        "a writable file path",
      );
    });
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return EXIT_OK;
  }
  const ratio =
    result.decodeMs.median > 0 ? result.totalMs.median / result.decodeMs.median : Number.NaN;
  io.stdout.write(
    `${keyValueTable([
      ["model", `${result.profile.model} on ${result.profile.cpuModel}`],
      ["images x runs", `${result.images} x ${result.runs} (${result.width}x${result.height})`],
      [
        "decode ms (median / p95)",
        `${fixed(result.decodeMs.median, 1)} / ${fixed(result.decodeMs.p95, 1)}`,
      ],
      [
        "decode + detect ms (median / p95)",
        `${fixed(result.totalMs.median, 1)} / ${fixed(result.totalMs.p95, 1)}`,
      ],
      ["total / decode", `${fixed(ratio, 2)}x`],
      [
        "throughput",
        `${fixed(result.imagesPerSecond, 1)} images/s on ${result.workers} worker${result.workers === 1 ? "" : "s"}`,
      ],
      ["peak RSS", `${fixed(result.peakRssMB, 0)} MB`],
    ])}\n`,
  );
  if (profileOut !== undefined) io.stdout.write(`wrote profile ${resolve(cwd, profileOut)}\n`);
  return EXIT_OK;
}
