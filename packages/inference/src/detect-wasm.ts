import { finishNetwork, sharedNetwork } from "./detect-median-network.js";

/**
 * The detector's hot loops as a small WebAssembly module with 128-bit SIMD, assembled here at
 * load time (no toolchain, no binary in the repository):
 *  - median5: the exact 5x5 median of an interleaved 3-channel image (16 bytes per step: a
 *    5-element sorting network down each column, then the pruned column-merge network of
 *    detect-median-network.ts across the five sorted columns);
 *  - histograms: the three 256-bin channel histograms of the median image;
 *  - candidates: pixels whose three values all fall in some layer's per-channel box (a lookup
 *    table), the only ones the Mahalanobis test needs to see.
 */

// --- a minimal WebAssembly binary writer --------------------------------------------------
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;

/** Function body builder with named locals. */
class Fn {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(readonly params: number) {}
  local(type: number): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }
  get = (i: number) => this.code.push(0x20, ...uleb(i));
  set = (i: number) => this.code.push(0x21, ...uleb(i));
  tee = (i: number) => this.code.push(0x22, ...uleb(i));
  i32 = (v: number) => this.code.push(0x41, ...sleb(v));
  op = (...bytes: number[]) => this.code.push(...bytes);
  add = () => this.code.push(0x6a);
  mul = () => this.code.push(0x6c);
  and = () => this.code.push(0x71);
  shl = () => this.code.push(0x74);
  load8 = (offset = 0) => this.code.push(0x2d, 0, ...uleb(offset));
  load32 = (offset = 0) => this.code.push(0x28, 2, ...uleb(offset));
  store32 = (offset = 0) => this.code.push(0x36, 2, ...uleb(offset));
  vload = (offset = 0) => this.code.push(0xfd, 0x00, 0, ...uleb(offset));
  vstore = (offset = 0) => this.code.push(0xfd, 0x0b, 0, ...uleb(offset));
  vmin = () => this.code.push(0xfd, 0x77);
  /** i8x16.shuffle of the two vectors on the stack: lane i takes byte lanes[i] of a ++ b */
  shuffle = (lanes: number[]) => this.code.push(0xfd, 0x0d, ...lanes);
  vmax = () => this.code.push(0xfd, 0x79);
  /** local[i] += v */
  inc(i: number, v: number | (() => void)) {
    this.get(i);
    if (typeof v === "number") this.i32(v);
    else v();
    this.add();
    this.set(i);
  }
  /** for (; a < limit; ) { body } with the test at the top */
  loopWhileLt(a: number, limit: number, body: () => void) {
    this.op(0x02, 0x40, 0x03, 0x40); // block loop
    this.get(a);
    this.get(limit);
    this.op(0x4f, 0x0d, 1); // i32.ge_u; br_if 1 (exit)
    body();
    this.op(0x0c, 0, 0x0b, 0x0b); // br 0; end loop; end block
  }
  body(): number[] {
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const b = [...vec(groups.map(([n, t]) => [...uleb(n!), t!])), ...this.code, 0x0b];
    return [...uleb(b.length), ...b];
  }
}

const SORT4: [number, number][] = [
  [0, 1],
  [2, 3],
  [0, 2],
  [1, 3],
  [1, 2],
];

/**
 * median5(src, srcStride, tmp, dst, dstStride, rowBytes, height): two output rows per step
 * (see detect-median-network.ts). `src` is padded by two replicated pixels left and right, two
 * replicated rows on top and three below; `dst` has room for one row more than `height`.
 */
function median5Fn(): Fn {
  const f = new Fn(7);
  const [src, stride, tmp, dst, dstStride, rowBytes, height] = [0, 1, 2, 3, 4, 5, 6];
  const y = f.local(I32);
  const j = f.local(I32);
  const p = f.local(I32);
  const q = f.local(I32);
  const padded = f.local(I32);
  const t = [0, 1, 2, 3].map(() => f.local(I32));
  const e0 = f.local(I32);
  const e1 = f.local(I32);
  const out = f.local(I32);
  const v = Array.from({ length: 4 }, () => f.local(V128));
  const shared = sharedNetwork();
  const finish = finishNetwork();
  const sv = Array.from({ length: shared.values }, () => f.local(V128));
  const fv = Array.from({ length: finish.values }, () => f.local(V128));

  const emit = (net: typeof shared, vals: number[]) => {
    for (const op of net.ops) {
      f.get(vals[op.a]!);
      f.get(vals[op.b]!);
      if (op.kind === "min") f.vmin();
      else f.vmax();
      f.set(vals[op.out]!);
    }
  };
  /** finish one output row: extras from the source row at `e`, result stored at `at` */
  const finishRow = (e: number, at: () => void) => {
    shared.results.forEach((r, i) => {
      f.get(sv[r]!);
      f.set(fv[i]!);
    });
    for (let c = 0; c < 5; c++) {
      f.get(e);
      f.vload(3 * c);
      f.set(fv[6 + c]!);
    }
    emit(finish, fv);
    at();
    f.get(fv[finish.results[0]!]!);
    f.vstore();
  };

  f.get(rowBytes);
  f.i32(12);
  f.add();
  f.set(padded);
  f.i32(0);
  f.set(y);
  f.loopWhileLt(y, height, () => {
    // stage A: sort the four shared rows (padded rows y+1..y+4) down each column into tmp
    f.i32(0);
    f.set(j);
    f.loopWhileLt(j, padded, () => {
      f.get(src);
      f.get(y);
      f.i32(1);
      f.add();
      f.get(stride);
      f.mul();
      f.add();
      f.get(j);
      f.add();
      f.set(p);
      for (let r = 0; r < 4; r++) {
        f.get(p);
        f.vload();
        f.set(v[r]!);
        if (r < 3) f.inc(p, () => f.get(stride));
      }
      for (const [a, b] of SORT4) {
        f.get(v[a]!);
        f.get(v[b]!);
        f.vmin();
        f.get(v[a]!);
        f.get(v[b]!);
        f.vmax();
        f.set(v[b]!);
        f.set(v[a]!);
      }
      f.get(tmp);
      f.get(j);
      f.add();
      f.set(q);
      for (let r = 0; r < 4; r++) {
        f.get(q);
        f.get(v[r]!);
        f.vstore();
        if (r < 3) f.inc(q, () => f.get(stride));
      }
      f.inc(j, 16);
    });
    // stage B: per 16 output bytes, the shared ranks once, then each row's own finish
    for (let r = 0; r < 4; r++) {
      f.get(tmp);
      f.get(stride);
      f.i32(r);
      f.mul();
      f.add();
      f.set(t[r]!);
    }
    f.get(src);
    f.get(y);
    f.get(stride);
    f.mul();
    f.add();
    f.set(e0); // padded row y: output row y's own top row
    f.get(e0);
    f.get(stride);
    f.i32(5);
    f.mul();
    f.add();
    f.set(e1); // padded row y+5: output row y+1's own bottom row
    f.get(dst);
    f.get(y);
    f.get(dstStride);
    f.mul();
    f.add();
    f.set(out);
    // from the last 16-byte step down to the first: a step's store runs up to 15 bytes past
    // its row, into the start of the next row, which is then written after it
    f.get(rowBytes);
    f.i32(1);
    f.op(0x6b); // i32.sub
    f.i32(~15);
    f.and();
    f.set(j);
    f.op(0x03, 0x40); // loop
    for (let c = 0; c < 5; c++) {
      for (let r = 0; r < 4; r++) {
        f.get(t[r]!);
        f.get(j);
        f.add();
        f.vload(3 * c);
        f.set(sv[4 * c + r]!);
      }
    }
    emit(shared, sv);
    f.get(e0);
    f.get(j);
    f.add();
    f.set(p);
    f.get(e1);
    f.get(j);
    f.add();
    f.set(q);
    // row y, then row y + 1: a store may run past its row into the next ones, which are
    // always written after it (rows narrower than 16 bytes included)
    finishRow(p, () => {
      f.get(out);
      f.get(j);
      f.add();
    });
    finishRow(q, () => {
      f.get(out);
      f.get(dstStride);
      f.add();
      f.get(j);
      f.add();
    });
    f.get(j);
    f.i32(16);
    f.op(0x6b); // i32.sub
    f.tee(j);
    f.i32(0);
    f.op(0x4e); // i32.ge_s
    f.op(0x0d, 0); // br_if 0 (continue the loop)
    f.op(0x0b); // end loop
    f.inc(y, 2);
  });
  return f;
}

/**
 * histograms(ptr, pixels4, hist): for 4 * pixels4 interleaved BGR pixels, hist[s][c][value] += 1
 * (u32), s = pixel index mod 4: four sets, so runs of equal values (the whole background) do
 * not wait on the previous increment's store.
 */
function histogramsFn(): Fn {
  const f = new Fn(3);
  const [ptr, pixels4, hist] = [0, 1, 2];
  const i = f.local(I32);
  const a = f.local(I32);
  f.loopWhileLt(i, pixels4, () => {
    for (let s = 0; s < 4; s++) {
      for (let c = 0; c < 3; c++) {
        // a = hist + value * 4; then hist[s * 3072 + c * 1024 + a]++
        f.get(ptr);
        f.load8(3 * s + c);
        f.i32(2);
        f.shl();
        f.get(hist);
        f.add();
        f.tee(a);
        f.get(a);
        f.load32(s * 3072 + c * 1024);
        f.i32(1);
        f.add();
        f.store32(s * 3072 + c * 1024);
      }
    }
    f.inc(ptr, 12);
    f.inc(i, 1);
  });
  return f;
}

/**
 * candidates(ptr, blocks, lut, list, pat) -> count. Over `blocks` blocks of 16 pixels (48
 * bytes), a quick SIMD test first: is any byte of one chosen channel inside that channel's
 * candidate range (per-lane low bound, width and channel mask at `pat`, for the three 16-byte
 * thirds of a block)? Only such blocks get the exact per-pixel test: the pixel's three values
 * have a common layer bit in `lut` (3 x 256 u32). Pixel indices go to `list`.
 */
function candidatesFn(): Fn {
  const f = new Fn(5);
  const [ptr, blocks, lut, list, pat] = [0, 1, 2, 3, 4];
  const i = f.local(I32);
  const n = f.local(I32);
  const k = f.local(I32);
  const q = f.local(I32);
  const pix = f.local(I32);
  const sixteen = f.local(I32);
  const lo = [0, 1, 2].map(() => f.local(V128));
  const width = [0, 1, 2].map(() => f.local(V128));
  const mask = [0, 1, 2].map(() => f.local(V128));
  for (let t = 0; t < 3; t++) {
    f.get(pat);
    f.vload(48 * t);
    f.set(lo[t]!);
    f.get(pat);
    f.vload(48 * t + 16);
    f.set(width[t]!);
    f.get(pat);
    f.vload(48 * t + 32);
    f.set(mask[t]!);
  }
  f.i32(16);
  f.set(sixteen);
  f.loopWhileLt(i, blocks, () => {
    for (let t = 0; t < 3; t++) {
      // (value - lo) <= width, unsigned, on the chosen channel's lanes
      f.get(ptr);
      f.vload(16 * t);
      f.get(lo[t]!);
      f.op(0xfd, 0x71); // i8x16.sub
      f.get(width[t]!);
      f.op(0xfd, 0x2a); // i8x16.le_u
      f.get(mask[t]!);
      f.op(0xfd, 0x4e); // v128.and
      if (t > 0) f.op(0xfd, 0x50); // v128.or
    }
    f.op(0xfd, 0x53); // v128.any_true
    f.op(0x04, 0x40); // if
    f.get(ptr);
    f.set(q);
    f.i32(0);
    f.set(k);
    f.loopWhileLt(k, sixteen, () => {
      for (let c = 0; c < 3; c++) {
        f.get(q);
        f.load8(c);
        f.i32(2);
        f.shl();
        f.get(lut);
        f.add();
        f.load32(c * 1024);
        if (c > 0) f.and();
      }
      f.op(0x04, 0x40); // if
      f.get(list);
      f.get(n);
      f.i32(2);
      f.shl();
      f.add();
      f.get(pix);
      f.get(k);
      f.add();
      f.store32();
      f.inc(n, 1);
      f.op(0x0b); // end if
      f.inc(q, 3);
      f.inc(k, 1);
    });
    f.op(0x0b); // end if
    f.inc(ptr, 48);
    f.inc(pix, 16);
    f.inc(i, 1);
  });
  f.get(n);
  return f;
}

/**
 * swap3(ptr, blocks): swap bytes 0 and 2 of every 3-byte pixel, in place, over `blocks`
 * 48-byte blocks (RGB <-> BGR): three loads, four shuffles, three stores per 16 pixels.
 */
function swap3Fn(): Fn {
  const f = new Fn(2);
  const [ptr, blocks] = [0, 1];
  const i = f.local(I32);
  const [a, b, c, t] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const src = (k: number) => k - 2 * (k % 3) + 2; // source byte of output byte k in the block
  const pick = (from: number, lanes: number) =>
    Array.from({ length: 16 }, (_, l) => {
      const k = src(from + l) - lanes;
      return k >= 0 && k < 32 ? k : 0;
    });
  f.loopWhileLt(i, blocks, () => {
    f.get(ptr);
    f.vload(0);
    f.set(a);
    f.get(ptr);
    f.vload(16);
    f.set(b);
    f.get(ptr);
    f.vload(32);
    f.set(c);
    // bytes 0..15 come from a ++ b
    f.get(ptr);
    f.get(a);
    f.get(b);
    f.shuffle(pick(0, 0));
    f.vstore(0);
    // bytes 16..31 come from a ++ b (sources 15..31) and c (source 32 -> output 30)
    f.get(a);
    f.get(b);
    f.shuffle(pick(16, 0));
    f.set(t);
    f.get(ptr);
    f.get(t);
    f.get(c);
    f.shuffle(
      Array.from({ length: 16 }, (_, l) => (src(16 + l) >= 32 ? 16 + src(16 + l) - 32 : l)),
    );
    f.vstore(16);
    // bytes 32..47 come from b ++ c
    f.get(ptr);
    f.get(b);
    f.get(c);
    f.shuffle(pick(32, 16));
    f.vstore(32);
    f.inc(ptr, 48);
    f.inc(i, 1);
  });
  return f;
}

function assemble(): Uint8Array {
  const fns = [
    { name: "median5", fn: median5Fn(), results: [] as number[] },
    { name: "histograms", fn: histogramsFn(), results: [] as number[] },
    { name: "candidates", fn: candidatesFn(), results: [I32] },
    { name: "swap3", fn: swap3Fn(), results: [] as number[] },
  ];
  const types = fns.map(({ fn, results }) => [
    0x60,
    ...vec(Array.from({ length: fn.params }, () => [I32])),
    ...vec(results.map((r) => [r])),
  ]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vec([
        [...str("mem"), 0x02, 0x00],
        ...fns.map(({ name }, i) => [...str(name), 0x00, ...uleb(i)]),
      ]),
    ),
    ...section(10, vec(fns.map(({ fn }) => fn.body()))),
  ];
  return Uint8Array.from(bytes);
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

interface Exports {
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
function kernels(): Exports {
  if (!instance) {
    const module = new wasm.Module(assemble());
    instance = new wasm.Instance(module, {}).exports as Exports;
  }
  return instance;
}

const align = (n: number) => (n + 63) & ~63;

/** Working memory laid out for one image size; views are valid until the next call. */
function layout(width: number, height: number) {
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

/** Byte offsets of B, G and R within a pixel: [0, 1, 2] for BGR data, [2, 1, 0] for RGB. */
export type ChannelOffsets = readonly [number, number, number];
export const BGR: ChannelOffsets = [0, 1, 2];
export const RGB: ChannelOffsets = [2, 1, 0];

export interface MedianAndHistograms {
  /**
   * The median-filtered image in the input's channel order (a view into the kernels' memory:
   * valid until the next call on this thread).
   */
  median: Uint8Array;
  /** where B, G and R sit in each pixel of `median` */
  offsets: ChannelOffsets;
  /** B, G and R histograms of the median image */
  histograms: [Uint32Array, Uint32Array, Uint32Array];
  /** pixel indices whose B, G, R values all share a bit in `luts` (B, G, R lookup tables) */
  candidates(luts: readonly [Uint32Array, Uint32Array, Uint32Array]): Int32Array;
}

/**
 * 5x5 median (replicated border) of an interleaved 3-channel image, and its channel
 * histograms. The filter treats channels alike, so RGB input ("rgb") is filtered as it is and
 * the offsets say where each channel sits: no swap needed.
 */
export function medianAndHistograms(
  bgr: Uint8Array,
  width: number,
  height: number,
  order: "bgr" | "rgb" = "bgr",
): MedianAndHistograms {
  const L = layout(width, height);
  const { k, rowBytes, stride } = L;
  const mem = new Uint8Array(k.mem.buffer);
  // padded copy: 2 replicated pixels left and right, 2 replicated rows on top and 3 below
  // (the third for the row pair of an odd last row)
  for (let py = 0; py < height + 5; py++) {
    const sy = py < 2 ? 0 : py >= height + 2 ? height - 1 : py - 2;
    const row = bgr.subarray(sy * rowBytes, sy * rowBytes + rowBytes);
    const at = L.src + py * stride;
    mem.set(row, at + 6);
    for (let c = 0; c < 3; c++) {
      const first = row[c]!;
      const last = row[rowBytes - 3 + c]!;
      mem[at + c] = first;
      mem[at + 3 + c] = first;
      mem[at + 6 + rowBytes + c] = last;
      mem[at + 9 + rowBytes + c] = last;
    }
  }
  k.median5(L.src, stride, L.tmp, L.dst, rowBytes, rowBytes, height);
  const buf = k.mem.buffer;
  const sets = new Uint32Array(buf, L.hist, 4 * 768);
  sets.fill(0);
  const pixels = width * height;
  const four = pixels >> 2;
  k.histograms(L.dst, four, L.hist);
  const hist: [Uint32Array, Uint32Array, Uint32Array] = [
    new Uint32Array(256),
    new Uint32Array(256),
    new Uint32Array(256),
  ];
  for (let c = 0; c < 3; c++) {
    const h = hist[c]!;
    for (let v = 0; v < 256; v++) {
      const at = c * 256 + v;
      h[v] = sets[at]! + sets[768 + at]! + sets[1536 + at]! + sets[2304 + at]!;
    }
  }
  const median = new Uint8Array(buf, L.dst, rowBytes * height);
  for (let p = four * 4; p < pixels; p++) {
    for (let c = 0; c < 3; c++) hist[c]![median[3 * p + c]!]!++;
  }
  const offsets = order === "rgb" ? RGB : BGR;
  // channel m of the memory layout holds colour byChannel[m] (0 = B, 1 = G, 2 = R)
  const byChannel = [0, 1, 2].map((m) => offsets.indexOf(m));
  return {
    median,
    offsets,
    histograms: [hist[offsets[0]]!, hist[offsets[1]]!, hist[offsets[2]]!],
    candidates(bgrLuts) {
      const luts = byChannel.map((colour) => bgrLuts[colour]!);
      const lut = new Uint32Array(buf, L.lut, 768);
      lut.set(luts[0]!, 0);
      lut.set(luts[1]!, 256);
      lut.set(luts[2]!, 512);
      // the block test watches one channel: the one whose candidate range [lo, hi] holds the
      // fewest pixels (the histogram says how many)
      let best = -1;
      let bestCount = Number.POSITIVE_INFINITY;
      const ranges: [number, number][] = [];
      for (let c = 0; c < 3; c++) {
        const l = luts[c]!;
        let lo = 0;
        while (lo < 256 && l[lo] === 0) lo++;
        let hi = 255;
        while (hi >= 0 && l[hi] === 0) hi--;
        ranges.push([lo, hi]);
        if (lo > hi) return new Int32Array(0); // no value of this channel can be a layer
        let count = 0;
        for (let v = lo; v <= hi; v++) count += hist[c]![v]!;
        if (count < bestCount) {
          bestCount = count;
          best = c;
        }
      }
      const [lo, hi] = ranges[best]!;
      const pattern = new Uint8Array(buf, L.pat, 144);
      for (let t = 0; t < 3; t++) {
        for (let lane = 0; lane < 16; lane++) {
          const mine = (16 * t + lane) % 3 === best;
          pattern[48 * t + lane] = lo;
          pattern[48 * t + 16 + lane] = hi - lo;
          pattern[48 * t + 32 + lane] = mine ? 0xff : 0;
        }
      }
      const blocks = Math.floor(pixels / 16);
      let n = k.candidates(L.dst, blocks, L.lut, L.list, L.pat);
      const list = new Int32Array(buf, L.list, pixels);
      for (let p = blocks * 16; p < pixels; p++) {
        if (
          (lut[median[3 * p]!]! &
            lut[256 + median[3 * p + 1]!]! &
            lut[512 + median[3 * p + 2]!]!) !==
          0
        ) {
          list[n++] = p;
        }
      }
      return list.subarray(0, n);
    },
  };
}

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

/**
 * Run the kernels a few times on a small image, so that a fresh thread's first real image
 * finds them compiled by the optimising tier (V8 starts WebAssembly on its baseline compiler,
 * about twice as slow here, and tiers up functions once they have run enough).
 */
export function warmUpKernels(): void {
  const side = 256;
  const image = new Uint8Array(side * side * 3);
  for (let i = 0; i < image.length; i++) image[i] = (i * 7919) % 251;
  const none = new Uint32Array(256);
  for (let i = 0; i < 3; i++)
    medianAndHistograms(image, side, side, "rgb").candidates([none, none, none]);
}
