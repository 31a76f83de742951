// Client-side decoding: when the kernel sends `_client_decoder` (the small JSON part) and
// `_client_weights` (float32), the decoder's output at map position (x, y) is computed here
// in about a millisecond instead of a round trip to the kernel. The decoder is a chain of
// dense layers and elementwise activations whose first layer takes (x, y) (the kernel folded
// the map's lift into it): an affine model (PCA) is one dense layer, a small PyTorch MLP a
// few. The activations mirror latent_magic/client_decoder.py; the pixel and record rules
// mirror latent_magic/renderers.py.

import { float32Of } from "./codecs.js";

const DEFAULT_MAX_FEATURES = 24;

const sigmoid = (v) => 0.5 * (1 + Math.tanh(0.5 * v));

/** erf to ~1.5e-7 (Abramowitz & Stegun 7.1.26); far below a pixel's 1/255. */
function erf(v) {
  const s = v < 0 ? -1 : 1;
  const a = Math.abs(v);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}

/** Elementwise activations by name: f(value, param). */
export const ACTIVATIONS = {
  relu: (v) => Math.max(v, 0),
  leaky_relu: (v, p) => (v > 0 ? v : p * v),
  tanh: (v) => Math.tanh(v),
  sigmoid,
  elu: (v, p) => (v > 0 ? v : p * Math.expm1(v)),
  silu: (v) => v * sigmoid(v),
  softplus: (v, p) => (p * v > 20 ? v : Math.log1p(Math.exp(p * v)) / p),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  gelu_tanh: (v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))),
};

/**
 * Validates the trait pair; returns null when client decoding is off or the parts disagree.
 * @param {object} spec `_client_decoder`
 * @param {DataView|ArrayBuffer|null} bytes `_client_weights`
 * @returns {{kind: string, size: number, shape: number[], range: number[], names: string[],
 *   maxFeatures: number, exact: boolean, layers: object[], mean: Float32Array|null,
 *   std: Float32Array|null, scratch: Float64Array[], out: Float64Array} | null}
 */
export function parseClientDecoder(spec, bytes) {
  if (!spec || typeof spec !== "object") return null;
  const kind = spec.kind;
  if (kind !== "image" && kind !== "record") return null;
  let weights;
  try {
    weights = float32Of(bytes);
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
  const chain = readLayers(spec.layers, weights);
  if (chain === null || chain.width !== size) return null;
  let mean = null,
    std = null;
  if (kind === "record") {
    if (weights.length < chain.used + 2 * size) return null;
    mean = weights.subarray(chain.used, chain.used + size);
    std = weights.subarray(chain.used + size, chain.used + 2 * size);
  }
  const pointAt = chain.used + (kind === "record" ? 2 * size : 0);
  const point = readPointLayer(spec.point_layer, weights, pointAt, chain.layers[0]);
  const range = Array.isArray(spec.value_range) ? spec.value_range.map(Number) : [0, 1];
  return {
    kind,
    size,
    shape,
    range: range.length === 2 && range.every(Number.isFinite) ? range : [0, 1],
    names,
    maxFeatures: Number(spec.max_features) > 0 ? Number(spec.max_features) : DEFAULT_MAX_FEATURES,
    exact: spec.exact !== false,
    layers: chain.layers,
    point,
    mean,
    std,
    // Two buffers the layers write in turn, and the output: no allocation per hover.
    scratch: [
      new Float64Array(Math.max(chain.widest, point?.n ?? 0)),
      new Float64Array(Math.max(chain.widest, point?.n ?? 0)),
    ],
    out: new Float64Array(size),
  };
}

/**
 * The layers with their weight views: dense layers take their (in × out) weights and (out)
 * biases from `weights` in order; the first takes the map position (in = 2).
 */
function readLayers(specs, weights) {
  if (!Array.isArray(specs) || specs.length === 0) return null;
  const layers = [];
  let width = 2,
    widest = 2,
    used = 0;
  for (const [k, spec] of specs.entries()) {
    const op = spec?.op;
    if (op === "linear") {
      const n = Number(spec.in),
        m = Number(spec.out);
      if (n !== width || !(Number.isInteger(m) && m > 0)) return null;
      if (weights.length < used + n * m + m) return null;
      const w = weights.subarray(used, used + n * m);
      const b = weights.subarray(used + n * m, used + n * m + m);
      layers.push({ op, n, m, w, b });
      used += n * m + m;
      width = m;
      widest = Math.max(widest, m);
    } else if (Object.hasOwn(ACTIVATIONS, op) && k > 0) {
      const param = Number(spec.param);
      layers.push({ op, f: ACTIVATIONS[op], param: Number.isFinite(param) ? param : 0 });
    } else {
      return null;
    }
  }
  if (layers[0].op !== "linear") return null;
  return { layers, width, widest, used };
}

/**
 * The first dense layer as it takes a latent (`point_layer`: no map lift folded in), read
 * after the chain's weights (and a record's mean and std); null when absent or inconsistent.
 */
function readPointLayer(spec, weights, at, first) {
  if (!spec || typeof spec !== "object") return null;
  const n = Number(spec.in),
    m = Number(spec.out);
  if (!(Number.isInteger(n) && n > 0) || m !== first.m) return null;
  if (weights.length < at + n * m + m) return null;
  const w = weights.subarray(at, at + n * m);
  const b = weights.subarray(at + n * m, at + n * m + m);
  return { op: "linear", n, m, w, b };
}

/**
 * The decoded output at (x, y), run through the chain in float64 (weights are float32).
 * Returns `d.out`, overwritten by the next call.
 * @returns {Float64Array}
 */
export function decodeAt(d, x, y) {
  d.scratch[0][0] = x;
  d.scratch[0][1] = y;
  return run(d, d.layers);
}

/**
 * The decoded output of a latent `z` (length `d.point.n`, e.g. a data point's own latent):
 * the chain with its first layer as it takes a latent. Needs `d.point`; returns `d.out`.
 * @param {ArrayLike<number>} z
 * @returns {Float64Array}
 */
export function decodeLatent(d, z) {
  if (!d.point || z.length !== d.point.n) throw new Error("no latent layer of that width");
  d.scratch[0].set(z);
  return run(d, [d.point, ...d.layers.slice(1)]);
}

function run(d, layers) {
  let [a, b] = d.scratch;
  let width = 2;
  for (const layer of layers) {
    if (layer.op === "linear") {
      // Input-major weights: each input adds its row, and inputs a ReLU zeroed cost nothing.
      const { n, m, w, b: bias } = layer;
      b.set(bias);
      for (let i = 0, row = 0; i < n; i++, row += m) {
        const v = a[i];
        if (v === 0) continue;
        for (let o = 0; o < m; o++) b[o] += v * w[row + o];
      }
      [a, b] = [b, a];
      width = m;
    } else {
      const { f, param } = layer;
      for (let i = 0; i < width; i++) a[i] = f(a[i], param);
    }
  }
  d.out.set(a.subarray(0, d.size));
  return d.out;
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
