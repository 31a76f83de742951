import assert from "node:assert/strict";
import { test } from "node:test";
import { splatPoints } from "../point_splat.js";

const RED = new Uint32Array(new Uint8Array([255, 0, 0, 255]).buffer)[0];
const BLUE = new Uint32Array(new Uint8Array([0, 0, 255, 255]).buffer)[0];
const colors = Uint32Array.of(RED, BLUE);
const view = { x0: 0, x1: 10, y0: 0, y1: 10 }; // one data unit per pixel on a 10 × 10 buffer

/** The buffer as rows of characters, top row first: . empty, r red, b blue. */
function picture(out, w = 10, h = 10) {
  const px = new Uint32Array(out.buffer);
  const rows = [];
  for (let j = h - 1; j >= 0; j--) {
    let row = "";
    for (let i = 0; i < w; i++) {
      const v = px[j * w + i];
      row += v === 0 ? "." : v === RED ? "r" : v === BLUE ? "b" : "?";
    }
    rows.push(row);
  }
  return rows;
}

test("a 2 px point on a pixel corner covers the four pixels around it", () => {
  const out = new Uint8Array(400);
  const n = splatPoints(Float32Array.of(3, 7), null, colors, view, 10, 10, 2, out);
  assert.equal(n, 1);
  assert.deepEqual(picture(out).slice(1, 5), [
    "..........",
    "..rr......",
    "..rr......",
    "..........",
  ]);
  assert.deepEqual([...out.subarray(4 * (6 * 10 + 2), 4 * (6 * 10 + 2) + 4)], [255, 0, 0, 255]);
});

test("a 4 px point is a disc: its square's corners stay empty, like the shader's discard", () => {
  const out = new Uint8Array(400);
  splatPoints(Float32Array.of(5, 5), null, colors, view, 10, 10, 4, out);
  assert.deepEqual(picture(out).slice(2, 8), [
    "..........",
    "....rr....",
    "...rrrr...",
    "...rrrr...",
    "....rr....",
    "..........",
  ]);
});

test("codes pick colours, later points are drawn over earlier ones, row 0 is the bottom", () => {
  const out = new Uint8Array(400);
  const positions = Float32Array.of(1, 1, 1.5, 1, 9, 9);
  splatPoints(positions, Uint8Array.of(0, 1, 0), colors, view, 10, 10, 2, out);
  const rows = picture(out);
  // The blue point, half a pixel right, covers the red one's right column; its own disc
  // leaves out the left column (pixel centres 1.1 px away), as the shader's discard does.
  assert.deepEqual([rows[9].slice(0, 3), rows[8].slice(0, 3)], ["rb.", "rb."]);
  assert.equal(rows[0].slice(8), "rr", "top right corner");
});

test("points outside the buffer (or NaN) draw nothing and are not counted", () => {
  const out = new Uint8Array(400);
  const positions = Float32Array.of(-5, 5, 50, 5, Number.NaN, 2, 9.9, 0.1);
  const n = splatPoints(positions, null, colors, view, 10, 10, 2, out);
  assert.equal(n, 1, "only the point at the corner, partly inside");
  assert.equal(picture(out)[9][9], "r");
  assert.equal(new Uint32Array(out.buffer).filter((v) => v !== 0).length, 1);
});

test("the buffer is cleared first: a second picture has nothing of the first", () => {
  const out = new Uint8Array(400);
  splatPoints(Float32Array.of(2, 2), null, colors, view, 10, 10, 2, out);
  splatPoints(Float32Array.of(8, 8), null, colors, view, 10, 10, 2, out);
  assert.equal(new Uint32Array(out.buffer).filter((v) => v !== 0).length, 4);
  assert.equal(picture(out)[8].slice(1, 3), "..");
});

test("a selection: only the listed points, each a disc with an outline ring", () => {
  const out = new Uint8Array(400);
  const positions = Float32Array.of(2, 2, 5, 5, 8, 8);
  const options = { indices: Uint32Array.of(1), outline: 1, outlineColor: BLUE };
  const n = splatPoints(positions, null, colors, view, 10, 10, 6, out, options);
  assert.equal(n, 1);
  assert.deepEqual(picture(out).slice(1, 9), [
    "..........",
    "...bbbb...",
    "..bbrrbb..",
    "..brrrrb..",
    "..brrrrb..",
    "..bbrrbb..",
    "...bbbb...",
    "..........",
  ]);
});
