// The density of every row of a table too big to send (docs/protocol.md, "Density and
// sample"): the kernel counts all N points in a grid of bins over the settled view and sends
// the counts (and, when the map is coloured, each bin's most frequent colour); the page paints
// them on its own canvas under the sampled points. Like the atlas, the picture is made once
// per reply and drawn at its data bounds in the current view every frame, so a pan only moves
// it until the kernel's next one comes.

import { makeCanvas, sizeCanvas } from "./dom.js";
import { placeInView } from "./view.js";

/** A bin with no colour of its own (uncoloured maps send none). */
export const NO_CODE = 0xffff;

/** "#rrggbb" or "rgb(r, g, b)" / "rgba(…)" → [r, g, b]; anything else is the fallback. */
export function rgbOf(colour, fallback = [110, 110, 110]) {
  const text = String(colour).trim();
  const hex = /^#([0-9a-f]{6})$/i.exec(text);
  if (hex) {
    const v = Number.parseInt(hex[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(text);
  return rgb ? [1, 2, 3].map((k) => Math.round(Number(rgb[k]))) : fallback;
}

/**
 * RGBA pixels of a density grid, row 0 at the top (largest y). A bin's opacity grows with the
 * logarithm of its count (one point is faint, the densest bin nearly opaque), so structure
 * shows across the orders of magnitude a big table spans; its colour is its most frequent
 * category's, or `ink` on an uncoloured map.
 * @param {{rows: number, cols: number, counts: Uint32Array, codes?: Uint16Array | null}} grid
 * @param {string[]} palette category colours ("#rrggbb")
 * @param {string} ink the colour of an uncoloured map's density
 * @returns {Uint8ClampedArray}
 */
export function densityPixels(grid, palette, ink) {
  const { rows, cols, counts, codes } = grid;
  const out = new Uint8ClampedArray(rows * cols * 4);
  let max = 0;
  for (let k = 0; k < counts.length; k++) if (counts[k] > max) max = counts[k];
  if (max === 0) return out;
  const scale = 1 / Math.log1p(max);
  const inkRgb = rgbOf(ink);
  const colours = palette.map((c) => rgbOf(c, inkRgb));
  for (let k = 0; k < rows * cols; k++) {
    const c = counts[k];
    if (c === 0) continue;
    const code = codes ? codes[k] : NO_CODE;
    const rgb = code !== NO_CODE && code < colours.length ? colours[code] : inkRgb;
    out[4 * k] = rgb[0];
    out[4 * k + 1] = rgb[1];
    out[4 * k + 2] = rgb[2];
    out[4 * k + 3] = Math.round(255 * (0.15 + 0.8 * Math.log1p(c) * scale));
  }
  return out;
}

export class DensityLayer {
  /**
   * @param {HTMLCanvasElement} canvas `canvas.lm-density`, under the points
   * @param {object} [host]
   * @param {(w: number, h: number) => HTMLCanvasElement} [host.makeCanvas]
   */
  constructor(canvas, host = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.makeCanvas = host.makeCanvas ?? makeCanvas;
    this.picture = null; // {canvas, bounds, id, total}
    this.drawn = null; // redraw at the next frame
  }

  /**
   * A new density from the kernel; an invalid one is refused with the reason (the last good
   * picture stays).
   * @param {{id: number, bounds: number[], rows: number, cols: number, total: number}} meta
   * @param {Uint32Array} counts rows × cols, row-major from the top row
   * @param {Uint16Array | null} codes each bin's most frequent colour code, or null
   * @returns {string} "" when shown, else why not
   */
  show(meta, counts, codes, palette, ink) {
    const { rows, cols, bounds } = meta ?? {};
    const ok =
      Number.isInteger(rows) &&
      Number.isInteger(cols) &&
      rows > 0 &&
      cols > 0 &&
      Array.isArray(bounds) &&
      bounds.length === 4 &&
      bounds.every(Number.isFinite) &&
      bounds[1] > bounds[0] &&
      bounds[3] > bounds[2];
    if (!ok) return `the density does not follow the protocol: ${JSON.stringify(meta)}`;
    if (counts.length !== rows * cols || (codes && codes.length !== rows * cols)) {
      return `the density has ${counts.length} counts for ${rows} × ${cols} bins`;
    }
    const canvas = this.makeCanvas(cols, rows);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(cols, rows);
    image.data.set(densityPixels({ rows, cols, counts, codes }, palette, ink));
    ctx.putImageData(image, 0, 0);
    this.picture = { canvas, bounds: [...bounds], id: meta.id, total: meta.total };
    this.drawn = null; // redraw at the next frame
    return "";
  }

  resize(cssW, cssH, dpr) {
    sizeCanvas(this.canvas, cssW, cssH, dpr);
    this.drawn = null; // redraw at the next frame
  }

  clear() {
    this.picture = null;
    this.drawn = null; // redraw at the next frame
  }

  /** Paints the density at its bounds in `view` (cheap when nothing changed: every frame). */
  draw(view) {
    const pic = this.picture;
    const { width, height } = this.canvas;
    const key = pic
      ? `${pic.id} ${view.x0} ${view.x1} ${view.y0} ${view.y1} ${width} ${height}`
      : "none";
    if (key === this.drawn) return;
    this.drawn = key;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (pic === null) return;
    const place = placeInView(pic.bounds, pic.canvas, view, width, height);
    if (place === null) return;
    ctx.imageSmoothingEnabled = false; // bins stay bins: a count is not smeared over its neighbours
    ctx.drawImage(pic.canvas, ...place.source, ...place.target);
  }
}
