import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeBgr } from "../io/image-files.js";
import { synthesize } from "./synth.js";

/**
 * The bench's default images: seeded synthetic 1920x1200 microscope images as JPEG. Run as its
 * own process by the bench (`node bench-synth.js DIR COUNT`), so the memory that building them
 * takes does not count in the detector's figure.
 */
export const SYNTHETIC_SEED = 1000;

export async function syntheticJpegs(count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const synth = synthesize({ width: 1920, height: 1200, seed: SYNTHETIC_SEED + i });
    out.push(await encodeBgr(synth.image, "jpg"));
  }
  return out;
}

async function main(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const images = await syntheticJpegs(count);
  await Promise.all(images.map((bytes, i) => writeFile(join(dir, `synthetic-${i}.jpg`), bytes)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] ?? ".", Number(process.argv[3] ?? 4)).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
