import assert from "node:assert/strict";
import { test } from "node:test";
import { Previewer, REST_MS } from "../previewer.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 1 × 1 grey image decoded in the page: value = x + y. */
const CLIENT = {
  spec: {
    kind: "image",
    shape: [1, 1],
    value_range: [0, 1],
    layers: [{ op: "linear", in: 2, out: 1 }],
  },
  weights: new DataView(Float32Array.of(1, 1, 0).buffer),
};

/** A previewer over a fake panel; records requests, what the panel showed, and publications. */
function setup({ decoder = { can_decode: true }, client = false } = {}) {
  const log = { sent: [], panel: [], shown: [], changed: 0 };
  const panel = {
    showClient: (title, x, y, pixels) => log.panel.push(["client", x, y, pixels.data[0], title]),
    showNote: (title, text) => log.panel.push(["note", text, title]),
    show: (msg) => {
      log.panel.push(["kernel", msg.id]);
      return Promise.resolve();
    },
  };
  const previewer = new Previewer({
    send: (m) => log.sent.push(m),
    panel,
    decoder: () => decoder,
    shown: (values) => log.shown.push(values),
    changed: () => log.changed++,
  });
  if (client) previewer.loadClient(CLIENT.spec, CLIENT.weights);
  return { previewer, log };
}

test("a point is asked of the kernel by its index", () => {
  const { previewer, log } = setup({ client: true });
  previewer.point(7, 1.5, 2.5);
  assert.deepEqual(log.sent, [{ type: "decode", id: 1, x: 1.5, y: 2.5, index: 7 }]);
  assert.deepEqual(log.panel, [], "without its latent, a point is not decoded in the page");
});

/** CLIENT, and a first layer that takes a 3-d latent: value = z0 + 2 z1 − z2. */
const POINT_CLIENT = {
  spec: { ...CLIENT.spec, point_layer: { in: 3, out: 1 } },
  weights: new DataView(Float32Array.of(1, 1, 0, 1, 2, -1, 0).buffer),
};

test("a point whose latent the page holds is decoded in the page, asking nothing", () => {
  const { previewer, log } = setup();
  previewer.loadClient(POINT_CLIENT.spec, POINT_CLIENT.weights);
  // Two points' latents: point 1 is (0.1, 0.2, 0.25) → 0.25, a grey of 64 (not x + y).
  previewer.loadPointLatents(new DataView(Float32Array.of(0, 0, 0, 0.1, 0.2, 0.25).buffer));
  previewer.point(1, 0.5, 0.5);
  assert.deepEqual(log.panel, [["client", 0.5, 0.5, 64, "point 1"]]);
  assert.deepEqual(log.sent, [], "no kernel request for it");
  assert.equal(log.shown.at(-1).previewSource, "client");
  // A point past the latents sent, or no latents at all: the kernel answers as before.
  previewer.point(2, 0.5, 0.5);
  assert.deepEqual(log.sent, [{ type: "decode", id: 1, x: 0.5, y: 0.5, index: 2 }]);
  const other = setup();
  other.previewer.loadClient(POINT_CLIENT.spec, POINT_CLIENT.weights);
  other.previewer.loadPointLatents(new DataView(new ArrayBuffer(0)));
  other.previewer.point(1, 0.75, 0.5);
  assert.deepEqual(other.log.sent, [{ type: "decode", id: 1, x: 0.75, y: 0.5, index: 1 }]);
});

test("a saved page decodes a point's own latent, not its spot, when it holds it", () => {
  const { previewer, log } = setup();
  previewer.loadClient(POINT_CLIENT.spec, POINT_CLIENT.weights);
  previewer.loadPointLatents(new DataView(Float32Array.of(0.5, 0, 0).buffer));
  previewer.stop("saved page", true);
  previewer.point(0, 0.25, 0.25);
  assert.deepEqual(log.panel, [["client", 0.25, 0.25, 128, "point 0"]]);
});

test("without a decoder chain, empty space is asked of the kernel at once", () => {
  const { previewer, log } = setup();
  previewer.space(0.25, -1, 0);
  assert.deepEqual(log.sent, [{ type: "decode", id: 1, x: 0.25, y: -1, index: null }]);
});

test("a model that cannot decode empty space gets a note and asks nothing", () => {
  const { previewer, log } = setup({ decoder: { can_decode: false, reason: "no decoder" } });
  previewer.space(0, 0, 0);
  assert.deepEqual(log.panel, [["note", "no decoder", "empty space"]]);
  assert.deepEqual(log.sent, []);
});

test("with a chain, empty space shows at once; the kernel is asked at rest", async () => {
  const { previewer, log } = setup({ client: true });
  previewer.space(0.25, 0.25, performance.now());
  previewer.space(0.5, 0.25, performance.now());
  assert.equal(log.panel.length, 2);
  assert.deepEqual(log.panel[1].slice(0, 3), ["client", 0.5, 0.25]);
  assert.equal(log.panel[1][3], 191, "0.75 of the value range");
  assert.deepEqual(log.shown, [
    { previewId: "c1", previewSource: "client" },
    { previewId: "c2", previewSource: "client" },
  ]);
  assert.ok(previewer.previewMs >= 0);
  assert.deepEqual(log.sent, [], "nothing asked while the pointer moves");
  await sleep(REST_MS + 30);
  assert.deepEqual(log.sent, [{ type: "decode", id: 1, x: 0.5, y: 0.25, index: null }]);
  previewer.dispose();
});

test("a kernel reply older than a page-decoded preview is not shown", async () => {
  const { previewer, log } = setup({ client: true });
  previewer.point(3, 0, 0); // id 1 in flight
  previewer.space(0.5, 0.5, performance.now()); // shown in the page: newer
  previewer.receive({ type: "preview", id: 1 }, []);
  await sleep(0);
  assert.deepEqual(
    log.panel.map((p) => p[0]),
    ["client"],
  );
  previewer.dispose();
});

test("a kernel reply is published once the panel has shown it", async () => {
  const { previewer, log } = setup();
  previewer.point(3, 0, 0);
  previewer.receive({ type: "preview", id: 1 }, []);
  assert.deepEqual(log.shown, [], "not before the image decoded");
  await sleep(0);
  assert.deepEqual(log.shown, [{ previewId: "1", previewSource: "kernel" }]);
});

test("walk replies draw a trail of at most 16 steps; a hover reply ends it", () => {
  const { previewer, log } = setup();
  for (let k = 1; k <= 20; k++) {
    previewer.walkTo("smile", k / 10);
    previewer.receive({ type: "preview", id: k, walk_xy: [k, -k] }, []);
  }
  assert.equal(previewer.walk.length, 32);
  assert.deepEqual(previewer.walk.slice(-2), [20, -20]);
  assert.deepEqual(previewer.walk.slice(0, 2), [5, -5]);
  assert.equal(log.changed, 20);
  previewer.walkTo("age", 0.5); // another direction starts a new trail
  assert.equal(previewer.walk, null);
  previewer.walkTo("smile", 0.5);
  previewer.receive({ type: "preview", id: 21, walk_xy: [1, 1] }, []);
  previewer.point(2, 0, 0);
  previewer.receive({ type: "preview", id: 22 }, []);
  assert.equal(previewer.walk, null);
});

test("in a saved page, a point's spot is decoded in the page (as w.decode_at), asking nothing", () => {
  const { previewer, log } = setup({ client: true });
  previewer.stop("Saved map: no kernel.", true);
  previewer.point(3, 0.25, 0.25);
  assert.deepEqual(log.panel.at(-1), ["client", 0.25, 0.25, 128, "point 3 · decoded at its spot"]);
  assert.deepEqual(log.sent, []);
});

test("once the kernel is gone, points say so and empty space asks nothing", async () => {
  const { previewer, log } = setup({ client: true });
  previewer.stop("The kernel was restarted: run the cell again.");
  previewer.point(3, 0.25, 0.25);
  assert.deepEqual(log.panel.at(-1), [
    "note",
    "The kernel was restarted: run the cell again.",
    "point",
  ]);
  previewer.space(0.5, 0.25, performance.now());
  assert.deepEqual(
    log.panel.at(-1),
    ["client", 0.5, 0.25, 191, "empty space"],
    "decoded in the page still",
  );
  previewer.walkTo("smile", 1);
  await sleep(REST_MS + 50);
  assert.deepEqual(log.sent, []);
});

test("once the kernel is gone, empty space without a chain says so", () => {
  const { previewer, log } = setup();
  previewer.stop("gone");
  previewer.space(0.5, 0.25, performance.now());
  assert.deepEqual(log.panel.at(-1), ["note", "gone", "empty space"]);
  assert.deepEqual(log.sent, []);
});

test("in a saved page without a chain, points and empty space say the notebook is needed", () => {
  const { previewer, log } = setup();
  previewer.stop("Saved map: no kernel.", true);
  previewer.point(4, 0.5, 0.25);
  assert.deepEqual(log.panel.at(-1), ["note", "Saved map: no kernel.", "point"]);
  previewer.space(0.5, 0.25, performance.now());
  assert.deepEqual(log.panel.at(-1), ["note", "Saved map: no kernel.", "empty space"]);
  assert.deepEqual(log.sent, []);
});

test("with an ONNX decoder ready, a point's own latent is decoded by it, asking nothing", async () => {
  const log = { sent: [], panel: [], decoded: [] };
  const onnx = {
    ready: true,
    spec: { dim: 2 },
    decodeLatent: async (z) => {
      log.decoded.push(Array.from(z));
      return { width: 1, height: 1, data: Uint8ClampedArray.of(Math.round(z[1] * 255)) };
    },
    decode: async () => assert.fail("a point is not decoded at its spot"),
  };
  const previewer = new Previewer({
    send: (m) => log.sent.push(m),
    panel: { showClient: (title, _x, _y, pixels) => log.panel.push([title, pixels.data[0]]) },
    decoder: () => ({ can_decode: true }),
    shown: () => {},
    changed: () => {},
    onnx,
  });
  previewer.loadPointLatents(new DataView(Float32Array.of(0, 0, 0.5, 0.25).buffer));
  previewer.point(1, 3, 4);
  await sleep(0);
  assert.deepEqual(log.decoded, [[0.5, 0.25]]);
  assert.deepEqual(log.panel, [["point 1", 64]]);
  assert.deepEqual(log.sent, []);
  previewer.point(2, 3, 4); // no latent sent for it: the kernel answers
  assert.deepEqual(log.sent, [{ type: "decode", id: 1, x: 3, y: 4, index: 2 }]);
  previewer.dispose();
});
