import assert from "node:assert/strict";
import { test } from "node:test";
import { PreviewRequests } from "../preview_requests.js";

/** A slot with a fake send and fake timers the test fires by hand. */
function fake(timeoutMs = 5000) {
  const sent = [];
  const timers = new Map();
  let nextTimer = 1;
  const requests = new PreviewRequests((m) => sent.push(m), {
    timeoutMs,
    setTimer: (fn, ms) => {
      const id = nextTimer++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimer: (id) => timers.delete(id),
  });
  const fireTimers = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const t of due) t.fn();
  };
  return { requests, sent, timers, fireTimers };
}

test("the first request goes out at once with the protocol's shape", () => {
  const { requests, sent } = fake();
  requests.request(1.5, -2, null);
  assert.deepEqual(sent, [{ type: "decode", id: 1, x: 1.5, y: -2, index: null }]);
  requests.request(0, 0, 42);
  assert.equal(sent.length, 1, "at most one in flight");
});

test("a burst of 200 positions: only the final one is requested after the reply", () => {
  const { requests, sent } = fake();
  requests.request(0, 0, null);
  for (let k = 1; k <= 200; k++) requests.request(k, k * 2, k % 3 === 0 ? k : null);
  assert.equal(sent.length, 1);
  assert.equal(requests.receive({ type: "preview", id: 1 }), true);
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1], { type: "decode", id: 2, x: 200, y: 400, index: null });
  assert.equal(requests.receive({ type: "preview", id: 2 }), true);
  assert.equal(sent.length, 2, "nothing pending, nothing sent");
});

test("replies with a foreign id do not release the in-flight slot", () => {
  const { requests, sent } = fake();
  requests.request(0, 0, 1);
  requests.request(0, 0, 2);
  requests.receive({ id: 99 });
  assert.equal(sent.length, 1);
  requests.receive({ id: 1 });
  assert.equal(sent.length, 2);
  assert.equal(sent[1].index, 2);
});

test("hovering the same point again asks nothing new", () => {
  const { requests, sent } = fake();
  requests.request(1, 1, 7);
  requests.request(1, 1, 7);
  requests.receive({ id: 1 });
  requests.request(1, 1, 7);
  assert.equal(sent.length, 1);
  // Moving away and back while the first is still in flight: the in-flight reply answers it.
  requests.request(5, 5, 8);
  requests.request(5, 5, 8);
  requests.request(1, 1, 7);
  assert.equal(sent.length, 2);
  requests.receive({ id: 2 });
  assert.equal(sent.length, 3);
  assert.equal(sent[2].index, 7);
});

test("a reply that never comes times out and lets the pending request go", () => {
  const { requests, sent, timers, fireTimers } = fake(5000);
  requests.request(0, 0, null);
  requests.request(1, 1, null);
  assert.equal(timers.size, 1);
  assert.equal([...timers.values()][0].ms, 5000);
  fireTimers();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1], { type: "decode", id: 2, x: 1, y: 1, index: null });
  // The late reply to request 1 is not shown over a newer one already on display.
  assert.equal(requests.receive({ id: 2 }), true);
  assert.equal(requests.receive({ id: 1 }), false);
});

test("after a timeout with nothing pending the same position can be asked again", () => {
  const { requests, sent, fireTimers } = fake();
  requests.request(3, 3, 5);
  fireTimers();
  requests.request(3, 3, 5);
  assert.equal(sent.length, 2);
});

test("dispose clears the timer", () => {
  const { requests, timers } = fake();
  requests.request(0, 0, null);
  requests.dispose();
  assert.equal(timers.size, 0);
});

test("supersede drops replies already on their way", () => {
  const { requests, sent } = fake();
  requests.request(0, 0, null);
  requests.request(1, 1, null);
  requests.supersede();
  assert.equal(requests.receive({ id: 1 }), false, "stale after supersede");
  assert.equal(sent.length, 1, "the pending request was dropped too");
  requests.request(2, 2, null);
  assert.equal(sent.length, 2);
  assert.equal(requests.receive({ id: 2 }), true);
});

test("walk steps share the decode slot: the newest request wins, whichever kind", () => {
  const { requests, sent } = fake();
  requests.walk("smile", 0.5);
  assert.deepEqual(sent, [{ type: "walk", id: 1, direction: "smile", t: 0.5 }]);
  for (let k = 1; k <= 50; k++) requests.walk("smile", k / 20);
  requests.request(1, 2, 3); // the pointer came back to the map
  assert.equal(sent.length, 1, "one in flight, walk or decode");
  assert.equal(requests.receive({ id: 1 }), true);
  assert.deepEqual(sent[1], { type: "decode", id: 2, x: 1, y: 2, index: 3 });
  requests.walk("smile", -1);
  requests.walk("age", -1);
  requests.receive({ id: 2 });
  assert.deepEqual(sent[2], { type: "walk", id: 3, direction: "age", t: -1 });
});

test("the same walk step is not asked twice, until reset (e.g. a new anchor)", () => {
  const { requests, sent } = fake();
  requests.walk("smile", 1);
  requests.receive({ id: 1 });
  requests.walk("smile", 1);
  assert.equal(sent.length, 1);
  requests.walk("age", 1);
  assert.equal(sent.length, 2, "same t, other direction: a new request");
  requests.receive({ id: 2 });
  requests.reset();
  requests.walk("age", 1);
  assert.equal(sent.length, 3);
});

test("a walk reply replaces a hover preview only when it is newer", () => {
  const { requests } = fake();
  requests.request(0, 0, 1);
  requests.receive({ id: 1 });
  requests.walk("smile", 2);
  requests.supersede(); // a note that needed no kernel reply went up meanwhile
  assert.equal(requests.receive({ id: 2 }), false);
});

test("after a browser-decoded preview, replies already on their way are stale", () => {
  const { requests, sent } = fake();
  requests.request(0, 0, 7); // a point: in flight as id 1
  requests.supersede(); // empty space decoded in the browser is on display now
  assert.equal(requests.receive({ id: 1 }), false, "the older position's reply is stale");
  requests.request(1, 1, null); // the pointer rests: the kernel is asked for this spot
  assert.equal(sent.length, 2);
  assert.equal(requests.receive({ id: 2 }), true, "the resting position's own reply shows");
});

test("once closed (the kernel is gone) nothing more is sent, not even on a timeout", () => {
  const { requests, sent, timers, fireTimers } = fake();
  requests.request(0, 0, 1);
  requests.request(0, 0, 2); // pending behind the one in flight
  assert.equal(sent.length, 1);
  requests.close();
  assert.equal(timers.size, 0, "the in-flight timeout is cleared");
  fireTimers();
  for (let k = 3; k < 50; k++) requests.request(k, k, k);
  requests.walk("smile", 1);
  requests.receive({ type: "preview", id: 1 }); // a late reply releases nothing either
  fireTimers();
  assert.equal(sent.length, 1);
});
