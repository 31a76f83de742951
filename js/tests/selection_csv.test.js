import assert from "node:assert/strict";
import { test } from "node:test";
import { csvField, labelsOf, selectionCsv } from "../selection_csv.js";

test("fields with commas, quotes or line breaks are quoted (RFC 4180)", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField('say "hi", then'), '"say ""hi"", then"');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField(3), "3");
});

test("one line per selected point: its number, row of the data, label and map position", () => {
  const positions = Float32Array.of(0.5, 1, -2, 3.25, 7, 8);
  const text = selectionCsv(Uint32Array.of(0, 2), positions, {
    rows: Uint32Array.of(10, 11, 13),
    labels: ["a", "b", "c, d"],
  });
  assert.equal(text, 'point,row,label,x,y\r\n0,10,a,0.5,1\r\n2,13,"c, d",7,8\r\n');
});

test("without rows or labels: the point's number and an empty label; points past the map skipped", () => {
  const text = selectionCsv(Uint32Array.of(1, 5), Float32Array.of(0, 0, 1, 2), {});
  assert.equal(text, "point,row,label,x,y\r\n1,1,,1,2\r\n");
  assert.equal(selectionCsv([], Float32Array.of(0, 0)), "point,row,label,x,y\r\n");
});

test("labels of the kernel's NUL-separated UTF-8 buffer", () => {
  const bytes = new TextEncoder().encode("été\u0000</script>\u0000");
  assert.deepEqual(labelsOf(bytes), ["été", "</script>", ""]);
  assert.deepEqual(labelsOf(new Uint8Array(0)), []);
});
