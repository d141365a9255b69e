import { z } from "zod";
import { InferenceError } from "../errors.js";
import { fillPolygon } from "../geometry/polygon.js";
import { countsToMask, stringToCounts } from "./rle.js";

/**
 * COCO instance annotations (the format MaskTerial's datasets, Label Studio and CVAT export):
 * images, categories, and annotations whose segmentation is polygons or RLE (compressed
 * string or uncompressed counts), as pycocotools' COCO class reads them. A category is a
 * layer: by its name, or through an explicit mapping.
 */

const RleSchema = z.object({
  size: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  counts: z.union([z.string(), z.array(z.number().int().nonnegative())]),
});

const SegmentationSchema = z.union([z.array(z.array(z.number())), RleSchema]);

export const CocoSchema = z.object({
  images: z.array(
    z.object({
      id: z.number().int(),
      file_name: z.string().min(1),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  ),
  annotations: z.array(
    z.object({
      id: z.number().int().optional(),
      image_id: z.number().int(),
      category_id: z.number().int(),
      segmentation: SegmentationSchema,
      iscrowd: z.union([z.literal(0), z.literal(1)]).optional(),
      /** pycocotools reads these for area ranges and boxes; we compute from the mask. */
      area: z.number().nonnegative().optional(),
      bbox: z.array(z.number()).length(4).optional(),
    }),
  ),
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })),
});

export type CocoFile = z.infer<typeof CocoSchema>;
export type CocoImage = CocoFile["images"][number];
export type CocoAnnotation = CocoFile["annotations"][number];

const bad = (message: string) => new InferenceError("BAD_OPTION", message);

/** Parse and check a COCO file's text; `what` names it in errors. */
export function parseCoco(text: string, what: string): CocoFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad(`${what} is not COCO: not JSON`);
  }
  const parsed = CocoSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "the top level";
    throw bad(
      `${what} is not COCO: ${where}: ${issue.message} (expected {images: [{id, file_name, width, height}], annotations: [{image_id, category_id, segmentation}], categories: [{id, name}]})`,
    );
  }
  const coco = parsed.data;
  const seen = new Set<number>();
  for (const c of coco.categories) {
    if (c.name.trim() === "") throw bad(`${what}: category ${c.id} has an empty name`);
    if (seen.has(c.id)) throw bad(`${what}: category id ${c.id} appears twice`);
    seen.add(c.id);
  }
  const imageIds = new Set<number>();
  for (const im of coco.images) {
    if (imageIds.has(im.id)) throw bad(`${what}: image id ${im.id} appears twice`);
    imageIds.add(im.id);
  }
  return coco;
}

/**
 * Category id -> layer name: `mapping` (keys are category names or ids) when given, else the
 * category's name. A mapping that names no category is an error, so a typo cannot pass.
 */
export function categoryLayers(
  coco: CocoFile,
  mapping?: ReadonlyMap<string, string>,
): Map<number, string> {
  const layers = new Map<number, string>();
  const used = new Set<string>();
  for (const c of coco.categories) {
    const key = mapping?.has(c.name) ? c.name : mapping?.has(String(c.id)) ? String(c.id) : null;
    if (mapping && key === null) continue;
    if (key !== null) used.add(key);
    layers.set(c.id, key !== null ? mapping!.get(key)! : c.name);
  }
  for (const key of mapping?.keys() ?? []) {
    if (!used.has(key)) {
      throw bad(
        `category mapping names "${key}", which is no category name or id (categories: ${coco.categories.map((c) => `${c.id}=${c.name}`).join(", ")})`,
      );
    }
  }
  return layers;
}

/** Parse "name=layer,3=layer2" into a mapping. */
export function parseCategoryMapping(text: string): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const part of text.split(",")) {
    const [key, layer, extra] = part.split("=").map((s) => s.trim());
    if (!key || !layer || extra !== undefined) {
      throw bad(
        `category mapping "${part}" is not <category name or id>=<layer>, e.g. "monolayer=1,bilayer=2"`,
      );
    }
    mapping.set(key, layer);
  }
  return mapping;
}

/**
 * The annotation's mask, row-major width x height, 1 inside (polygons are united, as
 * pycocotools merges them). Polygons are filled at pixel centres (even-odd), the rule the
 * synthetic images are drawn with; pycocotools' frPoly traces edges on a 5x finer grid, so
 * the two can differ by a pixel along an edge.
 */
export function annotationMask(ann: CocoAnnotation, image: CocoImage): Uint8Array {
  const { width, height } = image;
  const name = `annotation ${ann.id ?? "(no id)"} of image ${image.file_name}`;
  const seg = ann.segmentation;
  if (Array.isArray(seg)) {
    const mask = new Uint8Array(width * height);
    if (seg.length === 0) throw bad(`${name}: empty segmentation`);
    for (const flat of seg) {
      if (flat.length < 6 || flat.length % 2 !== 0) {
        throw bad(
          `${name}: a polygon needs an even number (>= 6) of coordinates, has ${flat.length}`,
        );
      }
      const points: [number, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const x = flat[i]!;
        const y = flat[i + 1]!;
        if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
          throw bad(`${name}: polygon point (${x}, ${y}) is outside the ${width}x${height} image`);
        }
        points.push([x, y]);
      }
      fillPolygon(points, width, height, (x, y) => {
        mask[y * width + x] = 1;
      });
    }
    return mask;
  }
  const [h, w] = seg.size;
  if (h !== height || w !== width) {
    throw bad(`${name}: the RLE is ${w}x${h}; the image is ${width}x${height}`);
  }
  try {
    const counts = typeof seg.counts === "string" ? stringToCounts(seg.counts) : seg.counts;
    return countsToMask(counts, height, width);
  } catch (e) {
    throw bad(`${name}: ${(e as Error).message}`);
  }
}

export interface CocoImageEntry {
  image: CocoImage;
  annotations: CocoAnnotation[];
}

export interface CocoIndex {
  images: CocoImageEntry[];
  /** Annotations whose category_id no category has. */
  unknownCategory: CocoAnnotation[];
  /** Annotations whose image_id no image has. */
  unknownImage: CocoAnnotation[];
  /** Annotations of categories an explicit mapping leaves out. */
  unmapped: CocoAnnotation[];
}

/** Annotations grouped by image (in the file's image order). */
export function indexCoco(coco: CocoFile, layers: ReadonlyMap<number, string>): CocoIndex {
  const byId = new Map<number, CocoImageEntry>();
  const images = coco.images.map((image) => {
    const entry = { image, annotations: [] as CocoAnnotation[] };
    byId.set(image.id, entry);
    return entry;
  });
  const categoryIds = new Set(coco.categories.map((c) => c.id));
  const unknownCategory: CocoAnnotation[] = [];
  const unknownImage: CocoAnnotation[] = [];
  const unmapped: CocoAnnotation[] = [];
  for (const ann of coco.annotations) {
    const entry = byId.get(ann.image_id);
    if (!entry) unknownImage.push(ann);
    else if (!categoryIds.has(ann.category_id)) unknownCategory.push(ann);
    else if (layers.has(ann.category_id)) entry.annotations.push(ann);
    else unmapped.push(ann);
  }
  return { images, unknownCategory, unknownImage, unmapped };
}
