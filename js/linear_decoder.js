// Client-side decoding for linear models: when the kernel sends `_linear_decoder` (the small
// JSON part) and `_linear_basis` (float32 base, ux, uy [, mean, std]), the decoded output at
// map position (x, y) is base + x·ux + y·uy, computed here in microseconds instead of a
// round trip to the kernel. The pixel and record rules mirror latent_magic/renderers.py.

import { float32Of } from "./codecs.js";

const DEFAULT_MAX_FEATURES = 24;

/**
 * Validates the trait pair; returns null when client decoding is off or the parts disagree.
 * @param {object} spec `_linear_decoder`
 * @param {DataView|ArrayBuffer|null} bytes `_linear_basis`
 * @returns {{kind: string, size: number, shape: number[], range: number[], names: string[],
 *   maxFeatures: number, exact: boolean, base: Float32Array, ux: Float32Array,
 *   uy: Float32Array, mean: Float32Array|null, std: Float32Array|null} | null}
 */
export function parseLinearDecoder(spec, bytes) {
  if (!spec || typeof spec !== "object") return null;
  const kind = spec.kind;
  if (kind !== "image" && kind !== "record") return null;
  let basis;
  try {
    basis = float32Of(bytes);
  } catch {
    return null;
  }
  const shape = Array.isArray(spec.shape) ? spec.shape.map(Number) : [];
  const names = Array.isArray(spec.names) ? spec.names.map(String) : [];
  let size;
  if (kind === "image") {
    const channels = shape.length === 3 ? shape[2] : 1;
    if (shape.length < 2 || shape.length > 3 || ![1, 3, 4].includes(channels)) return null;
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) return null;
    size = shape[0] * shape[1] * channels;
  } else {
    size = names.length;
  }
  const parts = kind === "record" ? 5 : 3;
  if (!(size > 0) || basis.length < parts * size) return null;
  const part = (k) => basis.subarray(k * size, (k + 1) * size);
  const range = Array.isArray(spec.value_range) ? spec.value_range.map(Number) : [0, 1];
  return {
    kind,
    size,
    shape,
    range: range.length === 2 && range.every(Number.isFinite) ? range : [0, 1],
    names,
    maxFeatures: Number(spec.max_features) > 0 ? Number(spec.max_features) : DEFAULT_MAX_FEATURES,
    exact: spec.exact !== false,
    base: part(0),
    ux: part(1),
    uy: part(2),
    mean: kind === "record" ? part(3) : null,
    std: kind === "record" ? part(4) : null,
  };
}

/**
 * The decoded output at (x, y): base + x·ux + y·uy (float64 sums of the float32 parts).
 * @returns {Float64Array}
 */
export function decodeLinear(d, x, y, out = new Float64Array(d.size)) {
  const { base, ux, uy } = d;
  for (let k = 0; k < d.size; k++) out[k] = base[k] + x * ux[k] + y * uy[k];
  return out;
}

/**
 * RGBA pixels of an image output, scaled like renderers.to_uint8_image: value_range maps to
 * 0..255, clipped, NaN as the low end; (H, W) and (H, W, 1) grey, (H, W, 3) RGB, (H, W, 4) RGBA.
 * @returns {{width: number, height: number, data: Uint8ClampedArray}}
 */
export function imagePixels(d, values) {
  const [height, width] = d.shape;
  const channels = d.shape.length === 3 ? d.shape[2] : 1;
  const [lo, hi] = d.range;
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  const data = new Uint8ClampedArray(width * height * 4);
  const byte = (v) => {
    const t = (v - lo) * scale;
    if (!(t > 0)) return 0; // NaN and below the range
    return t >= 1 ? 255 : Math.floor(t * 255 + 0.5);
  };
  for (let p = 0, q = 0; p < width * height; p++, q += 4) {
    const k = p * channels;
    if (channels === 1) {
      const g = byte(values[k]);
      data[q] = g;
      data[q + 1] = g;
      data[q + 2] = g;
      data[q + 3] = 255;
    } else {
      data[q] = byte(values[k]);
      data[q + 1] = byte(values[k + 1]);
      data[q + 2] = byte(values[k + 2]);
      data[q + 3] = channels === 4 ? byte(values[k + 3]) : 255;
    }
  }
  return { width, height, data };
}

/**
 * The record view's features, like renderers.RecordRenderer: all of them, or the
 * max_features furthest from the mean (in standard deviations), in feature order.
 * @returns {{name: string, value: number, mean: number, std: number}[]}
 */
export function recordFeatures(d, values) {
  const n = d.size;
  const std = (k) => (d.std[k] > 0 ? d.std[k] : 1);
  let shown = Array.from({ length: n }, (_, k) => k);
  if (n > d.maxFeatures) {
    const deviation = (k) => Math.abs(values[k] - d.mean[k]) / std(k);
    shown = shown
      .sort((a, b) => deviation(b) - deviation(a) || a - b)
      .slice(0, d.maxFeatures)
      .sort((a, b) => a - b);
  }
  return shown.map((k) => ({ name: d.names[k], value: values[k], mean: d.mean[k], std: std(k) }));
}
