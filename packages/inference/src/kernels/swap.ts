import { kernels } from "./instance.js";

/** Swap the first and third byte of every pixel (RGB <-> BGR) of an interleaved image, in place. */
export function swapRedBlue(data: Uint8Array): void {
  const k = kernels();
  const blocks = Math.floor(data.length / 48);
  const need = 64 + blocks * 48;
  const have = k.mem.buffer.byteLength;
  if (need > have) k.mem.grow(Math.ceil((need - have) / 65536));
  const mem = new Uint8Array(k.mem.buffer);
  mem.set(data.subarray(0, blocks * 48), 64);
  k.swap3(64, blocks);
  data.set(mem.subarray(64, 64 + blocks * 48), 0);
  for (let i = blocks * 48; i + 2 < data.length; i += 3) {
    const r = data[i]!;
    data[i] = data[i + 2]!;
    data[i + 2] = r;
  }
}
