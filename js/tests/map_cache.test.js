import assert from "node:assert/strict";
import { test } from "node:test";
import { cacheFrame, clipRect } from "../map_renderer.js";

test("the cache covers the view plus whole pixels of margin, same scale", () => {
  const view = { x0: 0, x1: 100, y0: -20, y1: 20 };
  const f = cacheFrame(view, 1000, 400);
  assert.equal(f.width, 1000 + 2 * f.mx);
  assert.equal(f.height, 400 + 2 * f.my);
  assert.equal(f.mx, 250);
  assert.equal(f.my, 100);
  // Same data units per pixel as the view.
  assert.ok(Math.abs((f.view.x1 - f.view.x0) / f.width - 0.1) < 1e-12);
  assert.ok(Math.abs((f.view.y1 - f.view.y0) / f.height - 0.1) < 1e-12);
  // Capped by the largest texture.
  const small = cacheFrame(view, 1000, 400, 1200);
  assert.ok(small.width <= 1200 && small.height <= 1200);
});

test("clipRect places the cache where its data lie in the current view", () => {
  const view = { x0: 0, x1: 10, y0: 0, y1: 10 };
  assert.deepEqual(clipRect(view, view), [-1, -1, 1, 1]);
  const panned = { x0: 5, x1: 15, y0: 0, y1: 10 };
  assert.deepEqual(clipRect(view, panned), [-2, -1, 0, 1]);
  const zoomed = { x0: 2.5, x1: 7.5, y0: 2.5, y1: 7.5 };
  assert.deepEqual(clipRect(view, zoomed), [-2, -2, 2, 2]);
});
