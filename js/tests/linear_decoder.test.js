import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeLinear,
  imagePixels,
  parseLinearDecoder,
  recordFeatures,
} from "../linear_decoder.js";

const bytes = (a) => new DataView(Float32Array.from(a).buffer);

test("off, malformed or mismatched traits turn client decoding off", () => {
  assert.equal(parseLinearDecoder({}, bytes([])), null);
  assert.equal(parseLinearDecoder(null, null), null);
  const spec = { kind: "image", shape: [2, 2], value_range: [0, 1] };
  assert.equal(parseLinearDecoder(spec, bytes(new Array(11).fill(0))), null, "3f values needed");
  assert.notEqual(parseLinearDecoder(spec, bytes(new Array(12).fill(0))), null);
  assert.equal(parseLinearDecoder({ ...spec, shape: [2, 2, 2] }, bytes(new Array(24))), null);
  const rec = { kind: "record", names: ["a", "b"] };
  assert.equal(parseLinearDecoder(rec, bytes(new Array(6).fill(0))), null, "5f values needed");
  assert.notEqual(parseLinearDecoder(rec, bytes(new Array(10).fill(1))), null);
});

test("output = base + x·ux + y·uy, scaled to pixels like the kernel's renderer", () => {
  // 1 × 3 grey image, value_range [0, 16].
  const d = parseLinearDecoder(
    { kind: "image", shape: [1, 3], value_range: [0, 16] },
    bytes([8, 0, 16, /* ux */ 1, 2, -1, /* uy */ 0.5, 0, 0]),
  );
  const out = decodeLinear(d, 2, 4);
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

test("RGB images are channel-last (H, W, 3)", () => {
  const d = parseLinearDecoder(
    { kind: "image", shape: [1, 2, 3], value_range: [0, 1] },
    bytes([1, 0, 0, 0, 1, 0, ...new Array(12).fill(0)]),
  );
  const px = imagePixels(d, decodeLinear(d, 0, 0));
  assert.deepEqual([...px.data], [255, 0, 0, 255, 0, 255, 0, 255]);
});

test("records list every feature, or the ones furthest from the mean in feature order", () => {
  const names = ["a", "b", "c", "d"];
  const base = [1, 10, 0, 5],
    zero = [0, 0, 0, 0],
    mean = [0, 0, 0, 0],
    std = [1, 1, 0, 1];
  const d = parseLinearDecoder(
    { kind: "record", names, max_features: 2 },
    bytes([...base, ...zero, ...zero, ...mean, ...std]),
  );
  const f = recordFeatures(d, decodeLinear(d, 0, 0));
  assert.deepEqual(
    f.map((r) => r.name),
    ["b", "d"],
  );
  assert.equal(f[0].value, 10);
  const all = parseLinearDecoder(
    { kind: "record", names },
    bytes([...base, ...zero, ...zero, ...mean, ...std]),
  );
  const rows = recordFeatures(all, decodeLinear(all, 0, 0));
  assert.equal(rows.length, 4);
  assert.equal(rows[2].std, 1, "a zero std shows as 1, like the kernel");
});
