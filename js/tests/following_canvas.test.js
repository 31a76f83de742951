import assert from "node:assert/strict";
import { test } from "node:test";
import { FollowingCanvas } from "../following_canvas.js";

function fakeCanvas() {
  const cleared = [];
  return {
    width: 0,
    height: 0,
    style: { transform: "" },
    cleared,
    getContext: () => ({ clearRect: (...r) => cleared.push(r) }),
  };
}

test("a picture drawn for a view moves with the view, and nothing moves before one is drawn", () => {
  const canvas = fakeCanvas();
  const layer = new FollowingCanvas(canvas);
  layer.resize(400, 200, 2);
  assert.deepEqual([canvas.width, canvas.height], [800, 400]);
  const view = { x0: 0, x1: 100, y0: 0, y1: 50 };
  layer.follow(view);
  assert.equal(canvas.style.transform, "", "nothing drawn: nothing to move");
  layer.laid = { view };
  layer.follow({ x0: 10, x1: 110, y0: 0, y1: 50 });
  assert.equal(canvas.style.transform, "translate(-40px, 0px) scale(1)");
  layer.wipe();
  assert.equal(canvas.style.transform, "");
  assert.equal(layer.laid, null);
  assert.deepEqual(canvas.cleared.at(-1), [0, 0, 800, 400]);
});
