import {
  type CliIo,
  choiceFlag,
  type FlagSpecs,
  type FlagValues,
  type NumberRule,
  stringFlag,
  usageError,
} from "../cli-kit.js";
import { DEFAULT_REGION, REGIONS } from "../pricing/catalog.js";
import { PRICING_MODELS, type PricingModel } from "../pricing/pricing.js";

export const PROGRAM = "flakeops-sizing";

/** What a command prints: `doc` with --json, else `table`. */
export interface Output {
  doc: unknown;
  table: string;
  /** Exit status when the answer itself is a failure (preview-cost over --budget); default 0. */
  exitCode?: number;
}

export interface CommandInput {
  values: FlagValues;
  positionals: string[];
  io: CliIo;
}

/** One `flakeops-sizing <name>` command; its synopsis and help are built from these fields. */
export interface Command {
  name: string;
  /** One line for the help. */
  summary: string;
  /** Positional arguments, for the synopsis: "<type>". */
  args?: string;
  /** The flags each form of the command cannot run without, for the synopsis. */
  forms?: readonly (readonly string[])[];
  /** Every flag it takes besides COMMON_FLAGS, in the order the help lists them. */
  flags: FlagSpecs;
  /** A command that reads files as streams answers asynchronously. */
  run(input: CommandInput): Output | Promise<Output>;
}

export const REGION_FLAG = {
  region: {
    type: "string",
    value: "R",
    help: `price book: ${REGIONS.join(", ")} (default ${DEFAULT_REGION})`,
  },
} as const satisfies FlagSpecs;

export const PRICING_FLAG = {
  pricing: {
    type: "string",
    value: "MODEL",
    help: `pricing model: ${PRICING_MODELS.join(", ")} (default on-demand)`,
  },
} as const satisfies FlagSpecs;

/** A number > 0. */
export const POSITIVE: NumberRule = { min: 0, exclusiveMin: true };
/** A number >= 0. */
export const NON_NEGATIVE: NumberRule = { min: 0 };
/** An instance count: a whole number >= 1. */
export const COUNT: NumberRule = { min: 1, integer: true };

export function regionOf(values: FlagValues): string {
  return stringFlag(values.region) ?? DEFAULT_REGION;
}

export function pricingOf(values: FlagValues): PricingModel | undefined {
  return choiceFlag(values.pricing, "pricing", PRICING_MODELS);
}

export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw usageError(`${command} takes no argument "${positionals[0]}"`, "flags only (see --help)");
  }
}

/** The command's synopsis lines, e.g. "recommend --images-per-hour N [options]". */
export function synopsis(command: Command): string[] {
  const forms = command.forms ?? [[]];
  return forms.map((form) => {
    const required = form.map((name) => {
      const value = command.flags[name]?.value;
      return ` --${name}${value ? ` ${value}` : ""}`;
    });
    const optional = Object.keys(command.flags).some((name) => !form.includes(name));
    return `${command.name}${command.args ? ` ${command.args}` : ""}${required.join("")}${optional ? " [options]" : ""}`;
  });
}
