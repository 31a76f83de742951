import assert from "node:assert/strict";
import { test } from "node:test";
import { SpatialGrid } from "../spatial_grid.js";
import { MAX_CACHED, MAX_IN_VIEW, PictureCache, pointsInView, Thumbnails } from "../thumbnails.js";

globalThis.ImageData ??= class {
  constructor(data, width, height) {
    Object.assign(this, { data, width, height });
  }
};

function fakeCanvas(w = 400, h = 300) {
  const calls = [];
  return {
    width: w,
    height: h,
    style: { transform: "" },
    calls,
    getContext: () => ({
      setTransform() {},
      clearRect() {},
      drawImage: (img, x, y, dw, dh) => calls.push({ img, x, y, dw, dh }),
      putImageData(image) {
        calls.push({ image });
      },
    }),
  };
}

test("the cache keeps the most recently used pictures", () => {
  const cache = new PictureCache(2);
  cache.put(1, "a");
  cache.put(2, "b");
  cache.use(1); // 2 is now the least recent
  cache.put(3, "c");
  assert.equal(cache.size, 2);
  assert.ok(cache.has(1) && cache.has(3) && !cache.has(2));
});

test("pointsInView gives the points in view, or null over the limit", () => {
  const xy = Float32Array.of(0, 0, 1, 1, 5, 5, 9, 9);
  const grid = new SpatialGrid(xy);
  const view = { x0: -0.5, x1: 5.5, y0: -0.5, y1: 5.5 };
  assert.deepEqual(pointsInView(grid, view, 10).sort(), [0, 1, 2]);
  assert.equal(pointsInView(grid, view, 2), null);
});

test("zoomed in, the missing pictures are asked once, drawn at their points when they come", () => {
  const xy = Float32Array.of(0, 0, 10, 10, 20, 20);
  const grid = new SpatialGrid(xy);
  const sent = [];
  const canvas = fakeCanvas();
  const made = [];
  const t = new Thumbnails(canvas, {
    send: (c) => sent.push(c),
    makeCanvas: (w, h) => {
      const c = fakeCanvas(w, h);
      made.push(c);
      return c;
    },
  });
  t.setSpec({ width: 2, height: 2, source: "data" });
  t.resize(400, 300, 1);
  const view = { x0: -5, x1: 15, y0: -5, y1: 10 }; // points 0 and 1 in view
  t.update(view, grid);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].points.sort(), [0, 1]);
  t.update({ ...view, x0: -4 }, grid); // a newer view while the first is in flight
  assert.equal(sent.length, 1, "one request in flight");
  const pixels = new Uint8Array(2 * 2 * 2 * 4).fill(200);
  t.receive({ type: "thumbnails", id: sent[0].id, points: sent[0].points, width: 2, height: 2 }, [
    new DataView(pixels.buffer),
  ]);
  assert.equal(made.length, 2, "a small canvas per picture");
  t.update(view, grid);
  assert.equal(t.drawn.length, 2);
  const [i, x, y, w, h] = t.drawn.find((d) => d[0] === 0);
  assert.equal(i, 0);
  // Point 0 at (0, 0): 20 units span 400 px, so it is at px (100, 200); the picture is centred.
  assert.equal(x + w / 2, 100);
  assert.equal(y + h / 2, 200);
});

test("zoomed out (too many in view), nothing is asked or drawn", () => {
  const n = MAX_IN_VIEW + 10;
  const xy = new Float32Array(2 * n).map((_, k) => k % 97);
  const sent = [];
  const t = new Thumbnails(fakeCanvas(), { send: (c) => sent.push(c) });
  t.setSpec({ width: 8, height: 8 });
  t.resize(400, 300, 1);
  t.update({ x0: -1, x1: 100, y0: -1, y1: 100 }, new SpatialGrid(xy));
  assert.equal(sent.length, 0);
  assert.equal(t.drawn.length, 0);
});

test("a map without pictures asks nothing; an error reply frees the slot", () => {
  const sent = [];
  const t = new Thumbnails(fakeCanvas(), { send: (c) => sent.push(c) });
  t.resize(400, 300, 1);
  const grid = new SpatialGrid(Float32Array.of(0, 0));
  t.update({ x0: -1, x1: 1, y0: -1, y1: 1 }, grid);
  assert.equal(sent.length, 0);
  t.setSpec({ width: 4, height: 4 });
  t.update({ x0: -1, x1: 1, y0: -1, y1: 1 }, grid);
  assert.equal(sent.length, 1);
  assert.equal(t.receive({ type: "thumbnails", id: sent[0].id, error: "no" }, []), true);
  assert.equal(t.inFlight, null);
});

test("timings: the redraw, and settle → all pictures in view painted, on the canvas", () => {
  const xy = Float32Array.of(0, 0, 10, 10, 20, 20);
  const grid = new SpatialGrid(xy);
  const sent = [];
  const canvas = { ...fakeCanvas(), dataset: {} };
  let clock = 100;
  const t = new Thumbnails(canvas, {
    send: (c) => sent.push(c),
    makeCanvas: (w, h) => {
      clock += 5; // each picture made takes 5 ms
      return fakeCanvas(w, h);
    },
    now: () => clock,
  });
  t.setSpec({ width: 2, height: 2, source: "data" });
  t.resize(400, 300, 1);
  const view = { x0: -5, x1: 15, y0: -5, y1: 10 }; // points 0 and 1 in view
  const reply = (k) =>
    t.receive({ type: "thumbnails", id: sent[k].id, points: sent[k].points, width: 2, height: 2 }, [
      new DataView(new Uint8Array(sent[k].points.length * 16).buffer),
    ]);
  t.update(view, grid); // settles at 100: asks for both
  assert.equal(canvas.dataset.cached, "0");
  assert.equal(canvas.dataset.drawMs, "0.00");
  assert.equal(canvas.dataset.shown, undefined, "nothing painted yet");
  clock = 160;
  reply(0);
  clock = 175;
  t.update(view, grid); // the frame after the reply paints them
  assert.equal(canvas.dataset.cached, "2");
  assert.deepEqual(JSON.parse(canvas.dataset.shown), {
    id: 1,
    ms: 75,
    replyMs: 70,
    receiveMs: 10,
    points: 2,
  });
  // A view whose pictures are all held asks nothing and times nothing new.
  t.update({ ...view, x0: -6 }, grid);
  assert.equal(sent.length, 1);
  assert.equal(JSON.parse(canvas.dataset.shown).id, 1);
  // A new region: timed from its own settle.
  const far = { x0: 15, x1: 25, y0: 15, y1: 25 }; // point 2
  clock = 1000;
  t.update(far, grid);
  assert.equal(sent.length, 2);
  clock = 1040;
  reply(1);
  clock = 1050;
  t.update(far, grid);
  assert.deepEqual(JSON.parse(canvas.dataset.shown), {
    id: 2,
    ms: 50,
    replyMs: 45,
    receiveMs: 5,
    points: 1,
  });
  assert.equal(canvas.dataset.cached, "3");
});

test("the pictures held stay at most MAX_CACHED, however many regions are visited", () => {
  const n = 5000;
  const xy = new Float32Array(2 * n).map((_, k) => (k % 2 === 0 ? Math.floor(k / 2) : 0));
  const grid = new SpatialGrid(xy);
  const sent = [];
  const canvas = { ...fakeCanvas(), dataset: {} };
  const t = new Thumbnails(canvas, {
    send: (c) => sent.push(c),
    makeCanvas: () => fakeCanvas(1, 1),
  });
  t.setSpec({ width: 1, height: 1 });
  t.resize(400, 300, 1);
  const held = [];
  for (let x = 0; x < n; x += 250) {
    t.update({ x0: x - 0.5, x1: x + 249.5, y0: -1, y1: 1 }, grid);
    const last = sent[sent.length - 1];
    t.receive({ type: "thumbnails", id: last.id, points: last.points, width: 1, height: 1 }, [
      new DataView(new Uint8Array(4 * last.points.length).buffer),
    ]);
    held.push(Number(canvas.dataset.cached));
  }
  assert.equal(Math.max(...held), MAX_CACHED);
  assert.equal(t.cache.size, MAX_CACHED);
});
