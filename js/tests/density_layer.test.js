import assert from "node:assert/strict";
import { test } from "node:test";
import { DensityLayer, densityPixels, NO_CODE, rgbOf } from "../density_layer.js";
import { placeInView } from "../view.js";

/** A canvas whose 2-D context records what is painted. */
function fakeCanvas(width = 0, height = 0) {
  const calls = [];
  const canvas = { width, height, calls };
  const ctx = {
    canvas,
    imageSmoothingEnabled: true,
    setTransform() {},
    clearRect: (...a) => calls.push(["clear", ...a]),
    drawImage: (image, ...a) => calls.push(["draw", image, ...a]),
    createImageData: (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: (image, x, y) => calls.push(["put", image, x, y]),
  };
  canvas.getContext = () => ctx;
  return canvas;
}

test("rgbOf reads #rrggbb and falls back on anything else", () => {
  assert.deepEqual(rgbOf("#ff8000"), [255, 128, 0]);
  assert.deepEqual(rgbOf("red", [1, 2, 3]), [1, 2, 3]);
  assert.deepEqual(rgbOf("rgba(10, 20.4, 30, 0.87)"), [10, 20, 30]); // JupyterLab's --jp-ui-font-color1
});

test("densityPixels: empty bins are clear, opacity grows with the log of the count", () => {
  const counts = Uint32Array.of(0, 1, 10, 1000);
  const px = densityPixels({ rows: 2, cols: 2, counts, codes: null }, [], "#000000");
  assert.equal(px[3], 0);
  const alphas = [px[7], px[11], px[15]];
  assert.ok(alphas[0] > 0 && alphas[0] < alphas[1] && alphas[1] < alphas[2], `${alphas}`);
  assert.equal(alphas[2], Math.round(255 * 0.95)); // the densest bin
  assert.deepEqual([...px.slice(4, 7)], [0, 0, 0]); // ink on an uncoloured map
});

test("densityPixels: a bin takes its most frequent category's colour", () => {
  const counts = Uint32Array.of(5, 5, 5);
  const codes = Uint16Array.of(1, NO_CODE, 7);
  const px = densityPixels({ rows: 1, cols: 3, counts, codes }, ["#ff0000", "#00ff00"], "#0000ff");
  assert.deepEqual([...px.slice(0, 3)], [0, 255, 0]);
  assert.deepEqual([...px.slice(4, 7)], [0, 0, 255]); // no code: ink
  assert.deepEqual([...px.slice(8, 11)], [0, 0, 255]); // a code past the palette: ink
});

test("densityPixels of an all-zero grid is transparent", () => {
  const px = densityPixels({ rows: 1, cols: 2, counts: new Uint32Array(2) }, [], "#000");
  assert.ok(px.every((v) => v === 0));
});

test("placeInView maps the bounds' visible part onto the canvas", () => {
  const pic = { width: 100, height: 50 };
  const view = { x0: 0, x1: 10, y0: 0, y1: 5 };
  const whole = placeInView([0, 10, 0, 5], pic, view, 200, 100);
  assert.deepEqual(whole, { source: [0, 0, 100, 50], target: [0, 0, 200, 100] });
  // The right half of the view: the right half of the picture fills the canvas.
  const half = placeInView([0, 10, 0, 5], pic, { x0: 5, x1: 10, y0: 0, y1: 5 }, 200, 100);
  assert.deepEqual(half.source, [50, 0, 50, 50]);
  assert.deepEqual(half.target, [0, 0, 200, 100]);
  assert.equal(placeInView([0, 1, 0, 1], pic, { x0: 2, x1: 3, y0: 2, y1: 3 }, 10, 10), null);
});

test("DensityLayer shows a valid grid, refuses a bad one and keeps the last picture", () => {
  const made = [];
  const layer = new DensityLayer(fakeCanvas(200, 100), {
    makeCanvas: (w, h) => {
      const c = fakeCanvas(w, h);
      made.push(c);
      return c;
    },
  });
  const meta = { id: 1, bounds: [0, 10, 0, 5], rows: 2, cols: 4, total: 8 };
  assert.equal(layer.show(meta, new Uint32Array(8).fill(1), null, [], "#000"), "");
  assert.equal(made.length, 1);
  assert.equal(made[0].calls[0][0], "put");
  const why = layer.show({ ...meta, id: 2 }, new Uint32Array(3), null, [], "#000");
  assert.match(why, /3 counts for 2 × 4 bins/);
  assert.match(
    layer.show({ ...meta, bounds: [0, 0, 0, 1] }, new Uint32Array(8), null, [], ""),
    /protocol/,
  );
  assert.equal(layer.picture.id, 1);
});

test("DensityLayer.draw paints once per view and not at all when cleared", () => {
  const canvas = fakeCanvas(200, 100);
  const layer = new DensityLayer(canvas, { makeCanvas: (w, h) => fakeCanvas(w, h) });
  layer.show(
    { id: 1, bounds: [0, 10, 0, 5], rows: 5, cols: 10, total: 50 },
    new Uint32Array(50).fill(2),
    null,
    [],
    "#000",
  );
  const view = { x0: 0, x1: 10, y0: 0, y1: 5 };
  layer.draw(view);
  layer.draw(view);
  assert.equal(canvas.calls.filter((c) => c[0] === "draw").length, 1);
  assert.deepEqual(canvas.calls.at(-1).slice(2), [0, 0, 10, 5, 0, 0, 200, 100]);
  layer.clear();
  layer.draw(view);
  assert.equal(canvas.calls.filter((c) => c[0] === "draw").length, 1);
  assert.equal(canvas.calls.at(-1)[0], "clear");
});
