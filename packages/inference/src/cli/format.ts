import Table from "cli-table3";
import type { Flake } from "../flake.js";

/** Readable tables for a terminal; --json prints the data itself instead. */

const plain = { style: { head: [], border: [] } };

export function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

export function flakeTable(flakes: readonly Flake[]): string {
  const table = new Table({
    ...plain,
    head: [
      "#",
      "layer",
      "size px",
      "center x,y",
      "sides px",
      "aspect",
      "contrast b,g,r",
      "fp prob",
      "entropy",
    ],
  });
  flakes.forEach((f, i) => {
    table.push([
      String(i + 1),
      f.thickness,
      String(f.size),
      `${f.center[0]},${f.center[1]}`,
      `${fixed(f.min_sidelength, 1)} x ${fixed(f.max_sidelength, 1)}`,
      fixed(f.aspect_ratio, 2),
      f.mean_contrast.map((c) => fixed(c, 3)).join(","),
      fixed(f.false_positive_probability, 3),
      fixed(f.entropy, 2),
    ]);
  });
  return table.toString();
}

export function keyValueTable(rows: [string, string][]): string {
  const table = new Table(plain);
  for (const [k, v] of rows) table.push({ [k]: v });
  return table.toString();
}
