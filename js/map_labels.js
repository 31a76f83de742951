// The points' labels written on the map, on their own canvas (one canvas, not a DOM node per
// label). Once the view settles they are placed greedily in the kernel's order
// (`_label_order`), first one per label-sized cell of the view (so they spread over it), then
// the rest: each label goes beside its point, right, left, above or below, where it overlaps
// no label placed before it; one that fits nowhere waits until zooming in makes room.
// While the view moves the placed labels move with it (a CSS transform of their canvas), so a
// pan frame costs them nothing. For a million labels a placement stays within a frame's
// budget: the positions are read in the order's order from a copy (made once per points and
// order, in one pass), the order is read once (the first pass notes for the second the points
// it passes over, before their labels are read), and a label's width is the sum of its
// characters' (each measured once), not a text measured anew.

import { FollowingCanvas } from "./following_canvas.js";

const FONT_PX = 11;
const FOUND_TEXT = "#d6336c"; // a search's finds (the overlay rings them in the same hue)
const BOX_H = FONT_PX + 3; // a label's box: its text and a little air
const GAP_PX = 3; // between a point's edge and its label
const BUCKET_PX = 48; // the buckets that find the placed labels a new one may overlap
const SPREAD_W = 72; // the cells a first pass gives one label each (about a label's size)
const SPREAD_H = 2 * (FONT_PX + 3);
/** Labels placed at most in one view (beyond this the map is text, not points). */
export const MAX_LABELS = 400;
/** Points in view tried at most in one view: a bound on the work of a crowded million. */
export const MAX_TRIES = 6000;

/** Characters whose widths add up to the text's: printable ASCII, Latin-1 and Latin Extended-A. */
const SIMPLE_END = 0x180;
const isSimple = (c) => (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c < SIMPLE_END);
/** Kerning the sum of single characters does not see (under 1 px at 11 px in the fonts tried). */
const KERNING_PX = 1;

/**
 * A text width function for one font: text in simple scripts is the sum of its characters'
 * widths (each measured once) plus `KERNING_PX`; other text is measured whole. Measuring a new
 * string costs the browser a shaping run (~10 µs): thousands of new labels a view (a million
 * distinct words, zoomed into a new region) would cost tens of milliseconds, the sum a few.
 * @param {(text: string) => number} measure the width of a text in the font (measureText)
 * @returns {(text: string) => number}
 */
export function textWidths(measure) {
  const chars = new Float64Array(SIMPLE_END).fill(-1);
  return (text) => {
    let sum = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (!isSimple(c)) return measure(text);
      if (chars[c] < 0) chars[c] = measure(text[k]);
      sum += chars[c];
    }
    return sum + KERNING_PX;
  };
}

/**
 * The labels of a NUL-separated UTF-8 buffer (`_label_text`).
 * @param {Uint8Array} bytes
 * @returns {string[]}
 */
export function splitLabels(bytes) {
  if (!bytes || bytes.length === 0) return [];
  return new TextDecoder().decode(bytes).split("\u0000");
}

/**
 * Where labels go in a view: greedy, first come first placed, never overlapping.
 * @param {object} o
 * @param {Uint32Array} o.order point indices, the first placed first
 * @param {Float32Array} o.positions interleaved x, y of every point (data coordinates)
 * @param {string[]} o.texts the label of each point
 * @param {{x0: number, x1: number, y0: number, y1: number}} o.view
 * @param {number} o.width canvas width, CSS px
 * @param {number} o.height canvas height, CSS px
 * @param {(i: number) => number} o.widthOf the width of label i's text, CSS px
 * @param {number} [o.radius] drawn point radius, CSS px
 * @param {number} [o.maxLabels]
 * @param {number} [o.maxTries]
 * @param {Uint32Array} [o.first] points placed before the order's (e.g. a search's finds)
 * @param {{values: Float32Array, built: number}} [o.ordered] the positions in the order's
 *   order (`OrderedPositions`), its first `built` filled: read in sequence, where
 *   `positions[order[k]]` jumps about a million points' memory
 * @returns {{i: number, x: number, y: number, w: number, h: number}[]} boxes, CSS px (x, y:
 *   top left)
 */
export function placeLabels(o) {
  const { order, positions, texts, view, width, height, widthOf } = o;
  const radius = o.radius ?? 2;
  const maxLabels = o.maxLabels ?? MAX_LABELS;
  const maxTries = o.maxTries ?? MAX_TRIES;
  const placed = [];
  if (!(width > 0 && height > 0) || !order || texts.length === 0) return placed;
  const sx = width / (view.x1 - view.x0);
  const sy = height / (view.y1 - view.y0);
  const cols = Math.ceil(width / BUCKET_PX);
  const buckets = new Map(); // bucket number → indices into placed
  const n = positions.length >> 1;

  /** Whether a box x, y, w, h (CSS px) is inside the canvas and overlaps no placed label. */
  function free(x, y, w, h) {
    if (x < 0 || y < 0 || x + w > width || y + h > height) return false;
    const c0 = Math.floor(x / BUCKET_PX);
    const c1 = Math.floor((x + w) / BUCKET_PX);
    const r1 = Math.floor((y + h) / BUCKET_PX);
    for (let r = Math.floor(y / BUCKET_PX); r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const here = buckets.get(r * cols + c);
        if (here === undefined) continue;
        for (const j of here) {
          const p = placed[j];
          if (x < p.x + p.w && p.x < x + w && y < p.y + p.h && p.y < y + h) return false;
        }
      }
    }
    return true;
  }
  /** Places label i's box at x, y if it is free there; returns whether it did. */
  function placeAt(i, x, y, w, h) {
    if (!free(x, y, w, h)) return false;
    const j = placed.length;
    placed.push({ i, x, y, w, h });
    const c0 = Math.floor(x / BUCKET_PX);
    const c1 = Math.floor((x + w) / BUCKET_PX);
    const r1 = Math.floor((y + h) / BUCKET_PX);
    for (let r = Math.floor(y / BUCKET_PX); r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const here = buckets.get(r * cols + c);
        if (here) here.push(j);
        else buckets.set(r * cols + c, [j]);
      }
    }
    return true;
  }

  const first = o.first ?? new Uint32Array(0);
  const firstSet = first.length ? new Set(first) : null;
  const ordered = o.ordered?.values.length === 2 * order.length ? o.ordered.values : null;
  const built = ordered === null ? 0 : first.length + o.ordered.built;
  const total = first.length + order.length;

  // The cells a first pass gives one label each (see below).
  const cellCols = Math.ceil(width / SPREAD_W);
  const cellRows = Math.ceil(height / SPREAD_H);
  const claimed = new Uint8Array(cellCols * cellRows);
  // The points in view the first pass passes over (their cell claimed), in order, for the
  // second: it tries at most `maxTries` of them, so it need not read the order again. Once
  // this is full, the second pass reads on from `resumeAt`.
  const later = new Int32Array(maxTries + 1);
  let laterCount = 0;
  let resumeAt = -1;

  /**
   * Calls visit(i, px, py, cell) for each labelled point in view among the order's entries
   * `from`, `from + 1`, … (or the entries `ks`, `count` of them), until it says stop; returns
   * false if it did. With `spread` (the first pass), a point in a claimed cell is passed over
   * (noted in `later`) before its index or text is read: a million points in view then cost a
   * sequential read each, not a scattered one (`texts[i]` of a million strings).
   */
  function scan(visit, spread, from, ks, count) {
    const end = ks ? count : total;
    const { x0, y1 } = view;
    for (let m = ks ? 0 : from; m < end; m++) {
      const k = ks ? ks[m] : m;
      const inOrder = k >= first.length;
      const filled = inOrder && k < built; // its position is in `ordered`
      let i = -1;
      let x, y;
      if (filled) {
        const q = 2 * (k - first.length);
        x = ordered[q];
        y = ordered[q + 1];
      } else {
        i = inOrder ? order[k - first.length] : first[k];
        if (i >= n) continue;
        x = positions[2 * i];
        y = positions[2 * i + 1];
      }
      const px = (x - x0) * sx;
      const py = (y1 - y) * sy;
      // Most points of a zoomed view are out of it: tested before anything else is read, in
      // one branch, not four (each would be mispredicted in turn: the order is not spatial).
      if (((px >= 0) & (px <= width) & (py >= 0) & (py <= height)) === 0) continue;
      let cell = -1;
      if (spread) {
        const col = (px * (1 / SPREAD_W)) | 0; // px, py >= 0: floor
        const row = (py * (1 / SPREAD_H)) | 0;
        cell =
          (row < cellRows ? row : cellRows - 1) * cellCols + (col < cellCols ? col : cellCols - 1);
        if (claimed[cell]) {
          if (laterCount < later.length) later[laterCount++] = k;
          else if (resumeAt < 0) resumeAt = k;
          continue;
        }
      }
      if (i < 0) i = order[k - first.length];
      if (i >= n || (inOrder && firstSet?.has(i))) continue;
      if (!texts[i]) continue;
      if (!visit(i, px, py, cell)) return false;
    }
    return true;
  }

  function tryPlacing(i, px, py) {
    const w = widthOf(i);
    const h = BOX_H;
    const r = radius + GAP_PX;
    const v = Math.max(r, h / 2 + 1); // above and below clear the labels to the sides
    // Right, left, above, below: the first free place (no box made for those tried).
    placeAt(i, px + r, py - h / 2, w, h) ||
      placeAt(i, px - r - w, py - h / 2, w, h) ||
      placeAt(i, px - w / 2, py - v - h, w, h) ||
      placeAt(i, px - w / 2, py + v, w, h);
    return placed.length < maxLabels;
  }

  // First pass: the first point (in order) of each label-sized cell of the view, so labels
  // spread over the whole view rather than bunch where the order's first points happen to be.
  const done = new Set(); // points the first pass tried: the second skips them
  const going = scan(
    (i, px, py, cell) => {
      claimed[cell] = 1;
      done.add(i);
      return tryPlacing(i, px, py);
    },
    true,
    0,
  );
  // Then the rest in order, as long as the budget of tries lasts.
  let tries = 0;
  const rest = (i, px, py) => {
    if (done.has(i)) return true;
    if (++tries > maxTries) return false;
    return tryPlacing(i, px, py);
  };
  if (going && scan(rest, false, 0, later, laterCount) && resumeAt >= 0) {
    scan(rest, false, resumeAt);
  }
  return placed;
}

/** Order entries `OrderedPositions.fill` copies by default. */
export const FILL_CHUNK = 65536;

/**
 * The positions of the points in `order`'s order, interleaved x, y (NaN for an index beyond
 * the points): what `placeLabels` reads in sequence. Filled by `fill` (in part: `placeLabels`
 * reads the rest in place).
 */
export class OrderedPositions {
  /**
   * @param {Float32Array} positions
   * @param {Uint32Array} order
   */
  constructor(positions, order) {
    this.positions = positions;
    this.order = order;
    this.values = new Float32Array(2 * order.length);
    this.built = 0; // entries filled
  }

  get done() {
    return this.built >= this.order.length;
  }

  /** Fills the next `count` entries. */
  fill(count = FILL_CHUNK) {
    const { positions, order, values } = this;
    const n = positions.length >> 1;
    const end = Math.min(order.length, this.built + count);
    for (let k = this.built; k < end; k++) {
      const i = order[k];
      values[2 * k] = i < n ? positions[2 * i] : Number.NaN;
      values[2 * k + 1] = i < n ? positions[2 * i + 1] : Number.NaN;
    }
    this.built = end;
  }
}

export class MapLabels extends FollowingCanvas {
  /**
   * @param {HTMLCanvasElement} canvas
   */
  constructor(canvas) {
    super(canvas);
    this.texts = [];
    this.order = new Uint32Array(0);
    this.widths = new Float32Array(0); // measured text widths, -1 until measured
    this.on = false;
    this.placed = [];
    this.version = 0; // of texts and order
    this.layoutMs = 0;
    this.ordered = null; // OrderedPositions of the last positions and order, and its version
    this.measured = null; // {font, width}: textWidths for the font last used
  }

  /** Whether there are labels to write (the toolbar offers the toggle only then). */
  get available() {
    return this.texts.length > 0 && this.order.length > 0;
  }

  setTexts(bytes) {
    this.texts = splitLabels(bytes);
    this.widths = new Float32Array(this.texts.length).fill(-1);
    this.version++;
  }

  setOrder(order) {
    this.order = order;
    this.version++;
  }

  setOn(on) {
    this.on = Boolean(on);
    if (!this.on) this.clear();
  }

  clear() {
    this.wipe();
    this.placed = [];
  }

  /**
   * A settled view: places and paints the labels unless the canvas already shows this key.
   * @returns {boolean} whether they were placed again
   */
  update({ view, positions, radius, theme, highlight }) {
    if (!this.on || !this.ctx) return false;
    const key = { view, version: this.version, positions, radius, theme, highlight };
    const l = this.laid;
    if (
      l &&
      l.version === key.version &&
      l.positions === positions &&
      l.radius === radius &&
      l.theme === theme &&
      l.highlight === highlight &&
      l.view.x0 === view.x0 &&
      l.view.x1 === view.x1 &&
      l.view.y0 === view.y0 &&
      l.view.y1 === view.y1
    ) {
      if (this.canvas.style.transform) this.canvas.style.transform = "";
      return false;
    }
    const t0 = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.font = `${FONT_PX}px ${theme.font}`;
    if (this.measured?.font !== ctx.font) {
      this.measured = { font: ctx.font, width: textWidths((t) => ctx.measureText(t).width) };
      this.widths.fill(-1);
    }
    const { texts, widths } = this;
    const measure = this.measured.width;
    // A search's finds are written first, in the accent colour (a million finds: order only).
    const marked = highlight?.length && highlight.length <= 200000 ? new Set(highlight) : null;
    this.placed = placeLabels({
      first: marked ? highlight : undefined,
      order: this.order,
      ordered: this.orderedFor(positions),
      positions,
      texts,
      view,
      width: this.width,
      height: this.height,
      radius,
      widthOf(i) {
        if (widths[i] < 0) widths[i] = measure(texts[i]) + 2;
        return widths[i];
      },
    });
    this.paint(theme, marked);
    this.canvas.style.transform = "";
    this.laid = key;
    this.layoutMs = performance.now() - t0;
    return true;
  }

  /**
   * The positions in the order's order, made again only when the points or order change, and
   * filled at once: a placement reads every point's position (the first pass finds each cell's
   * first point), and one copying pass costs a third of a placement reading a million of them
   * in place, scattered (its reads wait on one another; the copy's do not).
   */
  orderedFor(positions) {
    const o = this.ordered;
    if (o && o.positions === positions && o.version === this.version) return o;
    const made = new OrderedPositions(positions, this.order);
    made.version = this.version;
    made.fill(this.order.length);
    this.ordered = made;
    return made;
  }

  /** @param {Set<number> | null} highlight points whose labels stand out */
  paint(theme, highlight) {
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = theme.bg; // a halo in the page's background: legible over any point
    for (const b of this.placed) ctx.strokeText(this.texts[b.i], b.x + 1, b.y + b.h / 2);
    for (const b of this.placed) {
      ctx.fillStyle = highlight?.has(b.i) ? FOUND_TEXT : theme.fg;
      ctx.fillText(this.texts[b.i], b.x + 1, b.y + b.h / 2);
    }
  }

  /** The placed labels as `[index, x, y, w, h]` (CSS px, rounded) for `data-labels`. */
  published() {
    const r = (v) => Math.round(v * 10) / 10;
    return this.placed.map((b) => [b.i, r(b.x), r(b.y), r(b.w), r(b.h)]);
  }
}
