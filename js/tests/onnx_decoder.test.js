// The page's ONNX decoder: parts put together and checked, and the real onnxruntime-web
// (latent_magic/static/ort_runtime.js and .wasm, copied by `npm run build`) decoding the
// golden file tests/test_onnx_decoder.py writes, to the kernel's pixels.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { crc32 } from "../crc32.js";
import { liftLatent, OnnxDecoder, PartAssembler, parseOnnxSpec } from "../onnx_decoder.js";

const STATIC = new URL("../../latent_magic/static/", import.meta.url);
const GOLDEN = JSON.parse(readFileSync(new URL("./golden_onnx/conv.json", import.meta.url)));
const PART = 4 * 2 ** 20;

/** The `onnx_part` messages the kernel sends for these blobs (latent_magic/_page_runtime.py). */
function partsOf(blobs, size = PART) {
  const out = [];
  for (const [blob, data] of Object.entries(blobs)) {
    const total = Math.max(1, Math.ceil(data.length / size));
    for (let index = 0; index < total; index++) {
      const buffer = data.subarray(index * size, (index + 1) * size);
      const msg = { type: "onnx_part", blob, index, total, crc32: crc32(buffer) };
      out.push([{ ...msg, blob_size: data.length, blob_crc32: crc32(data) }, buffer]);
    }
  }
  return out;
}

const runtimeBlobs = () => ({
  runtime: new Uint8Array(readFileSync(new URL("ort_runtime.js", STATIC))),
  wasm: new Uint8Array(readFileSync(new URL("ort_runtime.wasm", STATIC))),
  model: new Uint8Array(Buffer.from(GOLDEN.onnx, "base64")),
});

/** Node imports no blob: URLs: read the Blob URL's text and import it as a data: URL. */
async function importModule(url) {
  const text = await (await fetch(url)).text();
  return import(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`);
}

function setup(options = {}) {
  const log = { sent: [], notices: [], changed: 0 };
  const decoder = new OnnxDecoder({
    send: (m) => log.sent.push(m),
    notice: (text, level) => log.notices.push([level, text]),
    changed: () => log.changed++,
    importModule,
    ...options,
  });
  return { decoder, log };
}

const until = async (check) => {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

test("parts put together in any order give the blobs back", () => {
  const data = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
  const blobs = { runtime: data.subarray(0, 10), wasm: data, model: data.subarray(5, 3005) };
  const parts = partsOf(blobs, 3000).reverse();
  const assembler = new PartAssembler();
  const done = parts.map(([msg, buffer]) =>
    assembler.add(msg, new DataView(buffer.slice().buffer)),
  );
  assert.deepEqual(done.slice(0, -1), new Array(parts.length - 1).fill(false));
  assert.equal(done.at(-1), true);
  assert.deepEqual(assembler.blob("wasm"), data);
  assert.deepEqual(assembler.blob("model"), blobs.model);
});

test("a flipped byte, a foreign part or a truncated blob is refused", () => {
  const data = new Uint8Array(9000).map((_, i) => (i * 13) & 0xff);
  const parts = partsOf({ runtime: data, wasm: data, model: data }, 4000);
  const flipped = parts[1][1].slice();
  flipped[17] ^= 0x20;
  assert.throws(
    () => new PartAssembler().add(parts[1][0], flipped),
    /part 2\/3 of the runtime: checksum mismatch/,
  );
  assert.throws(
    () => new PartAssembler().add({ ...parts[0][0], blob: "x" }, parts[0][1]),
    /unknown/,
  );
  assert.throws(
    () => new PartAssembler().add({ ...parts[0][0], index: 3 }, parts[0][1]),
    /malformed/,
  );
  const short = new PartAssembler();
  const [msg, buffer] = parts[2]; // the last part of the runtime, cut short but self-consistent
  short.add(parts[0][0], parts[0][1]);
  short.add(parts[1][0], parts[1][1]);
  const cut = buffer.subarray(0, 10);
  short.add({ ...msg, crc32: crc32(cut) }, cut);
  assert.throws(() => short.blob("runtime"), /truncated/);
});

test("the spec is read only when the page decodes, with the map's lift", () => {
  assert.equal(parseOnnxSpec({}), null);
  assert.equal(parseOnnxSpec({ page: false, reason: "too slow" }), null);
  const spec = parseOnnxSpec(GOLDEN.onnx_decoder);
  assert.equal(spec.dim, 3);
  assert.deepEqual(spec.image.shape, [16, 16, 3]);
  const z = liftLatent(spec, 0, 0);
  assert.deepEqual(Array.from(z), Array.from(Float32Array.from(GOLDEN.onnx_decoder.at_origin)));
  assert.equal(parseOnnxSpec({ ...GOLDEN.onnx_decoder, lift: [[1, 2]] }), null);
});

test("the real runtime decodes the golden model to the kernel's pixels", async () => {
  const { decoder, log } = setup();
  decoder.load(GOLDEN.onnx_decoder);
  assert.equal(decoder.state, "waiting");
  decoder.mapDrawn();
  assert.deepEqual(log.sent, [{ type: "onnx_runtime" }]);
  decoder.mapDrawn(); // asked once
  assert.equal(log.sent.length, 1);
  for (const [msg, buffer] of partsOf(runtimeBlobs())) decoder.receive(msg, [buffer]);
  await until(() => decoder.state !== "loading");
  assert.equal(decoder.state, "ready", JSON.stringify(log.notices));
  assert.ok(JSON.parse(decoder.published()).bytes > 14_000_000);
  for (const [k, [x, y]] of GOLDEN.positions.entries()) {
    const { width, height, data } = await decoder.decode(x, y);
    assert.equal(width * height, 256);
    const expected = Buffer.from(GOLDEN.pixels[k], "base64");
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] - expected[i]));
    assert.ok(worst <= 1, `position ${k}: ${worst} grey levels off`);
  }
  assert.deepEqual(log.notices, []);
});

test("a damaged part leaves previews in the kernel and says so once", () => {
  const { decoder, log } = setup();
  decoder.load(GOLDEN.onnx_decoder);
  decoder.mapDrawn();
  const parts = partsOf({
    runtime: new Uint8Array(100),
    wasm: new Uint8Array(50),
    model: new Uint8Array(9),
  });
  const [msg, buffer] = parts[1];
  decoder.receive(msg, [buffer.map((v) => v ^ 1)]);
  assert.equal(decoder.state, "kernel");
  assert.equal(decoder.ready, false);
  assert.equal(log.notices.length, 1);
  assert.match(
    log.notices[0][1],
    /part 1\/1 of the wasm: checksum mismatch.*previews decode in the kernel/,
  );
  decoder.receive(parts[2][0], [parts[2][1]]); // later parts are ignored
  decoder.load(GOLDEN.onnx_decoder);
  decoder.mapDrawn();
  assert.equal(log.sent.length, 1, "not asked again");
  assert.equal(log.notices.length, 1);
});

test("without WebAssembly the page does not ask and says why once", () => {
  const { decoder, log } = setup({ hasWasm: () => false });
  decoder.load(GOLDEN.onnx_decoder);
  decoder.mapDrawn();
  decoder.mapDrawn();
  assert.deepEqual(log.sent, []);
  assert.equal(decoder.state, "kernel");
  assert.deepEqual(log.notices, [
    ["info", "This browser has no WebAssembly: previews decode in the kernel."],
  ]);
});

test("the kernel's reason (too slow, not exportable) is shown once", () => {
  const { decoder, log } = setup();
  const state = { page: false, reason: "G decodes in the kernel: too slow.", macs: 1 };
  decoder.load(state);
  decoder.load(state);
  decoder.mapDrawn();
  assert.deepEqual(log.sent, []);
  assert.deepEqual(log.notices, [["info", "G decodes in the kernel: too slow."]]);
  assert.equal(decoder.published(), JSON.stringify({ state: "kernel" }));
});

test("the previewer decodes empty space with the page's ONNX decoder, newest position first", async () => {
  const { Previewer } = await import("../previewer.js");
  const calls = [];
  let release;
  const onnx = {
    ready: true,
    decode(x, y) {
      calls.push([x, y]);
      return new Promise((resolve) => {
        release = () => resolve({ width: 1, height: 1, data: Uint8ClampedArray.of(x, y, 0, 255) });
      });
    },
    fail() {},
  };
  const shown = [];
  const painted = [];
  const sent = [];
  const previewer = new Previewer({
    send: (m) => sent.push(m),
    panel: { showClient: (title, x, y) => painted.push([title, x, y]), showNote() {} },
    decoder: () => ({ can_decode: true }),
    shown: (values) => shown.push(values),
    changed() {},
    onnx,
  });
  previewer.space(1, 1, performance.now());
  previewer.space(2, 2, performance.now()); // while the first decodes: waits
  previewer.space(3, 3, performance.now()); // replaces it
  assert.deepEqual(calls, [[1, 1]]);
  release();
  await until(() => calls.length === 2);
  assert.deepEqual(
    calls,
    [
      [1, 1],
      [3, 3],
    ],
    "the middle position is skipped",
  );
  release();
  await until(() => painted.length === 2);
  assert.deepEqual(painted, [
    ["empty space", 1, 1],
    ["empty space", 3, 3],
  ]);
  assert.equal(shown.at(-1).previewSource, "onnx");
  assert.deepEqual(sent, [], "no kernel request while the pointer moves");
  previewer.dispose();
});
