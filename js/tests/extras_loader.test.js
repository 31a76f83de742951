import assert from "node:assert/strict";
import { resolveObjectURL } from "node:buffer";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { crc32 } from "../crc32.js";
import { ExtrasLoader } from "../extras_loader.js";

// The real bundle the kernel sends (npm run build makes it).
const BUNDLE = new Uint8Array(
  readFileSync(new URL("../../latent_magic/static/extras.js", import.meta.url)),
);

/** Node imports no blob: URL: the Blob's text is imported as a data: URL instead. */
async function importBlob(url) {
  const text = await resolveObjectURL(url).text();
  return import(`data:text/javascript,${encodeURIComponent(text)}`);
}

/** The kernel's reply: its fields and the bytes as one buffer (a DataView, as anywidget gives). */
function reply(bytes, fields = {}) {
  const msg = { type: "extras", size: bytes.length, crc32: crc32(bytes), ...fields };
  return [msg, [new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)]];
}

test("many callers share one request and get the bundle's module", async () => {
  const sent = [];
  const loader = new ExtrasLoader({ importModule: importBlob });
  const send = (content) => sent.push(content);
  const first = loader.load(send);
  const second = loader.load(send);
  assert.equal(first, second);
  assert.deepEqual(sent, [{ type: "extras" }]);
  loader.receive(...reply(BUNDLE));
  const module = await first;
  for (const name of ["AtlasLayer", "StripView", "Thumbnails", "compositeMap", "downloadPng"])
    assert.equal(typeof module[name], "function", name);
  assert.equal(await loader.load(send), module);
  assert.equal(sent.length, 1); // asked once, even after it arrived
});

test("a corrupt or truncated bundle is refused, and a later use asks again", async () => {
  const sent = [];
  const imported = [];
  const loader = new ExtrasLoader({ importModule: (url) => imported.push(url) });
  const send = (content) => sent.push(content);
  const corrupt = BUNDLE.slice();
  corrupt[100] ^= 1;
  const [msg, buffers] = reply(BUNDLE);
  const asked = loader.load(send);
  loader.receive(msg, [new DataView(corrupt.buffer)]);
  await assert.rejects(asked, /checksum mismatch/);
  const again = loader.load(send);
  loader.receive(msg, [new DataView(BUNDLE.buffer, 0, 1000)]);
  await assert.rejects(again, /truncated: 1000 of \d+ bytes/);
  const third = loader.load(send);
  loader.receive(msg, []);
  await assert.rejects(third, /malformed/);
  assert.equal(sent.length, 3);
  assert.deepEqual(imported, []); // nothing unchecked was imported
  const fourth = loader.load(send);
  loader.receive(msg, buffers);
  assert.equal(await fourth, 1); // the fake import's answer: it came to the import this time
});

test("the kernel's error reply is said, and a reply nobody asked for is ignored", async () => {
  const loader = new ExtrasLoader({ importModule: importBlob });
  loader.receive(...reply(BUNDLE)); // not asked: nothing happens
  const asked = loader.load(() => {});
  loader.receive({ type: "extras", error: "extras failed: FileNotFoundError: gone" }, []);
  await assert.rejects(asked, /could not send the page's extras: extras failed/);
});

test("a provided module is used without a request", async () => {
  const loader = new ExtrasLoader({ importModule: importBlob });
  const module = { StripView: class {} };
  loader.provide(module);
  const sent = [];
  assert.equal(await loader.load((content) => sent.push(content)), module);
  loader.refuse("the kernel is gone"); // a saved page's kernelGone: the module stays
  assert.equal(await loader.load((content) => sent.push(content)), module);
  assert.deepEqual(sent, []);
});

test("a request the page could not send is refused, and asked again later", async () => {
  const loader = new ExtrasLoader({ importModule: importBlob });
  const gone = loader.load(() => loader.refuse("this needs the kernel, which is gone"));
  await assert.rejects(gone, /which is gone/);
  const sent = [];
  const later = loader.load((content) => sent.push(content));
  assert.deepEqual(sent, [{ type: "extras" }]);
  loader.receive(...reply(BUNDLE));
  assert.equal(typeof (await later).AtlasLayer, "function");
});
