import assert from "node:assert/strict";
import { test } from "node:test";
import {
  FILL_CHUNK,
  MapLabels,
  OrderedPositions,
  placeLabels,
  splitLabels,
  textWidths,
} from "../map_labels.js";
import { followTransform } from "../view.js";
import { clusteredPoints, rng } from "./random.js";

const view = { x0: 0, x1: 100, y0: 0, y1: 50 }; // 400 × 200 px: 4 px a unit
const widthOf = () => 30;

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

test("splitLabels reads the kernel's NUL-separated UTF-8", () => {
  const bytes = new TextEncoder().encode("lion\u0000tiger\u0000\u00e9l\u00e9phant");
  assert.deepEqual(splitLabels(bytes), ["lion", "tiger", "éléphant"]);
  assert.deepEqual(splitLabels(new Uint8Array(0)), []);
});

test("a lone point's label goes to its right, beside it", () => {
  const placed = placeLabels({
    order: Uint32Array.of(0),
    positions: Float32Array.of(50, 25),
    texts: ["lion"],
    view,
    width: 400,
    height: 200,
    widthOf,
    radius: 2,
  });
  assert.equal(placed.length, 1);
  const b = placed[0];
  assert.equal(b.i, 0);
  assert.ok(b.x > 200 && b.x < 210, `starts just right of the point: ${b.x}`);
  assert.ok(b.y < 100 && b.y + b.h > 100, "vertically centred on the point");
});

test("labels never overlap, and the order decides who is written where it is crowded", () => {
  // Forty points on top of one another, then one far away.
  const n = 41;
  const positions = new Float32Array(2 * n);
  for (let i = 0; i < 40; i++) positions.set([50 + i * 0.01, 25], 2 * i);
  positions.set([10, 10], 80);
  const order = Uint32Array.from({ length: n }, (_, k) => n - 1 - k); // the lone one first
  const texts = Array.from({ length: n }, (_, i) => `w${i}`);
  const placed = placeLabels({ order, positions, texts, view, width: 400, height: 200, widthOf });
  assert.equal(placed[0].i, 40, "the first in order is placed first");
  assert.ok(placed.length >= 4 && placed.length < 40, "a crowd gets a few labels, not all");
  for (let a = 0; a < placed.length; a++) {
    for (let b = a + 1; b < placed.length; b++) assert.ok(!overlaps(placed[a], placed[b]));
  }
  for (const b of placed) assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= 400 && b.y + b.h <= 200);
});

test("zooming in makes room: more labels of the same crowd appear", () => {
  const n = 200;
  const positions = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) positions.set([40 + (i % 20), 20 + Math.floor(i / 20)], 2 * i);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const texts = Array.from({ length: n }, (_, i) => `word${i}`);
  const o = { order, positions, texts, width: 400, height: 200, widthOf };
  const far = placeLabels({ ...o, view });
  const near = placeLabels({ ...o, view: { x0: 40, x1: 60, y0: 20, y1: 30 } });
  assert.ok(near.length > 2 * far.length, `${near.length} vs ${far.length}`);
});

test("points out of view and empty labels are skipped; the bounds hold", () => {
  const positions = Float32Array.of(-10, 5, 50, 25, 60, 30, 70, 40);
  const texts = ["out", "", "a", "b"];
  const order = Uint32Array.of(0, 1, 2, 3);
  const o = { order, positions, texts, view, width: 400, height: 200, widthOf };
  assert.deepEqual(
    placeLabels(o).map((b) => b.i),
    [2, 3],
  );
  assert.equal(placeLabels({ ...o, maxLabels: 1 }).length, 1);
  // Tries bound the second pass; the first gives each label-sized cell one point.
  const close = { ...o, positions: Float32Array.of(-10, 5, 10, 10, 50, 25, 50.3, 25) };
  assert.equal(placeLabels({ ...close, maxTries: 0 }).length, 1);
  assert.equal(placeLabels({ ...close, maxTries: 1 }).length, 2);
});

test("followTransform moves the picture with the view", () => {
  const laid = { x0: 0, x1: 100, y0: 0, y1: 50 };
  assert.equal(followTransform(laid, laid, 400, 200), "translate(0px, 0px) scale(1)");
  // Panned right by 10 units (40 px): the picture moves left by 40 px.
  const panned = { x0: 10, x1: 110, y0: 0, y1: 50 };
  assert.equal(followTransform(laid, panned, 400, 200), "translate(-40px, 0px) scale(1)");
  // Zoomed in 2× about the top left corner.
  const zoomed = { x0: 0, x1: 50, y0: 25, y1: 50 };
  assert.equal(followTransform(laid, zoomed, 400, 200), "translate(0px, 0px) scale(2)");
});

test("a search's finds are written first, once each", () => {
  const positions = Float32Array.of(50, 25, 50.5, 25, 51, 25);
  const texts = ["lion", "tiger", "wolf"];
  const placed = placeLabels({
    order: Uint32Array.of(0, 1, 2),
    first: Uint32Array.of(2),
    positions,
    texts,
    view,
    width: 400,
    height: 200,
    widthOf,
  });
  assert.equal(placed[0].i, 2);
  assert.equal(placed.filter((b) => b.i === 2).length, 1);
});

test("ordered positions give the same labels, filled in part, in whole or not at all", () => {
  const n = 3000;
  const positions = clusteredPoints(n, 7);
  const r = rng(3);
  const order = Uint32Array.from({ length: n + 2 }, (_, k) => (k < n ? k : n + k)); // 2 beyond
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [order[k], order[j]] = [order[j], order[k]];
  }
  const texts = Array.from({ length: n }, (_, i) => `w${i}`);
  const ordered = new OrderedPositions(positions, order);
  assert.equal(ordered.built, 0);
  const views = [
    { x0: -12, x1: 12, y0: -6, y1: 6 },
    { x0: -2, x1: 1, y0: -1, y1: 0.5 },
    { x0: 30, x1: 40, y0: 0, y1: 1 },
  ];
  const first = Uint32Array.of(5, 17);
  const place = (view, o = {}) =>
    placeLabels({ order, positions, texts, view, width: 400, height: 200, widthOf, first, ...o });
  const check = () => {
    for (const view of views) assert.deepEqual(place(view, { ordered }), place(view));
  };
  check();
  ordered.fill(1000);
  assert.equal(ordered.built, 1000);
  check();
  while (!ordered.done) ordered.fill(1000);
  assert.equal(ordered.built, n + 2);
  assert.deepEqual([...ordered.values.subarray(2 * n)], [Number.NaN, Number.NaN, NaN, NaN]);
  const k = order.indexOf(42);
  assert.deepEqual([...ordered.values.subarray(2 * k, 2 * k + 2)], [...positions.subarray(84, 86)]);
  check();
});

test("text widths: simple text adds its characters' widths, measured once; others whole", () => {
  const asked = [];
  const width = textWidths((t) => {
    asked.push(t);
    return 3 * t.length + (t === "ab" ? 0.5 : 0);
  });
  assert.equal(width("abba"), 4 * 3 + 1, "the sum and a pixel for kerning");
  assert.equal(width("baba"), 13);
  assert.equal(width("éléphant Ő"), 10 * 3 + 1);
  assert.deepEqual(asked.slice(0, 2), ["a", "b"], "each character measured once");
  asked.length = 0;
  assert.equal(width("ab"), 7, "known characters: nothing measured");
  assert.deepEqual(asked, []);
  assert.equal(width("狮子"), 6, "another script: measured whole");
  assert.equal(width("e\u0301"), 6, "a combining mark: measured whole");
  assert.deepEqual(asked, ["狮子", "e", "e\u0301"]);
  assert.equal(width(""), 1);
});

/** A labels canvas whose context measures 6 px a character and records what is written. */
function labelsCanvas() {
  const written = [];
  const ctx = {
    font: "",
    measured: 0,
    setTransform() {},
    clearRect() {},
    strokeText() {},
    fillText: (text) => written.push(text),
    measureText(text) {
      this.measured++;
      return { width: 6 * text.length };
    },
  };
  return { canvas: { width: 0, height: 0, style: {}, getContext: () => ctx }, ctx, written };
}

test("MapLabels copies the ordered positions once; new points or a new order copy again", () => {
  const { canvas, ctx, written } = labelsCanvas();
  const labels = new MapLabels(canvas);
  const n = FILL_CHUNK + 10;
  const positions = clusteredPoints(n, 2);
  labels.setTexts(
    new TextEncoder().encode(Array.from({ length: n }, (_, i) => `w${i}`).join("\0")),
  );
  labels.setOrder(Uint32Array.from({ length: n }, (_, i) => n - 1 - i));
  labels.setOn(true);
  labels.resize(400, 200, 1);
  const theme = { font: "sans-serif", fg: "#000", bg: "#fff" };
  const view = { x0: -12, x1: 12, y0: -6, y1: 6 };
  assert.equal(labels.update({ view, positions, radius: 2, theme }), true);
  const placed = labels.published();
  assert.ok(placed.length > 10);
  assert.equal(written.length, placed.length);
  const ordered = labels.ordered;
  assert.ok(ordered.done, "copied at once: the placement reads every position");
  assert.equal(ctx.measured, 11, "characters measured (w, 0-9), not labels");
  labels.setOn(false);
  labels.setOn(true);
  assert.equal(labels.update({ view, positions, radius: 2, theme }), true);
  assert.deepEqual(labels.published(), placed, "the same labels from the ordered positions");
  assert.equal(labels.ordered, ordered, "kept while the points and order stay");
  const moved = positions.map((v) => v + 0.5);
  labels.update({ view, positions: moved, radius: 2, theme });
  assert.notEqual(labels.ordered, ordered);
  assert.ok(labels.ordered.done);
  const before = labels.ordered;
  labels.setOrder(Uint32Array.from({ length: n }, (_, i) => i));
  labels.update({ view, positions: moved, radius: 2, theme });
  assert.notEqual(labels.ordered, before, "a new order: copied again");
  assert.deepEqual(
    Array.from(labels.ordered.values.subarray(0, 4)),
    Array.from(moved.subarray(0, 4)),
  );
});

test("labels spread over the view: a crowd first in order does not take every try", () => {
  // 300 points piled in one corner come first in the order; one point far away comes last.
  const n = 301;
  const positions = new Float32Array(2 * n);
  for (let i = 0; i < 300; i++)
    positions.set([2 + (i % 30) * 0.01, 2 + Math.floor(i / 30) * 0.01], 2 * i);
  positions.set([80, 40], 600);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const texts = Array.from({ length: n }, (_, i) => `w${i}`);
  const placed = placeLabels({
    order,
    positions,
    texts,
    view,
    width: 400,
    height: 200,
    widthOf,
    maxTries: 10,
  });
  assert.ok(
    placed.some((b) => b.i === 300),
    "the lone point far away is labelled",
  );
});

test("the second pass reads on past the points the first passed over, however many", () => {
  // One cell of the view: point 0 claims it; ten points without a label (no tries) are passed
  // over before point 11, more than the second pass's note of them holds (maxTries + 1).
  const n = 12;
  const positions = new Float32Array(2 * n);
  positions.set([37.5, 27.5], 0); // px (150, 90)
  for (let i = 1; i <= 10; i++) positions.set([50, 25], 2 * i); // px (200, 100)
  positions.set([37.5, 23], 22); // px (150, 108): its label fits under point 0's
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const texts = Array.from({ length: n }, (_, i) => (i >= 1 && i <= 10 ? "" : `w${i}`));
  const ordered = new OrderedPositions(positions, order);
  ordered.fill();
  for (const o of [undefined, ordered]) {
    const placed = placeLabels({
      order,
      ordered: o,
      positions,
      texts,
      view,
      width: 400,
      height: 200,
      widthOf,
      maxTries: 2,
    });
    assert.deepEqual(
      placed.map((b) => b.i),
      [0, 11],
    );
  }
});
