import { type CocoFile, GRAPHENE_CONTRAST_DICT } from "@flakeops/inference";
import {
  addToCoco,
  type CalibrationSample,
  calibrateDetailed,
  encodeBgr,
  synthesize,
} from "@flakeops/inference/tools";

/** Synthetic images with exact COCO ground truth, as PNG (lossless: the fit sees the same pixels). */
export async function synthCocoSet(count: number, width = 320, height = 240) {
  const layerNames = Object.keys(GRAPHENE_CONTRAST_DICT);
  const coco: CocoFile = {
    images: [],
    annotations: [],
    categories: layerNames.map((name, i) => ({ id: i + 1, name })),
  };
  const images: { name: string; bytes: Buffer }[] = [];
  const samples: CalibrationSample[] = [];
  for (let i = 0; i < count; i++) {
    const s = synthesize({
      width,
      height,
      seed: 100 + i,
      dictionary: GRAPHENE_CONTRAST_DICT,
      flakes: 5,
      radius: [25, 50],
    });
    const name = `cal-${i}.png`;
    addToCoco(coco, s, name, i + 1);
    images.push({ name, bytes: await encodeBgr(s.image, "png") });
    samples.push({ image: s.image, labels: s.labels, name });
  }
  const expected = calibrateDetailed(samples, layerNames, { skipMissing: true });
  return { coco, images, expected };
}

/** The multipart form POST /calibrate reads: `coco` (the JSON file) and `images`. */
export function calibrateForm(
  coco: string | Uint8Array,
  images: { name: string; bytes: Uint8Array }[],
  extra: Record<string, string> = {},
): FormData {
  const fd = new FormData();
  fd.append("coco", new Blob([coco], { type: "application/json" }), "annotations.json");
  for (const im of images)
    fd.append("images", new Blob([im.bytes], { type: "image/png" }), im.name);
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  return fd;
}
