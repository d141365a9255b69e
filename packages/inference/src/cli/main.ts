import { type CliIo, runCli } from "@flakeops/sizing/cli-kit";
import { isInferenceError } from "../errors.js";
import { calibrateCommand } from "./calibrate.js";
import { detectCommand } from "./detect.js";
import { PROGRAM } from "./io.js";
import { synthCommand } from "./synth.js";

export type { CliIo } from "@flakeops/sizing/cli-kit";

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  synth: synthCommand,
  calibrate: calibrateCommand,
  evaluate: async (argv, io) => (await import("./evaluate.js")).evaluateCommand(argv, io),
  bench: async (argv, io) => (await import("./bench.js")).benchCommand(argv, io),
};

/**
 * `flakeops-detect`: exit 0 when everything worked, 2 on bad usage or input (one line on
 * stderr saying what was wrong and what is accepted), 1 on an unexpected failure.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  const command = first !== undefined ? COMMANDS[first] : undefined;
  return runCli(
    PROGRAM,
    io,
    () => (command ? command(rest, io) : detectCommand(argv, io)),
    isInferenceError,
  );
}
