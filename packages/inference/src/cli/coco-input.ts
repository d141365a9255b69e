import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type CliIo, fileErrorReason, usageError } from "@flakeops/sizing/cli-kit";
import { isInferenceError } from "../errors.js";
import {
  type CocoFile,
  type CocoImageEntry,
  categoryLayers,
  indexCoco,
  parseCategoryMapping,
  parseCoco,
} from "../io/coco.js";
import { decodeImage } from "../io/decode.js";
import type { BgrImage } from "../types.js";
import { PROGRAM, readImageFile, requireDirectory } from "./io.js";

/** A COCO file with its images folder, as `calibrate --coco` and `evaluate` read them. */

export const CATEGORY_MAP_HELP =
  'category -> layer, e.g. "monolayer=1,bilayer=2" (keys: category names or ids; default: the category name is the layer)';

export interface CocoSet {
  coco: CocoFile;
  /** category id -> layer name */
  layers: Map<number, string>;
  /** Layer names in category order, each once. */
  layerNames: string[];
  /** Images present in the folder, with their annotations and paths. */
  entries: (CocoImageEntry & { path: string })[];
}

export async function loadCocoSet(
  io: CliIo,
  command: string,
  cocoPath: string,
  imagesDir: string,
  mapping: string | undefined,
): Promise<CocoSet> {
  await requireDirectory(imagesDir, "--images");
  let text: string;
  try {
    text = await readFile(cocoPath, "utf8");
  } catch (e) {
    throw usageError(`--coco ${cocoPath}: ${fileErrorReason(e)}`, "a COCO annotation JSON file");
  }
  const coco = parseCoco(text, `--coco ${cocoPath}`);
  const layers = categoryLayers(coco, mapping ? parseCategoryMapping(mapping) : undefined);
  const index = indexCoco(coco, layers);
  const say = (line: string) => io.stderr.write(`${PROGRAM} ${command}: ${line}\n`);
  const report = (n: number, what: string) => {
    if (n > 0) say(`${n} annotation${n === 1 ? "" : "s"} ${what}; skipped`);
  };
  const unknownIds = [...new Set(index.unknownCategory.map((a) => a.category_id))];
  report(
    index.unknownCategory.length,
    `of unknown categor${unknownIds.length === 1 ? "y" : "ies"} ${unknownIds.join(", ")}`,
  );
  report(index.unknownImage.length, "of image ids not in images[]");
  report(index.unmapped.length, "of categories the mapping leaves out");
  const entries: CocoSet["entries"] = [];
  const missing: string[] = [];
  for (const entry of index.images) {
    const path = resolve(imagesDir, entry.image.file_name);
    // file_name may not walk out of the images folder
    const inside = path.startsWith(join(imagesDir, "/")) || path === imagesDir;
    const s = inside ? await stat(path).catch(() => undefined) : undefined;
    if (s?.isFile()) entries.push({ ...entry, path });
    else missing.push(entry.image.file_name);
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(", ") + (missing.length > 5 ? ", ..." : "");
    say(
      `${missing.length} image${missing.length === 1 ? "" : "s"} of the COCO file not in --images: ${shown}; skipped`,
    );
  }
  if (entries.length === 0) {
    throw usageError(
      `${PROGRAM} ${command}: no image of --coco is in --images ${imagesDir}`,
      "images[].file_name relative to the --images folder",
    );
  }
  const layerNames = [
    ...new Set(coco.categories.filter((c) => layers.has(c.id)).map((c) => layers.get(c.id)!)),
  ];
  return { coco, layers, layerNames, entries };
}

/** Decode an image of the set, checking it has the size its COCO entry says. */
export async function readCocoImage(entry: CocoSet["entries"][number]): Promise<BgrImage> {
  const name = entry.image.file_name;
  const image = await decodeImage(await readImageFile(entry.path, name)).catch((e: unknown) => {
    throw isInferenceError(e) ? usageError(`${name}: ${e.message}`, "a readable image") : e;
  });
  const { width, height } = entry.image;
  if (image.width !== width || image.height !== height) {
    throw usageError(
      `${name}: the image is ${image.width}x${image.height}; its COCO entry says ${width}x${height}`,
      "images whose size matches images[].width and height",
    );
  }
  return image;
}
