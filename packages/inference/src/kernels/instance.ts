import { candidatesFn, histogramsFn, median5Fn, swap3Fn } from "./wasm-kernels.js";
import { assembleModule, I32 } from "./wasm-writer.js";

/** The kernels module, instantiated once per thread, and its working-memory layout. */

function assemble(): Uint8Array {
  const fns = [
    { name: "median5", fn: median5Fn(), results: [] as number[] },
    { name: "histograms", fn: histogramsFn(), results: [] as number[] },
    { name: "candidates", fn: candidatesFn(), results: [I32] },
    { name: "swap3", fn: swap3Fn(), results: [] as number[] },
  ];
  return assembleModule(fns);
}

// The WebAssembly global, typed here: the project's lib settings carry no DOM types.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface Exports {
  mem: WasmMemory;
  median5(
    src: number,
    stride: number,
    tmp: number,
    dst: number,
    dstStride: number,
    rowBytes: number,
    height: number,
  ): void;
  histograms(ptr: number, bytes: number, hist: number): void;
  candidates(ptr: number, blocks: number, lut: number, list: number, pat: number): number;
  swap3(ptr: number, blocks: number): void;
}

let instance: Exports | undefined;
export function kernels(): Exports {
  if (!instance) {
    const module = new wasm.Module(assemble());
    instance = new wasm.Instance(module, {}).exports as Exports;
  }
  return instance;
}

/**
 * WebAssembly memory only grows: after one 4096x4096 image a thread would keep ~170 MB for
 * good. Past `maxBytes`, drop the instance (the next image makes a fresh, small one); the old
 * memory goes at the next garbage collection. Returns whether it dropped one.
 */
export function releaseKernelMemory(maxBytes: number): boolean {
  if (!instance || instance.mem.buffer.byteLength <= maxBytes) return false;
  instance = undefined;
  return true;
}

const align = (n: number) => (n + 63) & ~63;

/** Working memory laid out for one image size; views are valid until the next call. */
export function layout(width: number, height: number) {
  const k = kernels();
  const rowBytes = width * 3;
  // a multiple of 48, so every padded row starts on a pixel and a swap3 block
  const stride = Math.ceil((rowBytes + 12 + 48) / 48) * 48;
  const src = 64;
  const tmp = align(src + (height + 5) * stride + 64);
  const dst = align(tmp + 4 * stride + 64);
  const hist = align(dst + (height + 1) * rowBytes + 64);
  const lut = align(hist + 4 * 3 * 1024);
  const pat = align(lut + 3 * 1024);
  const list = align(pat + 9 * 16);
  const end = list + width * height * 4 + 64;
  const have = k.mem.buffer.byteLength;
  if (end > have) k.mem.grow(Math.ceil((end - have) / 65536));
  return { k, rowBytes, stride, src, tmp, dst, hist, lut, pat, list };
}
