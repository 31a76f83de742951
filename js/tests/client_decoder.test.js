import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ACTIVATIONS,
  decodeAt,
  imagePixels,
  parseClientDecoder,
  recordFeatures,
} from "../client_decoder.js";

const bytes = (a) => new DataView(Float32Array.from(a).buffer);

/** An affine decoder: one dense layer (f outputs) from (x, y); weights are (2 × out). */
function affine(base, ux, uy) {
  return { weights: [...ux, ...uy, ...base], layers: [{ op: "linear", in: 2, out: base.length }] };
}

test("off, malformed or mismatched traits turn client decoding off", () => {
  assert.equal(parseClientDecoder({}, bytes([])), null);
  assert.equal(parseClientDecoder(null, null), null);
  const a = affine([0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]);
  const spec = { kind: "image", shape: [2, 2], value_range: [0, 1], layers: a.layers };
  assert.equal(parseClientDecoder(spec, bytes(a.weights.slice(1))), null, "12 values needed");
  assert.notEqual(parseClientDecoder(spec, bytes(a.weights)), null);
  assert.equal(parseClientDecoder({ ...spec, shape: [2, 2, 2] }, bytes(a.weights)), null);
  assert.equal(parseClientDecoder({ ...spec, shape: [4, 2] }, bytes(a.weights)), null, "size");
  const noLayers = { ...spec, layers: [] };
  assert.equal(parseClientDecoder(noLayers, bytes(a.weights)), null);
  const unknown = { ...spec, layers: [...a.layers, { op: "softmax" }] };
  assert.equal(parseClientDecoder(unknown, bytes(a.weights)), null, "unknown activation");
  const wrongIn = { ...spec, layers: [{ op: "linear", in: 3, out: 4 }] };
  assert.equal(parseClientDecoder(wrongIn, bytes(new Array(16).fill(0))), null, "first in = 2");
  const rec = { kind: "record", names: ["a", "b"], layers: [{ op: "linear", in: 2, out: 2 }] };
  assert.equal(parseClientDecoder(rec, bytes(new Array(6).fill(0))), null, "mean, std needed");
  assert.notEqual(parseClientDecoder(rec, bytes(new Array(10).fill(1))), null);
});

test("an affine decoder: base + x·ux + y·uy, scaled to pixels like the kernel's renderer", () => {
  // 1 × 3 grey image, value_range [0, 16].
  const a = affine([8, 0, 16], [1, 2, -1], [0.5, 0, 0]);
  const d = parseClientDecoder(
    { kind: "image", shape: [1, 3], value_range: [0, 16], layers: a.layers },
    bytes(a.weights),
  );
  const out = decodeAt(d, 2, 4);
  assert.deepEqual([...out], [12, 4, 14]);
  const px = imagePixels(d, out);
  assert.equal(px.width, 3);
  assert.equal(px.height, 1);
  const g = (v) => Math.floor(Math.min(1, Math.max(0, v / 16)) * 255 + 0.5);
  assert.deepEqual(
    [...px.data],
    [g(12), g(12), g(12), 255, g(4), g(4), g(4), 255, g(14), g(14), g(14), 255],
  );
  // Clipped at both ends, NaN as the low end.
  const clip = imagePixels(d, Float64Array.of(-5, 99, Number.NaN));
  assert.deepEqual([clip.data[0], clip.data[4], clip.data[8]], [0, 255, 0]);
});

test("an MLP: dense layers and activations in order, from the map position", () => {
  // (x, y) → 2 hidden (relu) → 1 output (tanh).
  const layers = [
    { op: "linear", in: 2, out: 2 },
    { op: "relu" },
    { op: "linear", in: 2, out: 1 },
    { op: "tanh" },
  ];
  // hidden = [x - y, 2y + 1]; out = tanh(0.5·h0 - h1 + 0.25); weights are (in × out).
  const weights = [1, 0, -1, 2, /* b */ 0, 1, /* W2 */ 0.5, -1, /* b2 */ 0.25];
  const d = parseClientDecoder(
    { kind: "image", shape: [1, 1], value_range: [-1, 1], layers },
    bytes(weights),
  );
  const expect = (x, y) => {
    const h0 = Math.max(0, x - y),
      h1 = Math.max(0, 2 * y + 1);
    return Math.tanh(0.5 * h0 - h1 + 0.25);
  };
  for (const [x, y] of [
    [0, 0],
    [3, -1],
    [-2, 0.5],
    [1.5, -4],
  ]) {
    assert.ok(Math.abs(decodeAt(d, x, y)[0] - expect(x, y)) < 1e-6, `at (${x}, ${y})`);
  }
});

test("activations match their definitions (and the kernel's numpy ones)", () => {
  const A = ACTIVATIONS;
  assert.equal(A.relu(-2), 0);
  assert.equal(A.leaky_relu(-2, 0.2), -0.4);
  assert.ok(Math.abs(A.sigmoid(0.7) - 1 / (1 + Math.exp(-0.7))) < 1e-12);
  assert.equal(A.sigmoid(-1000), 0, "no overflow");
  assert.ok(Math.abs(A.elu(-1, 1) - (Math.exp(-1) - 1)) < 1e-12);
  assert.ok(Math.abs(A.silu(2) - 2 / (1 + Math.exp(-2))) < 1e-12);
  assert.ok(Math.abs(A.softplus(1, 1) - Math.log(1 + Math.E)) < 1e-12);
  assert.equal(A.softplus(50, 1), 50, "linear past the threshold");
  // gelu(1) = 0.5·(1 + erf(1/√2)) = 0.8413447460685429
  assert.ok(Math.abs(A.gelu(1) - 0.8413447460685429) < 1e-6);
  assert.ok(Math.abs(A.gelu(-1) + 0.15865525393145707) < 1e-6);
  assert.ok(Math.abs(A.gelu_tanh(1) - 0.8411919906082768) < 1e-9);
});

test("RGB images are channel-last (H, W, 3)", () => {
  const a = affine([1, 0, 0, 0, 1, 0], new Array(6).fill(0), new Array(6).fill(0));
  const d = parseClientDecoder(
    { kind: "image", shape: [1, 2, 3], value_range: [0, 1], layers: a.layers },
    bytes(a.weights),
  );
  const px = imagePixels(d, decodeAt(d, 0, 0));
  assert.deepEqual([...px.data], [255, 0, 0, 255, 0, 255, 0, 255]);
});

test("records list every feature, or the ones furthest from the mean in feature order", () => {
  const names = ["a", "b", "c", "d"];
  const zero = [0, 0, 0, 0];
  const a = affine([1, 10, 0, 5], zero, zero);
  const mean = [0, 0, 0, 0],
    std = [1, 1, 0, 1];
  const spec = { kind: "record", names, layers: a.layers };
  const d = parseClientDecoder(
    { ...spec, max_features: 2 },
    bytes([...a.weights, ...mean, ...std]),
  );
  const f = recordFeatures(d, decodeAt(d, 0, 0));
  assert.deepEqual(
    f.map((r) => r.name),
    ["b", "d"],
  );
  assert.equal(f[0].value, 10);
  const all = parseClientDecoder(spec, bytes([...a.weights, ...mean, ...std]));
  const rows = recordFeatures(all, decodeAt(all, 0, 0));
  assert.equal(rows.length, 4);
  assert.equal(rows[2].std, 1, "a zero std shows as 1, like the kernel");
});
