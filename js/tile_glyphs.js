// Tiles of the kernel's `atlas` and `strip` replies (docs/protocol.md) as pixels: raw RGBA
// images as they come, records as glyphs (one bar per feature, its standardised value up or
// down from a midline). Encoded images (PNG, SVG) are the browser's to decode (`decodeImage`).
// Pure functions on typed arrays: no canvas, so node tests read the pixels.

import { float32Of, uint8Of } from "./codecs.js";

export const RAW_RGBA = "image/x-raw-rgba";
/** A record glyph's side, pixels. */
export const GLYPH_SIZE = 32;
/** A bar reaches the glyph's edge at this many standard deviations from the mean. */
export const GLYPH_Z = 3;
const ABOVE = [30, 136, 229]; // above the data's mean
const BELOW = [232, 89, 12]; // below it
const MIDLINE = [128, 128, 128];

/**
 * The pixels of one tile, or null when it is an encoded image for the browser to decode (or
 * a tile this page does not know).
 * @param {{kind: string, mime?: string, width?: number, height?: number, count?: number}} tile
 * @param {DataView|ArrayBuffer|ArrayBufferView} buffer
 * @returns {{width: number, height: number, data: Uint8ClampedArray} | null}
 */
export function tilePixels(tile, buffer) {
  if (tile?.kind === "record") return recordGlyph(float32Of(buffer));
  if (tile?.kind !== "image" || tile.mime !== RAW_RGBA) return null;
  const { width, height } = tile;
  const bytes = uint8Of(buffer);
  if (!(width > 0 && height > 0) || bytes.length < width * height * 4) return null;
  const data = new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, width * height * 4);
  return { width, height, data };
}

/**
 * A record's glyph: one bar per standardised value `z` (NaN as 0), up for values above the
 * mean, down for below, full height at ±GLYPH_Z; transparent around the bars.
 * @param {ArrayLike<number>} z
 * @param {number} [size]
 * @returns {{width: number, height: number, data: Uint8ClampedArray}}
 */
export function recordGlyph(z, size = GLYPH_SIZE) {
  const data = new Uint8ClampedArray(size * size * 4);
  const mid = size >> 1;
  const put = (x, y, rgb) => {
    const q = 4 * (y * size + x);
    data[q] = rgb[0];
    data[q + 1] = rgb[1];
    data[q + 2] = rgb[2];
    data[q + 3] = 255;
  };
  for (let x = 0; x < size; x++) put(x, mid, MIDLINE);
  const n = z.length;
  for (let k = 0; k < n; k++) {
    const v = Number.isFinite(z[k]) ? Math.max(-GLYPH_Z, Math.min(GLYPH_Z, z[k])) : 0;
    const reach = Math.round((Math.abs(v) / GLYPH_Z) * (mid - 1));
    const from = Math.floor((k * size) / n);
    const to = Math.max(from + 1, Math.floor(((k + 1) * size) / n) - (size / n >= 3 ? 1 : 0));
    for (let x = from; x < to; x++) {
      for (let r = 1; r <= reach; r++) put(x, v > 0 ? mid - r : mid + r, v > 0 ? ABOVE : BELOW);
    }
  }
  return { width: size, height: size, data };
}

/**
 * The features a grid of records shows, as the kernel picks them (latent_magic/_atlas.py):
 * all, or the `max` with the largest mean |z| over the tiles (ties: the first), in order.
 * @param {Float64Array[]} rows standardised values, one array per tile
 * @param {number} max
 * @returns {number[]}
 */
export function sharedFeatures(rows, max) {
  const n = rows.length > 0 ? rows[0].length : 0;
  const all = Array.from({ length: n }, (_, k) => k);
  if (n <= max) return all;
  const score = new Float64Array(n);
  for (const z of rows) {
    for (let k = 0; k < n; k++) {
      const a = Math.abs(z[k]); // NaN counts 0 and inf the largest float, as numpy's nan_to_num
      if (!Number.isNaN(a)) score[k] += Math.min(a, Number.MAX_VALUE);
    }
  }
  return all
    .sort((a, b) => score[b] - score[a] || a - b)
    .slice(0, max)
    .sort((a, b) => a - b);
}

/**
 * Paints one tile into the w × h cell at (x, y) of a 2-D context: pixels (`tilePixels`,
 * `imagePixels`) or anything drawImage takes (a decoded image). Pixels of another size than
 * the cell go through a scratch canvas from `makeCanvas` to be scaled.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{width: number, height: number, data: Uint8ClampedArray} | CanvasImageSource} tile
 * @param {(w: number, h: number) => HTMLCanvasElement} makeCanvas
 */
export function paintTile(ctx, tile, x, y, w, h, makeCanvas) {
  if (!isPixels(tile)) {
    ctx.drawImage(tile, x, y, w, h);
    return;
  }
  const same = tile.width === w && tile.height === h;
  const target = same ? ctx : makeCanvas(tile.width, tile.height).getContext("2d");
  const image = target.createImageData(tile.width, tile.height);
  image.data.set(tile.data);
  target.putImageData(image, same ? x : 0, same ? y : 0);
  if (!same) ctx.drawImage(target.canvas, x, y, w, h);
}

/** Whether a tile is pixels (`{width, height, data}`) rather than a decoded image. */
export function isPixels(tile) {
  return tile != null && tile.data instanceof Uint8ClampedArray;
}

/**
 * Decodes an encoded image tile (PNG, SVG) in the browser.
 * @param {DataView|ArrayBuffer|ArrayBufferView} buffer
 * @param {string} mime
 * @returns {Promise<CanvasImageSource>}
 */
export async function decodeTileImage(buffer, mime) {
  const bytes = uint8Of(buffer);
  const blob = new Blob([bytes], { type: mime || "image/png" });
  if (mime !== "image/svg+xml") return createImageBitmap(blob);
  // createImageBitmap takes no SVG: an <img> decodes it.
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}
