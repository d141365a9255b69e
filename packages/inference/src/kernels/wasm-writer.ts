/**
 * A minimal WebAssembly binary writer: LEB128 numbers, sections, a function body builder with
 * named locals, and a module of exported functions over one exported memory. The kernels
 * (wasm-kernels.ts) are written with it at load time.
 */

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

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Function body builder with named locals. */
export class Fn {
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

export interface ModuleFunction {
  name: string;
  fn: Fn;
  /** result types, e.g. [I32]; [] for none */
  results: number[];
}

/** A module exporting `mem` (one memory, one page to start) and each function by name. */
export function assembleModule(fns: readonly ModuleFunction[]): Uint8Array {
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
