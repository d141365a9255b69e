import { parseArgs } from "node:util";
import { UsageError } from "./io.js";

export interface FlagSpec {
  type: "string" | "boolean";
  /** For the help text: what the value is. */
  value?: string;
  help: string;
  multiple?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;

/** parseArgs with strict flags; every failure is one UsageError line naming what is accepted. */
export function parseFlags(
  argv: string[],
  specs: FlagSpecs,
  command: string,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = s.multiple ? { type: s.type, multiple: true } : { type: s.type };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: true,
    });
    return {
      values: values as Record<string, string | boolean | string[] | undefined>,
      positionals,
    };
  } catch (e) {
    const accepted = Object.keys(specs)
      .map((n) => `--${n}`)
      .join(", ");
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new UsageError(`${command}: unknown option ${unknown[1]}; accepted: ${accepted}`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new UsageError(`${command}: ${missing[1]} needs a value`);
    throw new UsageError(`${command}: ${message.split("\n")[0]}; accepted: ${accepted}`);
  }
}

/** A finite number within [min, max] (integer if asked), or a UsageError saying so. */
export function numberFlag(
  raw: string | boolean | string[] | undefined,
  flag: string,
  limits: { min: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = text === "" ? Number.NaN : Number(text);
  const kind = limits.integer ? "an integer" : "a number";
  const low = `${limits.exclusiveMin ? ">" : ">="} ${limits.min}`;
  const range = limits.max === undefined ? low : `${low} and <= ${limits.max}`;
  if (
    !Number.isFinite(value) ||
    (limits.integer && !Number.isInteger(value)) ||
    value < limits.min ||
    (limits.exclusiveMin && value === limits.min) ||
    (limits.max !== undefined && value > limits.max)
  ) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(text)} is not valid; expected ${kind} ${range}`,
    );
  }
  return value;
}

export function stringFlag(raw: string | boolean | string[] | undefined): string | undefined {
  return typeof raw === "string" ? raw : undefined;
}

export function helpText(usage: string, specs: FlagSpecs): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.value ? ` ${s.value}` : ""}`;
    return `${left.padEnd(30)} ${s.help}`;
  });
  return `${usage}\n\n${lines.join("\n")}\n`;
}
