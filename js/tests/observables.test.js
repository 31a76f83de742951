import assert from "node:assert/strict";
import { test } from "node:test";
import { observedValues, writeChanged } from "../observables.js";

const state = {
  frames: 3,
  drawn: 1797,
  view: { x0: -1, x1: 1, y0: -0.5, y1: 0.5 },
  selected: 5,
  pins: 2,
  tool: "lasso",
  axes: ["PC 1", "PC 2"],
  marks: 1,
  walkT: -0.5,
  groupA: 4,
  groupB: 0,
  notice: "",
  frameKind: "points",
  frameMs: 1.23456,
  previewMs: -1,
  kernelGone: false,
};

test("the attributes' text follows docs/protocol.md", () => {
  const v = observedValues(state);
  assert.equal(v.frames, "3");
  assert.equal(v.drawn, "1797");
  assert.deepEqual(JSON.parse(v.view), state.view);
  assert.equal(v.selected, "5");
  assert.equal(v.pins, "2");
  assert.equal(v.tool, "lasso");
  assert.equal(v.axes, '["PC 1","PC 2"]');
  assert.equal(v.walkT, "-0.5");
  assert.equal(v.groupA, "4");
  assert.equal(v.frameKind, "points");
  assert.equal(v.frameMs, "1.23");
  assert.equal("previewMs" in v, false, "no page-decoded preview yet");
  assert.equal(observedValues({ ...state, previewMs: 0.5 }).previewMs, "0.50");
  assert.equal(v.kernel, "live");
  assert.equal(observedValues({ ...state, kernelGone: true }).kernel, "gone");
});

test("only changed attributes are written", () => {
  const writes = [];
  const dataset = new Proxy(
    { tool: "pan" },
    {
      set(target, name, value) {
        writes.push(name);
        target[name] = value;
        return true;
      },
    },
  );
  assert.equal(writeChanged(dataset, { tool: "pan", frames: "1" }), 1);
  assert.deepEqual(writes, ["frames"]);
  assert.equal(writeChanged(dataset, { tool: "pan", frames: "1" }), 0);
  assert.equal(writeChanged(dataset, { tool: "pin", frames: "1" }), 1);
  assert.deepEqual(writes, ["frames", "tool"]);
  assert.equal(dataset.tool, "pin");
});
