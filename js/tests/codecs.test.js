import assert from "node:assert/strict";
import { test } from "node:test";
import {
  codesOf,
  float32Of,
  float64Of,
  sortedUnique,
  splitBytes,
  toDataView,
  uint32Of,
  viewAs,
} from "../codecs.js";

test("float32 view of a DataView at a non-zero aligned offset shares memory", () => {
  const backing = new Float32Array([9, 1, 2, 3, 4, 9]);
  const dv = new DataView(backing.buffer, 4, 16);
  const f = float32Of(dv);
  assert.deepEqual([...f], [1, 2, 3, 4]);
  assert.equal(f.buffer, backing.buffer, "aligned views are not copied");
});

test("unaligned offsets are copied into a fresh buffer", () => {
  const bytes = new Uint8Array(1 + 3 * 4);
  new DataView(bytes.buffer).setUint32(1, 7, true);
  new DataView(bytes.buffer).setUint32(5, 8, true);
  new DataView(bytes.buffer).setUint32(9, 4000000000, true);
  const u = uint32Of(new DataView(bytes.buffer, 1, 12));
  assert.deepEqual([...u], [7, 8, 4000000000]);
  assert.notEqual(u.buffer, bytes.buffer);
});

test("ArrayBuffer, typed arrays, null and trailing bytes", () => {
  assert.deepEqual([...float64Of(new Float64Array([1.5, -2]).buffer)], [1.5, -2]);
  assert.deepEqual([...uint32Of(new Uint32Array([3, 4]))], [3, 4]);
  assert.equal(float32Of(null).length, 0);
  assert.equal(float32Of(undefined).length, 0);
  assert.equal(viewAs(new DataView(new ArrayBuffer(10)), Float64Array).length, 1);
  assert.throws(() => float32Of("nope"), TypeError);
});

test("codes follow the code width", () => {
  const u16 = new Uint16Array([0, 1, 300]);
  const c2 = codesOf(new DataView(u16.buffer), 2);
  assert.ok(c2 instanceof Uint16Array);
  assert.deepEqual([...c2], [0, 1, 300]);
  const c1 = codesOf(new DataView(new Uint8Array([5, 6]).buffer), 1);
  assert.ok(c1 instanceof Uint8Array);
  assert.deepEqual([...c1], [5, 6]);
  assert.equal(codesOf(new DataView(new ArrayBuffer(0)), 1).length, 0);
});

test("toDataView covers exactly the array's bytes", () => {
  const whole = new Uint32Array([1, 2, 3]);
  const dv = toDataView(whole);
  assert.equal(dv.buffer, whole.buffer);
  assert.equal(dv.byteLength, 12);

  const part = new Float64Array([1, 2, 3, 4]).subarray(1, 3);
  const dv2 = toDataView(part);
  assert.equal(dv2.byteOffset, 0);
  assert.equal(dv2.buffer.byteLength, 16, "a view into a larger buffer is copied");
  assert.deepEqual([...float64Of(dv2)], [2, 3]);
});

test("round trip uint32 through a DataView", () => {
  const sel = Uint32Array.of(0, 5, 99999, 2 ** 32 - 1);
  assert.deepEqual([...uint32Of(toDataView(sel))], [...sel]);
});

test("sortedUnique", () => {
  assert.deepEqual([...sortedUnique([5, 1, 5, 3, 1, 10])], [1, 3, 5, 10]);
  assert.deepEqual([...sortedUnique([])], []);
  assert.deepEqual([...sortedUnique([2])], [2]);
});

test("splitBytes: whole elements, at most maxBytes a part, in order, nothing lost", () => {
  const a = Uint32Array.from({ length: 10 }, (_, i) => i * 7);
  const parts = splitBytes(a, 14); // 3 elements (12 bytes) a part
  assert.deepEqual(
    parts.map((p) => p.byteLength),
    [12, 12, 12, 4],
  );
  const joined = parts.flatMap((p) => [...new Uint32Array(p.buffer)]);
  assert.deepEqual(joined, [...a]);
  assert.equal(splitBytes(new Uint32Array(0), 8).length, 1, "an empty selection is one part");
  const tail = new Uint32Array(a.buffer, 8, 4); // an offset view
  assert.deepEqual([...new Uint32Array(splitBytes(tail, 100)[0].buffer)], [14, 21, 28, 35]);
});
