/**
 * The argument and error style both flakeops CLIs share (`flakeops-sizing`, `flakeops-detect`),
 * exported as `@flakeops/sizing/cli-kit`. It lives here because sizing is the package every
 * other one already depends on and it pulls in nothing heavy.
 *
 * Built on node:util's parseArgs (strict flags, `--flag value` and `--flag=value`); what it adds
 * is one number grammar, usage text generated from the flag definitions, and one error template:
 * `<program>: <what was wrong>; accepted: <what is>`, exit 2.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** Where a CLI writes; tests pass buffers, the binaries pass the process streams. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Directory relative paths resolve against (default process.cwd()). */
  cwd?: string;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;

/** Bad usage or input: exit 2 with one line on stderr saying what was wrong and what is accepted. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The one template: `<what was wrong>; accepted: <what is>`. */
export function usageError(wrong: string, accepted: string | readonly string[]): UsageError {
  const list = typeof accepted === "string" ? accepted : accepted.join(", ");
  return new UsageError(`${wrong}; accepted: ${list}`);
}

export interface FlagSpec {
  type: "string" | "boolean";
  /** For the help text: what the value is, e.g. "N" or "on-demand|ri-1y". */
  value?: string;
  help: string;
  multiple?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Every command takes these two. */
export const COMMON_FLAGS = {
  json: { type: "boolean", help: "print one JSON document instead of a table" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

/**
 * parseArgs with strict flags; every failure is one UsageError naming what is accepted.
 * `--count -3` reads as the value -3 (so the number check can say what is wrong), not as an
 * unknown option.
 */
export function parseFlags(
  argv: readonly string[],
  specs: FlagSpecs,
  command: string,
): { values: FlagValues; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = s.multiple ? { type: s.type, multiple: true } : { type: s.type };
  }
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = arg.startsWith("--") ? specs[arg.slice(2)] : undefined;
    if (spec?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  const accepted = Object.keys(specs).map((n) => `--${n}`);
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as FlagValues, positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw usageError(`${command}: unknown option ${unknown[1]}`, accepted);
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw usageError(`${command}: ${missing[1]} needs a value`, "--flag VALUE");
    throw usageError(`${command}: ${oneLine(message)}`, accepted);
  }
}

export interface NumberRule {
  min: number;
  max?: number;
  integer?: boolean;
  /** min itself is refused (a value must be > min). */
  exclusiveMin?: boolean;
}

/** Plain decimal notation: no hex, no blanks, no "Infinity". */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** What a rule accepts, in words: "an integer >= 1 and <= 10000". */
export function describeNumberRule(rule: NumberRule): string {
  const kind = rule.integer ? "an integer" : "a number";
  const low = `${rule.exclusiveMin ? ">" : ">="} ${rule.min}`;
  return rule.max === undefined ? `${kind} ${low}` : `${kind} ${low} and <= ${rule.max}`;
}

/** The one number grammar: a decimal within the rule, or a UsageError saying what is accepted. */
export function numberFlag(
  raw: string | boolean | string[] | undefined,
  flag: string,
  rule: NumberRule,
): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    value < rule.min ||
    (rule.exclusiveMin && value === rule.min) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw usageError(`--${flag} ${JSON.stringify(text)} is not valid`, describeNumberRule(rule));
  }
  return value;
}

export function stringFlag(raw: string | boolean | string[] | undefined): string | undefined {
  return typeof raw === "string" ? raw : undefined;
}

/** A flag the command cannot run without. */
export function requiredFlag(values: FlagValues, flag: string, command: string): string {
  const v = stringFlag(values[flag]);
  if (v === undefined || v === "")
    throw usageError(`${command} needs --${flag}`, `--${flag} VALUE`);
  return v;
}

/** One of a fixed list, or a UsageError listing the list. */
export function choiceFlag<T extends string>(
  raw: string | boolean | string[] | undefined,
  flag: string,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw usageError(`--${flag} ${JSON.stringify(text)} is not valid`, choices);
}

/** Usage text built from the flag definitions, so help never drifts from what is parsed. */
export function helpText(usage: string, specs: FlagSpecs): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.value ? ` ${s.value}` : ""}`;
    return `${left.padEnd(30)} ${s.help}`;
  });
  return `${usage}\n\n${lines.join("\n")}\n`;
}

/** Why a file named on the command line could not be read, in words. */
export function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return oneLine(e instanceof Error ? e.message : String(e));
}

/** Read a file named on the command line; a failure is a UsageError naming the file and why. */
export function readTextFile(io: CliIo, path: string, what: string): string {
  try {
    return readFileSync(resolve(io.cwd ?? process.cwd(), path), "utf8");
  } catch (e) {
    throw usageError(
      `cannot read ${what} "${path}": ${fileErrorReason(e)}`,
      "a path to a readable file",
    );
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Run a CLI body and map what it throws to an exit code: 2 with one line for a UsageError or a
 * library's own input error (`isInputError`), 1 with one line for anything unexpected (the
 * stack only with FLAKEOPS_DEBUG set).
 */
export async function runCli(
  program: string,
  io: CliIo,
  body: () => Promise<number> | number,
  isInputError: (e: unknown) => e is Error = (_e): _e is Error => false,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError || isInputError(e)) {
      const line = oneLine(e.message);
      io.stderr.write(`${line.startsWith(program) ? line : `${program}: ${line}`}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(
      `${program}: unexpected error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`,
    );
    if (process.env.FLAKEOPS_DEBUG && e instanceof Error && e.stack) {
      io.stderr.write(`${e.stack}\n`);
    }
    return EXIT_UNEXPECTED;
  }
}
