import type { Config } from "./config.js";
import { DETECT_PATH } from "./contract.js";

/**
 * The plain start line besides the JSON log: the address really bound, one that works from
 * here, and a ready curl; plus a warning when anyone who can reach the port could change the
 * models (all interfaces, no keys, uploads on).
 */
export function startBanner(config: Config, url: string, bound: string): string {
  const auth = config.apiKeys.size + config.adminKeys.size > 0;
  const key = auth ? ' -H "X-API-Key: <your key>"' : "";
  const lines = [
    `flakeops-api listening on ${bound}${bound === url ? "" : ` (from this host: ${url})`}`,
    `  try: curl${key} -F image=@flake.jpg -F customer_id=test ${url}${DETECT_PATH}`,
  ];
  const everywhere = /^http:\/\/(0\.0\.0\.0|\[::\]):/.test(bound);
  if (everywhere && !auth && config.allowModelUploads) {
    lines.push(
      "  WARNING: bound to all interfaces with auth off and FLAKEOPS_ALLOW_MODEL_UPLOADS=true:",
      "  anyone who reaches this port can add and delete models. Set FLAKEOPS_API_KEYS, or HOST=127.0.0.1.",
    );
  }
  return `${lines.join("\n")}\n`;
}
