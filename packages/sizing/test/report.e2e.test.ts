import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli-kit.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `report.e2e.test: skipped, no Chromium at ${CHROMIUM} (CI installs Debian's chromium)`,
  );

const dir = mkdtempSync(join(tmpdir(), "sizing-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function recommendWithHtml(html: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
    cwd: dir,
  };
  const code = await main(["recommend", ...argv, "--html", html, "--json"], io);
  return { code, doc: code === 0 ? JSON.parse(stdout) : undefined, stderr };
}

describe.skipIf(!hasChromium)("recommend --html in headless Chromium", () => {
  it("renders the cost curves with their data points, the chosen point and the dominant term", async () => {
    const r = await recommendWithHtml(
      "report.html",
      "--images-per-hour",
      "200000",
      "--service-ms",
      "20",
    );
    expect(r.code).toBe(0);
    const path = join(dir, "report.html");
    const html = readFileSync(path, "utf8");
    // Self-contained: nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|src=|href=/i);

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
      const requests: string[] = [];
      page.on("request", (q) => requests.push(q.url()));
      await page.goto(pathToFileURL(path).href);
      const points = await page.$$eval("circle.point", (els) =>
        els.map((e) => ({
          type: e.getAttribute("data-type"),
          rate: Number(e.getAttribute("data-images-per-hour")),
          usd: Number(e.getAttribute("data-monthly-usd")),
          box: (
            e as unknown as { getBoundingClientRect(): { width: number } }
          ).getBoundingClientRect().width,
        })),
      );
      expect(points.length).toBeGreaterThan(20);
      expect(points.every((p) => p.box > 0)).toBe(true); // drawn, not just present
      expect(new Set(points.map((p) => p.type)).size).toBeGreaterThan(1);
      // The chosen type's point at the workload's rate is the answer's bill.
      const mine = points.find((p) => p.type === r.doc.instanceType && p.rate === 200_000);
      expect(mine?.usd).toBe(r.doc.monthlyUSD);
      const chosen = await page.$eval("#chosen", (e) => ({
        type: e.getAttribute("data-type"),
        usd: Number(e.getAttribute("data-monthly-usd")),
      }));
      expect(chosen).toEqual({ type: r.doc.instanceType, usd: r.doc.monthlyUSD });
      const dominant = await page.$eval("#breakdown tr.dominant", (e) =>
        e.getAttribute("data-term"),
      );
      expect(`${dominant}USD`).toBe(r.doc.dominantCost);
      expect(await page.textContent("#summary")).toContain(`prices as of ${r.doc.pricesAsOf}`);
      expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("recommend --html, bad input", () => {
  it("an unwritable path exits 2 with one line", async () => {
    const r = await recommendWithHtml(
      "--images-per-hour",
      "1000",
      "--html",
      join(dir, "missing", "x.html"),
    );
    expect(r.code).toBe(2);
  });
});
