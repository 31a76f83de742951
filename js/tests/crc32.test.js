import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "../crc32.js";

const bytes = (text) => new TextEncoder().encode(text);

test("crc32 gives zlib's values", () => {
  // zlib.crc32(b"") == 0, zlib.crc32(b"123456789") == 0xCBF43926 (the standard check value).
  assert.equal(crc32(bytes("")), 0);
  assert.equal(crc32(bytes("123456789")), 0xcbf43926);
  assert.equal(crc32(bytes("The quick brown fox jumps over the lazy dog")), 0x414fa339);
});

test("crc32 continues a running checksum", () => {
  const whole = bytes("latent magic in parts");
  const first = crc32(whole.subarray(0, 7));
  assert.equal(crc32(whole.subarray(7), first), crc32(whole));
});

test("one flipped bit changes the checksum", () => {
  const data = new Uint8Array(4096).map((_, i) => (i * 31) & 0xff);
  const before = crc32(data);
  for (const at of [0, 1000, 4095]) {
    const copy = data.slice();
    copy[at] ^= 1;
    assert.notEqual(crc32(copy), before, `bit flipped at ${at}`);
  }
});
