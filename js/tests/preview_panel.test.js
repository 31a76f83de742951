import assert from "node:assert/strict";
import { test } from "node:test";
import { badgeFor, PreviewPanel } from "../preview_panel.js";
import { installFakeDocument } from "./fake_dom.js";

installFakeDocument();

const PCA = { can_decode: true, exact: true, reason: "", lift: "affine" };
const TSNE = { can_decode: true, exact: false, reason: "", lift: "local" };
const TEXTS = { can_decode: true, exact: true, reason: "", lift: "affine", neighbors: true };
const SPACE = { kind: "image", index: null, exact: true };

test("empty space says whether its lift is exact; the word 'exact' only when it is", () => {
  assert.equal(badgeFor(PCA).text, "exact lift");
  assert.equal(badgeFor(PCA, SPACE).text, "exact lift");
  assert.equal(badgeFor(PCA, SPACE).tone, "exact");
  assert.equal(badgeFor(TSNE).text, "approximate lift");
  assert.equal(badgeFor(TSNE, { ...SPACE, exact: false }).tone, "approx");
  // The reply's own `exact` wins over the decoder's (the map may have changed since).
  assert.equal(badgeFor(PCA, { ...SPACE, exact: false }).text, "approximate lift");
});

test("a point, or a walk step, is its own latent decoded: no lift to speak of", () => {
  assert.equal(badgeFor(TSNE, { kind: "image", index: 7, exact: true }).text, "decoded");
  assert.equal(badgeFor(PCA, { kind: "record", index: 0, exact: true }).text, "decoded");
  const walk = badgeFor(TSNE, { kind: "image", index: null, exact: true, walk: true });
  assert.equal(walk.text, "decoded");
  assert.match(walk.title, /walk/);
});

test("a model that shows nearest labels never claims to decode", () => {
  for (const decoder of [PCA, TEXTS]) {
    const b = badgeFor(decoder, { kind: "neighbors", index: null, exact: true });
    assert.equal(b.text, "nearest labels");
    assert.doesNotMatch(b.text, /exact|decod/);
    assert.equal(badgeFor(decoder, { kind: "neighbors", index: 3, exact: true }).text, b.text);
  }
  assert.equal(badgeFor(TEXTS).text, "nearest labels", "known before the first preview");
  assert.equal(badgeFor(TEXTS, { kind: "message" }).text, "nearest labels");
});

test("a model that cannot decode says so, with its reason", () => {
  const none = { can_decode: false, exact: true, reason: "a PCA of 3 rows has no decoder" };
  assert.deepEqual(badgeFor(none), {
    text: "cannot decode",
    tone: "none",
    title: "a PCA of 3 rows has no decoder",
  });
  assert.equal(badgeFor(none, { kind: "message", index: 4, exact: true }).text, "cannot decode");
  assert.equal(badgeFor(undefined).text, "approximate lift", "no decoder trait yet");
});

test("the badge follows the preview on display, one class at a time", () => {
  const panel = new PreviewPanel();
  panel.setDecoder(PCA);
  assert.equal(panel.badge.textContent, "exact lift");
  assert.equal(panel.badge.className, "lm-badge lm-badge-exact");
  panel.show({
    type: "preview",
    id: 1,
    kind: "neighbors",
    index: 2,
    x: 0,
    y: 0,
    exact: true,
    neighbors: [],
  });
  assert.equal(panel.badge.textContent, "nearest labels");
  assert.equal(panel.badge.className, "lm-badge lm-badge-none");
  panel.setDecoder(TSNE);
  assert.equal(panel.badge.className, "lm-badge lm-badge-approx");
  panel.showClient("empty space", 1, 2, null, []);
  assert.equal(panel.badge.textContent, "approximate lift");
  panel.dispose();
});

test("the caption's coordinates near zero read as 0 at the view's scale", () => {
  let view = { x0: -30, x1: 30, y0: -20, y1: 20 };
  const panel = new PreviewPanel({ view: () => view });
  const caption = () => panel.caption.lines[0][0].text;
  panel.setDecoder(PCA);
  panel.show({
    type: "preview",
    id: 1,
    kind: "record",
    index: null,
    x: 2.1e-6,
    y: -12.34567,
    exact: true,
    features: [],
  });
  assert.equal(caption(), "x 0.000, y -12.346");
  panel.show({
    type: "preview",
    id: 2,
    kind: "record",
    index: 9,
    x: -3e-7,
    y: 1,
    exact: true,
    features: [],
  });
  assert.equal(caption(), "point 9 · x 0.000, y 1.000");
  view = { x0: 0, x1: 0.01, y0: 0, y1: 0.01 }; // zoomed far in: more decimals
  panel.showClient("empty space", 0.0012345, 2.1e-9, null, []);
  assert.equal(caption(), "x 0.00123, y 0.00000");
  panel.dispose();
});

test("without a view, coordinates are read against 1", () => {
  const panel = new PreviewPanel();
  panel.showClient("empty space", 2.1e-6, 123.456, null, []);
  assert.equal(panel.caption.lines[0][0].text, "x 0.000, y 123.5");
  panel.dispose();
});
