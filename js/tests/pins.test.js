import assert from "node:assert/strict";
import { test } from "node:test";
import { Pins } from "../pins.js";

const bytes = (values) => new DataView(Float64Array.from(values).buffer);

function setup(initial = []) {
  const sent = [];
  const pins = new Pins((m) => sent.push(m), bytes(initial));
  return { pins, sent };
}

test("a pin is asked of the kernel and shown at once", () => {
  const { pins, sent } = setup();
  pins.pin(0.25, -1.5);
  assert.deepEqual(sent, [{ type: "pin", x: 0.25, y: -1.5 }]);
  assert.deepEqual(Array.from(pins.shown), [0.25, -1.5]);
  assert.equal(pins.count, 1);
});

test("the kernel's answer confirms a provisional pin without counting it twice", () => {
  const { pins } = setup();
  const x = 0.1 + 0.2; // not a short decimal: matched as the same float64
  pins.pin(x, 1 / 3);
  pins.load(bytes([x, 1 / 3]));
  assert.equal(pins.count, 1);
  assert.deepEqual(pins.provisional, []);
  assert.deepEqual(Array.from(pins.shown), [x, 1 / 3]);
});

test("the kernel's pins are drawn first, then the provisional ones", () => {
  const { pins } = setup([1, 2]);
  assert.equal(pins.count, 1);
  pins.pin(3, 4);
  assert.deepEqual(Array.from(pins.shown), [1, 2, 3, 4]);
  assert.equal(pins.count, 2);
});

test("two quick pins: the first is confirmed before the second", () => {
  const { pins, sent } = setup();
  pins.pin(1, 1);
  pins.pin(2, 2);
  assert.equal(sent.length, 2);
  pins.load(bytes([1, 1]));
  assert.equal(pins.count, 2);
  assert.deepEqual(Array.from(pins.shown), [1, 1, 2, 2]);
  assert.deepEqual(pins.provisional, [2, 2]);
  pins.load(bytes([1, 1, 2, 2]));
  assert.equal(pins.count, 2);
  assert.deepEqual(pins.provisional, []);
});

test("a pin at a spot pinned before is confirmed only by a new pin there", () => {
  const { pins } = setup([5, 5]);
  pins.pin(5, 5);
  pins.pin(5, 5);
  assert.equal(pins.count, 3);
  pins.load(bytes([5, 5, 5, 5]));
  assert.equal(pins.count, 3, "one arrived, one still on its way");
  pins.load(bytes([5, 5, 5, 5, 5, 5]));
  assert.equal(pins.count, 3);
  assert.deepEqual(pins.provisional, []);
});

test("a _pins change that does not bring the pin keeps it provisional", () => {
  const { pins } = setup([1, 1]);
  pins.pin(2, 2);
  pins.load(bytes([10, 10])); // new axes moved the kernel's pins
  assert.deepEqual(pins.provisional, [2, 2]);
  assert.equal(pins.count, 2);
});

test("clear asks the kernel and drops the provisional pins at once", () => {
  const { pins, sent } = setup([1, 1]);
  pins.pin(2, 2);
  pins.clear();
  assert.deepEqual(sent.at(-1), { type: "clear_pins" });
  assert.deepEqual(Array.from(pins.shown), [1, 1], "the kernel's own wait for its answer");
  pins.load(bytes([]));
  assert.equal(pins.count, 0);
});

test("a refusal (an error notice) drops the provisional pins", () => {
  const { pins } = setup([1, 1]);
  pins.pin(2, 2);
  pins.dropProvisional();
  assert.equal(pins.count, 1);
  assert.deepEqual(Array.from(pins.shown), [1, 1]);
});
