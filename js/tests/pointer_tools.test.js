import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clickIntent,
  DRAG_THRESHOLD_PX,
  keyIntent,
  LASSO_STEP_PX,
  movedBy,
  PointerTools,
  wheelFactor,
} from "../pointer_tools.js";

/**
 * Tools over a fake host: 10 px a data unit, y up; a point at pixel (100, 100) (data (10, -10))
 * is picked within 6 px. Records every intent, pan, zoom and hover.
 */
function setup(tool = "pan", { zoomLimit = false } = {}) {
  const log = { acts: [], pans: [], zooms: [], hovers: [], leaves: 0, changed: 0 };
  let view = { x0: 0, x1: 40, y0: -30, y1: 0 };
  const tools = new PointerTools({
    locate: (e) => ({ px: e.clientX, py: e.clientY, x: e.clientX / 10, y: -e.clientY / 10 }),
    view: () => view,
    height: () => 300,
    pick: (x, y) => (Math.hypot(x - 10, y + 10) * 10 <= 6 ? 0 : -1),
    pan: (startView, dx, dy) => log.pans.push([startView, dx, dy]),
    zoom(p, factor) {
      if (zoomLimit) return null;
      view = { ...view, zoomed: factor };
      log.zooms.push([p, factor]);
      return view;
    },
    hover: (p) => log.hovers.push(p),
    leave: () => log.leaves++,
    act: (intent) => log.acts.push(intent),
    changed: () => log.changed++,
  });
  tools.tool = tool;
  return { tools, log };
}

const at = (clientX, clientY, more = {}) => ({
  pointerId: 1,
  button: 0,
  shiftKey: false,
  timeStamp: 0,
  clientX,
  clientY,
  ...more,
});

test("a press becomes a drag from DRAG_THRESHOLD_PX on", () => {
  assert.equal(DRAG_THRESHOLD_PX, 3);
  assert.equal(movedBy({ px: 0, py: 0 }, { px: 2, py: 2 }, DRAG_THRESHOLD_PX), false);
  assert.equal(movedBy({ px: 0, py: 0 }, { px: 3, py: 0 }, DRAG_THRESHOLD_PX), true);
});

test("what a click does with each tool", () => {
  const p = { x: 1.5, y: -2 };
  assert.deepEqual(clickIntent("pan", p, 7, false), { type: "select", index: 7, toggle: false });
  assert.deepEqual(clickIntent("pan", p, 7, true), { type: "select", index: 7, toggle: true });
  assert.equal(clickIntent("pan", p, -1, false), null, "empty space changes nothing");
  assert.deepEqual(clickIntent("pin", p, 7, false), { type: "pin", x: 1.5, y: -2 });
  assert.deepEqual(clickIntent("anchor", p, 7, false), { type: "anchor", index: 7, x: 1.5, y: -2 });
  assert.deepEqual(clickIntent("anchor", p, -1, false), {
    type: "anchor",
    index: -1,
    x: 1.5,
    y: -2,
  });
  assert.equal(clickIntent("lasso", p, 7, false), null);
});

test("shortcuts: p pins, Escape clears; not while typing, with a modifier or off the map", () => {
  const no = () => false;
  assert.equal(keyIntent({ key: "p" }, true, no), "pin");
  assert.equal(keyIntent({ key: "P" }, true, no), "pin");
  assert.equal(keyIntent({ key: "Escape" }, true, no), "clear-selection");
  assert.equal(
    keyIntent({ key: "p" }, true, () => true),
    null,
    "typing in a cell",
  );
  assert.equal(
    keyIntent({ key: "Escape" }, true, () => true),
    null,
  );
  assert.equal(keyIntent({ key: "p", ctrlKey: true }, true, no), null);
  assert.equal(keyIntent({ key: "p", metaKey: true }, true, no), null);
  assert.equal(keyIntent({ key: "p", altKey: true }, true, no), null);
  assert.equal(keyIntent({ key: "p" }, false, no), null, "pointer not over the map");
  let asked = 0;
  keyIntent({ key: "a" }, true, () => asked++ > 0);
  assert.equal(asked, 0, "other keys never look at the DOM");
});

test("wheel steps in lines and pages are scaled, and capped", () => {
  assert.ok(Math.abs(wheelFactor(-100, 0, 300) - Math.exp(0.2)) < 1e-12);
  assert.ok(Math.abs(wheelFactor(3, 1, 300) - Math.exp(-48 * 0.002)) < 1e-12);
  assert.equal(wheelFactor(1, 2, 300), wheelFactor(300, 0, 300));
  assert.equal(wheelFactor(1e6, 0, 300), Math.exp(-0.6));
  assert.equal(wheelFactor(-1e6, 0, 300), Math.exp(0.6));
});

test("pan tool: a click on a point selects it; shift on release toggles", () => {
  const { tools, log } = setup("pan");
  assert.equal(tools.down(at(100, 100)), true);
  tools.move(at(101, 101)); // under the threshold: still a click
  assert.equal(tools.up(at(101, 101)), true);
  assert.deepEqual(log.acts, [{ type: "select", index: 0, toggle: false }]);
  assert.deepEqual(log.pans, []);
  tools.down(at(100, 100));
  tools.up(at(100, 100, { shiftKey: true }));
  assert.deepEqual(log.acts[1], { type: "select", index: 0, toggle: true });
  assert.equal(log.hovers.length, 2, "the release hovers where it ends");
});

test("pan tool: a drag pans from the view at the press and selects nothing", () => {
  const { tools, log } = setup("pan");
  const start = tools.host.view();
  tools.down(at(100, 100));
  tools.move(at(110, 95));
  assert.equal(tools.panning, true);
  tools.move(at(100, 100)); // back where it started: still a drag, not a click
  tools.up(at(100, 100));
  assert.equal(tools.panning, false);
  assert.deepEqual(log.pans, [
    [start, 10, -5],
    [start, 0, 0],
  ]);
  assert.deepEqual(log.acts, []);
});

test("lasso tool: a vertex every LASSO_STEP_PX, shift at the press adds", () => {
  const { tools, log } = setup("lasso");
  tools.down(at(0, 0, { shiftKey: true }));
  tools.move(at(1, 0)); // under a step: no vertex
  tools.move(at(LASSO_STEP_PX, 0));
  tools.move(at(20, 20));
  assert.deepEqual(tools.lasso, [0, -0, 0.2, -0, 2, -2]);
  tools.up(at(20, 20));
  assert.equal(tools.lasso, null);
  assert.deepEqual(log.acts, [{ type: "lasso", polygon: [0, -0, 0.2, -0, 2, -2], add: true }]);
});

test("lasso tool: fewer than three vertices select nothing", () => {
  const { tools, log } = setup("lasso");
  tools.down(at(0, 0));
  tools.move(at(10, 0));
  tools.up(at(10, 0));
  assert.deepEqual(log.acts, []);
});

test("pin and anchor tools act on a click, not on a drag", () => {
  const { tools, log } = setup("pin");
  tools.down(at(50, 60));
  tools.up(at(50, 60));
  assert.deepEqual(log.acts, [{ type: "pin", x: 5, y: -6 }]);
  tools.down(at(50, 60));
  tools.move(at(70, 60));
  tools.up(at(70, 60));
  assert.equal(log.acts.length, 1);
  tools.tool = "anchor";
  tools.down(at(100, 100));
  tools.up(at(100, 100));
  assert.deepEqual(log.acts[1], { type: "anchor", index: 0, x: 10, y: -10 });
});

test("only the left button starts a drag; another pointer's events are hovers", () => {
  const { tools, log } = setup("pan");
  assert.equal(tools.down(at(0, 0, { button: 2 })), false);
  assert.equal(tools.drag, null);
  tools.down(at(0, 0));
  tools.move(at(50, 50, { pointerId: 2 }));
  assert.deepEqual(log.pans, []);
  assert.equal(log.hovers.length, 1);
  assert.equal(tools.up(at(50, 50, { pointerId: 2 })), false);
  assert.equal(tools.cancel(at(0, 0)), true);
  assert.equal(tools.drag, null);
});

test("keys act at the cursor once the pointer is over the map", () => {
  const { tools, log } = setup("pan");
  const no = () => false;
  assert.equal(tools.key({ key: "p" }, no), false, "no cursor yet");
  tools.move(at(30, 40));
  assert.equal(tools.key({ key: "p" }, no), true);
  assert.equal(tools.key({ key: "Escape" }, no), true);
  assert.deepEqual(log.acts, [{ type: "pin", x: 3, y: -4 }, { type: "clear-selection" }]);
  tools.leave();
  assert.equal(tools.key({ key: "p" }, no), false, "the pointer left");
});

test("leaving mid-drag keeps the cursor; leaving otherwise drops it", () => {
  const { tools, log } = setup("lasso");
  tools.down(at(0, 0));
  tools.move(at(10, 10));
  tools.leave();
  assert.notEqual(tools.cursor, null);
  assert.equal(log.leaves, 0);
  tools.up(at(10, 10));
  tools.leave();
  assert.equal(tools.cursor, null);
  assert.equal(log.leaves, 1);
});

test("the wheel zooms; mid-drag the pan restarts from the zoomed view", () => {
  const { tools, log } = setup("pan");
  tools.wheel(at(10, 10, { deltaY: -100, deltaMode: 0 }));
  assert.equal(log.zooms.length, 1);
  assert.equal(log.hovers.length, 1, "hovers the spot under the pointer");
  tools.down(at(0, 0));
  tools.move(at(10, 0));
  tools.wheel(at(10, 0, { deltaY: 100, deltaMode: 0 }));
  assert.equal(tools.drag.startView, tools.host.view());
  tools.move(at(15, 0));
  assert.deepEqual(log.pans.at(-1), [tools.host.view(), 5, 0]);
  assert.equal(log.hovers.length, 1, "no hover while dragging");
});

test("a wheel step at a zoom limit does nothing", () => {
  const { tools, log } = setup("pan", { zoomLimit: true });
  tools.wheel(at(10, 10, { deltaY: -100, deltaMode: 0 }));
  assert.deepEqual(log.hovers, []);
  assert.equal(log.changed, 0);
});

test("a double-click fits the view with the pan tool only", () => {
  const { tools, log } = setup("pan");
  assert.equal(tools.doubleClick(), true);
  assert.deepEqual(log.acts, [{ type: "reset-view" }]);
  tools.tool = "lasso";
  assert.equal(tools.doubleClick(), false);
  assert.equal(log.acts.length, 1);
});
