import { CALIBRATE_PATH } from "../routes/calibrate.js";

/**
 * The calibrate tab's script: upload images with a COCO file, fit on the server (POST
 * /calibrate), show the fitted layers, and save the dictionary as a named GMM model through
 * POST /upload/gmm, offered only when the server says this caller may (`can_save`).
 */
export const CALIBRATE_JS = `
import { headers } from "/assets/app.js";
const $ = (id) => document.getElementById(id);
const say = (id, text, error = false) => { $(id).textContent = text; $(id).className = error ? "status error" : "status"; };
const errorText = (res, body) => "Error " + res.status + ": " + (body.error ? body.error.message : body.detail ? body.detail : JSON.stringify(body));
let dictionary = null;

$("calibrate-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData();
  const coco = $("cal-coco").files[0];
  if (!coco || $("cal-images").files.length === 0) { say("cal-status", "Choose images and a COCO file first.", true); return; }
  form.append("coco", coco);
  for (const f of $("cal-images").files) form.append("images", f);
  const layers = $("cal-layers").value.trim();
  if (layers) form.append("layers", layers);
  $("cal-submit").disabled = true;
  $("save-form").hidden = true;
  $("cal-layers-table").hidden = true;
  delete document.body.dataset.calibrated;
  say("cal-status", "Fitting…");
  say("save-status", "");
  try {
    const res = await fetch(${JSON.stringify(CALIBRATE_PATH)}, { method: "POST", body: form, headers: headers() });
    const body = await res.json();
    if (!res.ok) { say("cal-status", errorText(res, body), true); return; }
    dictionary = body.dictionary;
    const tbody = $("cal-layers-table").querySelector("tbody");
    tbody.replaceChildren();
    for (const l of body.layers) {
      const tr = document.createElement("tr");
      for (const v of [l.name, l.contrast.b.toFixed(4), l.contrast.g.toFixed(4), l.contrast.r.toFixed(4), l.pixels, l.images]) {
        const td = document.createElement("td"); td.textContent = String(v); tr.append(td);
      }
      tbody.append(tr);
    }
    $("cal-layers-table").hidden = false;
    const notes = [];
    if (body.skipped_layers.length) notes.push("no annotation for layer " + body.skipped_layers.join(", "));
    if (body.missing_images.length) notes.push(body.missing_images.length + " image(s) of the COCO file not uploaded: " + body.missing_images.slice(0, 5).join(", "));
    if (body.unmatched_uploads.length) notes.push("not in the COCO file: " + body.unmatched_uploads.slice(0, 5).join(", "));
    if (body.unknown_category_annotations) notes.push(body.unknown_category_annotations + " annotation(s) of unknown categories skipped");
    say("cal-status", "Fitted " + body.layers.length + " layer(s)." + (notes.length ? " " + notes.join("; ") + "." : "") +
      (body.can_save ? "" : " Saving models is off on this server (it needs an admin key, or model uploads allowed)."));
    $("save-form").hidden = !body.can_save;
    document.body.dataset.calibrated = "true";
  } catch (e) {
    say("cal-status", "Request failed: " + e.message, true);
  } finally {
    $("cal-submit").disabled = false;
  }
});

$("save-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!dictionary) return;
  const name = $("save-name").value.trim();
  const form = new FormData();
  form.append("model_name", name);
  form.append("contrast_file", new Blob([JSON.stringify(dictionary)], { type: "application/json" }), "contrast_dict.json");
  $("save-submit").disabled = true;
  try {
    const res = await fetch("/upload/gmm", { method: "POST", body: form, headers: headers() });
    const body = await res.json();
    if (!res.ok) { say("save-status", errorText(res, body), true); return; }
    say("save-status", "Saved as GMM-" + name + "; it is in the detect tab's model list after a reload.");
    document.body.dataset.saved = "true";
  } catch (e) {
    say("save-status", "Request failed: " + e.message, true);
  } finally {
    $("save-submit").disabled = false;
  }
});
`;
