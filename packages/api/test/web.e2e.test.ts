import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Flake } from "@flakeops/inference";
// The CLI's --csv columns and rows: the page's CSV download must be the same file.
import { CSV_COLUMNS } from "@flakeops/inference";
import { encodeBgr, synthesize } from "@flakeops/inference/tools";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvRows } from "../../inference/src/cli/batch.js";
import type { RunningServer } from "../src/server.js";
import { synthCocoSet } from "./calibrate-fixtures.js";
import { form, getJson, postForm, startTestServer, synthImage } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`web.e2e.test: skipped, no Chromium at ${CHROMIUM} (CI installs Debian's chromium)`);

type ShownFlake = Omit<Flake, "mask">;
/** What the page's window offers to read an element's computed style (no DOM lib here). */
type StyleWindow = { getComputedStyle(el: unknown): { borderTopStyle: string } };

describe.skipIf(!hasChromium)("the web page in headless Chromium", () => {
  let srv: RunningServer;
  let browser: Browser;
  let modelsDir: string;
  let jpeg: Buffer;
  let flakes: ShownFlake[];
  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), "flakeops-web-models-"));
    srv = await startTestServer({ modelsDir, allowModelUploads: true });
    jpeg = await synthImage({ width: 640, height: 480, seed: 21 });
    const expected = await postForm(
      `${srv.url}/detect`,
      form({ image: { bytes: jpeg, filename: "s.jpg" }, customer_id: "web", return_mask: "false" }),
    );
    expect(expected.status).toBe(200);
    flakes = expected.body.flakes;
    browser = await chromium.launch({
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
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.shutdown();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  /** A page with the synthetic image detected; `failed` collects failed requests and page errors. */
  async function detectedPage(): Promise<{ page: Page; failed: string[] }> {
    const page = await browser.newPage({ acceptDownloads: true });
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    page.on("pageerror", (e) => failed.push(e.message));
    await page.goto(srv.url);
    await page.waitForSelector('#model[data-ready="true"]');
    await page.selectOption("#model", "GMM-Graphene");
    await page.setInputFiles("#image", {
      name: "synthetic.jpg",
      mimeType: "image/jpeg",
      buffer: jpeg,
    });
    await page.click("#submit");
    await page.waitForSelector('body[data-done="true"]');
    return { page, failed };
  }

  const rowIds = (page: Page) =>
    page.$$eval("#flakes tbody tr", (trs) =>
      trs.map((tr) => Number(tr.getAttribute("data-flake"))),
    );
  const boxIds = (page: Page) =>
    page.$$eval("#boxes .box", (bs) => bs.map((b) => Number(b.getAttribute("data-flake"))));

  it("upload a synthetic image, choose a model, see the overlay and the flake table", async () => {
    // The table check below means something only if the image has flakes to list.
    expect(flakes.length).toBeGreaterThan(0);
    const { page, failed } = await detectedPage();
    const models = await page.$$eval("#model option", (opts) =>
      opts.map((o) => (o as unknown as { value: string }).value),
    );
    expect(models).toContain("GMM-Graphene");
    const rows = await page.$$eval("#flakes tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
    );
    expect(rows.length).toBe(flakes.length);
    expect(rows.map((r) => [r[1], Number(r[2])])).toEqual(flakes.map((f) => [f.thickness, f.size]));
    const overlay = await page.$eval("#overlay", (img) => {
      const i = img as unknown as { naturalWidth: number; naturalHeight: number; src: string };
      return { w: i.naturalWidth, h: i.naturalHeight, src: i.src.slice(0, 22) };
    });
    expect(overlay).toEqual({ w: 640, h: 480, src: "data:image/png;base64," });
    expect(await page.textContent("#status")).toMatch(/flake\(s\) in 640x480 with GMM-Graphene/);
    expect(failed).toEqual([]);
  });

  it("a clicked row outlines its flake on the image, and a clicked flake selects its row", async () => {
    const { page, failed } = await detectedPage();
    const last = flakes.length - 1;
    await page.click(`#flakes tbody tr[data-flake="${last}"]`);
    expect(await page.$$eval("#flakes tbody tr.selected", (t) => t.length)).toBe(1);
    expect(await page.getAttribute("#flakes tbody tr.selected", "data-flake")).toBe(String(last));
    expect(await page.getAttribute("#boxes .box.selected", "data-flake")).toBe(String(last));
    // The outline lies on the flake's bbox, in the image's displayed scale.
    const img = (await page.locator("#overlay").boundingBox())!;
    const box = (await page.locator("#boxes .box.selected").boundingBox())!;
    const scale = img.width / 640;
    const [x, y, w, h] = flakes[last]!.bbox;
    expect(box.x - img.x).toBeCloseTo(x * scale, 0);
    expect(box.y - img.y).toBeCloseTo(y * scale, 0);
    expect(box.width).toBeCloseTo(w * scale, 0);
    expect(box.height).toBeCloseTo(h * scale, 0);

    // Reverse: a click at the first flake's bbox centre selects the smallest bbox holding it.
    const [fx, fy, fw, fh] = flakes[0]!.bbox;
    const [px, py] = [fx + fw / 2, fy + fh / 2];
    const holding = flakes
      .map((f, i) => ({ i, f }))
      .filter(
        ({ f }) =>
          px >= f.bbox[0] &&
          px < f.bbox[0] + f.bbox[2] &&
          py >= f.bbox[1] &&
          py < f.bbox[1] + f.bbox[3],
      )
      .sort((a, b) => a.f.bbox[2] * a.f.bbox[3] - b.f.bbox[2] * b.f.bbox[3]);
    await page.click("#overlay", { position: { x: px * scale, y: py * scale } });
    expect(await page.getAttribute("#flakes tbody tr.selected", "data-flake")).toBe(
      String(holding[0]!.i),
    );
    expect(failed).toEqual([]);
    await page.close();
  });

  it("filters the table and the outlines by layer, size and FP probability", async () => {
    const { page, failed } = await detectedPage();
    const layers = [...new Set(flakes.map((f) => f.thickness))].sort();
    expect(
      await page.$$eval("#filter-layer option", (os) => os.map((o) => o.getAttribute("value"))),
    ).toEqual(["", ...layers]);
    const ids = (keep: (f: ShownFlake) => boolean) =>
      flakes.flatMap((f, i) => (keep(f) ? [i] : []));

    await page.selectOption("#filter-layer", layers[0]!);
    const byLayer = ids((f) => f.thickness === layers[0]);
    expect(await rowIds(page)).toEqual(byLayer);
    expect(await boxIds(page)).toEqual(byLayer);
    expect(await page.textContent("#filter-count")).toBe(
      `${byLayer.length} of ${flakes.length} flake(s) shown`,
    );

    await page.selectOption("#filter-layer", "");
    const sizes = flakes.map((f) => f.size).sort((a, b) => a - b);
    const mid = sizes[Math.floor(sizes.length / 2)]!;
    await page.fill("#filter-min-size", String(mid));
    expect(await rowIds(page)).toEqual(ids((f) => f.size >= mid));
    await page.fill("#filter-max-size", String(mid));
    expect(await rowIds(page)).toEqual(ids((f) => f.size === mid));
    await page.fill("#filter-min-size", "");
    await page.fill("#filter-max-size", "");

    const fps = flakes.map((f) => f.false_positive_probability).sort((a, b) => a - b);
    const cut = fps[Math.floor(fps.length / 2)]!;
    await page.fill("#filter-max-fp", String(cut));
    const byFp = ids((f) => f.false_positive_probability <= cut);
    expect(await rowIds(page)).toEqual(byFp);
    expect(await boxIds(page)).toEqual(byFp);
    await page.fill("#filter-max-fp", "0");
    expect(await rowIds(page)).toEqual(ids((f) => f.false_positive_probability <= 0));
    expect(failed).toEqual([]);
    await page.close();
  });

  it("downloads the shown flakes as JSON and as the CLI's CSV", async () => {
    const { page, failed } = await detectedPage();
    const layer = flakes[0]!.thickness;
    await page.selectOption("#filter-layer", layer);
    const shown = flakes.filter((f) => f.thickness === layer);

    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
    expect(json.suggestedFilename()).toBe("synthetic.json");
    const body = JSON.parse(readFileSync((await json.path())!, "utf8"));
    expect(body.flakes).toEqual(shown);
    expect(body).toMatchObject({ image_name: "synthetic.jpg", image: { width: 640, height: 480 } });
    expect(body.overlay).toBeUndefined();

    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    expect(csv.suggestedFilename()).toBe("synthetic.csv");
    const text = readFileSync((await csv.path())!, "utf8");
    // csvRows reads only the result's flakes.
    const cli = csvRows({ image: "synthetic.jpg", result: { flakes: shown } as never });
    // Flake numbers are the response's (#1, #2, ...), the CLI numbers its own list: compare the rest.
    const withoutNumber = (line: string) => line.split(",").toSpliced(1, 1).join(",");
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines.slice(1).map(withoutNumber)).toEqual(cli.trimEnd().split("\n").map(withoutNumber));
    expect(lines.slice(1).map((l) => Number(l.split(",")[1]))).toEqual(
      flakes.flatMap((f, i) => (f.thickness === layer ? [i + 1] : [])),
    );
    expect(failed).toEqual([]);
    await page.close();
  });

  it("explain: the flakes the server's filters rejected, listed with their reason and outlined dashed", async () => {
    // bulk crystals with bright halos: the bright-edge filter drops their rims
    const s = synthesize({ width: 480, height: 360, seed: 500, flakes: 5, halos: 2 });
    const png = await encodeBgr(s.image, "png");
    const api = await postForm(
      `${srv.url}/detect`,
      form({
        image: { bytes: png, filename: "halo.png" },
        customer_id: "web",
        return_mask: "false",
        reject_bright_edges: "true",
        explain: "true",
      }),
    );
    expect(api.status).toBe(200);
    const rejected: (ShownFlake & { rejected_by: string[] })[] = api.body.rejected;
    expect(rejected.length).toBeGreaterThan(0);

    const page = await browser.newPage();
    const failed: string[] = [];
    page.on("pageerror", (e) => failed.push(e.message));
    await page.goto(srv.url);
    await page.waitForSelector('#model[data-ready="true"]');
    const detect = async () => {
      await page.$eval("body", (b) => {
        delete (b as unknown as { dataset: Record<string, string> }).dataset.done;
      });
      await page.setInputFiles("#image", { name: "halo.png", mimeType: "image/png", buffer: png });
      await page.click("#submit");
      await page.waitForSelector('body[data-done="true"]');
    };
    await page.check("#reject-edges");
    await page.check("#explain");
    await detect();
    expect(await page.isVisible("#rejected-section")).toBe(true);
    const rows = await page.$$eval("#rejected tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
    );
    expect(rows.map((r) => [r[1], Number(r[2]), r[5]])).toEqual(
      rejected.map((f) => [f.thickness, f.size, f.rejected_by.join(", ")]),
    );
    expect(await page.$$eval("#flakes tbody tr", (t) => t.length)).toBe(api.body.flakes.length);
    // outlined apart from the kept flakes: dashed, one per rejected flake, on its bbox
    const style = (sel: string) =>
      page.$eval(sel, (el) => {
        const view = (el as unknown as { ownerDocument: { defaultView: StyleWindow } })
          .ownerDocument.defaultView;
        return view.getComputedStyle(el).borderTopStyle;
      });
    expect(await page.$$eval("#boxes .box.rejected", (b) => b.length)).toBe(rejected.length);
    expect(await style("#boxes .box.rejected")).toBe("dashed");
    if (api.body.flakes.length > 0) expect(await style("#boxes .box:not(.rejected)")).toBe("solid");
    const img = (await page.locator("#overlay").boundingBox())!;
    const box = (await page.locator('#boxes .box.rejected[data-rejected="0"]').boundingBox())!;
    const scale = img.width / 480;
    expect(box.x - img.x).toBeCloseTo(rejected[0]!.bbox[0] * scale, 0);
    expect(box.width).toBeCloseTo(rejected[0]!.bbox[2] * scale, 0);

    // without the toggle: no rejected section, no dashed outlines
    await page.uncheck("#explain");
    await detect();
    expect(await page.isVisible("#rejected-section")).toBe(false);
    expect(await page.$$eval("#boxes .box.rejected", (b) => b.length)).toBe(0);
    expect(failed).toEqual([]);
    await page.close();
  });

  it("calibrate tab: fits layers from COCO-annotated images and saves them as a GMM model", async () => {
    const set = await synthCocoSet(3);
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on("pageerror", (e) => failed.push(e.message));
    await page.goto(srv.url);
    await page.click("#tab-calibrate");
    expect(await page.isVisible("#calibrate-panel")).toBe(true);
    expect(await page.isVisible("#detect-panel")).toBe(false);
    await page.setInputFiles(
      "#cal-images",
      set.images.map((im) => ({ name: im.name, mimeType: "image/png", buffer: im.bytes })),
    );
    await page.setInputFiles("#cal-coco", {
      name: "annotations.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(set.coco)),
    });
    await page.click("#cal-submit");
    await page.waitForSelector('body[data-calibrated="true"]');
    const rows = await page.$$eval("#cal-layers-table tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
    );
    expect(rows).toEqual(
      set.expected.layers.map((l) => {
        const c = set.expected.dictionary[l.name]!.contrast;
        return [
          l.name,
          c.b.toFixed(4),
          c.g.toFixed(4),
          c.r.toFixed(4),
          String(l.pixels),
          String(l.images),
        ];
      }),
    );
    expect(rows.length).toBeGreaterThan(1);

    expect(await page.isVisible("#save-form")).toBe(true); // this server allows uploads
    await page.fill("#save-name", "WebCalibrated");
    await page.click("#save-submit");
    await page.waitForSelector('body[data-saved="true"]');
    expect(await page.textContent("#save-status")).toMatch(/Saved as GMM-WebCalibrated/);
    const models = await getJson(`${srv.url}/available_models`);
    expect(models.available_models.classification_models.GMM).toContain("WebCalibrated");
    expect(failed).toEqual([]);
    await page.close();
  });
});
