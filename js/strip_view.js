// A pinned walk's decoded strip (the kernel's `strip` reply to `pin_walk`): one small
// picture per shown step with its t under it, like the article's ageing strip. Tiles are the
// atlas's (tile_glyphs.js): raw RGBA painted at once, PNG or SVG once decoded, records as
// glyphs. A strip that could not be decoded shows the kernel's words instead.

import { el, makeCanvas } from "./dom.js";
import { decodeTileImage, paintTile, tilePixels } from "./tile_glyphs.js";

const ENCODED_SIDE = 64; // a drawing that gives no size of its own (SVG) is painted this big

/** A step's t, as the walk's preview titles say it. */
export function formatT(t) {
  if (typeof t !== "number" || !Number.isFinite(t)) return "t = ?";
  return `t = ${t >= 0 ? "+" : "-"}${Math.abs(t).toFixed(2)}`;
}

export class StripView {
  /**
   * @param {object} [options]
   * @param {(buffer: any, mime: string) => Promise<CanvasImageSource>} [options.decodeImage]
   * @param {(w: number, h: number) => HTMLCanvasElement} [options.makeCanvas]
   */
  constructor(options = {}) {
    this.decodeImage = options.decodeImage ?? decodeTileImage;
    this.makeCanvas = options.makeCanvas ?? makeCanvas;
    this.root = el("div", "lm-strip");
    this.root.hidden = true;
    this.seq = 0; // bumped per strip shown; a slow image decode must not paint into a newer one
    this.onClose = () => this.clear();
  }

  /**
   * Shows a `strip` reply.
   * @param {object} msg `{"type": "strip", "direction", "t", "steps", "of", "tiles", "features",
   *   "text"}`
   * @param {Array<DataView|ArrayBuffer>} buffers one per tile
   * @returns {Promise<void>} settles once every tile is painted
   */
  show(msg, buffers) {
    const seq = ++this.seq;
    const tiles = Array.isArray(msg?.tiles) ? msg.tiles : [];
    const t = Array.isArray(msg?.t) ? msg.t : [];
    const of = Number.isInteger(msg?.of) ? msg.of : t.length;
    const shown =
      t.length === of ? `${of} steps` : `${t.length} of ${of.toLocaleString("en-US")} steps`;
    const head = el("div", "lm-strip-head");
    const close = el("button", "lm-strip-close", "×");
    close.type = "button";
    close.title = "Hide the strip";
    close.setAttribute("aria-label", "Hide the strip");
    close.addEventListener("click", this.onClose);
    head.append(el("div", "lm-strip-title", `${String(msg?.direction ?? "")} · ${shown}`), close);
    this.root.replaceChildren(head);
    if (typeof msg?.text === "string" && msg.text) {
      this.root.append(el("div", "lm-strip-message", msg.text));
    }
    const row = el("div", "lm-strip-row");
    const features = Array.isArray(msg?.features) ? msg.features.map(String) : [];
    if (features.length > 0) row.title = `bars: ${features.join(", ")}`;
    const waits = [];
    for (const [k, tile] of tiles.entries()) {
      const step = el("div", "lm-strip-step");
      step.append(this.tileCanvas(tile, buffers?.[k], seq, waits));
      step.append(el("div", "lm-strip-t", formatT(t[k])));
      row.append(step);
    }
    this.root.append(row);
    this.root.dataset.steps = String(tiles.length);
    this.root.hidden = false;
    return Promise.all(waits).then(() => {});
  }

  /**
   * Shows a `grid` message: rows × cols tiles, the top row first (d2 high to low), the left
   * column first (d1 low to high), as one picture.
   * @returns {Promise<void>} settles once every tile is painted
   */
  showGrid(msg, buffers) {
    const seq = ++this.seq;
    const tiles = Array.isArray(msg?.tiles) ? msg.tiles : [];
    const rows = Number.isInteger(msg?.rows) ? msg.rows : 0;
    const cols = Number.isInteger(msg?.cols) ? msg.cols : 0;
    const [d1, d2] = Array.isArray(msg?.directions) ? msg.directions.map(String) : ["", ""];
    const s = Array.isArray(msg?.s) ? msg.s : [];
    const t = Array.isArray(msg?.t) ? msg.t : [];
    const span = (v) =>
      v.length ? `${formatT(v[0]).slice(4)} … ${formatT(v[v.length - 1]).slice(4)} SD` : "";
    const head = el("div", "lm-strip-head");
    const close = el("button", "lm-strip-close", "×");
    close.type = "button";
    close.title = "Hide the grid";
    close.setAttribute("aria-label", "Hide the grid");
    close.addEventListener("click", this.onClose);
    const title = `${d1} → ${span(s)} × ${d2} ↑ ${span(t)} · ${rows} × ${cols}`;
    head.append(el("div", "lm-strip-title", title), close);
    this.root.replaceChildren(head);
    const waits = [];
    const grid = el("div", "lm-grid");
    grid.style.gridTemplateColumns = `repeat(${Math.max(1, cols)}, auto)`;
    for (const [k, tile] of tiles.slice(0, rows * cols).entries()) {
      grid.append(this.tileCanvas(tile, buffers?.[k], seq, waits));
    }
    this.root.append(grid);
    this.root.dataset.steps = String(tiles.length);
    this.root.dataset.grid = `${rows}x${cols}`;
    this.root.hidden = false;
    return Promise.all(waits).then(() => {});
  }

  /** A canvas with one tile painted (now, or once its image is decoded). */
  tileCanvas(tile, buffer, seq, waits) {
    const canvas = el("canvas", "lm-strip-image");
    const pixels = buffer === undefined ? null : tilePixels(tile, buffer);
    if (pixels !== null) {
      this.paint(canvas, pixels);
    } else if (tile?.kind === "image" && buffer !== undefined) {
      const painted = this.decodeImage(buffer, tile.mime).then((image) => {
        if (this.seq === seq) this.paint(canvas, image);
        image.close?.();
      });
      waits.push(painted.catch(() => {}));
    }
    return canvas;
  }

  paint(canvas, tile) {
    const w = tile.width > 0 ? tile.width : ENCODED_SIDE;
    const h = tile.height > 0 ? tile.height : ENCODED_SIDE;
    canvas.width = w;
    canvas.height = h;
    paintTile(canvas.getContext("2d"), tile, 0, 0, w, h, this.makeCanvas);
  }

  /** Hides the strip (e.g. when the pins are cleared). */
  clear() {
    this.seq++;
    this.root.replaceChildren();
    delete this.root.dataset.steps;
    delete this.root.dataset.grid;
    this.root.hidden = true;
  }

  dispose() {
    this.clear();
  }
}
