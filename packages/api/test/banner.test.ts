import { describe, expect, it } from "vitest";
import { startBanner } from "../src/banner.js";
import { defaultConfig } from "../src/config.js";

describe("the plain start line", () => {
  it("names the address bound, one that works from here, and a ready curl", () => {
    const text = startBanner(defaultConfig(), "http://127.0.0.1:5000", "http://0.0.0.0:5000");
    expect(text).toBe(
      "flakeops-api listening on http://0.0.0.0:5000 (from this host: http://127.0.0.1:5000)\n" +
        "  try: curl -F image=@flake.jpg -F customer_id=test http://127.0.0.1:5000/detect\n",
    );
  });

  it("warns when all interfaces, no auth and uploads on; not when any of them is off", () => {
    const open = defaultConfig({ allowModelUploads: true });
    expect(startBanner(open, "http://127.0.0.1:5000", "http://0.0.0.0:5000")).toMatch(
      /WARNING: bound to all interfaces with auth off/,
    );
    expect(startBanner(open, "http://127.0.0.1:5000", "http://127.0.0.1:5000")).not.toMatch(
      /WARNING/,
    );
    const keyed = defaultConfig({
      allowModelUploads: true,
      apiKeys: new Map([["k".repeat(8), "a"]]),
    });
    const text = startBanner(keyed, "http://127.0.0.1:5000", "http://0.0.0.0:5000");
    expect(text).not.toMatch(/WARNING/);
    expect(text).toMatch(/curl -H "X-API-Key: <your key>"/);
  });
});
