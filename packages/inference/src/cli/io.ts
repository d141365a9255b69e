import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { fileErrorReason, usageError } from "@flakeops/sizing/cli-kit";

/**
 * What only flakeops-detect's commands share; the argument and error style (CliIo, parseFlags,
 * UsageError, runCli, exit codes) is the shared kit's, `@flakeops/sizing/cli-kit`.
 */

export const PROGRAM = "flakeops-detect";

/** Image files the commands pick up from a directory. */
export const IMAGE_EXTS = new Set([".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"]);

/** An image file by its name, not a `<stem>.mask.png` label mask. */
export function isImageFileName(name: string): boolean {
  return IMAGE_EXTS.has(extname(name).toLowerCase()) && !name.toLowerCase().endsWith(".mask.png");
}

export async function readImageFile(path: string, shown: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw usageError(
      `cannot read ${shown}: ${fileErrorReason(e)}`,
      "a path to a readable image file",
    );
  }
}

export async function requireDirectory(path: string, flag: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isDirectory()) throw usageError(`${flag} ${path}: not a directory`, "a directory");
}
