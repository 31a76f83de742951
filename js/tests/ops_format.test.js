import assert from "node:assert/strict";
import { test } from "node:test";
import {
  axesAfterPick,
  distanceText,
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
