import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTick, niceTicks } from "../overlay.js";

const labels = (a, b, count) => {
  const t = niceTicks(a, b, count);
  return t.values.map((v) => formatTick(v, t.step));
};

test("ticks across zero read 0, never an exponent or a minus zero", () => {
  assert.deepEqual(labels(-0.3, 0.3, 6), ["-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]);
  assert.deepEqual(labels(-25, 25, 5), ["-20", "-10", "0", "10", "20"]);
  // A tick summed from a step that binary floats cannot hold lands a hair off zero.
  assert.equal(formatTick(2.1e-6, 0.5), "0.0");
  assert.equal(formatTick(-5.551115123125783e-17, 0.1), "0.0");
});

test("tick labels have the decimals their step needs", () => {
  assert.equal(formatTick(0.25, 0.05), "0.25");
  assert.equal(formatTick(1500, 500), "1500");
  assert.equal(formatTick(0.00002, 0.00001), "0.00002", "a fine step keeps decimals");
  assert.equal(formatTick(200000, 100000), "2.0e+5");
  assert.equal(formatTick(3e-10, 1e-10), "3.0e-10");
  assert.equal(formatTick(0, 1e-10), "0");
});
