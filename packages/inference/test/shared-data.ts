import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** ../shared/data next to the repository root, or undefined when this machine has none. */
export const SHARED_DATA = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = resolve(here, "../../../../shared/data");
  return existsSync(resolve(dir, "reference/graphene-2dmatgmm.json")) ? dir : undefined;
})();

export const NO_SHARED_DATA =
  "skipped: ../shared/data (reference images and 2DMatGMM outputs) is not present on this machine";
