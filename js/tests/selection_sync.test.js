import assert from "node:assert/strict";
import { test } from "node:test";
import { uint32Of } from "../codecs.js";
import { normalise, SelectionSync, selectionFlags } from "../selection_sync.js";

const view = (values) => new DataView(Uint32Array.from(values).buffer);

/**
 * A model like anywidget's: `set` fires `change:<name>` at once (Backbone), `save_changes`
 * counts syncs, and `kernelSets` is a change that came from Python.
 */
function fakeModel(selection = []) {
  const values = { _selection: view(selection) };
  const handlers = new Map();
  const fire = (name) => {
    for (const fn of handlers.get(`change:${name}`) ?? []) fn();
  };
  const model = {
    saves: 0,
    get: (name) => values[name],
    set(name, value) {
      values[name] = value;
      fire(name);
    },
    save_changes() {
      model.saves++;
    },
    on(name, fn) {
      handlers.set(name, [...(handlers.get(name) ?? []), fn]);
    },
    kernelSets(name, value) {
      values[name] = value;
      fire(name);
    },
  };
  return model;
}

/** A SelectionSync wired to a fake model, recording what it shows and sends. */
function setup({ selection = [], maxBytes, live } = {}) {
  const model = fakeModel(selection);
  const shown = [];
  const sent = [];
  const sync = new SelectionSync({
    model,
    send: (content, buffers) => sent.push({ content, buffers }),
    show: (sel) => shown.push(Array.from(sel)),
    maxBytes,
    live,
  });
  model.on("change:_selection", () => sync.load());
  return { model, sync, shown, sent };
}

test("the initial selection is normalised and not shown before the map is ready", () => {
  const { sync, shown } = setup({ selection: [7, 2, 7, 0] });
  assert.deepEqual(Array.from(sync.selection), [0, 2, 7]);
  assert.deepEqual(shown, []);
});

test("a small selection is written to the trait, and its echo is not shown again", () => {
  const { model, sync, shown, sent } = setup();
  sync.set(Uint32Array.of(1, 4, 9));
  assert.deepEqual(shown, [[1, 4, 9]], "shown once, although set() fired change at once");
  assert.equal(model.saves, 1);
  assert.deepEqual(Array.from(uint32Of(model.get("_selection"))), [1, 4, 9]);
  assert.deepEqual(sent, [], "no parts for a small selection");
  // The kernel's echo of the same values in a DataView of its own.
  model.kernelSets("_selection", view([1, 4, 9]));
  assert.deepEqual(shown, [[1, 4, 9]]);
});

test("a large selection goes in parts with an id; the kernel's join is not shown again", () => {
  const { model, sync, shown, sent } = setup({ maxBytes: 16 }); // 4 indices a part
  const big = Uint32Array.from({ length: 10 }, (_, i) => i * 3);
  sync.set(big);
  assert.equal(model.saves, 0, "the trait is the kernel's to set");
  assert.deepEqual(
    sent.map((m) => m.content),
    [0, 1, 2].map((part) => ({ type: "selection_part", id: 1, part, parts: 3 })),
  );
  const joined = sent.flatMap((m) => Array.from(uint32Of(m.buffers[0])));
  assert.deepEqual(joined, Array.from(big));
  assert.ok(sent.every((m) => m.buffers.length === 1 && m.buffers[0].byteLength <= 16));
  model.kernelSets("_selection", view(joined));
  assert.deepEqual(shown, [Array.from(big)], "the join is what the map shows already");
});

test("a second large selection gets a new id", () => {
  const { sync, sent } = setup({ maxBytes: 8 });
  sync.set(Uint32Array.of(1, 2, 3));
  sync.set(Uint32Array.of(4, 5, 6, 7, 8));
  const ids = sent.map((m) => m.content.id);
  assert.deepEqual(ids, [1, 1, 2, 2, 2]);
  assert.deepEqual(
    sent.map((m) => [m.content.part, m.content.parts]),
    [
      [0, 2],
      [1, 2],
      [0, 3],
      [1, 3],
      [2, 3],
    ],
  );
});

test("a selection from Python is shown, sorted and unique", () => {
  const { model, sync, shown } = setup();
  model.kernelSets("_selection", view([9, 3, 3, 5]));
  assert.deepEqual(shown, [[3, 5, 9]]);
  assert.deepEqual(Array.from(sync.selection), [3, 5, 9]);
  model.kernelSets("_selection", view([]));
  assert.deepEqual(shown.at(-1), []);
});

test("a Python selection that lands between our parts and their join: the join wins", () => {
  const { model, sync, shown } = setup({ maxBytes: 8 });
  sync.set(Uint32Array.of(1, 2, 3)); // in parts
  model.kernelSets("_selection", view([7])); // a cell ran first
  model.kernelSets("_selection", view([1, 2, 3])); // then the kernel joined our parts
  assert.deepEqual(shown, [[1, 2, 3], [7], [1, 2, 3]]);
  assert.deepEqual(Array.from(sync.selection), [1, 2, 3]);
});

test("normalise keeps sorted unique input as it is", () => {
  const a = Uint32Array.of(1, 2, 5);
  assert.equal(normalise(a), a);
  assert.deepEqual(Array.from(normalise(Uint32Array.of(5, 1, 5))), [1, 5]);
});

test("selectionFlags shows only indices on the map and reuses its flags", () => {
  const first = selectionFlags(Uint32Array.of(0, 2, 5, 9), 6);
  assert.deepEqual(Array.from(first.flags), [1, 0, 1, 0, 0, 1]);
  assert.equal(first.shown, 3);
  assert.deepEqual(Array.from(first.indices), [0, 2, 5]);
  const second = selectionFlags(Uint32Array.of(1), 6, first.flags);
  assert.equal(second.flags, first.flags, "same length: reused");
  assert.deepEqual(Array.from(second.flags), [0, 1, 0, 0, 0, 0]);
  const all = Uint32Array.of(1, 2);
  assert.equal(selectionFlags(all, 6).indices, all, "no copy when every index is shown");
});

test("once the kernel is gone a selection is shown and not written", () => {
  const { model, sync, shown, sent } = setup({ maxBytes: 8, live: () => false });
  sync.set(Uint32Array.of(1, 4));
  sync.set(Uint32Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual(shown, [
    [1, 4],
    [1, 2, 3, 4, 5, 6],
  ]);
  assert.equal(model.saves, 0);
  assert.deepEqual(sent, [], "no parts either");
  assert.deepEqual(Array.from(uint32Of(model.get("_selection"))), []);
});
