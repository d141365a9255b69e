/**
 * Comparator networks for the 5x5 median, computed two output rows at a time (after the
 * separable-sorting-network idea of A. Adams, "Fast median filters using separable sorting
 * networks", ACM TOG 40(4), 2021): the windows of rows y and y + 1 share four rows. Sort those
 * four rows down each column (shared by both outputs and by five horizontal positions), then:
 *
 *  - SHARED: from the five sorted 4-columns (20 values), the 8th to 13th smallest. The median
 *    of 25 = those 20 + the window's own fifth row lies among them: the 7 smaller shared
 *    values are below it whatever the extra row holds, and the 7 larger ones above it.
 *  - FINISH: the median of those 6 (sorted) and the window's own 5 extra values: its 6th
 *    smallest of 11. Run once for row y (extra row y - 2) and once for row y + 1 (row y + 3).
 *
 * Each network is built at load time: Batcher's odd-even merge sort on padded wires (sorted
 * groups in blocks, -infinity below, +infinity above; placements found by a search for the
 * fewest operations), comparators that never exchange on any input consistent with the sorted
 * groups dropped (checked exhaustively on all 0-1 inputs with sorted groups, which by the 0-1
 * principle covers every input), exchanges against an infinity turned into renamings, and only
 * what the wanted ranks depend on kept. The builder checks its result on every 0-1 input.
 */

export interface Op {
  kind: "min" | "max";
  a: number;
  b: number;
  out: number;
}

export interface SelectionNetwork {
  ops: Op[];
  /** value ids of the wanted ranks, in ascending rank order */
  results: number[];
  /** number of values (inputs first, then one per op) */
  values: number;
  inputs: number;
}

interface Group {
  size: number;
  /** block of `blockSize` wires the group sits in */
  block: number;
  /** wires of -infinity below the group in its block */
  below: number;
}

function batcher(n: number): [number, number][] {
  const pairs: [number, number][] = [];
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

/** 0-1 inputs consistent with the sorted groups, one bit per case, per input value. */
function zeroOneCases(groups: readonly Group[]) {
  let cases = 1;
  for (const g of groups) cases *= g.size + 1;
  const words = Math.ceil(cases / 32);
  const bits: Uint32Array[] = [];
  const zerosTotal = new Int32Array(cases);
  let div = 1;
  for (const g of groups) {
    for (let r = 0; r < g.size; r++) {
      const b = new Uint32Array(words);
      for (let t = 0; t < cases; t++) {
        const zeros = Math.floor(t / div) % (g.size + 1);
        if (r >= zeros) b[t >> 5]! |= 1 << (t & 31);
      }
      bits.push(b);
    }
    for (let t = 0; t < cases; t++) zerosTotal[t]! += Math.floor(t / div) % (g.size + 1);
    div *= g.size + 1;
  }
  return { cases, words, bits, zerosTotal };
}

export function buildSelectionNetwork(spec: {
  wires: number;
  blockSize: number;
  groups: readonly Group[];
  /** ranks wanted (0 = smallest) among the real inputs */
  ranks: readonly number[];
}): SelectionNetwork {
  const { cases, words, bits, zerosTotal } = zeroOneCases(spec.groups);
  const inputs = bits.length;
  const INF = -1;
  const NEG_INF = -2;
  const wire: number[] = new Array(spec.wires).fill(INF);
  let negatives = 0;
  let v = 0;
  for (const g of spec.groups) {
    const at = g.block * spec.blockSize;
    for (let q = 0; q < g.below; q++) wire[at + q] = NEG_INF;
    negatives += g.below;
    for (let r = 0; r < g.size; r++) wire[at + g.below + r] = v++;
  }
  const all: Op[] = [];
  for (const [i, j] of batcher(spec.wires)) {
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
    let exchanges = false;
    for (let w = 0; w < words; w++) {
      if (ba[w]! & ~bb[w]!) {
        exchanges = true;
        break;
      }
    }
    if (!exchanges) continue;
    const lo = bits.length;
    bits.push(ba.map((x, w) => x & bb[w]!));
    bits.push(ba.map((x, w) => x | bb[w]!));
    all.push({ kind: "min", a, b, out: lo }, { kind: "max", a, b, out: lo + 1 });
    wire[i] = lo;
    wire[j] = lo + 1;
  }
  const results = spec.ranks.map((r) => wire[r + negatives]!);
  // verify every wanted rank on every 0-1 input
  results.forEach((value, k) => {
    const rank = spec.ranks[k]!;
    const b = bits[value]!;
    for (let t = 0; t < cases; t++) {
      const got = (b[t >> 5]! >>> (t & 31)) & 1;
      if (got !== (rank >= zerosTotal[t]! ? 1 : 0)) {
        throw new Error(`selection network wrong for rank ${rank} on 0-1 case ${t}`);
      }
    }
  });
  const needed = new Set<number>(results);
  const kept: Op[] = [];
  for (let k = all.length - 1; k >= 0; k--) {
    const op = all[k]!;
    if (!needed.has(op.out)) continue;
    needed.add(op.a);
    needed.add(op.b);
    kept.push(op);
  }
  kept.reverse();
  const map = new Map<number, number>();
  for (let i = 0; i < inputs; i++) map.set(i, i);
  const ops = kept.map((op) => {
    const out = map.size;
    map.set(op.out, out);
    return { kind: op.kind, a: map.get(op.a)!, b: map.get(op.b)!, out };
  });
  return { ops, results: results.map((r) => map.get(r)!), values: map.size, inputs };
}

/** The 8th..13th smallest of five sorted 4-columns (column c, rank r is input 4c + r). */
export function sharedNetwork(): SelectionNetwork {
  const blocks = SHARED_BLOCKS;
  const below = SHARED_BELOW;
  return buildSelectionNetwork({
    wires: 64,
    blockSize: 8,
    groups: blocks.map((block, c) => ({ size: 4, block, below: below[c]! })),
    ranks: [7, 8, 9, 10, 11, 12],
  });
}

/** The 6th smallest of 6 sorted values (inputs 0..5) and 5 others (inputs 6..10). */
export function finishNetwork(): SelectionNetwork {
  return buildSelectionNetwork({
    wires: 16,
    blockSize: 1,
    groups: [
      { size: 6, block: 0, below: 0 },
      ...[7, 8, 9, 10, 11].map((block) => ({ size: 1, block, below: 0 })),
    ],
    ranks: [5],
  });
}

// placements found by a search over blocks and -infinity padding (fewest operations)
const SHARED_BLOCKS = [1, 7, 3, 0, 6] as const;
const SHARED_BELOW = [1, 4, 2, 1, 4] as const;

/** Evaluate a network on numbers (for tests). */
export function evalNetwork(net: SelectionNetwork, inputs: ArrayLike<number>): number[] {
  const v = new Float64Array(net.values);
  for (let i = 0; i < net.inputs; i++) v[i] = inputs[i]!;
  for (const op of net.ops) {
    v[op.out] = op.kind === "min" ? Math.min(v[op.a]!, v[op.b]!) : Math.max(v[op.a]!, v[op.b]!);
  }
  return net.results.map((r) => v[r]!);
}
