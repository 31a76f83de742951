import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameLoop, MapFrames, mapFrameKind } from "../frame_loop.js";

const view = { x0: 0, x1: 1, y0: 0, y1: 1 };
const key = (more = {}) => ({ view, size: 3, version: 1, selection: 1, ...more });

test("mapFrameKind: the canvas keeps its picture when nothing about the points changed", () => {
  assert.equal(mapFrameKind({ ...key(), kind: "points" }, key(), false), "overlay");
  assert.equal(
    mapFrameKind({ ...key(), kind: "points" }, { ...key(), view: { ...view } }, false),
    "overlay",
  );
  assert.equal(mapFrameKind(null, key(), false), "points");
  for (const change of [
    { version: 2 },
    { selection: 2 },
    { size: 4 },
    { view: { ...view, x1: 2 } },
  ]) {
    assert.equal(mapFrameKind({ ...key(), kind: "points" }, key(change), false), "points");
    assert.equal(mapFrameKind({ ...key(), kind: "points" }, key(change), true), "cached");
  }
});

test("mapFrameKind: a cached picture is redrawn crisp once the view settles", () => {
  assert.equal(mapFrameKind({ ...key(), kind: "cached" }, key(), true), "overlay");
  assert.equal(mapFrameKind({ ...key(), kind: "cached" }, key(), false), "points");
});

/** A renderer that records its draws; drawCached works once a cache exists. */
function fakeRenderer() {
  return {
    version: 1,
    selectionVersion: 1,
    cache: null,
    calls: [],
    draw() {
      this.calls.push("draw");
      this.cache = { drawn: 50 };
      return 50;
    },
    drawCached() {
      this.calls.push("cached");
      return this.cache !== null;
    },
  };
}

test("MapFrames draws, then keeps, then moves the cached picture, then draws crisp", () => {
  const r = fakeRenderer();
  const frames = new MapFrames(r);
  assert.equal(frames.draw(view, 3, false), 50);
  assert.equal(frames.kind, "points");
  assert.equal(frames.draw(view, 3, false), 50);
  assert.equal(frames.kind, "overlay");
  const panned = { ...view, x0: 0.5 };
  assert.equal(frames.draw(panned, 3, true), 50);
  assert.equal(frames.kind, "cached");
  assert.equal(frames.draw(panned, 3, true), 50);
  assert.equal(frames.kind, "overlay");
  assert.equal(frames.draw(panned, 3, false), 50);
  assert.equal(frames.kind, "points");
  assert.deepEqual(r.calls, ["draw", "cached", "draw"]);
});

test("MapFrames falls back to drawing points when there is no cache", () => {
  const r = fakeRenderer();
  const frames = new MapFrames(r);
  frames.draw(view, 3, true);
  assert.deepEqual(r.calls, ["cached", "draw"]);
  assert.equal(frames.kind, "points");
});

test("MapFrames: a failed draw shows nothing usable and keeps the last count", () => {
  const r = fakeRenderer();
  const frames = new MapFrames(r);
  frames.draw(view, 3, false);
  r.draw = () => -1;
  r.version = 2;
  assert.equal(frames.draw(view, 3, false), -1);
  assert.equal(frames.key, null);
  assert.equal(frames.drawn, 50);
});

/** A loop with hand-fired animation frames and timers. */
function fakeLoop(held = () => false) {
  const frames = [];
  const timers = new Map();
  let next = 1;
  let drawn = 0;
  const loop = new FrameLoop(() => drawn++, {
    held,
    requestFrame: (fn) => {
      frames.push(fn);
      return frames.length;
    },
    cancelFrame: () => frames.splice(0),
    setTimer: (fn) => {
      timers.set(next, fn);
      return next++;
    },
    clearTimer: (t) => timers.delete(t),
  });
  const runFrames = () => {
    for (const fn of frames.splice(0)) fn();
  };
  const fireTimers = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const fn of due) fn();
  };
  return { loop, frames, timers, runFrames, fireTimers, drawn: () => drawn };
}

test("FrameLoop: several asks before a frame make one frame", () => {
  const f = fakeLoop();
  f.loop.schedule();
  f.loop.schedule();
  assert.equal(f.frames.length, 1);
  f.runFrames();
  assert.equal(f.drawn(), 1);
  f.loop.schedule();
  assert.equal(f.frames.length, 1, "a new frame once the last one ran");
});

test("FrameLoop: settles after the last step, not while a pan drag is held", () => {
  let held = true;
  const f = fakeLoop(() => held);
  f.loop.interacting();
  f.loop.interacting();
  assert.equal(f.timers.size, 1, "each step restarts the timer");
  assert.equal(f.loop.settling, true);
  f.fireTimers();
  assert.equal(f.loop.settling, true, "the button is still down");
  held = false;
  f.fireTimers();
  assert.equal(f.loop.settling, false);
  assert.equal(f.frames.length, 1, "a crisp frame is asked for");
});

test("FrameLoop: nothing is scheduled after dispose", () => {
  const f = fakeLoop();
  f.loop.interacting();
  f.loop.dispose();
  assert.equal(f.timers.size, 0);
  f.loop.schedule();
  assert.equal(f.frames.length, 0);
});
