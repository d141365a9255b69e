import { CSV_COLUMNS } from "@flakeops/inference";
import { DETECT_PATH } from "../contract.js";

/**
 * The detect tab's script: upload (with the server's opt-in filters), overlay, the flake table
 * (click a row to outline its flake, click the image to select the flake under the pointer),
 * table filters, the flakes the server's filters rejected and why (explain), and JSON/CSV
 * downloads.
 * DOM built with textContent only, never innerHTML, so no server value is markup.
 */

export const APP_JS = `
const $ = (id) => document.getElementById(id);
const status = (text, error = false) => { $("status").textContent = text; $("status").className = error ? "status error" : "status"; };
export const headers = () => { const k = $("api_key").value.trim(); return k ? { Authorization: "Bearer " + k } : {}; };
const CSV_HEADER = ${JSON.stringify(CSV_COLUMNS)};

// The last result: flakes keep their index in the response (#1, #2, ...) whatever the filter.
const state = { result: null, imageName: "", selected: -1 };

for (const tab of ["detect", "calibrate"]) {
  $("tab-" + tab).addEventListener("click", () => {
    for (const t of ["detect", "calibrate"]) {
      $("tab-" + t).setAttribute("aria-selected", String(t === tab));
      $(t + "-panel").hidden = t !== tab;
    }
  });
}

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
const numberOf = (id) => { const v = $(id).value.trim(); return v === "" ? undefined : Number(v); };

function visible(f) {
  const layer = $("filter-layer").value;
  const min = numberOf("filter-min-size"), max = numberOf("filter-max-size"), fp = numberOf("filter-max-fp");
  return (layer === "" || f.thickness === layer) && (min === undefined || f.size >= min) &&
    (max === undefined || f.size <= max) && (fp === undefined || f.false_positive_probability <= fp);
}

function shownFlakes() {
  return state.result ? state.result.flakes.map((f, i) => ({ f, i })).filter(({ f }) => visible(f)) : [];
}

/** Table rows and outline boxes for the flakes the filter lets through. */
function render() {
  const tbody = $("flakes").querySelector("tbody");
  const boxes = $("boxes");
  tbody.replaceChildren();
  boxes.replaceChildren();
  if (!state.result) return;
  const { width, height } = state.result.image;
  const shown = shownFlakes();
  if (!shown.some(({ i }) => i === state.selected)) state.selected = -1;
  for (const { f, i } of shown) {
    const tr = document.createElement("tr");
    tr.dataset.flake = String(i);
    const cells = [i + 1, f.thickness, f.size, f.center.join(", "), fmt(f.min_sidelength, 1),
      fmt(f.max_sidelength, 1), fmt(f.aspect_ratio, 2), fmt(f.false_positive_probability, 3)];
    for (const v of cells) { const td = document.createElement("td"); td.textContent = String(v); tr.append(td); }
    tr.addEventListener("click", () => select(i === state.selected ? -1 : i));
    tbody.append(tr);
    const box = document.createElement("div");
    box.className = "box";
    box.dataset.flake = String(i);
    placeBox(box, f.bbox, width, height);
    boxes.append(box);
  }
  $("filter-count").textContent = shown.length + " of " + state.result.flakes.length + " flake(s) shown";
  renderRejected(boxes, width, height);
  select(state.selected);
}

function placeBox(box, bbox, width, height) {
  // Percentages of the image, so the box follows the image however it is scaled.
  const [x, y, w, h] = bbox;
  box.style.left = (100 * x / width) + "%";
  box.style.top = (100 * y / height) + "%";
  box.style.width = (100 * w / width) + "%";
  box.style.height = (100 * h / height) + "%";
}

/** The flakes the server's filters dropped (explain), each with its reasons, outlined dashed. */
function renderRejected(boxes, width, height) {
  const rejected = state.result.rejected;
  const tbody = $("rejected").querySelector("tbody");
  tbody.replaceChildren();
  $("rejected-section").hidden = !rejected;
  if (!rejected) return;
  rejected.forEach((f, i) => {
    const tr = document.createElement("tr");
    tr.dataset.rejected = String(i);
    const cells = [i + 1, f.thickness, f.size, f.center.join(", "), fmt(f.false_positive_probability, 3),
      f.rejected_by.join(", ")];
    for (const v of cells) { const td = document.createElement("td"); td.textContent = String(v); tr.append(td); }
    tbody.append(tr);
    const box = document.createElement("div");
    box.className = "box rejected";
    box.dataset.rejected = String(i);
    box.title = "rejected: " + f.rejected_by.join(", ");
    placeBox(box, f.bbox, width, height);
    boxes.append(box);
  });
}

function select(i) {
  state.selected = i;
  for (const el of document.querySelectorAll("#flakes tbody tr, #boxes .box")) {
    el.classList.toggle("selected", el.dataset.flake === String(i));
  }
  const row = document.querySelector('#flakes tbody tr[data-flake="' + i + '"]');
  if (row) row.scrollIntoView({ block: "nearest" });
}

// Clicking the image selects the smallest shown flake whose box holds the point.
$("overlay").addEventListener("click", (ev) => {
  if (!state.result) return;
  const img = $("overlay");
  const r = img.getBoundingClientRect();
  const x = (ev.clientX - r.left) * img.naturalWidth / r.width;
  const y = (ev.clientY - r.top) * img.naturalHeight / r.height;
  let best = -1, bestArea = Infinity;
  for (const { f, i } of shownFlakes()) {
    const [bx, by, bw, bh] = f.bbox;
    if (x >= bx && x < bx + bw && y >= by && y < by + bh && bw * bh < bestArea) { best = i; bestArea = bw * bh; }
  }
  select(best);
});

for (const id of ["filter-layer", "filter-min-size", "filter-max-size", "filter-max-fp"]) {
  $(id).addEventListener("input", render);
}

function download(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

const stem = () => state.imageName.replace(/\\.[^.]*$/, "") || "flakes";
const csvField = (v) => { const s = String(v); return /[",\\n\\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };

// Both downloads hold the flakes the filter shows (all of them when no filter is set).
$("download-json").addEventListener("click", () => {
  const { overlay, ...rest } = state.result;
  const body = { ...rest, image_name: state.imageName, flakes: shownFlakes().map(({ f }) => f) };
  download(stem() + ".json", "application/json", JSON.stringify(body, null, 2) + "\\n");
});

$("download-csv").addEventListener("click", () => {
  const rows = [CSV_HEADER];
  for (const { f, i } of shownFlakes()) {
    rows.push([state.imageName, i + 1, f.thickness, f.size, f.center[0], f.center[1], f.min_sidelength,
      f.max_sidelength, f.aspect_ratio, ...f.mean_contrast, f.false_positive_probability, f.entropy, ...f.bbox, ""]);
  }
  download(stem() + ".csv", "text/csv", rows.map((r) => r.map(csvField).join(",")).join("\\n") + "\\n");
});

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
  if ($("reject-edges").checked) form.append("reject_bright_edges", "true");
  if ($("max-fp").value.trim() !== "") form.append("max_fp_probability", $("max-fp").value.trim());
  if ($("explain").checked) form.append("explain", "true");
  $("submit").disabled = true;
  delete document.body.dataset.done;
  status("Detecting…");
  try {
    const res = await fetch(${JSON.stringify(DETECT_PATH)}, { method: "POST", body: form, headers: headers() });
    const body = await res.json();
    if (!res.ok) {
      status("Error " + res.status + ": " + (body.error ? body.error.message : JSON.stringify(body)), true);
      return;
    }
    state.result = body;
    state.imageName = file.name;
    state.selected = -1;
    const layers = $("filter-layer");
    layers.replaceChildren(layers.options[0]);
    for (const t of [...new Set(body.flakes.map((f) => f.thickness))].sort()) {
      const opt = document.createElement("option");
      opt.value = opt.textContent = t;
      layers.append(opt);
    }
    render();
    if (body.overlay) { $("overlay").src = body.overlay; $("overlay").hidden = false; }
    $("download-json").disabled = $("download-csv").disabled = false;
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
