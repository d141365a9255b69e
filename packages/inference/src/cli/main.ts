import { isInferenceError } from "../errors.js";
import { calibrateCommand } from "./calibrate.js";
import { detectCommand } from "./detect.js";
import { type CliIo, EXIT_UNEXPECTED, EXIT_USAGE, PROGRAM, UsageError } from "./io.js";
import { synthCommand } from "./synth.js";

export type { CliIo } from "./io.js";

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  synth: synthCommand,
  calibrate: calibrateCommand,
  bench: async (argv, io) => (await import("./bench.js")).benchCommand(argv, io),
};

/**
 * `flakeops-detect`: exit 0 when everything worked, 2 on bad usage or input (one line on
 * stderr saying what was wrong and what is accepted), 1 on an unexpected failure.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  const command = first !== undefined ? COMMANDS[first] : undefined;
  try {
    return command ? await command(rest, io) : await detectCommand(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      const line = oneLine(e.message);
      io.stderr.write(`${line.startsWith(PROGRAM) ? line : `${PROGRAM}: ${line}`}\n`);
      return EXIT_USAGE;
    }
    if (isInferenceError(e)) {
      io.stderr.write(`${PROGRAM}: ${oneLine(e.message)}\n`);
      return EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`${PROGRAM}: unexpected error: ${oneLine(message)}\n`);
    if (process.env.FLAKEOPS_DEBUG && e instanceof Error && e.stack)
      io.stderr.write(`${e.stack}\n`);
    return EXIT_UNEXPECTED;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}
