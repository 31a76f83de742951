// The decoded atlas: what the model decodes at a grid of tile centres over the visible map
// (the classic picture of a latent manifold), painted on its own canvas (`canvas.lm-atlas`,
// above the points, under the overlay). When the view settles the grid is decoded in the
// page (when the kernel sent a decoder chain: no round trip) or asked of the kernel in ONE
// `atlas` request, latest wins: at most one in flight, a newer settle replaces the pending
// one, and replies with another id are dropped. Every frame draws the last picture at its
// data bounds in the current view: while panning it just moves (docs/protocol.md, "The
// decoded atlas").

import { decodeAt, imagePixels } from "./client_decoder.js";
import { makeCanvas, sizeCanvas } from "./dom.js";
import {
  decodeTileImage,
  GLYPH_SIZE,
  isPixels,
  paintTile,
  recordGlyph,
  sharedFeatures,
  tilePixels,
} from "./tile_glyphs.js";
import { placeInView } from "./view.js";

/** Tiles of an atlas, about: 12 × 8 in a wide map. */
export const ATLAS_TILES = 96;
/** The kernel's limit on rows and columns (latent_magic/_atlas.py MAX_SIDE). */
export const MAX_SIDE = 64;
/** A reply not come by then lets a newer request go out (a slow model's may still come). */
export const ATLAS_TIMEOUT_MS = 10000;
/** A picture's cell is at most this many pixels on a side (larger tiles are scaled down). */
const MAX_CELL = 256;

/**
 * Rows and columns for a cssW × cssH map: about `target` tiles, roughly square on screen.
 * @returns {{rows: number, cols: number}}
 */
export function gridFor(cssW, cssH, target = ATLAS_TILES) {
  if (!(cssW > 0 && cssH > 0)) return { rows: 1, cols: 1 };
  const side = Math.sqrt((cssW * cssH) / target);
  const fit = (v) => Math.max(1, Math.min(MAX_SIDE, Math.round(v)));
  return { rows: fit(cssH / side), cols: fit(cssW / side) };
}

/**
 * Tile centres, row-major from the top row (largest y), interleaved x y, as the kernel's
 * `atlas_positions`: x = x0 + (j + ½)(x1 − x0)/cols, y = y1 − (i + ½)(y1 − y0)/rows.
 * @param {number[]} bounds [x0, x1, y0, y1]
 * @returns {Float64Array}
 */
export function tileCentres(bounds, rows, cols) {
  const [x0, x1, y0, y1] = bounds;
  const out = new Float64Array(2 * rows * cols);
  for (let i = 0, k = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++, k += 2) {
      out[k] = x0 + (j + 0.5) * ((x1 - x0) / cols);
      out[k + 1] = y1 - (i + 0.5) * ((y1 - y0) / rows);
    }
  }
  return out;
}

/**
 * The tiles the page's decoder makes for a grid: images as its previews, records as glyphs
 * of the features the kernel would pick.
 * @param {object} d a parsed decoder (client_decoder.js parseClientDecoder)
 * @returns {{width: number, height: number, data: Uint8ClampedArray}[]}
 */
export function pageTiles(d, bounds, rows, cols) {
  const centres = tileCentres(bounds, rows, cols);
  const n = rows * cols;
  if (d.kind === "image") {
    return Array.from({ length: n }, (_, k) =>
      imagePixels(d, decodeAt(d, centres[2 * k], centres[2 * k + 1])),
    );
  }
  const z = Array.from({ length: n }, (_, k) => {
    const values = decodeAt(d, centres[2 * k], centres[2 * k + 1]);
    const row = new Float64Array(d.size);
    for (let f = 0; f < d.size; f++)
      row[f] = (values[f] - d.mean[f]) / (d.std[f] > 0 ? d.std[f] : 1);
    return row;
  });
  const shown = sharedFeatures(z, d.maxFeatures);
  return z.map((row) => recordGlyph(shown.map((f) => row[f])));
}

/**
 * Clears a line one CSS pixel wide between neighbouring tiles (the points show through), so
 * small tiles that touch (8 × 8 digits) do not run together.
 * @param {number} dpr canvas pixels per CSS pixel
 */
export function cutGaps(ctx, pic, view, kx, ky, target, dpr) {
  const [x0, x1, y0, y1] = pic.bounds;
  const [tx, ty, tw, th] = target;
  const line = Math.max(1, Math.round(dpr));
  for (let j = 1; j < pic.cols; j++) {
    const x = (x0 + (j * (x1 - x0)) / pic.cols - view.x0) * kx;
    if (x > tx && x < tx + tw) ctx.clearRect(Math.round(x - line / 2), ty, line, th);
  }
  for (let i = 1; i < pic.rows; i++) {
    const y = (view.y1 - (y1 - (i * (y1 - y0)) / pic.rows)) * ky;
    if (y > ty && y < ty + th) ctx.clearRect(tx, Math.round(y - line / 2), tw, line);
  }
}

export class AtlasLayer {
  /**
   * @param {HTMLCanvasElement} canvas `canvas.lm-atlas`
   * @param {object} host
   * @param {(content: object) => void} host.send an `atlas` request (the caller adds the view)
   * @param {() => object | null} host.clientDecoder the page's parsed decoder, or null
   * @param {() => boolean} [host.canDecode] whether the kernel can decode (`_decoder`)
   * @param {() => void} [host.changed] a new picture is ready (ask for a frame)
   * @param {(w: number, h: number) => HTMLCanvasElement} [host.makeCanvas]
   * @param {(buffer: any, mime: string) => Promise<CanvasImageSource>} [host.decodeImage]
   * @param {number} [host.timeoutMs]
   * @param {(fn: Function, ms: number) => any} [host.setTimer]
   * @param {(t: any) => void} [host.clearTimer]
   * @param {() => number} [host.now] the clock of `shown.ms` (performance.now)
   */
  constructor(canvas, host) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.send = host.send;
    this.clientDecoder = host.clientDecoder;
    this.canDecode = host.canDecode ?? (() => true);
    this.changed = host.changed ?? (() => {});
    this.makeCanvas = host.makeCanvas ?? makeCanvas;
    this.decodeImage = host.decodeImage ?? decodeTileImage;
    this.timeoutMs = host.timeoutMs ?? ATLAS_TIMEOUT_MS;
    this.setTimer = host.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = host.clearTimer ?? ((t) => clearTimeout(t));
    this.now = host.now ?? (() => performance.now());
    this.on = false;
    this.width = 0;
    this.height = 0;
    this.nextId = 1; // ids of pictures: kernel requests and page decodes alike
    this.settles = 0; // bumped per settle wanting a picture: an older never replaces a newer
    this.generation = 0; // bumped when the map changes: pictures asked before are stale
    this.wanted = ""; // the grid the last settle wanted (a repeat asks nothing)
    this.inFlight = null; // {id, seq, key, generation, timer, expired}: the request sent
    this.pending = null; // {content, seq, key}: the newest settle, sent when the slot frees
    // {canvas, bounds: [x0, x1, y0, y1], rows, cols, id, source, key, seq, t0, ms}: what is
    // shown; t0 is when the settle asked for it, ms its first paint on the map after that
    this.picture = null;
    this.drawn = ""; // what the canvas shows now
    this.error = ""; // the kernel's refusal of the last request ("" when it answered)
    this.stopped = false;
    this.disposed = false;
  }

  /** Turns the atlas on or off (then call `settled` with the view to show it). */
  setOn(on) {
    this.on = Boolean(on);
    this.wanted = "";
    if (!this.on) this.pending = null;
    this.drawn = "";
  }

  resize(cssW, cssH, dpr) {
    this.width = cssW;
    this.height = cssH;
    sizeCanvas(this.canvas, cssW, cssH, dpr);
    this.drawn = "";
  }

  /**
   * The view has settled (after a pan or zoom, or when turned on): a picture of it is made
   * in the page or asked of the kernel, unless it is the one already shown or asked.
   * @param {{x0: number, x1: number, y0: number, y1: number}} view
   */
  settled(view) {
    if (!this.on || this.disposed || !(this.width > 0 && this.height > 0)) return;
    const bounds = [view.x0, view.x1, view.y0, view.y1];
    if (!bounds.every(Number.isFinite) || !(view.x1 > view.x0 && view.y1 > view.y0)) return;
    const { rows, cols } = gridFor(this.width, this.height);
    const key = `${rows}x${cols} ${bounds.join(" ")}`;
    if (key === this.wanted) return;
    this.wanted = key;
    this.pending = null; // a newer settle replaces it
    if (this.picture?.key === key) return;
    const f = this.inFlight;
    // Its reply is coming, and will be shown (not if the map changed since it was asked).
    if (f?.key === key && !f.expired && f.generation === this.generation) return;
    const seq = ++this.settles;
    const t0 = this.now();
    const decoder = this.clientDecoder();
    if (decoder) {
      const tiles = pageTiles(decoder, bounds, rows, cols);
      this.install(tiles, { bounds, rows, cols, key, seq, t0, id: this.nextId++, source: "page" });
      return;
    }
    if (this.stopped || !this.canDecode()) return;
    const [x0, x1, y0, y1] = bounds;
    this.pending = { content: { type: "atlas", x0, x1, y0, y1, rows, cols }, seq, key, t0 };
    if (this.inFlight === null || this.inFlight.expired) this.flush();
  }

  flush() {
    const p = this.pending;
    if (p === null || this.stopped || this.disposed) return;
    this.pending = null;
    if (this.inFlight !== null) this.clearTimer(this.inFlight.timer);
    const id = this.nextId++;
    const timer = this.setTimer(() => this.expire(id), this.timeoutMs);
    this.inFlight = {
      id,
      seq: p.seq,
      key: p.key,
      t0: p.t0,
      generation: this.generation,
      timer,
      expired: false,
    };
    this.send({ ...p.content, id });
  }

  expire(id) {
    if (this.inFlight?.id !== id) return;
    this.inFlight.expired = true; // its reply is still taken if nothing newer went out
    this.flush();
  }

  /**
   * Takes an `atlas` reply; returns whether it was the one in flight (others are dropped).
   * @param {object} msg
   * @param {Array<DataView|ArrayBuffer>} buffers one per tile, row-major
   */
  receive(msg, buffers) {
    const f = this.inFlight;
    if (msg?.type !== "atlas" || f === null || msg.id !== f.id) return false;
    this.clearTimer(f.timer);
    this.inFlight = null;
    if (typeof msg.error === "string" && msg.error) {
      this.error = msg.error; // the kernel's notice says it to the user
    } else if (f.generation === this.generation) {
      this.error = "";
      this.kernelPicture(msg, buffers || [], f);
    }
    this.flush();
    return true;
  }

  kernelPicture(msg, buffers, f) {
    const { rows, cols, tiles, bounds } = msg;
    const ok =
      Number.isInteger(rows) &&
      Number.isInteger(cols) &&
      Array.isArray(tiles) &&
      tiles.length === rows * cols &&
      buffers.length === tiles.length &&
      Array.isArray(bounds) &&
      bounds.length === 4 &&
      bounds.every(Number.isFinite);
    if (!ok) {
      const got = `${tiles?.length} tiles and ${buffers.length} buffers for ${rows} × ${cols}`;
      this.error = `the atlas reply does not follow the protocol: ${got}`;
      return;
    }
    const where = {
      bounds,
      rows,
      cols,
      key: f.key,
      seq: f.seq,
      t0: f.t0,
      id: f.id,
      source: "kernel",
    };
    const items = tiles.map((tile, k) => {
      const pixels = tilePixels(tile, buffers[k]);
      if (pixels !== null || tile?.kind !== "image") return pixels;
      return this.decodeImage(buffers[k], tile.mime).catch(() => null);
    });
    if (items.some((item) => item instanceof Promise)) {
      const generation = this.generation;
      Promise.all(items).then((done) => {
        if (generation === this.generation) this.install(done, where);
      });
    } else {
      this.install(items, where);
    }
  }

  /** Makes the picture of a grid's tiles (null tiles stay empty), unless a newer one is up. */
  install(tiles, where) {
    if (this.disposed || (this.picture !== null && this.picture.seq > where.seq)) return;
    const first = tiles.find((t) => t != null && t.width > 0 && t.height > 0);
    const cellW = Math.min(MAX_CELL, first ? first.width : GLYPH_SIZE);
    const cellH = Math.min(MAX_CELL, first ? first.height : GLYPH_SIZE);
    const canvas = this.makeCanvas(where.cols * cellW, where.rows * cellH);
    const ctx = canvas.getContext("2d");
    for (const [k, tile] of tiles.entries()) {
      if (tile == null) continue;
      const i = Math.floor(k / where.cols),
        j = k % where.cols;
      paintTile(ctx, tile, j * cellW, i * cellH, cellW, cellH, this.makeCanvas);
      if (!isPixels(tile)) tile.close?.(); // an ImageBitmap's memory goes now
    }
    this.picture = { ...where, canvas, ms: undefined };
    this.drawn = "";
    this.changed();
  }

  /**
   * Paints the picture at its bounds in `view` (cheap when nothing changed: call it every frame).
   * @param {{x0: number, x1: number, y0: number, y1: number}} view
   */
  draw(view) {
    const pic = this.on ? this.picture : null;
    const { width, height } = this.canvas;
    const key = pic
      ? `${pic.id} ${view.x0} ${view.x1} ${view.y0} ${view.y1} ${width} ${height}`
      : "off";
    if (key === this.drawn) return;
    this.drawn = key;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (pic === null) return;
    // Only the part in view is drawn: deep in a zoom the whole picture would be millions of
    // pixels wide.
    const place = placeInView(pic.bounds, pic.canvas, view, width, height);
    if (place === null) return;
    const { source, target } = place;
    const kx = width / (view.x1 - view.x0),
      ky = height / (view.y1 - view.y0);
    // Enlarged tiles keep their pixels sharp (8 × 8 digits); shrunk ones are smoothed.
    ctx.imageSmoothingEnabled = target[2] < source[2] || target[3] < source[3];
    ctx.drawImage(pic.canvas, ...source, ...target);
    cutGaps(ctx, pic, view, kx, ky, target, this.canvas.width / Math.max(1, this.width));
    // Settle → painted, for the benchmarks (`shown.ms`): the first time it reaches the map.
    if (pic.ms === undefined) pic.ms = this.now() - pic.t0;
  }

  /** The map changed (points, axes, anchor, decoder): pictures made or asked before are stale. */
  invalidate() {
    this.generation++;
    this.picture = null;
    this.wanted = "";
    this.pending = null;
    this.drawn = "";
  }

  /** The kernel is gone: nothing more is asked (what the page decodes itself still shows). */
  stop() {
    this.stopped = true;
    this.pending = null;
    if (this.inFlight !== null) this.clearTimer(this.inFlight.timer);
    this.inFlight = null;
  }

  /**
   * What is shown, for `data-atlas`: null when nothing is. `ms` (once painted on the map):
   * milliseconds from the settle that asked for this picture to its first paint.
   */
  get shown() {
    const pic = this.on ? this.picture : null;
    if (pic === null) return null;
    const { id, rows, cols, bounds, source, ms } = pic;
    const out = { id, rows, cols, bounds: [...bounds], source };
    if (ms !== undefined) out.ms = Math.round(ms * 100) / 100;
    return out;
  }

  dispose() {
    this.disposed = true;
    this.stop();
    this.picture = null;
  }
}
