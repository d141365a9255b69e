import { finishNetwork, sharedNetwork } from "./median-network.js";
import { Fn, I32, V128 } from "./wasm-writer.js";

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
export function median5Fn(): Fn {
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
export function histogramsFn(): Fn {
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
export function candidatesFn(): Fn {
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
export function swap3Fn(): Fn {
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
