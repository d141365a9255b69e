import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/types.js";
import type { Services } from "../services/services.js";
import { APP_JS, CALIBRATE_JS, DOCS_HTML, DOCS_JS, INDEX_HTML, STYLE_CSS } from "../web/assets.js";
import { openApiDocument } from "./openapi.js";

/** The browser page, the docs page and their assets; all open (they carry no data). */
export function webRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  const doc = openApiDocument(s.version);
  // Same-origin scripts only: the page loads nothing from anywhere else.
  const csp =
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";
  const asset = (body: string, type: string) => (c: Context<AppEnv>) =>
    c.body(body, 200, {
      "Content-Type": type,
      "Cache-Control": "no-cache",
      "Content-Security-Policy": csp,
    });
  return app
    .get("/", asset(INDEX_HTML, "text/html; charset=utf-8"))
    .get("/docs", asset(DOCS_HTML, "text/html; charset=utf-8"))
    .get("/assets/app.js", asset(APP_JS, "text/javascript; charset=utf-8"))
    .get("/assets/calibrate.js", asset(CALIBRATE_JS, "text/javascript; charset=utf-8"))
    .get("/assets/docs.js", asset(DOCS_JS, "text/javascript; charset=utf-8"))
    .get("/assets/style.css", asset(STYLE_CSS, "text/css; charset=utf-8"))
    .get("/openapi.json", (c) => c.json(doc));
}
