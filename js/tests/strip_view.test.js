import assert from "node:assert/strict";
import { test } from "node:test";
import { formatT, StripView } from "../strip_view.js";
import { RAW_RGBA, recordGlyph } from "../tile_glyphs.js";

/** Just enough DOM for dom.js's `el` and the strip: elements with children, text, canvases. */
class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.className = "";
    this.textContent = "";
    this.children = [];
    this.hidden = false;
    this.title = "";
    this.dataset = {};
    this.attributes = {};
    this.listeners = {};
    if (tag === "canvas") {
      this.width = 300;
      this.height = 150;
      this.painted = [];
      const ctx = {
        canvas: this,
        createImageData: (w, h) => ({
          width: w,
          height: h,
          data: new Uint8ClampedArray(w * h * 4),
        }),
        putImageData: (image, x, y) => this.painted.push(["put", image, x, y]),
        drawImage: (image, ...rect) => this.painted.push(["draw", image, ...rect]),
      };
      this.getContext = () => ctx;
    }
  }
  append(...nodes) {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes) {
    this.children = [...nodes];
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  addEventListener(type, fn) {
    this.listeners[type] = fn;
  }
  /** Elements below this one with the class, in document order. */
  all(className) {
    const found = [];
    for (const child of this.children) {
      if (child.className.split(" ").includes(className)) found.push(child);
      found.push(...child.all(className));
    }
    return found;
  }
}
globalThis.document = { createElement: (tag) => new FakeElement(tag) };

const rgba = (value) => new DataView(new Uint8Array(4 * 2 * 3).fill(value).buffer);

function strip(fields = {}) {
  return {
    type: "strip",
    direction: "smile",
    t: [-1, 0, 1],
    steps: [0, 1, 2],
    of: 3,
    tiles: [0, 1, 2].map(() => ({ kind: "image", mime: RAW_RGBA, width: 2, height: 3 })),
    features: [],
    text: "",
    ...fields,
  };
}

test("t is said as the walk's previews say it", () => {
  assert.deepEqual(
    [formatT(1.5), formatT(-0.25), formatT(0), formatT(null)],
    ["t = +1.50", "t = -0.25", "t = +0.00", "t = ?"],
  );
});

test("a strip is a row of pictures with their t under each", async () => {
  const view = new StripView();
  assert.equal(view.root.className, "lm-strip");
  assert.equal(view.root.hidden, true);
  await view.show(strip(), [rgba(10), rgba(20), rgba(30)]);
  assert.equal(view.root.hidden, false);
  assert.equal(view.root.dataset.steps, "3");
  assert.equal(view.root.all("lm-strip-title")[0].textContent, "smile · 3 steps");
  assert.deepEqual(
    view.root.all("lm-strip-t").map((n) => n.textContent),
    ["t = -1.00", "t = +0.00", "t = +1.00"],
  );
  const canvases = view.root.all("lm-strip-image");
  assert.deepEqual(
    canvases.map((c) => [c.width, c.height, c.painted[0][1].data[0]]),
    [
      [2, 3, 10],
      [2, 3, 20],
      [2, 3, 30],
    ],
  );
});

test("a long strip says how many of its steps are shown", async () => {
  const view = new StripView();
  await view.show(strip({ of: 1000 }), [rgba(1), rgba(2), rgba(3)]);
  assert.equal(view.root.all("lm-strip-title")[0].textContent, "smile · 3 of 1,000 steps");
});

test("encoded images are painted once decoded; records as glyphs named by their features", async () => {
  const decoded = { width: 5, height: 5 };
  const view = new StripView({ decodeImage: () => Promise.resolve(decoded) });
  const tiles = [
    { kind: "image", mime: "image/png", width: 5, height: 5 },
    { kind: "record", count: 2 },
  ];
  const buffers = [new ArrayBuffer(8), new DataView(Float32Array.of(1, -2).buffer)];
  const shown = view.show(strip({ t: [0, 1], of: 2, tiles, features: ["h", "w"] }), buffers);
  const [png, record] = view.root.all("lm-strip-image");
  assert.deepEqual(png.painted, [], "not before the image decoded");
  await shown;
  assert.deepEqual(png.painted, [["draw", decoded, 0, 0, 5, 5]]);
  assert.deepEqual(record.painted[0][1].data, recordGlyph([1, -2]).data);
  assert.equal(view.root.all("lm-strip-row")[0].title, "bars: h, w");
});

test("a strip that could not be decoded shows the kernel's words", async () => {
  const view = new StripView();
  await view.show(strip({ tiles: [], text: "the strip is not shown: no decoder" }), []);
  assert.equal(
    view.root.all("lm-strip-message")[0].textContent,
    "the strip is not shown: no decoder",
  );
  assert.equal(view.root.dataset.steps, "0");
});

test("clear hides it, and the close button clears", async () => {
  const view = new StripView();
  await view.show(strip(), [rgba(1), rgba(2), rgba(3)]);
  view.root.all("lm-strip-close")[0].listeners.click();
  assert.equal(view.root.hidden, true);
  assert.deepEqual(view.root.children, []);
  assert.equal(view.root.dataset.steps, undefined);
});
