import assert from "node:assert/strict";
import { test } from "node:test";
import { neighborEntries, OperationsBar } from "../operations.js";
import { installFakeDocument } from "./fake_dom.js";

installFakeDocument();

function bar() {
  const sent = [];
  const ops = new OperationsBar({
    send: (m) => sent.push(m),
    walk: () => {},
    selection: () => new Uint32Array(0),
    changed: () => {},
  });
  return { ops, sent };
}

test("the arithmetic box suggests the map's own labels, or the usual example", () => {
  const { ops } = bar();
  assert.equal(ops.arith.placeholder, "king - man + woman");
  ops.setArithmeticHint("'3' - '8' + '1'");
  assert.equal(ops.arith.placeholder, "'3' - '8' + '1'");
  ops.setArithmeticHint("");
  assert.equal(ops.arith.placeholder, "king - man + woman");
  ops.setArithmeticHint(undefined);
  assert.equal(ops.arith.placeholder, "king - man + woman");
  ops.dispose();
});

test("repeated labels among the neighbours say which row each is", () => {
  const entries = neighborEntries([
    { label: "3", score: 0.91, row: 412 },
    { label: "3", score: 0.9, row: 7 },
    { label: "5", score: 0.8, row: 33 },
  ]);
  assert.deepEqual(
    entries.map((e) => [e.label, e.row, e.score]),
    [
      ["3", "row 412", "0.91"],
      ["3", "row 7", "0.90"],
      ["5", "", "0.80"],
    ],
  );
  assert.equal(entries[2].title, "row 33", "a unique label keeps its row as a tooltip");
});

test("neighbours without a row (an older kernel) show their labels alone", () => {
  const entries = neighborEntries([
    { label: "3", score: 0.5 },
    { label: "3", score: 0.4, row: null },
    { label: "3", score: "x", row: -1 },
  ]);
  assert.deepEqual(
    entries.map((e) => [e.label, e.row, e.title, e.score]),
    [
      ["3", "", "", "0.50"],
      ["3", "", "", "0.40"],
      ["3", "", "", ""],
    ],
  );
  assert.deepEqual(neighborEntries(undefined), []);
});

test("the result list shows '3 · row 412' and keeps the label in its own span", () => {
  const { ops, sent } = bar();
  ops.arith.value = "'3' - '8' + '1'";
  ops.sendArithmetic();
  assert.deepEqual(sent, [{ type: "arithmetic", id: 1, expression: "'3' - '8' + '1'" }]);
  ops.showArithmetic({
    type: "arithmetic_result",
    id: 1,
    ok: true,
    neighbors: [
      { label: "3", score: 0.9, row: 412 },
      { label: "3", score: 0.8, row: 17 },
      { label: "queen", score: 0.7, row: 2 },
    ],
  });
  const texts = (selector) => ops.result.querySelectorAll(selector).map((s) => s.textContent);
  assert.deepEqual(texts(".lm-arith-label"), ["3", "3", "queen"]);
  assert.deepEqual(texts(".lm-arith-row"), ["· row 412", "· row 17"]);
  assert.deepEqual(texts(".lm-arith-score"), ["0.90", "0.80", "0.70"]);
  ops.dispose();
});
