/**
 * A comparator network for the median of a 5x5 window whose five columns are already sorted
 * (the vertical sorts are shared between horizontally neighbouring windows).
 *
 * Built once at load time: Batcher's odd-even merge sort on 64 wires, each sorted column in
 * its own block of 8 wires with -infinity below it and +infinity above (the placement below
 * was found by a search for the smallest result: 124 min/max instead of 140 for the plain one);
 * comparators that never exchange for any input with sorted columns are dropped (checked
 * exhaustively on the 6^5 0-1 inputs with sorted columns, which by the 0-1 principle covers
 * every input), comparators against a known infinity become renamings, and only what the 13th
 * smallest real value depends on is kept.
 */

/** Column c sits in block BLOCK[c] of 8 wires, above BELOW[c] wires of -infinity. */
const BLOCK = [6, 0, 7, 5, 3] as const;
const BELOW = [0, 3, 0, 0, 3] as const;

export type Op =
  /** out = min(a, b) or max(a, b) of earlier values (0..24 are the inputs: column c, rank r at 5c + r) */
  { kind: "min" | "max"; a: number; b: number; out: number };

export interface MedianNetwork {
  ops: Op[];
  /** value holding the median */
  result: number;
  /** number of values (inputs + ops) */
  values: number;
}

function batcher64(): [number, number][] {
  const pairs: [number, number][] = [];
  const n = 64;
  for (let p = 1; p < n; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < n; j += 2 * k) {
        for (let i = 0; i < Math.min(k, n - j - k); i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) {
            pairs.push([i + j, i + j + k]);
          }
        }
      }
    }
  }
  return pairs;
}

export function buildMedianNetwork(): MedianNetwork {
  // 0-1 inputs with sorted columns: column c has z_c zeros on top (z_c in 0..5)
  const cases = 6 ** 5;
  const words = Math.ceil(cases / 32);
  const bits: Uint32Array[] = []; // per value
  for (let c = 0; c < 5; c++) {
    for (let r = 0; r < 5; r++) {
      const b = new Uint32Array(words);
      for (let t = 0; t < cases; t++) {
        const zeros = Math.floor(t / 6 ** c) % 6;
        if (r >= zeros) b[t >> 5]! |= 1 << (t & 31); // value 1 below the zeros
      }
      bits.push(b);
    }
  }
  const INF = -1;
  const NEG_INF = -2;
  const wire: number[] = new Array(64).fill(INF);
  let negatives = 0;
  for (let c = 0; c < 5; c++) {
    const at = 8 * BLOCK[c]!;
    for (let q = 0; q < BELOW[c]!; q++) wire[at + q] = NEG_INF;
    negatives += BELOW[c]!;
    for (let r = 0; r < 5; r++) wire[at + BELOW[c]! + r] = 5 * c + r;
  }

  const ops: Op[] = [];
  for (const [i, j] of batcher64()) {
    const a = wire[i]!;
    const b = wire[j]!;
    if (b === INF || a === NEG_INF) continue; // already in order
    if (a === INF || b === NEG_INF) {
      wire[i] = b; // a known exchange: a renaming, no instruction
      wire[j] = a;
      continue;
    }
    const ba = bits[a]!;
    const bb = bits[b]!;
    let swaps = false;
    for (let w = 0; w < words; w++) {
      if (ba[w]! & ~bb[w]!) {
        swaps = true;
        break;
      }
    }
    if (!swaps) continue;
    const lo = bits.length;
    const hi = lo + 1;
    bits.push(ba.map((x, w) => x & bb[w]!));
    bits.push(ba.map((x, w) => x | bb[w]!));
    ops.push({ kind: "min", a, b, out: lo }, { kind: "max", a, b, out: hi });
    wire[i] = lo;
    wire[j] = hi;
  }
  // the 13th smallest of the 25 real values sits above the -infinities
  const result = wire[12 + negatives]!;
  const needed = new Set<number>([result]);
  const kept: Op[] = [];
  for (let k = ops.length - 1; k >= 0; k--) {
    const op = ops[k]!;
    if (!needed.has(op.out)) continue;
    needed.add(op.a);
    needed.add(op.b);
    kept.push(op);
  }
  kept.reverse();
  // renumber values densely: inputs keep 0..24
  const map = new Map<number, number>();
  for (let v = 0; v < 25; v++) map.set(v, v);
  const dense = kept.map((op) => {
    const out = map.size;
    map.set(op.out, out);
    return { kind: op.kind, a: map.get(op.a)!, b: map.get(op.b)!, out };
  });
  return { ops: dense, result: map.get(result)!, values: map.size };
}

/** Evaluate the network on one window (for tests): cols[c][r] sorted ascending per column. */
export function evalMedianNetwork(net: MedianNetwork, inputs: ArrayLike<number>): number {
  const v = new Float64Array(net.values);
  for (let i = 0; i < 25; i++) v[i] = inputs[i]!;
  for (const op of net.ops) {
    v[op.out] = op.kind === "min" ? Math.min(v[op.a]!, v[op.b]!) : Math.max(v[op.a]!, v[op.b]!);
  }
  return v[net.result]!;
}
