import assert from "node:assert/strict";
import { test } from "node:test";
import { AtlasLayer, cutGaps, gridFor, pageTiles, tileCentres } from "../atlas_layer.js";
import { parseClientDecoder } from "../client_decoder.js";
import { GLYPH_SIZE, RAW_RGBA, recordGlyph, sharedFeatures, tilePixels } from "../tile_glyphs.js";

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

/** A 1 × 1 grey image decoded in the page: value = (x + y) / 10. */
const CLIENT = parseClientDecoder(
  { kind: "image", shape: [1, 1], value_range: [0, 1], layers: [{ op: "linear", in: 2, out: 1 }] },
  new DataView(Float32Array.of(0.1, 0.1, 0).buffer),
);

/** A layer on a 960 × 640 map with fake timers, sends and decodes; records what it made. */
function setup({ client = null, canDecode = true } = {}) {
  const log = { sent: [], changed: 0, made: [] };
  const clock = { now: 1000 };
  const timers = new Map();
  let nextTimer = 1;
  const canvas = fakeCanvas();
  const layer = new AtlasLayer(canvas, {
    send: (m) => log.sent.push(m),
    clientDecoder: () => client,
    canDecode: () => canDecode,
    changed: () => log.changed++,
    makeCanvas: (w, h) => {
      const made = fakeCanvas(w, h);
      log.made.push(made);
      return made;
    },
    decodeImage: (buffer, mime) => Promise.resolve({ width: 4, height: 4, mime, buffer }),
    setTimer: (fn, ms) => {
      const id = nextTimer++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimer: (id) => timers.delete(id),
    now: () => clock.now,
  });
  layer.resize(960, 640, 2);
  layer.setOn(true);
  const fireTimers = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const t of due) t.fn();
  };
  return { layer, canvas, log, timers, fireTimers, clock };
}

const VIEW = { x0: -6, x1: 6, y0: -4, y1: 4 };
const moved = (dx) => ({ ...VIEW, x0: VIEW.x0 + dx, x1: VIEW.x1 + dx });

/** A kernel reply of raw RGBA 2 × 2 tiles, tile k's pixels all k. */
function reply(id, rows, cols, bounds = [-6, 6, -4, 4]) {
  const tiles = [];
  const buffers = [];
  for (let k = 0; k < rows * cols; k++) {
    tiles.push({ kind: "image", mime: RAW_RGBA, width: 2, height: 2 });
    buffers.push(new DataView(new Uint8Array(16).fill(k).buffer));
  }
  return [{ type: "atlas", id, rows, cols, bounds, tiles, features: [] }, buffers];
}

test("the grid is about 96 tiles, roughly square on screen", () => {
  assert.deepEqual(gridFor(960, 640), { rows: 8, cols: 12 });
  assert.deepEqual(gridFor(800, 420), { rows: 7, cols: 14 });
  assert.deepEqual(gridFor(300, 900), { rows: 17, cols: 6 });
  assert.deepEqual(gridFor(10000, 10), { rows: 1, cols: 64 }, "at most the kernel's 64");
  assert.deepEqual(gridFor(0, 420), { rows: 1, cols: 1 });
});

test("tile centres are the kernel's: row 0 at the top", () => {
  assert.deepEqual(
    [...tileCentres([0, 4, 10, 12], 2, 4)],
    [0.5, 11.5, 1.5, 11.5, 2.5, 11.5, 3.5, 11.5, 0.5, 10.5, 1.5, 10.5, 2.5, 10.5, 3.5, 10.5],
  );
});

test("a settled view sends one atlas request; latest wins while it is in flight", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  assert.deepEqual(log.sent, [
    { type: "atlas", x0: -6, x1: 6, y0: -4, y1: 4, rows: 8, cols: 12, id: 1 },
  ]);
  layer.settled(VIEW);
  layer.settled(moved(1));
  layer.settled(moved(2));
  assert.equal(log.sent.length, 1, "at most one in flight");
  layer.settled(VIEW); // back where the request in flight asked: its reply is awaited
  assert.equal(layer.pending, null);
  layer.settled(moved(1));
  layer.settled(moved(2));
  assert.equal(layer.receive(...reply(1, 8, 12)), true);
  assert.deepEqual(layer.shown, {
    id: 1,
    rows: 8,
    cols: 12,
    bounds: [-6, 6, -4, 4],
    source: "kernel",
  });
  assert.equal(log.changed, 1);
  assert.equal(log.sent.length, 2, "the newest pending settle goes out when the reply comes");
  assert.deepEqual([log.sent[1].id, log.sent[1].x0], [2, -4]);
  assert.equal(layer.receive(...reply(1, 8, 12)), false, "a stale id is dropped");
  layer.settled(moved(2));
  assert.equal(log.sent.length, 2, "the view already asked is not asked again");
});

test("the kernel's tiles make one picture, row-major from the top", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  layer.receive(...reply(1, 2, 3));
  const picture = log.made.at(-1);
  assert.deepEqual([picture.width, picture.height], [6, 4]);
  const puts = picture.calls.filter((c) => c[0] === "put");
  assert.deepEqual(
    puts.map(([, image, x, y]) => [image.data[0], x, y]),
    [
      [0, 0, 0],
      [1, 2, 0],
      [2, 4, 0],
      [3, 0, 2],
      [4, 2, 2],
      [5, 4, 2],
    ],
  );
});

test("draw paints the picture at its bounds in the view, and only when something changed", () => {
  const { layer, canvas, log } = setup();
  layer.settled(VIEW);
  layer.receive(...reply(1, 2, 3));
  const picture = log.made.at(-1);
  const lastDraw = () => canvas.calls.filter((c) => c[0] === "draw").at(-1);
  layer.draw(VIEW);
  assert.deepEqual(lastDraw(), ["draw", picture, 0, 0, 6, 4, 0, 0, 1920, 1280]);
  // Then a line cut between the tiles (2 rows, 3 columns: 2 + 1 lines).
  assert.equal(canvas.calls.slice(-3).filter((c) => c[0] === "clear").length, 3);
  assert.equal(canvas.getContext().imageSmoothingEnabled, false, "enlarged pixels stay sharp");
  const calls = canvas.calls.length;
  layer.draw(VIEW);
  assert.equal(canvas.calls.length, calls, "the same frame paints nothing");
  layer.draw(moved(3)); // panned right by a quarter: the picture's right 3/4 shows at the left
  assert.deepEqual(lastDraw(), ["draw", picture, 1.5, 0, 4.5, 4, 0, 0, 1440, 1280]);
  layer.draw(moved(30)); // out of view: nothing drawn, the canvas cleared
  assert.equal(canvas.calls.at(-1)[0], "clear");
  layer.setOn(false);
  layer.draw(moved(3));
  assert.equal(canvas.calls.at(-1)[0], "clear");
  assert.equal(layer.shown, null);
});

test("with a page decoder the grid is decoded in the page and nothing is asked", () => {
  const { layer, log } = setup({ client: CLIENT });
  layer.resize(40, 20, 1);
  layer.settled({ x0: 0, x1: 4, y0: 0, y1: 2 });
  assert.deepEqual(log.sent, []);
  const shown = layer.shown;
  assert.equal(shown.source, "page");
  assert.deepEqual([shown.rows, shown.cols], [gridFor(40, 20).rows, gridFor(40, 20).cols]);
  const tiles = pageTiles(CLIENT, [0, 4, 0, 2], 1, 2);
  // Centres (1, 1) and (3, 1): values 0.2 and 0.4 of the range.
  assert.deepEqual(
    tiles.map((t) => t.data[0]),
    [51, 102],
  );
});

test("a refusal frees the slot; the next settle asks again", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  layer.settled(moved(1));
  assert.equal(layer.receive({ type: "atlas", id: 1, error: "atlas: too far out" }, []), true);
  assert.equal(layer.error, "atlas: too far out");
  assert.equal(layer.shown, null);
  assert.equal(log.sent.length, 2, "the pending settle went out");
  layer.receive(...reply(2, 8, 12));
  assert.equal(layer.error, "");
  assert.equal(layer.shown.id, 2);
});

test("a reply that never comes lets the newest request go after the timeout", () => {
  const { layer, log, fireTimers } = setup();
  layer.settled(VIEW);
  fireTimers();
  assert.equal(log.sent.length, 1, "nothing newer to send: the slow reply is still awaited");
  layer.settled(moved(1));
  assert.equal(log.sent.length, 2, "an expired request does not hold the slot");
  assert.equal(layer.receive(...reply(1, 8, 12)), false);
  assert.equal(layer.receive(...reply(2, 8, 12)), true);
});

test("after the map changed, a reply asked before is not shown", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  layer.receive(...reply(1, 8, 12));
  layer.settled(moved(1));
  layer.invalidate();
  assert.equal(layer.shown, null);
  assert.equal(layer.receive(...reply(2, 8, 12)), true, "the slot is freed");
  assert.equal(layer.shown, null);
  layer.settled(moved(1));
  assert.equal(log.sent.at(-1).id, 3, "the same view is asked again on the new map");
});

test("the map changes while a request is in flight: the same view is asked again at once", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  layer.invalidate(); // e.g. the anchor moved while the tiles were being decoded
  layer.settled(VIEW); // the next frame, the same view
  assert.equal(layer.receive(...reply(1, 8, 12)), true, "the stale reply frees the slot");
  assert.equal(layer.shown, null, "and is not shown");
  assert.equal(log.sent.length, 2, "the view is asked again on the new map");
  layer.receive(...reply(log.sent.at(-1).id, 8, 12));
  assert.notEqual(layer.shown, null);
});

test("once the kernel is gone, or when it cannot decode, nothing is asked", () => {
  const gone = setup();
  gone.layer.stop();
  gone.layer.settled(VIEW);
  assert.deepEqual(gone.log.sent, []);
  const cannot = setup({ canDecode: false });
  cannot.layer.settled(VIEW);
  assert.deepEqual(cannot.log.sent, []);
  const off = setup();
  off.layer.setOn(false);
  off.layer.settled(VIEW);
  assert.deepEqual(off.log.sent, []);
});

test("PNG tiles are decoded by the browser, then painted scaled into their cells", async () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  const tiles = [
    { kind: "image", mime: "image/png", width: 4, height: 4 },
    { kind: "image", mime: "image/png", width: 4, height: 4 },
  ];
  const buffers = [new ArrayBuffer(3), new ArrayBuffer(3)];
  layer.receive({ type: "atlas", id: 1, rows: 1, cols: 2, bounds: [0, 1, 0, 1], tiles }, buffers);
  assert.equal(layer.shown, null, "not before the images decoded");
  await new Promise((resolve) => setTimeout(resolve, 0));
  const draws = log.made.at(-1).calls.filter((c) => c[0] === "draw");
  assert.deepEqual(
    draws.map(([, image, ...rect]) => [image.mime, ...rect]),
    [
      ["image/png", 0, 0, 4, 4],
      ["image/png", 4, 0, 4, 4],
    ],
  );
  assert.equal(layer.shown.source, "kernel");
});

test("record tiles become glyphs", () => {
  const { layer, log } = setup();
  layer.settled(VIEW);
  const tiles = [{ kind: "record", count: 2 }];
  const buffers = [new DataView(Float32Array.of(3, -1.5).buffer)];
  layer.receive({ type: "atlas", id: 1, rows: 1, cols: 1, bounds: [0, 1, 0, 1], tiles }, buffers);
  const [put] = log.made.at(-1).calls.filter((c) => c[0] === "put");
  assert.deepEqual(put[1].data, recordGlyph([3, -1.5]).data);
  assert.deepEqual([put[1].width, put[1].height], [GLYPH_SIZE, GLYPH_SIZE]);
});

test("a record glyph: bars up above the mean, down below it, full at 3 SD", () => {
  const g = recordGlyph([3, -1.5, Number.NaN, 10], 8);
  const alpha = (x, y) => g.data[4 * (y * 8 + x) + 3];
  const blue = (x, y) => g.data[4 * (y * 8 + x) + 2] === 229;
  // Midline at y = 4; half height 3: feature 0 (x 0..1) fills y 1..3, feature 1 (x 2..3)
  // reaches y 5..6 (1.5 rounds to 2 pixels), feature 2 (NaN) only the midline.
  assert.deepEqual(
    [1, 2, 3].map((y) => blue(0, y)),
    [true, true, true],
  );
  assert.equal(alpha(0, 0), 0);
  assert.deepEqual(
    [5, 6, 7].map((y) => alpha(2, y)),
    [255, 255, 0],
  );
  assert.deepEqual(
    [3, 4, 5].map((y) => alpha(4, y)),
    [0, 255, 0],
  );
  assert.equal(alpha(6, 1), 255, "clipped at 3 SD");
});

test("records share the features furthest from the mean on average, in order", () => {
  const rows = [Float64Array.of(0.1, -3, 2, 0.5), Float64Array.of(0.2, 3, -1, Number.NaN)];
  assert.deepEqual(sharedFeatures(rows, 2), [1, 2]);
  assert.deepEqual(sharedFeatures(rows, 4), [0, 1, 2, 3]);
});

test("raw tiles are read in place; encoded and unknown ones are left to the caller", () => {
  const bytes = new Uint8Array(20).fill(7);
  const view = new DataView(bytes.buffer, 4, 16);
  const pixels = tilePixels({ kind: "image", mime: RAW_RGBA, width: 2, height: 2 }, view);
  assert.deepEqual(
    [pixels.width, pixels.height, pixels.data.length, pixels.data[0]],
    [2, 2, 16, 7],
  );
  assert.equal(tilePixels({ kind: "image", mime: "image/png", width: 2, height: 2 }, view), null);
  assert.equal(tilePixels({ kind: "image", mime: RAW_RGBA, width: 4, height: 4 }, view), null);
  assert.equal(tilePixels({ kind: "html" }, view), null);
});

test("shown.ms: from the settle that asked for a picture to its first paint on the map", () => {
  const { layer, clock } = setup();
  layer.settled(VIEW);
  clock.now += 40;
  layer.settled(moved(1)); // pending behind the request in flight: its own settle counts
  clock.now += 100;
  layer.receive(...reply(1, 8, 12));
  assert.equal(layer.shown.ms, undefined, "not before it is painted");
  clock.now += 5;
  layer.draw(VIEW);
  assert.equal(layer.shown.ms, 145);
  clock.now += 50;
  layer.draw(moved(2));
  assert.equal(layer.shown.ms, 145, "only the first paint counts");
  clock.now += 20;
  layer.receive(...reply(2, 8, 12, [-5, 7, -4, 4]));
  layer.draw(moved(1));
  assert.equal(layer.shown.ms, 175, "timed from its own settle, 40 ms after the first");

  const page = setup({ client: CLIENT });
  page.layer.resize(40, 20, 1);
  page.layer.settled({ x0: 0, x1: 4, y0: 0, y1: 2 });
  page.clock.now += 12.345;
  page.layer.draw({ x0: 0, x1: 4, y0: 0, y1: 2 });
  assert.equal(page.layer.shown.ms, 12.35, "decoded in the page: rounded to 0.01 ms");
});

test("a line is cut between neighbouring tiles, none at the picture's edges", () => {
  const cleared = [];
  const ctx = { clearRect: (...r) => cleared.push(r) };
  const pic = { bounds: [0, 3, 0, 2], rows: 2, cols: 3 };
  const view = { x0: 0, x1: 3, y0: 0, y1: 2 };
  cutGaps(ctx, pic, view, 100, 100, [0, 0, 300, 200], 1);
  assert.deepEqual(cleared, [
    [100, 0, 1, 200],
    [200, 0, 1, 200],
    [0, 100, 300, 1],
  ]);
});
