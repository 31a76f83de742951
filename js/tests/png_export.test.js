import assert from "node:assert/strict";
import { test } from "node:test";
import { compositeMap, exportSize, layerRect, shownLayers } from "../png_export.js";

/** A canvas whose 2-D context records what is drawn on it, in order. */
function recordingCanvas(name = "target", width = 0, height = 0, style = {}) {
  const calls = [];
  const ctx = {
    fillStyle: "",
    imageSmoothingEnabled: true,
    fillRect: (...a) => calls.push(["fillRect", ctx.fillStyle, ...a]),
    drawImage: (image, ...a) => calls.push(["drawImage", image.name, ...a]),
  };
  return { name, width, height, style, hidden: false, calls, getContext: () => ctx, ctx };
}

test("the picture is the map's CSS size times the pixel ratio times the scale", () => {
  assert.deepEqual(exportSize(700, 420, 1), { width: 700, height: 420 });
  assert.deepEqual(exportSize(700, 420, 2), { width: 1400, height: 840 });
  assert.deepEqual(exportSize(700, 420, 1.5, 2), { width: 2100, height: 1260 });
  assert.deepEqual(exportSize(0, 0, 1), { width: 1, height: 1 }, "never an empty canvas");
});

test("a layer moved with the view is placed where the page shows it", () => {
  assert.deepEqual(layerRect("", 400, 200, 2), { x: 0, y: 0, w: 800, h: 400 });
  assert.deepEqual(layerRect("translate(-40px, 10px) scale(0.5)", 400, 200, 2), {
    x: -80,
    y: 20,
    w: 400,
    h: 200,
  });
  assert.deepEqual(layerRect("translate(3.5px, -2e-1px) scale(2)", 100, 50, 1), {
    x: 3.5,
    y: -0.2,
    w: 200,
    h: 100,
  });
});

test("hidden and empty canvases are left out; the others keep the page's stacking order", () => {
  const points = recordingCanvas("points", 10, 10);
  const hidden = { ...recordingCanvas("atlas", 10, 10), hidden: true };
  const none = recordingCanvas("thumbs", 10, 10, { display: "none" });
  const empty = recordingCanvas("empty", 0, 0);
  const overlay = recordingCanvas("overlay", 10, 10);
  assert.deepEqual(
    shownLayers([points, hidden, none, empty, overlay]).map((c) => c.name),
    ["points", "overlay"],
  );
});

test("the background goes first, then each layer in order over the whole map", () => {
  const target = recordingCanvas();
  const layers = [
    recordingCanvas("points", 1400, 840),
    recordingCanvas("labels", 1400, 840, { transform: "translate(10px, 0px) scale(1)" }),
    recordingCanvas("overlay", 1400, 840),
  ];
  compositeMap({
    target,
    layers,
    cssWidth: 700,
    cssHeight: 420,
    pixelRatio: 2,
    background: "#ffffff",
  });
  assert.deepEqual([target.width, target.height], [1400, 840]);
  assert.equal(target.ctx.imageSmoothingEnabled, false, "page pixels copied as they are");
  assert.deepEqual(target.calls, [
    ["fillRect", "#ffffff", 0, 0, 1400, 840],
    ["drawImage", "points", 0, 0, 1400, 840, 0, 0, 1400, 840],
    ["drawImage", "labels", 0, 0, 1400, 840, 20, 0, 1400, 840],
    ["drawImage", "overlay", 0, 0, 1400, 840, 0, 0, 1400, 840],
  ]);
});

test("a scale above 1 enlarges every layer alike, smoothed", () => {
  const target = recordingCanvas();
  compositeMap({
    target,
    layers: [recordingCanvas("points", 700, 420)],
    cssWidth: 700,
    cssHeight: 420,
    pixelRatio: 1,
    scale: 2,
    background: "#fff",
  });
  assert.deepEqual([target.width, target.height], [1400, 840]);
  assert.equal(target.ctx.imageSmoothingEnabled, true);
  assert.deepEqual(target.calls.at(-1), ["drawImage", "points", 0, 0, 700, 420, 0, 0, 1400, 840]);
});
