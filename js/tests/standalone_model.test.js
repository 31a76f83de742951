import assert from "node:assert/strict";
import { test } from "node:test";
import { float32Of, uint32Of } from "../codecs.js";
import { KernelLink } from "../kernel_link.js";
import { SelectionSync } from "../selection_sync.js";
import {
  bytesOfBase64,
  picturesOf,
  SAVED_FORMAT,
  StandaloneModel,
  searchLabels,
  traitsOf,
} from "../standalone_model.js";

const b64 = (typed) =>
  Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64");

/** A saved page's document as _standalone.py writes it. */
function savedDoc() {
  return {
    format: SAVED_FORMAT,
    version: 1,
    state: { height: 420, _legend: { kind: "category", names: ["a"] }, _points: null },
    buffers: [
      { path: ["_points"], data: b64(Float32Array.of(1, 2, 3, 4)) },
      { path: ["_selection"], data: "" },
      { path: ["_thumbnails", "deep", 0], data: b64(Uint8Array.of(7)) },
    ],
  };
}

test("base64 decodes to the same bytes (empty too)", () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(bytesOfBase64(Buffer.from(bytes).toString("base64")), bytes);
  assert.equal(bytesOfBase64("").length, 0);
});

test("binary traits come back as DataViews at their paths; JSON traits as they were", () => {
  const traits = traitsOf(savedDoc());
  assert.ok(traits._points instanceof DataView, "as anywidget hands binary traits");
  assert.deepEqual([...float32Of(traits._points)], [1, 2, 3, 4]);
  assert.equal(traits._selection.byteLength, 0);
  assert.deepEqual([...new Uint8Array(traits._thumbnails.deep[0].buffer)], [7]);
  assert.equal(traits.height, 420);
  assert.deepEqual(traits._legend, { kind: "category", names: ["a"] });
});

test("a document that is not a saved map is refused with what was expected", () => {
  assert.throws(() => traitsOf({ format: "other", state: {} }), /latent_magic\.saved_map.*"other"/);
  assert.throws(() => traitsOf(null), /saved latent_magic map/);
  assert.throws(
    () => traitsOf({ format: SAVED_FORMAT, state: {}, buffers: [{ path: [], data: "" }] }),
    /path and base64 data/,
  );
});

test("set fires change events at once, only when the value changed; off removes", () => {
  const model = new StandaloneModel({ show_labels: false, _view: [] }, "no kernel");
  const seen = [];
  const onLabels = (_m, value) => seen.push(["labels", value]);
  model.on("change:show_labels", onLabels);
  model.on("change:_view", (_m, value) => seen.push(["view", value]));
  model.set("show_labels", true);
  model.set("show_labels", true); // no change: no event
  model.set("_view", [0, 1, 0, 1]);
  model.set("_view", [0, 1, 0, 1]); // an equal list: no event
  assert.deepEqual(seen, [
    ["labels", true],
    ["view", [0, 1, 0, 1]],
  ]);
  assert.equal(model.get("show_labels"), true);
  model.off("change:show_labels", onLabels);
  model.set("show_labels", false);
  assert.equal(seen.length, 2);
  model.off();
  model.set("_view", []);
  assert.equal(seen.length, 2);
});

test("a new DataView is a change even with the same bytes (anywidget compares by identity)", () => {
  const model = new StandaloneModel({ _selection: new DataView(new ArrayBuffer(0)) }, "");
  let changes = 0;
  model.on("change:_selection", () => changes++);
  model.set("_selection", new DataView(new ArrayBuffer(0)));
  assert.equal(changes, 1);
});

test("send goes nowhere and nothing answers; save_changes does nothing", () => {
  const model = new StandaloneModel({}, "");
  let answered = 0;
  model.on("msg:custom", () => answered++);
  model.send({ type: "decode", id: 1 }, undefined, []);
  model.save_changes();
  assert.equal(model.sent, 1);
  assert.equal(answered, 0);
});

test("kernel_link: a saved page is gone from the start, with its own note, and sends nothing", () => {
  const model = new StandaloneModel(traitsOf(savedDoc()), "saved map: no kernel");
  const gone = [];
  const link = new KernelLink({
    model,
    el: { classList: { contains: () => false } },
    gone: (text) => gone.push(text),
  });
  assert.equal(link.saved, true);
  link.check();
  assert.deepEqual(gone, ["saved map: no kernel"]);
  assert.equal(link.gone, true);
  assert.equal(link.send({ type: "decode" }), false);
  assert.equal(model.sent, 0, "no request reaches even the model");
  link.check();
  assert.equal(gone.length, 1, "said once");
});

test("a selection made in a saved page is written to its model (for the CSV download)", () => {
  const model = new StandaloneModel(traitsOf(savedDoc()), "saved map: no kernel");
  const link = new KernelLink({ model, el: { classList: { contains: () => false } }, gone() {} });
  link.check();
  const shown = [];
  const selection = new SelectionSync({
    model,
    send: () => assert.fail("nothing is sent"),
    show: (s) => shown.push([...s]),
    live: () => !link.gone || link.saved,
    save: () => link.save(),
  });
  const written = [];
  model.on("change:_selection", () => written.push([...uint32Of(model.get("_selection"))]));
  model.on("change:_selection", () => selection.load());
  selection.set(Uint32Array.of(0, 1));
  assert.deepEqual(written, [[0, 1]]);
  assert.deepEqual(shown, [[0, 1]], "shown once: its own write is not shown again");
});

test("deliver hands recorded messages over in order, gzip-compressed buffers expanded", async () => {
  const { gzipSync } = await import("node:zlib");
  const plain = Uint8Array.from({ length: 5000 }, (_, i) => i % 7);
  const model = new StandaloneModel({}, "saved map: no kernel");
  const got = [];
  model.on("msg:custom", (content, buffers) =>
    got.push([
      content.index,
      buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
    ]),
  );
  await model.deliver([
    { content: { type: "onnx_part", index: 0 }, buffers: [b64(gzipSync(plain))], encoding: "gzip" },
    { content: { type: "onnx_part", index: 1 }, buffers: [b64(Uint8Array.of(1, 2, 3))] },
    { content: { type: "onnx_part", index: 2 } },
  ]);
  assert.deepEqual(
    got.map(([i]) => i),
    [0, 1, 2],
  );
  assert.deepEqual(got[0][1][0], plain, "expanded");
  assert.deepEqual([...got[1][1][0]], [1, 2, 3]);
  assert.deepEqual(got[2][1], []);
});

test("a damaged gzip buffer fails the delivery instead of handing over garbage", async () => {
  const model = new StandaloneModel({}, "");
  let got = 0;
  model.on("msg:custom", () => got++);
  const bad = b64(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3));
  await assert.rejects(model.deliver([{ content: {}, buffers: [bad], encoding: "gzip" }]));
  assert.equal(got, 0);
});

test("a page that carries its pictures answers thumbnails requests itself, later", async () => {
  const { gzipSync } = await import("node:zlib");
  const w = 2;
  const h = 1;
  const bytes = Uint8Array.from({ length: 3 * w * h * 4 }, (_, i) => i); // 3 points
  const pictures = picturesOf({
    width: w,
    height: h,
    encoding: "gzip",
    data: b64(gzipSync(bytes)),
  });
  const model = new StandaloneModel({}, "saved map: no kernel", pictures);
  const link = new KernelLink({ model, el: { classList: { contains: () => false } }, gone() {} });
  link.check();
  assert.equal(link.answers("thumbnails"), true);
  assert.equal(link.answers("decode"), false);
  const replies = [];
  model.on("msg:custom", (msg, buffers) =>
    replies.push([msg, [...new Uint8Array(buffers[0].buffer)]]),
  );
  assert.equal(link.send({ type: "thumbnails", id: 4, points: [2, 0, 9], view: "v" }), true);
  assert.equal(link.send({ type: "decode", id: 1, x: 0, y: 0 }), false, "nothing else answers");
  assert.deepEqual(replies, [], "the answer comes later, as a kernel's");
  await pictures;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(replies.length, 1);
  const [msg, pixels] = replies[0];
  assert.deepEqual(msg, { type: "thumbnails", id: 4, points: [2, 0], width: 2, height: 1 });
  assert.deepEqual(pixels, [...bytes.subarray(16, 24), ...bytes.subarray(0, 8)]);
});

test("a page without pictures answers nothing", () => {
  const model = new StandaloneModel({}, "", picturesOf(null));
  assert.equal(model.answers("thumbnails"), false);
  assert.equal(model.answer({ type: "thumbnails", id: 1, points: [0] }), false);
});

test("a search of the labels: substring ignoring case, /regex/, and what needs the notebook", async () => {
  const labels = ["Lion", "sea lion", "tiger", "</script>"];
  const [found, points] = searchLabels(labels, { id: 3, query: " LION " });
  assert.deepEqual([...points], [0, 1]);
  assert.deepEqual(found, {
    type: "search_result",
    id: 3,
    query: "LION",
    ok: true,
    kind: "label",
    count: 2,
    note: "",
  });
  assert.deepEqual([...searchLabels(labels, { id: 4, query: "/^t|script/" })[1]], [2, 3]);
  const [none, nothing] = searchLabels(labels, { id: 5, query: "a big cat" });
  assert.equal(none.kind, "none");
  assert.equal(nothing.length, 0);
  assert.match(none.note, /searching by meaning needs the notebook/);
  assert.equal(
    searchLabels(labels, { id: 6, query: "/zebra/" })[0].note,
    "no label matches /zebra/",
  );
  const [bad] = searchLabels(labels, { id: 7, query: "/(/" });
  assert.equal(bad.ok, false);
  assert.match(bad.error, /the regular expression \/\(\/ is not valid/);

  const model = new StandaloneModel({}, "saved map: no kernel", null, labels);
  assert.equal(model.answers("search"), true);
  assert.equal(model.answers("thumbnails"), false);
  const replies = [];
  model.on("msg:custom", (msg, buffers) =>
    replies.push([msg.id, [...new Uint32Array(buffers[0].buffer)]]),
  );
  assert.equal(model.answer({ type: "search", id: 8, query: "tiger", view: "v" }), true);
  assert.deepEqual(replies, [], "later, as a kernel's answer");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(replies, [[8, [2]]]);
});
