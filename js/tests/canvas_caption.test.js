import assert from "node:assert/strict";
import { test } from "node:test";
import { layoutRuns } from "../canvas_caption.js";

const widthOf = (run) => run.text.length * 10 + (run.chip ? 12 : 0);
const where = (placed) => placed.map((p) => [p.run.text, p.x, p.row]);

test("each line starts a row; runs that fit share it, a gap apart", () => {
  const lines = [[{ text: "x 1, y 2" }], [{ text: "far" }, { text: "off", chip: true }]];
  assert.deepEqual(where(layoutRuns(lines, widthOf, 200, 3)), [
    ["x 1, y 2", 0, 0],
    ["far", 0, 1],
    ["off", 36, 1],
  ]);
});

test("a run that does not fit wraps whole onto the next row", () => {
  const lines = [[{ text: "a long distance line" }, { text: "off the data", chip: true }]];
  const placed = layoutRuns(lines, widthOf, 250, 3);
  assert.deepEqual(where(placed), [
    ["a long distance line", 0, 0],
    ["off the data", 0, 1],
  ]);
  assert.equal(placed[1].width, 132);
});

test("a first run wider than the caption stays on its row (clipped), not on an empty one", () => {
  assert.deepEqual(where(layoutRuns([[{ text: "w".repeat(40) }]], widthOf, 100, 2)), [
    ["w".repeat(40), 0, 0],
  ]);
});

test("runs beyond the rows there are are left out", () => {
  const lines = [[{ text: "one" }], [{ text: "two" }], [{ text: "three" }]];
  assert.deepEqual(where(layoutRuns(lines, widthOf, 100, 2)), [
    ["one", 0, 0],
    ["two", 0, 1],
  ]);
});

test("an empty caption places nothing", () => {
  assert.deepEqual(layoutRuns([], widthOf, 100, 3), []);
  assert.deepEqual(layoutRuns([[{ text: "" }]], widthOf, 100, 3).length, 1);
});
