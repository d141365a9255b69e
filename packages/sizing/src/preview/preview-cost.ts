import { DEFAULT_REGION, priceBook } from "../pricing/catalog.js";
import { roundUSD } from "../pricing/pricing.js";
import {
  type PreviewDigest,
  parsePreviewDigest,
  type ResourceChange,
  resourceChanges,
} from "./digest.js";
import { type PriceResult, priceWorld, type WorldResource } from "./price-resources.js";

export interface PreviewCostOptions {
  /** Default: the preview's own `aws:region` config, else the sizing default. */
  region?: string;
  /** S3 Standard storage a month across the buckets, GB (default 0: a preview cannot know it). */
  s3GB?: number;
}

export interface PreviewResourceCost {
  urn: string;
  type: string;
  op: string;
  /** After the deployment (0 for a delete). */
  monthlyUSD: number;
  /** After minus before. */
  monthlyDeltaUSD: number;
  detail: string;
}

export interface PreviewCost {
  /** Everything priced, after the deployment (unchanged resources included). */
  monthlyUSD: number;
  /** What the deployment adds (negative: saves) a month. */
  monthlyDeltaUSD: number;
  resources: PreviewResourceCost[];
  unpriced: { urn: string; type: string; reason: string }[];
  region: string;
  pricesAsOf: string;
}

function side(changes: readonly ResourceChange[], which: "before" | "after"): WorldResource[] {
  return changes.flatMap((c) => {
    const state = c[which];
    return state ? [{ urn: c.urn, state }] : [];
  });
}

const isPriced = (r: PriceResult | undefined): r is { monthlyUSD: number; detail: string } =>
  r !== undefined && "monthlyUSD" in r;

/** Price a parsed preview digest: each resource before and after, and the difference. */
export function priceDigest(
  digest: PreviewDigest & { steps: NonNullable<PreviewDigest["steps"]> },
  opts: PreviewCostOptions = {},
): PreviewCost {
  const region = opts.region ?? digest.config?.["aws:region"] ?? DEFAULT_REGION;
  const book = priceBook(region);
  const s3GB = opts.s3GB ?? 0;
  const changes = resourceChanges(digest.steps);
  const before = priceWorld(side(changes, "before"), { region, s3GB });
  const after = priceWorld(side(changes, "after"), { region, s3GB });
  const resources: PreviewResourceCost[] = [];
  const unpriced: PreviewCost["unpriced"] = [];
  for (const c of changes) {
    const b = before.get(c.urn);
    const a = after.get(c.urn);
    const failed = [b, a].find((r) => r !== undefined && !isPriced(r));
    if (failed && "unpriced" in failed) {
      unpriced.push({ urn: c.urn, type: c.type, reason: failed.unpriced });
      continue;
    }
    const monthlyUSD = isPriced(a) ? a.monthlyUSD : 0;
    const delta = monthlyUSD - (isPriced(b) ? b.monthlyUSD : 0);
    const detail = isPriced(a) ? a.detail : isPriced(b) ? `removes ${b.detail}` : "";
    resources.push({
      urn: c.urn,
      type: c.type,
      op: c.op,
      monthlyUSD: roundUSD(monthlyUSD),
      monthlyDeltaUSD: roundUSD(delta),
      detail: c.op === "replace" && isPriced(b) ? `${detail} (replaces ${b.detail})` : detail,
    });
  }
  return {
    monthlyUSD: roundUSD(resources.reduce((s, r) => s + r.monthlyUSD, 0)),
    monthlyDeltaUSD: roundUSD(resources.reduce((s, r) => s + r.monthlyDeltaUSD, 0)),
    resources,
    unpriced,
    region,
    pricesAsOf: book.asOf,
  };
}

/** Parse and price the text `pulumi preview --json` printed. */
export function previewCost(text: string, opts: PreviewCostOptions = {}): PreviewCost {
  return priceDigest(parsePreviewDigest(text), opts);
}
