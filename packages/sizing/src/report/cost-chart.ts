import { SizingError } from "../errors.js";
import {
  recommendForWorkload,
  type WorkloadInput,
  type WorkloadRecommendation,
} from "../workload/workload.js";

/**
 * Monthly cost against images/hour for the best candidate types, as one self-contained HTML
 * page (inline SVG, no scripts or outside resources), so it opens anywhere and can be mailed.
 */

export interface CostPoint {
  imagesPerHour: number;
  monthlyUSD: number;
  count: number;
  dominantCost: string;
}

export interface CostSeries {
  instanceType: string;
  points: CostPoint[];
}

export interface CostChart {
  chosen: { instanceType: string; imagesPerHour: number; monthlyUSD: number; dominantCost: string };
  series: CostSeries[];
  breakdown: WorkloadRecommendation["breakdown"];
  currency: string;
  pricesAsOf: string;
}

/** Rates from a tenth to ten times the workload's, evenly on a log scale, with the workload's own. */
function rates(center: number, steps: number): number[] {
  const out = new Set<number>([center]);
  for (let i = 0; i <= steps; i++) {
    out.add(Math.max(1, Math.round(center * 10 ** (-1 + (2 * i) / steps))));
  }
  return [...out].sort((a, b) => a - b);
}

/** The best `candidates` types at the workload's rate, each priced across the rate range. */
export function costChart(
  input: WorkloadInput,
  rec: WorkloadRecommendation,
  meta: { currency: string; pricesAsOf: string },
  candidates = 4,
  steps = 12,
): CostChart {
  const types = [rec, ...rec.alternatives].slice(0, candidates).map((o) => o.instanceType);
  const series: CostSeries[] = types.map((instanceType) => ({ instanceType, points: [] }));
  for (const imagesPerHour of rates(input.imagesPerHour, steps)) {
    let at: WorkloadRecommendation;
    try {
      at = recommendForWorkload({ ...input, imagesPerHour });
    } catch (e) {
      if (e instanceof SizingError && e.code === "UNREACHABLE_TARGET") continue;
      throw e;
    }
    for (const s of series) {
      const o = [at, ...at.alternatives].find((x) => x.instanceType === s.instanceType);
      if (o)
        s.points.push({
          imagesPerHour,
          monthlyUSD: o.monthlyUSD,
          count: o.count,
          dominantCost: o.dominantCost,
        });
    }
  }
  return {
    chosen: {
      instanceType: rec.instanceType,
      imagesPerHour: input.imagesPerHour,
      monthlyUSD: rec.monthlyUSD,
      dominantCost: rec.dominantCost,
    },
    series,
    breakdown: rec.breakdown,
    ...meta,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const term = (k: string) => k.replace(/USD$/, "");
const COLORS = ["#1b6ac9", "#d9480f", "#2b8a3e", "#862e9c", "#5c7cfa", "#e67700"];

export function renderCostChartHtml(chart: CostChart): string {
  const W = 860;
  const H = 480;
  const M = { left: 80, right: 180, top: 30, bottom: 50 };
  const all = chart.series.flatMap((s) => s.points);
  const xs = all.map((p) => Math.log10(p.imagesPerHour));
  const ys = all.map((p) => Math.log10(Math.max(p.monthlyUSD, 1)));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) + 1e-9];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys) + 1e-9];
  const px = (v: number) => M.left + ((Math.log10(v) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (v: number) =>
    H - M.bottom - ((Math.log10(Math.max(v, 1)) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = s.points
      .map(
        (p, j) =>
          `${j ? "L" : "M"}${px(p.imagesPerHour).toFixed(1)},${py(p.monthlyUSD).toFixed(1)}`,
      )
      .join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) {
      parts.push(
        `<circle class="point" cx="${px(p.imagesPerHour).toFixed(1)}" cy="${py(p.monthlyUSD).toFixed(1)}" r="3" fill="${color}" data-type="${escapeHtml(s.instanceType)}" data-images-per-hour="${p.imagesPerHour}" data-monthly-usd="${p.monthlyUSD}" data-count="${p.count}" data-dominant="${term(p.dominantCost)}"><title>${escapeHtml(s.instanceType)}: ${p.count} x at ${p.imagesPerHour} images/h = $${p.monthlyUSD}/month (largest: ${term(p.dominantCost)})</title></circle>`,
      );
    }
    parts.push(
      `<text x="${W - M.right + 10}" y="${M.top + 18 * i}" fill="${color}" font-size="13">${escapeHtml(s.instanceType)}</text>`,
    );
  });
  const c = chart.chosen;
  parts.push(
    `<circle id="chosen" cx="${px(c.imagesPerHour).toFixed(1)}" cy="${py(c.monthlyUSD).toFixed(1)}" r="8" fill="none" stroke="#000" stroke-width="2" data-type="${escapeHtml(c.instanceType)}" data-images-per-hour="${c.imagesPerHour}" data-monthly-usd="${c.monthlyUSD}"><title>chosen: ${escapeHtml(c.instanceType)}, $${c.monthlyUSD}/month</title></circle>`,
  );
  const axis = `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#444"/><line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#444"/><text x="${(W - M.right + M.left) / 2}" y="${H - 12}" text-anchor="middle" font-size="13">images per hour (log scale)</text><text x="16" y="${(H - M.bottom + M.top) / 2}" transform="rotate(-90 16 ${(H - M.bottom + M.top) / 2})" text-anchor="middle" font-size="13">${escapeHtml(chart.currency)} per month (log scale)</text>`;
  const ticks = [...new Set(all.map((p) => p.imagesPerHour))]
    .filter((_, i, a) => i % Math.ceil(a.length / 6) === 0)
    .map(
      (v) =>
        `<text x="${px(v).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${v.toLocaleString("en-US")}</text>`,
    )
    .join("");
  const rows = Object.entries(chart.breakdown)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([k, v]) =>
        `<tr class="term${k === c.dominantCost ? " dominant" : ""}" data-term="${term(k)}"><td>${term(k)}</td><td>$${v.toFixed(2)}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flakeops sizing: monthly cost vs images/hour</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td{padding:2px 12px 2px 0}.dominant{font-weight:bold}</style>
</head><body>
<h1>Monthly cost against images per hour</h1>
<p id="summary">Chosen: <b>${escapeHtml(c.instanceType)}</b> at ${c.imagesPerHour.toLocaleString("en-US")} images/h, $${c.monthlyUSD.toFixed(2)} a month; largest term: <b>${term(c.dominantCost)}</b>. ${escapeHtml(chart.currency)}, prices as of ${escapeHtml(chart.pricesAsOf)}.</p>
<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="monthly cost against images per hour">${axis}${ticks}${parts.join("")}</svg>
<h2>The chosen tier's bill</h2>
<table id="breakdown">${rows}</table>
</body></html>
`;
}
