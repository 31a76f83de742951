import assert from "node:assert/strict";
import { test } from "node:test";
import { fitView, panBy, resizeView, toData, withAspect, zoomAbout, zoomLevel } from "../view.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test("fitView adds a 5% margin on each side before a canvas is known", () => {
  const v = fitView({ minX: 0, maxX: 10, minY: -1, maxY: 1, finite: 5 }, 0, 0);
  close(v.x0, -0.5);
  close(v.x1, 10.5);
  close(v.y0, -1.1);
  close(v.y1, 1.1);
});

test("fitView keeps one data unit equally long on both axes", () => {
  const b = { minX: 0, maxX: 10, minY: -1, maxY: 1, finite: 5 };
  const v = fitView(b, 400, 200);
  close((v.x1 - v.x0) / 400, (v.y1 - v.y0) / 200);
  assert.ok(v.x0 <= -0.5 && v.x1 >= 10.5 && v.y0 <= -1.1 && v.y1 >= 1.1, "all points inside");
  const tall = withAspect({ x0: 0, x1: 1, y0: 0, y1: 10 }, 300, 300);
  close(tall.x1 - tall.x0, 10);
  close((tall.x0 + tall.x1) / 2, 0.5);
});

test("resizeView keeps the centre and the scale", () => {
  const v = { x0: 0, x1: 4, y0: 0, y1: 2 }; // 200 × 100 px at 50 px a unit
  const r = resizeView(v, 100, 300, 200);
  close((r.x1 - r.x0) / 300, 0.02);
  close((r.y1 - r.y0) / 200, 0.02);
  close((r.x0 + r.x1) / 2, 2);
  close((r.y0 + r.y1) / 2, 1);
});

test("fitView of a single point or nothing is a usable range", () => {
  const v = fitView({ minX: 3, maxX: 3, minY: 3, maxY: 3, finite: 1 });
  assert.ok(v.x1 > v.x0 && v.y1 > v.y0);
  close((v.x0 + v.x1) / 2, 3);
  assert.deepEqual(fitView({ finite: 0 }), { x0: -1, x1: 1, y0: -1, y1: 1 });
});

test("toData follows the protocol's pixel mapping", () => {
  const v = { x0: 0, x1: 100, y0: -10, y1: 10 };
  assert.deepEqual(toData(v, 200, 100, 0, 0), { x: 0, y: 10 });
  assert.deepEqual(toData(v, 200, 100, 200, 100), { x: 100, y: -10 });
  assert.deepEqual(toData(v, 200, 100, 50, 25), { x: 25, y: 5 });
});

test("zoomAbout keeps the point under the cursor fixed", () => {
  const v = { x0: 0, x1: 10, y0: 0, y1: 10 };
  const z = zoomAbout(v, 2, 7, 2);
  close((2 - z.x0) / (z.x1 - z.x0), 0.2);
  close((7 - z.y0) / (z.y1 - z.y0), 0.7);
  close(zoomLevel(z, v), 2);
  assert.equal(zoomAbout(v, 0, 0, 1e6), v, "refuses to zoom past float precision");
  assert.equal(zoomAbout(z, 0, 0, 1e-3, v), z, "refuses to zoom out absurdly far");
  assert.notEqual(zoomAbout(z, 0, 0, 1e3, v), z);
});

test("panBy moves the content with the pointer", () => {
  const v = { x0: 0, x1: 10, y0: 0, y1: 10 };
  const p = panBy(v, 100, 100, 10, 10); // drag right and down
  close(p.x0, -1);
  close(p.y0, 1);
});
