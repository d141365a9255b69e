import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InferenceError } from "../../errors.js";

/**
 * Model directories changed atomically, so that concurrent uploads of one name, a crash mid-write
 * or a failed validation never leave a half-written or missing model (issue 10, D3):
 * files are written into a unique hidden sibling directory, then renamed into place. On
 * Linux rename(2) of a directory onto an existing non-empty one fails (ENOTEMPTY/EEXIST), which
 * makes "already exists" a property of the file system, not of a check that can race.
 */
/** A unique hidden sibling of `dir`; the "-" makes it an invalid model name, never listed. */
const sibling = (dir: string, what: string) =>
  join(dirname(dir), `.${basename(dir)}-${randomUUID()}-${what}`);

export const alreadyExists = (name: string) =>
  new InferenceError(
    "INVALID_MODEL",
    `Model ${name} already exists, please choose a different name`,
  );

/** Create `dir` holding `files`, or fail with alreadyExists when it is there already. */
export async function createModelDir(
  dir: string,
  name: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  const staging = sibling(dir, "staging");
  try {
    await mkdir(staging, { recursive: true });
    for (const [file, content] of Object.entries(files))
      await writeFile(join(staging, file), content);
    await rename(staging, dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") throw alreadyExists(name);
    throw new InferenceError(
      "MODEL_LOAD_FAILED",
      `could not save model ${name} (${code ?? "error"})`,
      {
        cause: e,
      },
    );
  } finally {
    // Only ever our own unique directory: a failed request never removes anyone else's model.
    await rm(staging, { recursive: true, force: true });
  }
}

/** Remove `dir` atomically: renamed out of sight first, then deleted. False when absent. */
export async function removeModelDir(dir: string): Promise<boolean> {
  const doomed = sibling(dir, "deleted");
  try {
    await rename(dir, doomed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new InferenceError("MODEL_LOAD_FAILED", "could not delete the model", { cause: e });
  }
  await rm(doomed, { recursive: true, force: true });
  return true;
}

/** The regular files of a model directory (one level, as MaskTerial's layout has them). */
export async function readModelDir(dir: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile())
      out.push({ name: entry.name, bytes: await readFile(join(dir, entry.name)) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Total size of a model directory's files, 0 when absent. */
export async function modelDirBytes(dir: string): Promise<number> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await stat(join(dir, e.name))).size;
  return total;
}

/** A model's JSON file, parsed; errors name the model and the file. */
export async function readJson(file: string, id: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new InferenceError(
      "MODEL_LOAD_FAILED",
      `model ${id}: cannot read ${file}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InferenceError(
      "INVALID_MODEL",
      `model ${id}: ${file} is not valid JSON: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}
