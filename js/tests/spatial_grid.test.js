import assert from "node:assert/strict";
import { test } from "node:test";
import { SpatialGrid } from "../spatial_grid.js";
import { clusteredPoints, rng } from "./random.js";

function bruteNearest(xy, x, y, rx, ry) {
  let best = -1,
    bestD = 1;
  for (let i = 0; i < xy.length / 2; i++) {
    const dx = (xy[2 * i] - x) / rx,
      dy = (xy[2 * i + 1] - y) / ry;
    const d = dx * dx + dy * dy;
    if (d < bestD || (d === bestD && (best < 0 || i < best))) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

function bruteBox(xy, x0, y0, x1, y1) {
  const out = [];
  for (let i = 0; i < xy.length / 2; i++) {
    const x = xy[2 * i],
      y = xy[2 * i + 1];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) out.push(i);
  }
  return out;
}

test("nearest agrees with brute force on random clustered points", () => {
  const xy = clusteredPoints(5000, 7);
  const grid = new SpatialGrid(xy);
  const r = rng(3);
  let hits = 0;
  for (let q = 0; q < 2000; q++) {
    const x = r() * 26 - 13,
      y = r() * 12 - 6;
    const rx = 0.02 + r() * 0.5,
      ry = 0.02 + r() * 0.3;
    const expected = bruteNearest(xy, x, y, rx, ry);
    assert.equal(grid.nearest(x, y, rx, ry), expected, `query ${q} at ${x}, ${y}`);
    if (expected >= 0) hits++;
  }
  assert.ok(hits > 200 && hits < 2000, `queries should both hit and miss (hits: ${hits})`);
});

test("nearest finds exact positions and queries far outside the bounds", () => {
  const xy = clusteredPoints(1000, 11);
  const grid = new SpatialGrid(xy);
  for (let i = 0; i < 1000; i += 37) {
    const j = grid.nearest(xy[2 * i], xy[2 * i + 1], 1e-4, 1e-4);
    assert.equal(xy[2 * j], xy[2 * i]);
    assert.equal(xy[2 * j + 1], xy[2 * i + 1]);
  }
  assert.equal(grid.nearest(1000, 1000, 1, 1), -1);
  assert.equal(grid.nearest(0, 0, 0, 1), -1);
});

test("queryBox agrees with brute force", () => {
  const xy = clusteredPoints(8000, 5);
  const grid = new SpatialGrid(xy);
  const r = rng(9);
  for (let q = 0; q < 300; q++) {
    const ax = r() * 30 - 15,
      bx = r() * 30 - 15,
      ay = r() * 14 - 7,
      by = r() * 14 - 7;
    const [x0, x1] = ax < bx ? [ax, bx] : [bx, ax];
    const [y0, y1] = ay < by ? [ay, by] : [by, ay];
    assert.deepEqual([...grid.queryBox(x0, y0, x1, y1)], bruteBox(xy, x0, y0, x1, y1));
  }
});

test("degenerate inputs: empty, one point, identical points, non-finite values", () => {
  const empty = new SpatialGrid(new Float32Array(0));
  assert.equal(empty.nearest(0, 0, 1, 1), -1);
  assert.equal(empty.queryBox(-1, -1, 1, 1).length, 0);

  const one = new SpatialGrid(Float32Array.of(2, 3));
  assert.equal(one.nearest(2.1, 3, 0.5, 0.5), 0);

  const same = new SpatialGrid(new Float32Array(200).fill(1));
  assert.equal(same.nearest(1, 1, 0.1, 0.1), 0, "ties go to the lowest index");
  assert.equal(same.queryBox(0, 0, 2, 2).length, 100);

  const bad = new SpatialGrid(Float32Array.of(NaN, 0, 1, 1, Infinity, 2, 3, 3));
  assert.equal(bad.bounds.finite, 2);
  assert.deepEqual([...bad.queryBox(-10, -10, 10, 10)], [1, 3]);
  assert.equal(bad.nearest(3, 3, 0.1, 0.1), 3);
});
