import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The Debian package's binary (`apt-get install shellcheck`); tests that need it skip without it. */
export const SHELLCHECK: string | undefined = [
  "/usr/bin/shellcheck",
  "/usr/local/bin/shellcheck",
].find((p) => existsSync(p));

/** shellcheck's findings on a bash script, at every severity (empty when clean). */
export function shellcheck(script: string): string {
  if (!SHELLCHECK) throw new Error("shellcheck is not installed");
  const result = spawnSync(SHELLCHECK, ["--shell=bash", "--severity=style", "-"], {
    input: script,
    encoding: "utf8",
  });
  return result.status === 0 ? "" : `${result.stdout}${result.stderr}`;
}
