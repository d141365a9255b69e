import { DETECT_OPTION_RANGES } from "@flakeops/inference";

/**
 * The web page's HTML: a detect tab (image, the opt-in filters, overlay, filterable flake
 * table, the flakes the filters rejected and why, downloads) and a calibrate tab.
 */

const FP = DETECT_OPTION_RANGES.maxFpProbability;

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
<div class="tabs" role="tablist">
  <button id="tab-detect" role="tab" aria-selected="true" aria-controls="detect-panel">Detect</button>
  <button id="tab-calibrate" role="tab" aria-selected="false" aria-controls="calibrate-panel">Calibrate</button>
</div>
<label for="api_key">API key (if required)</label>
<input id="api_key" type="password" autocomplete="off">
<section id="detect-panel" role="tabpanel">
<form id="detect-form">
  <label for="image">Microscope image</label>
  <input id="image" name="image" type="file" accept="image/*" required>
  <label for="model">Model</label>
  <select id="model" name="model"></select>
  <label for="customer_id">Customer id</label>
  <input id="customer_id" name="customer_id" value="web" pattern="[A-Za-z0-9_\\-]{1,64}">
  <label for="reject-edges">Reject bright edges</label>
  <input id="reject-edges" type="checkbox">
  <label for="max-fp">Drop FP prob. above</label>
  <input id="max-fp" type="number" min="${FP.min}" max="${FP.max}" step="0.01" placeholder="none">
  <label for="explain">Show rejected flakes</label>
  <input id="explain" type="checkbox">
  <button id="submit" type="submit">Detect</button>
</form>
<div id="status" class="status" role="status"></div>
<div id="stage"><img id="overlay" alt="detected flakes drawn on the image" hidden><div id="boxes"></div></div>
<h2>Flakes</h2>
<div class="filters">
  <label>Layer <select id="filter-layer"><option value="">all</option></select></label>
  <label>Size (px) from <input id="filter-min-size" type="number" min="0" step="1"></label>
  <label>to <input id="filter-max-size" type="number" min="0" step="1"></label>
  <label>FP prob. at most <input id="filter-max-fp" type="number" min="0" max="1" step="0.01"></label>
  <span id="filter-count"></span>
</div>
<div class="downloads">
  <button id="download-json" type="button" disabled>Download JSON</button>
  <button id="download-csv" type="button" disabled>Download CSV</button>
</div>
<table id="flakes">
  <thead><tr><th>#</th><th>thickness</th><th>size (px)</th><th>center</th><th>min side</th><th>max side</th><th>aspect</th><th>FP prob.</th></tr></thead>
  <tbody></tbody>
</table>
<section id="rejected-section" hidden>
<h2>Rejected by the filters</h2>
<table id="rejected">
  <thead><tr><th>#</th><th>thickness</th><th>size (px)</th><th>center</th><th>FP prob.</th><th>rejected by</th></tr></thead>
  <tbody></tbody>
</table>
</section>
</section>
<section id="calibrate-panel" role="tabpanel" hidden>
<p>Fit a GMM model from a few images annotated in COCO (polygons or RLE; each category is a layer).</p>
<form id="calibrate-form">
  <label for="cal-images">Images</label>
  <input id="cal-images" type="file" accept="image/*" multiple required>
  <label for="cal-coco">COCO annotations</label>
  <input id="cal-coco" type="file" accept=".json,application/json" required>
  <label for="cal-layers">Layers (optional)</label>
  <input id="cal-layers" placeholder="e.g. 1,2,3 (default: every category)">
  <button id="cal-submit" type="submit">Fit</button>
</form>
<div id="cal-status" class="status" role="status"></div>
<table id="cal-layers-table" hidden>
  <thead><tr><th>layer</th><th>contrast b</th><th>contrast g</th><th>contrast r</th><th>pixels</th><th>images</th></tr></thead>
  <tbody></tbody>
</table>
<form id="save-form" hidden>
  <label for="save-name">Model name</label>
  <input id="save-name" required>
  <button id="save-submit" type="submit">Save as GMM model</button>
</form>
<div id="save-status" class="status" role="status"></div>
</section>
<p><a href="/docs">API documentation</a> · <a href="/openapi.json">openapi.json</a></p>
<script src="/assets/app.js" type="module"></script>
<script src="/assets/calibrate.js" type="module"></script>
</body>
</html>
`;
