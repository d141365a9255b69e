import {
  type CliIo,
  COMMON_FLAGS,
  EXIT_OK,
  helpText,
  parseFlags,
  processIo,
  runCli,
  usageError,
} from "../cli-kit.js";
import { isSizingError } from "../errors.js";
import { DEFAULT_REGION } from "../pricing/catalog.js";
import { alarmsCommand } from "./alarms.js";
import { catalogCommand } from "./catalog.js";
import { type Command, PROGRAM, synopsis } from "./command.js";
import { costCommand } from "./cost.js";
import { migrateCommand } from "./migrate.js";
import { previewCostCommand } from "./preview-cost.js";
import { PRICES_FLAG, selectPriceBook, withPriceWarnings } from "./price-source.js";
import { pricesCommand } from "./prices.js";
import { recommendCommand } from "./recommend.js";
import { rightsizeCommand } from "./rightsize.js";

export type { CliIo } from "../cli-kit.js";

/** The commands, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  catalogCommand,
  costCommand,
  recommendCommand,
  rightsizeCommand,
  migrateCommand,
  alarmsCommand,
  pricesCommand,
  previewCostCommand,
];

const FOOTER = `Every command prints a table, or one JSON document with --json. Prices: ${DEFAULT_REGION}, Linux.`;

/** `flakeops-sizing --help`: every command's synopsis and flags, built from their definitions. */
export function usage(): string {
  const sections = COMMANDS.map((c) => {
    const head = `${synopsis(c).join("\n")}\n  ${c.summary}`;
    return Object.keys(c.flags).length > 0 ? helpText(head, c.flags) : `${head}\n`;
  });
  return [
    `${PROGRAM}: size, price and right-size the flake-detection service on AWS\n`,
    ...sections,
    helpText("Every command also takes:", COMMON_FLAGS),
    `${FOOTER}\n`,
  ].join("\n");
}

/** `flakeops-sizing <command> --help`. */
export function commandHelp(command: Command): string {
  const lines = synopsis(command).map((l, i) => `${i === 0 ? "usage:" : "      "} ${PROGRAM} ${l}`);
  return `${helpText(`${lines.join("\n")}\n\n${command.summary}`, { ...command.flags, ...COMMON_FLAGS })}\n${FOOTER}\n`;
}

/** Run the CLI; resolves to the exit code (0 ok, 2 bad input, 1 unexpected). */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCli(
    PROGRAM,
    io,
    async () => {
      const [name, ...rest] = argv;
      const names = COMMANDS.map((c) => c.name);
      if (name === undefined) {
        throw usageError("no command", `${names.join(", ")} (--help for usage)`);
      }
      if (name === "--help" || name === "-h" || name === "help") {
        io.stdout.write(usage());
        return EXIT_OK;
      }
      const command = COMMANDS.find((c) => c.name === name);
      if (!command) throw usageError(`unknown command "${name}"`, names);
      const { values, positionals } = parseFlags(
        rest,
        { ...command.flags, ...COMMON_FLAGS, ...PRICES_FLAG },
        command.name,
      );
      if (values.help) {
        io.stdout.write(commandHelp(command));
        return EXIT_OK;
      }
      const priceWarnings = selectPriceBook(values, io);
      const { doc, table, exitCode } = withPriceWarnings(
        await command.run({ values, positionals, io }),
        priceWarnings,
      );
      io.stdout.write(values.json ? `${JSON.stringify(doc, null, 2)}\n` : `${table}\n`);
      return exitCode ?? EXIT_OK;
    },
    isSizingError,
  );
}
