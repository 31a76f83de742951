// The page's decoder against the kernel's own decode. tests/test_client_decoder.py writes
// js/tests/golden/*.json from a small torch chain per activation (and one record decoder):
// the `_client_decoder` description and `_client_weights` bytes the widget sends, map
// positions, and what the model decodes there, with the pixels and record rows the kernel's
// renderer makes of it. A missing file fails here; a stale one fails the Python test.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  ACTIVATIONS,
  decodeAt,
  decodeLatent,
  imagePixels,
  parseClientDecoder,
  recordFeatures,
} from "../client_decoder.js";

const GOLDEN = new URL("./golden/", import.meta.url);
const CASES = [...Object.keys(ACTIVATIONS), "record"];
// The page runs float32 weights in float64; the kernel, the float32 model with its float64
// lift. Their outputs agree to float32 precision, relative to the output's scale.
const TOLERANCE = 1e-5;

const load = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN), "utf8"));

/** The bytes as the page receives them: a DataView that need not start its buffer. */
function weightsOf(text) {
  const bytes = Buffer.from(text, "base64");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function assertClose(actual, expected, where) {
  assert.equal(actual.length, expected.length, `${where}: length`);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    assert.ok(error <= TOLERANCE * scale, `${where}[${i}]: ${actual[i]}, kernel ${expected[i]}`);
  }
}

/** Whether `value` lands within float32 noise of half a grey level (where rounding turns). */
function onBoundary(value, [lo, hi]) {
  const level = ((value - lo) / (hi - lo)) * 255 + 0.5;
  return Math.abs(level - Math.round(level)) < 1e-3;
}

test("a golden file for every activation the page implements, and none for others", () => {
  const files = readdirSync(GOLDEN)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length));
  assert.deepEqual(files.sort(), [...CASES].sort());
});

for (const name of CASES) {
  test(`the page decodes the golden ${name} chain as the kernel does`, () => {
    const golden = load(name); // throws, and fails, when the file is missing
    const spec = golden.client_decoder;
    const d = parseClientDecoder(spec, weightsOf(golden.client_weights));
    assert.notEqual(d, null, "the page accepts what the kernel sends");
    if (name !== "record") {
      assert.deepEqual(
        d.layers.map((layer) => layer.op),
        ["linear", name, "linear", name],
      );
    }
    // A data point's own latent goes through the first layer as it takes a latent.
    assert.equal(d.point?.n, golden.point_latents[0].length, "the latent layer is read");
    golden.point_latents.forEach((z, k) => {
      assertClose(decodeLatent(d, z), golden.point_outputs[k], `${name} point ${k}`);
    });
    assert.ok(golden.positions.length > 0);
    golden.positions.forEach(([x, y], k) => {
      const where = `${name} at (${x}, ${y})`;
      const values = decodeAt(d, x, y);
      assertClose(values, golden.outputs[k], where);
      if (d.kind === "image") {
        const pixels = imagePixels(d, values);
        const kernel = Buffer.from(golden.pixels[k], "base64");
        assert.deepEqual([pixels.height, pixels.width], spec.shape.slice(0, 2), where);
        assert.equal(pixels.data.length, kernel.length, `${where}: RGBA bytes`);
        const channels = spec.shape.length === 3 ? spec.shape[2] : 1;
        for (let i = 0; i < kernel.length; i++) {
          const pixel = Math.floor(i / 4),
            c = i % 4;
          const value =
            c === 3 && channels < 4
              ? null
              : golden.outputs[k][pixel * channels + (channels === 1 ? 0 : c)];
          // Exact, but for a value within float32 noise of a rounding boundary: one step.
          const slack = value !== null && onBoundary(value, spec.value_range) ? 1 : 0;
          assert.ok(Math.abs(pixels.data[i] - kernel[i]) <= slack, `${where}: byte ${i}`);
        }
      } else {
        const rows = recordFeatures(d, values);
        const shown = golden.shown[k];
        assert.deepEqual(
          rows.map((row) => row.name),
          shown.map((i) => spec.names[i]),
          `${where}: the features shown`,
        );
        assertClose(
          rows.map((row) => row.value),
          shown.map((i) => golden.outputs[k][i]),
          `${where}: values`,
        );
        assertClose(
          rows.map((row) => row.mean),
          shown.map((i) => golden.mean[i]),
          `${where}: means`,
        );
        assertClose(
          rows.map((row) => row.std),
          shown.map((i) => golden.std[i]),
          `${where}: spreads`,
        );
      }
    });
  });
}
