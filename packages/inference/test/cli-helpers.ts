import { main } from "../src/cli/main.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured output. */
export async function run(
  argv: string[],
  options: { cwd?: string; tty?: boolean } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty ?? false, columns: 100 },
    cwd: options.cwd,
  });
  return { code, stdout, stderr };
}
