/** Figures of one metric series: percentiles, coverage and trend; and the CSV field splitter. */

export interface MetricStats {
  /** Datapoints behind the figures (0 when the file gave percentiles). */
  count: number;
  p95: number;
  /** Compute Optimizer's default statistic; the p95 where a summary gave no p99. */
  p99: number;
  max: number;
  /** Mean of the datapoints, where known: what T3 surplus is charged on. */
  mean?: number;
  /** Distinct clock hours holding a datapoint (a summary: its days x 24). */
  hoursCovered: number;
  /** Least-squares trend, percentage points per day, where datapoints are timed. */
  trendPerDay?: number;
  /** The latest datapoint's value. */
  last?: number;
}

/** Linear-interpolated percentile (numpy's default) of values sorted ascending. */
function percentile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Figures of one series; `at` (epoch ms per value) adds coverage and trend. */
export function statsOf(values: readonly number[], at?: readonly number[]): MetricStats {
  const sorted = [...values].sort((a, b) => a - b);
  const stats: MetricStats = {
    count: sorted.length,
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1)!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    hoursCovered: at ? new Set(at.map((t) => Math.floor(t / HOUR_MS))).size : 0,
  };
  if (at && at.length >= 2) {
    const n = at.length;
    const mt = at.reduce((a, b) => a + b, 0) / n;
    const mv = values.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += (at[i]! - mt) * (values[i]! - mv);
      den += (at[i]! - mt) ** 2;
    }
    if (den > 0) stats.trendPerDay = (num / den) * DAY_MS;
    let latest = 0;
    for (let i = 1; i < n; i++) if (at[i]! > at[latest]!) latest = i;
    stats.last = values[latest]!;
  }
  return stats;
}

/**
 * One CSV record's fields as RFC 4180 quotes them ("a,b" is one field, "" inside quotes is a
 * quote); undefined when a quote is left open.
 */
export function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (c === ",") {
      fields.push(field.trim());
      field = "";
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field.trim());
  return fields;
}
