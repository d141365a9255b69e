/**
 * The web page and the API docs page, self-contained (no CDN: the host may have no internet).
 * Kept as strings in a module so `tsc` ships them in dist/ with the rest of the code. The
 * scripts build the DOM with textContent only, never innerHTML, so no server value is markup.
 */

import { DETECT_PATH } from "../contract.js";

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
form { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; align-items: center;
  background: #fff; padding: 1rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
form button { grid-column: 2; justify-self: start; padding: .4rem 1.2rem; }
#status { margin: 1rem 0; min-height: 1.2em; } #status.error { color: #b00020; }
#overlay { max-width: 100%; border-radius: 6px; display: none; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #dde; padding: .3rem .5rem; text-align: right; }
th { background: #eef; } code { background: #eef; padding: 0 .2rem; }
.route { background: #fff; border-radius: 8px; padding: .6rem 1rem; margin: .6rem 0; box-shadow: 0 1px 3px #0002; }
.method { font-weight: bold; text-transform: uppercase; margin-right: .5rem; }
`;

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flakeops: flake detection</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<h1>flakeops: 2D-material flake detection</h1>
<form id="detect-form">
  <label for="image">Microscope image</label>
  <input id="image" name="image" type="file" accept="image/*" required>
  <label for="model">Model</label>
  <select id="model" name="model"></select>
  <label for="customer_id">Customer id</label>
  <input id="customer_id" name="customer_id" value="web" pattern="[A-Za-z0-9_\\-]{1,64}">
  <label for="api_key">API key (if required)</label>
  <input id="api_key" type="password" autocomplete="off">
  <button id="submit" type="submit">Detect</button>
</form>
<div id="status" role="status"></div>
<img id="overlay" alt="detected flakes drawn on the image">
<h2>Flakes</h2>
<table id="flakes">
  <thead><tr><th>#</th><th>thickness</th><th>size (px)</th><th>center</th><th>min side</th><th>max side</th><th>aspect</th><th>FP prob.</th></tr></thead>
  <tbody></tbody>
</table>
<p><a href="/docs">API documentation</a> · <a href="/openapi.json">openapi.json</a></p>
<script src="/assets/app.js" type="module"></script>
</body>
</html>
`;

export const APP_JS = `
const $ = (id) => document.getElementById(id);
const status = (text, error = false) => { $("status").textContent = text; $("status").className = error ? "error" : ""; };
const headers = () => { const k = $("api_key").value.trim(); return k ? { Authorization: "Bearer " + k } : {}; };

async function loadModels() {
  const select = $("model");
  try {
    const res = await fetch("/available_models", { headers: headers() });
    const body = await res.json();
    const cls = (body.available_models && body.available_models.classification_models) || {};
    for (const [kind, names] of Object.entries(cls)) {
      for (const name of names) {
        const opt = document.createElement("option");
        opt.value = opt.textContent = kind + "-" + name;
        select.append(opt);
      }
    }
  } catch (e) { /* the default model still works */ }
  if (select.options.length === 0) {
    const opt = document.createElement("option");
    opt.value = opt.textContent = "GMM-Graphene";
    select.append(opt);
  }
  const def = [...select.options].find((o) => o.value === "GMM-Graphene");
  if (def) select.value = def.value;
  select.dataset.ready = "true";
}

function fmt(x, digits) { return typeof x === "number" ? x.toFixed(digits) : String(x); }

function showFlakes(flakes) {
  const tbody = $("flakes").querySelector("tbody");
  tbody.replaceChildren();
  flakes.forEach((f, i) => {
    const tr = document.createElement("tr");
    const cells = [i + 1, f.thickness, f.size, f.center.join(", "), fmt(f.min_sidelength, 1),
      fmt(f.max_sidelength, 1), fmt(f.aspect_ratio, 2), fmt(f.false_positive_probability, 3)];
    for (const v of cells) { const td = document.createElement("td"); td.textContent = String(v); tr.append(td); }
    tbody.append(tr);
  });
}

$("detect-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("image").files[0];
  if (!file) { status("Choose an image first.", true); return; }
  const form = new FormData();
  form.append("image", file);
  form.append("model", $("model").value);
  form.append("customer_id", $("customer_id").value.trim());
  form.append("return_overlay", "true");
  form.append("return_mask", "false");
  $("submit").disabled = true;
  status("Detecting…");
  try {
    const res = await fetch(${JSON.stringify(DETECT_PATH)}, { method: "POST", body: form, headers: headers() });
    const body = await res.json();
    if (!res.ok) {
      status("Error " + res.status + ": " + (body.error ? body.error.message : JSON.stringify(body)), true);
      return;
    }
    showFlakes(body.flakes);
    if (body.overlay) { $("overlay").src = body.overlay; $("overlay").style.display = "block"; }
    status(body.flakes.length + " flake(s) in " + body.image.width + "x" + body.image.height +
      " with " + body.model + " (" + body.timings.total_ms.toFixed(0) + " ms).");
    document.body.dataset.done = "true";
  } catch (e) {
    status("Request failed: " + e.message, true);
  } finally {
    $("submit").disabled = false;
  }
});

loadModels();
`;

export const STYLE_CSS = STYLE;

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flakeops API</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<h1>flakeops API</h1>
<p id="intro">Rendered from <a href="/openapi.json">/openapi.json</a>.</p>
<div id="routes"></div>
<script src="/assets/docs.js" type="module"></script>
</body>
</html>
`;

export const DOCS_JS = `
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const doc = await (await fetch("/openapi.json")).json();
document.getElementById("intro").textContent = doc.info.description || "";
const root = document.getElementById("routes");
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    const box = el("div", undefined, "route");
    const h = el("h2"); h.append(el("span", method, "method"), el("code", path), el("span", " " + (op.summary || "")));
    box.append(h);
    if (op.description) box.append(el("p", op.description));
    const form = op.requestBody && op.requestBody.content && op.requestBody.content["multipart/form-data"];
    if (form && form.schema && form.schema.properties) {
      const req = new Set(form.schema.required || []);
      box.append(el("p", "Form fields: " + Object.keys(form.schema.properties).map((k) => k + (req.has(k) ? " (required)" : "")).join(", ")));
    }
    const ul = el("ul");
    for (const [code, r] of Object.entries(op.responses || {})) ul.append(el("li", code + ": " + (r.description || "")));
    box.append(ul);
    root.append(box);
  }
}
`;
