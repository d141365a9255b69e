import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/server.js";
import { form, postForm, startTestServer, synthImage } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`web.e2e.test: skipped, no Chromium at ${CHROMIUM} (CI installs Debian's chromium)`);

describe.skipIf(!hasChromium)("the web page in headless Chromium", () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(() => srv.shutdown());

  it("upload a synthetic image, choose a model, see the overlay and the flake table", async () => {
    const jpeg = await synthImage({ width: 640, height: 480, seed: 21 });
    const expected = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "s.jpg" }, customer_id: "web" }),
    );
    expect(expected.status).toBe(200);
    // The table check below means something only if the image has flakes to list.
    expect(expected.body.flakes.length).toBeGreaterThan(0);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on("requestfailed", (r) => failed.push(r.url()));
      page.on("pageerror", (e) => failed.push(e.message));
      await page.goto(srv.url);
      await page.waitForSelector('#model[data-ready="true"]');
      const models = await page.$$eval("#model option", (opts) =>
        opts.map((o) => (o as unknown as { value: string }).value),
      );
      expect(models).toContain("GMM-Graphene");
      await page.selectOption("#model", "GMM-Graphene");
      await page.setInputFiles("#image", {
        name: "synthetic.jpg",
        mimeType: "image/jpeg",
        buffer: jpeg,
      });
      await page.click("#submit");
      await page.waitForSelector('body[data-done="true"]');

      const rows = await page.$$eval("#flakes tbody tr", (trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
      );
      expect(rows.length).toBe(expected.body.flakes.length);
      expect(rows.map((r) => [r[1], Number(r[2])])).toEqual(
        expected.body.flakes.map((f: { thickness: string; size: number }) => [f.thickness, f.size]),
      );
      const overlay = await page.$eval("#overlay", (img) => {
        const i = img as unknown as { naturalWidth: number; naturalHeight: number; src: string };
        return { w: i.naturalWidth, h: i.naturalHeight, src: i.src.slice(0, 22) };
      });
      expect(overlay).toEqual({ w: 640, h: 480, src: "data:image/png;base64," });
      expect(await page.textContent("#status")).toMatch(/flake\(s\) in 640x480 with GMM-Graphene/);
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
