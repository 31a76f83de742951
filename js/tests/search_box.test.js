import assert from "node:assert/strict";
import { test } from "node:test";
import { countText, LISTED, SearchBox } from "../search_box.js";
import { installFakeDocument } from "./fake_dom.js";

installFakeDocument();

function box() {
  const sent = [];
  const shown = [];
  const chosen = [];
  let timer = null;
  const b = new SearchBox({
    send: (c) => sent.push(c),
    labelOf: (i) => `word ${i}`,
    found: (f) => shown.push(f),
    choose: (i) => chosen.push(i),
    setTimer: (fn) => {
      timer = fn;
      return 1;
    },
    clearTimer: () => {
      timer = null;
    },
  });
  return { b, sent, shown, chosen, fire: () => timer?.() };
}

const bytesOf = (values) => {
  const a = Uint32Array.from(values);
  return new DataView(a.buffer);
};

test("typing sends one query once the typing pauses", () => {
  const { b, sent, fire } = box();
  b.input.value = "li";
  b.typed();
  b.input.value = "lion";
  b.typed();
  assert.equal(sent.length, 0);
  fire();
  assert.deepEqual(sent, [{ type: "search", id: 1, query: "lion" }]);
});

test("the answer to the latest query is shown: ringed, counted and listed; older ones dropped", () => {
  const { b, sent, shown } = box();
  b.input.value = "lion";
  b.submit();
  b.input.value = "tiger";
  b.submit();
  assert.equal(sent.length, 2);
  assert.equal(b.receive({ id: 1, ok: true, kind: "label", query: "lion" }, [bytesOf([0])]), false);
  assert.equal(shown.length, 0, "a stale answer changes nothing");
  b.receive({ id: 2, ok: true, kind: "label", query: "tiger" }, [bytesOf([3, 7])]);
  assert.deepEqual([...shown.at(-1).points], [3, 7]);
  assert.equal(b.count.textContent, "2 matches");
  assert.deepEqual(
    b.list.children.map((li) => li.textContent),
    ["word 3", "word 7"],
  );
  assert.equal(b.list.hidden, false);
});

test("many finds are all ringed, the first few listed", () => {
  const { b } = box();
  b.input.value = "e";
  b.submit();
  const many = Array.from({ length: 100 }, (_, i) => i);
  b.receive({ id: 1, ok: true, kind: "label", query: "e" }, [bytesOf(many)]);
  assert.equal(b.list.children.length, LISTED + 1);
  assert.equal(b.list.children.at(-1).textContent, `and ${100 - LISTED} more`);
  assert.equal(b.count.textContent, "100 matches");
});

test("an encoded query carries where it sits; an error is said under the box", () => {
  const { b, shown } = box();
  b.input.value = "a big cat";
  b.submit();
  b.receive({ id: 1, ok: true, kind: "encoded", query: "a big cat", x: 0.5, y: -1 }, [
    bytesOf([4, 2]),
  ]);
  assert.equal(shown.at(-1).x, 0.5);
  assert.equal(b.count.textContent, "2 nearest to the encoded query");
  b.input.value = "/(/";
  b.submit();
  b.receive({ id: 2, ok: false, error: "search: the regular expression /(/ is not valid" }, []);
  assert.equal(shown.at(-1), null);
  assert.match(b.count.textContent, /not valid/);
});

test("choosing a listed find flies to it; Escape and an empty box clear", () => {
  const { b, shown, chosen } = box();
  b.input.value = "x";
  b.submit();
  b.receive({ id: 1, ok: true, kind: "label", query: "x" }, [bytesOf([9])]);
  const item = b.list.children[0];
  b.onClick({ target: { closest: () => item } });
  assert.deepEqual(chosen, [9]);
  assert.equal(b.list.hidden, true, "the list gets out of the way");
  b.onFocus();
  assert.equal(b.list.hidden, false, "and comes back to the box");
  b.clear();
  assert.equal(shown.at(-1), null);
  assert.equal(b.input.value, "");
  assert.equal(b.list.hidden, true);
});

test("countText says no match with the kernel's note", () => {
  assert.equal(
    countText({ points: new Uint32Array(0), kind: "none" }, "no label contains 'q'"),
    "no label contains 'q'",
  );
  assert.equal(countText({ points: Uint32Array.of(1), kind: "label" }), "1 match");
});
