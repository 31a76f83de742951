import assert from "node:assert/strict";
import { test } from "node:test";
import { pointInPolygon, pointsInPolygon, toggle, union } from "../lasso.js";
import { SpatialGrid } from "../spatial_grid.js";
import { clusteredPoints, rng } from "./random.js";

function brute(xy, poly) {
  const out = [];
  for (let i = 0; i < xy.length / 2; i++)
    if (pointInPolygon(xy[2 * i], xy[2 * i + 1], poly)) out.push(i);
  return out;
}

test("the reference even-odd test on a square and a concave shape", () => {
  const square = [0, 0, 2, 0, 2, 2, 0, 2];
  assert.equal(pointInPolygon(1, 1, square), true);
  assert.equal(pointInPolygon(3, 1, square), false);
  // A "U": the notch between the arms is outside.
  const u = [0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3];
  assert.equal(pointInPolygon(0.5, 2, u), true);
  assert.equal(pointInPolygon(1.5, 2, u), false);
  assert.equal(pointInPolygon(2.5, 2, u), true);
  assert.equal(pointInPolygon(1.5, 0.5, u), true);
});

test("pointsInPolygon agrees with brute force on a concave polygon", () => {
  const xy = clusteredPoints(10000, 2);
  const grid = new SpatialGrid(xy);
  const u = [-12, -5, 12, -5, 12, 5, 4, 5, 4, -1, -4, -1, -4, 5, -12, 5];
  const got = pointsInPolygon(xy, grid, u);
  const want = brute(xy, u);
  assert.ok(want.length > 100);
  assert.deepEqual([...got], want);
});

test("pointsInPolygon agrees with brute force on random lasso-like polygons", () => {
  const xy = clusteredPoints(6000, 4);
  const grid = new SpatialGrid(xy);
  const r = rng(17);
  for (let q = 0; q < 40; q++) {
    // A wobbly star-shaped loop around a random centre, like a hand-drawn lasso.
    const cx = r() * 20 - 10,
      cy = r() * 8 - 4,
      m = 20 + Math.floor(r() * 200);
    const poly = [];
    for (let k = 0; k < m; k++) {
      const a = (k / m) * 2 * Math.PI,
        rad = 1 + r() * 5;
      poly.push(cx + rad * Math.cos(a), cy + 0.6 * rad * Math.sin(a));
    }
    assert.deepEqual([...pointsInPolygon(xy, grid, poly)], brute(xy, poly), `polygon ${q}`);
  }
});

test("a self-intersecting bow tie follows the even-odd rule", () => {
  const xy = clusteredPoints(3000, 8);
  const grid = new SpatialGrid(xy);
  const bow = [-10, -4, 10, 4, 10, -4, -10, 4];
  assert.deepEqual([...pointsInPolygon(xy, grid, bow)], brute(xy, bow));
});

test("too few vertices select nothing; result is a sorted Uint32Array", () => {
  const xy = clusteredPoints(100, 1);
  const grid = new SpatialGrid(xy);
  assert.equal(pointsInPolygon(xy, grid, [0, 0, 1, 1]).length, 0);
  const all = pointsInPolygon(xy, grid, [-100, -100, 100, -100, 100, 100, -100, 100]);
  assert.ok(all instanceof Uint32Array);
  assert.equal(all.length, 100);
  for (let i = 1; i < all.length; i++) assert.ok(all[i] > all[i - 1]);
});

test("union and toggle keep selections sorted and unique", () => {
  assert.deepEqual([...union(Uint32Array.of(1, 3, 5), Uint32Array.of(2, 3, 6))], [1, 2, 3, 5, 6]);
  assert.deepEqual([...union(new Uint32Array(0), Uint32Array.of(4))], [4]);
  assert.deepEqual([...union(Uint32Array.of(4), new Uint32Array(0))], [4]);
  assert.deepEqual([...toggle(Uint32Array.of(1, 3, 5), 4)], [1, 3, 4, 5]);
  assert.deepEqual([...toggle(Uint32Array.of(1, 3, 5), 3)], [1, 5]);
  assert.deepEqual([...toggle(new Uint32Array(0), 0)], [0]);
  assert.deepEqual([...toggle(Uint32Array.of(7), 9)], [7, 9]);
});

test("many interior cells: a fine hand-drawn loop over dense points agrees with brute force", () => {
  const xy = clusteredPoints(60000, 12);
  const grid = new SpatialGrid(xy);
  const r = rng(5);
  for (let q = 0; q < 6; q++) {
    const at = Math.floor(r() * 60000);
    const cx = xy[2 * at],
      cy = xy[2 * at + 1],
      m = 400 + Math.floor(r() * 600);
    const poly = [];
    for (let k = 0; k < m; k++) {
      const a = (k / m) * 2 * Math.PI;
      const rad = 2 + Math.sin(3 * a + q) + 0.05 * r();
      poly.push(cx + rad * Math.cos(a), cy + 0.7 * rad * Math.sin(a));
    }
    const want = brute(xy, poly);
    assert.ok(want.length > 1000, `polygon ${q} holds ${want.length}`);
    assert.deepEqual([...pointsInPolygon(xy, grid, poly)], want, `polygon ${q}`);
  }
});

test("points on a lattice (on cell borders and polygon vertices) agree with brute force", () => {
  const side = 120;
  const xy = new Float32Array(2 * side * side);
  for (let i = 0; i < side * side; i++) {
    xy[2 * i] = (i % side) / 4;
    xy[2 * i + 1] = Math.floor(i / side) / 4;
  }
  const grid = new SpatialGrid(xy);
  const shapes = [
    [2, 2, 20, 2, 20, 20, 2, 20],
    [1.5, 3.25, 25.75, 1, 28, 27.5, 14, 12, 3, 28],
    [0, 0, 29.75, 0, 29.75, 29.75, 0, 29.75],
  ];
  for (const poly of shapes)
    assert.deepEqual([...pointsInPolygon(xy, grid, poly)], brute(xy, poly));
});
