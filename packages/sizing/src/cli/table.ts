import Table from "cli-table3";

export function newTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

/** An hourly price, to the tenth of a cent and no trailing zeros: "$0.0832". */
export const hourly = (v: number): string => `$${Number(v.toFixed(4))}`;

/** The table, then one "<label>: <line>" per note. */
export function withNotes(table: string, lines: readonly string[], label = "warning"): string {
  return [table, ...lines.map((l) => `${label}: ${l}`)].join("\n");
}
