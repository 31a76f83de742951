// The entry of a saved page (`w.save_html`, latent_magic/_standalone.py): reads the state the
// kernel embedded in the file, makes a model of it without a kernel (standalone_model.js) and
// renders the widget into the page, with a bar above it that names the map and downloads the
// selected rows as CSV. Bundled by esbuild with the widget itself into static/standalone.js,
// which the file carries inline: it fetches nothing.
// Protocol: docs/protocol.md ("Saved pages").

import { float32Of, uint8Of, uint32Of } from "./codecs.js";
import { el } from "./dom.js";
import * as extras from "./extras.js";
import { provideExtras } from "./extras_loader.js";
import { downloadText, labelsOf, selectionCsv } from "./selection_csv.js";
import { bytesOfBase64, picturesOf, StandaloneModel, traitsOf } from "./standalone_model.js";
import widget from "./widget.js";

const STATE_ID = "lm-saved-state";
const MAP_ID = "lm-saved-map";

/** Each point's row of the data and label, from the document's `table` (base64 buffers). */
function tableOf(doc) {
  const rows = doc.table?.rows ? uint32Of(bytesOfBase64(doc.table.rows)) : null;
  const labels = doc.table?.labels ? labelsOf(uint8Of(bytesOfBase64(doc.table.labels))) : null;
  return { rows, labels };
}

/** The bar above the map: the title, that it is a saved map, the selection's download. */
function savedBar(doc, model, table) {
  const bar = el("div", "lm-saved-bar");
  const title = el("strong", "lm-saved-title", doc.title || "latent map");
  // The note on what works without a kernel is the widget's own line under the map.
  const saved = el("span", "lm-saved-note", "saved map · opened without a kernel");
  const button = el("button", "lm-button lm-saved-download", "Download selection (CSV)");
  button.type = "button";
  button.dataset.action = "download-selection";
  const selected = () => uint32Of(model.get("_selection"));
  const update = () => {
    const n = selected().length;
    button.disabled = n === 0;
    button.title = n === 0 ? "Select points first (click, or the lasso)" : `${n} rows`;
  };
  button.addEventListener("click", () => {
    const text = selectionCsv(selected(), float32Of(model.get("_points")), table);
    downloadText(document, doc.csv_name || "selection.csv", text);
  });
  model.on("change:_selection", update);
  update();
  bar.append(title, saved, button);
  return bar;
}

/** Whether the widget's page decoder (ONNX) asks for its runtime and model (`data-onnx`). */
function onnxAsked(host) {
  const raw = host.querySelector(".lm-root")?.dataset.onnx;
  try {
    return raw !== undefined && JSON.parse(raw).state === "loading";
  } catch {
    return false;
  }
}

/**
 * The replies the file carries (the ONNX decoder's runtime and model, `doc.messages`) are
 * handed to the widget once it asks for them, after its map is drawn, as a kernel would.
 */
function deliverWhenAsked(host, model, messages) {
  if (!Array.isArray(messages) || messages.length === 0) return;
  const observer = new MutationObserver(() => {
    if (!onnxAsked(host)) return;
    observer.disconnect();
    // A damaged file leaves the decoder waiting: previews then say the notebook is needed.
    model.deliver(messages).catch((error) => {
      console.warn(`latent_magic: the saved page decoder could not be read (${error})`);
    });
  });
  observer.observe(host, { subtree: true, attributes: true, attributeFilter: ["data-onnx"] });
}

function main() {
  const doc = JSON.parse(document.getElementById(STATE_ID).textContent);
  const table = tableOf(doc);
  const model = new StandaloneModel(
    traitsOf(doc),
    String(doc.note ?? ""),
    picturesOf(doc.pictures),
    table.labels,
  );
  const host = document.getElementById(MAP_ID);
  host.before(savedBar(doc, model, table));
  deliverWhenAsked(host, model, doc.messages);
  provideExtras(extras); // no kernel to ask: the file carries the atlas, strip, pictures, PNG
  widget.render({ model, el: host });
}

main();
