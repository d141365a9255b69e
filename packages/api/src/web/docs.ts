/** The API docs page, rendered in the browser from /openapi.json. */

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
