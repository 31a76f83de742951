import assert from "node:assert/strict";
import { test } from "node:test";
import {
  axesAfterPick,
  distanceText,
  formatNumber,
  formatWalk,
  projectionLabel,
  walkValue,
} from "../ops_format.js";

test("the distance line says how many typical spacings away, and whether off the data", () => {
  assert.deepEqual(distanceText({ ratio: 0.8, off_data: false }), {
    text: "0.8 × typical spacing from the data",
    offData: false,
  });
  assert.deepEqual(distanceText({ ratio: 4.26, off_data: true }), {
    text: "4.3 × typical spacing from the data",
    offData: true,
  });
  assert.equal(distanceText({ ratio: 37.6, off_data: true }).text.startsWith("38 ×"), true);
  assert.equal(distanceText({ ratio: 0.8, off_data: "yes" }).offData, false, "only true warns");
});

test("a preview without a usable distance shows no line", () => {
  for (const d of [undefined, null, {}, { ratio: null }, { ratio: Number.NaN }, { ratio: -1 }]) {
    assert.equal(distanceText(d), null, JSON.stringify(d));
  }
});

test("walk values: signed with a true minus, two decimals, and clean numbers to send", () => {
  assert.equal(formatWalk(1.5), "+1.50");
  assert.equal(formatWalk(-0.75), "−0.75");
  assert.equal(formatWalk(0), "0.00");
  assert.equal(formatWalk(-0.001), "0.00");
  assert.equal(formatWalk(Number.NaN), "");
  assert.equal(walkValue("0.15000000000000002"), 0.15);
  assert.equal(walkValue("-3"), -3);
  assert.equal(walkValue("nonsense"), 0);
});

test("a non-linear map's pickers name its projection", () => {
  assert.equal(projectionLabel("tsne"), "t-SNE");
  assert.equal(projectionLabel("umap"), "UMAP");
  assert.equal(projectionLabel("isomap"), "Isomap");
  assert.equal(projectionLabel("spectral"), "spectral");
  assert.equal(projectionLabel(""), "non-linear map");
});

test("picking the other axis's direction swaps the axes", () => {
  assert.deepEqual(axesAfterPick(["PC 1", "PC 2"], "x", "smile"), ["smile", "PC 2"]);
  assert.deepEqual(axesAfterPick(["PC 1", "PC 2"], "y", "smile"), ["PC 1", "smile"]);
  assert.deepEqual(axesAfterPick(["PC 1", "PC 2"], "x", "PC 2"), ["PC 2", "PC 1"]);
  assert.deepEqual(axesAfterPick(["PC 1", "PC 2"], "y", "PC 1"), ["PC 2", "PC 1"]);
});

test("numbers tiny against their scale read as 0 with the usual decimals", () => {
  assert.equal(formatNumber(2.1e-6, 60), "0.000");
  assert.equal(formatNumber(-2.1e-6, 60), "0.000", "no minus zero");
  assert.equal(formatNumber(2.1e-6), "0.000", "without a scale too");
  assert.equal(formatNumber(0, 60), "0.000");
  assert.equal(formatNumber(-12.34567, 60), "-12.346");
  assert.equal(formatNumber(0.5, 2), "0.500");
});

test("a small scale gets the decimals that show a thousandth of it", () => {
  assert.equal(formatNumber(0.0012345, 0.01), "0.00123");
  assert.equal(formatNumber(2.1e-9, 0.01), "0.00000");
  assert.equal(formatNumber(3.2e-6, 1e-5), "0.00000320");
  assert.equal(formatNumber(3e-9, 1e-8), "3.00e-9", "beyond 10 decimals, an exponent");
});

test("large numbers keep one decimal, or as many as the scale needs, and huge ones an exponent", () => {
  assert.equal(formatNumber(123.456), "123.5");
  assert.equal(formatNumber(123.456, 500), "123.5");
  assert.equal(formatNumber(123.456, 6), "123.456");
  assert.equal(formatNumber(123456, 60), "1.23e+5");
  assert.equal(formatNumber(Number.NaN), "NaN");
  assert.equal(formatNumber(Number.POSITIVE_INFINITY, 1), "Infinity");
});
