// Pictures on the map: each point's own image drawn at the point, on its own canvas, once the
// view is zoomed in far enough that few enough points are in view to tell apart. The page
// asks the kernel for the pictures of the points in view it does not hold yet (one request in
// flight; a newer view replaces the pending one) and keeps at most MAX_CACHED of them, the
// least recently drawn going first. While the view moves the drawn pictures move with it (a
// CSS transform), as the labels do. What it holds and how long it took are published on its
// canvas (`observe`): for the benchmarks and the e2e tests.

import { makeCanvas } from "./dom.js";
import { FollowingCanvas } from "./following_canvas.js";
import { sameView } from "./view.js";

/** Pictures are drawn when at most this many points are in view. */
export const MAX_IN_VIEW = 400;
/** Pictures the page holds at most (a few MB of small canvases). */
export const MAX_CACHED = 3000;
/** Points one request asks for at most (latent_magic/_thumbnails.py MAX_PER_REQUEST). */
export const MAX_PER_REQUEST = 512;
/** A picture's longer side on the map, CSS px. */
export const SHOWN_PX = 36;

/**
 * The points inside the view, or null when there are more than `max`.
 * @param {import("./spatial_grid.js").SpatialGrid} grid
 * @param {{x0: number, x1: number, y0: number, y1: number}} view
 * @param {number} max
 * @returns {number[] | null}
 */
export function pointsInView(grid, view, max) {
  const xy = grid.xy;
  const found = [];
  let over = false;
  grid.forEachCandidate(view.x0, view.y0, view.x1, view.y1, (i) => {
    if (over) return;
    const x = xy[2 * i],
      y = xy[2 * i + 1];
    if (x >= view.x0 && x <= view.x1 && y >= view.y0 && y <= view.y1) {
      found.push(i);
      if (found.length > max) over = true;
    }
  });
  return over ? null : found;
}

/** The pictures held, least recently used first. */
export class PictureCache {
  constructor(capacity = MAX_CACHED) {
    this.capacity = capacity;
    this.map = new Map();
  }

  get size() {
    return this.map.size;
  }

  has(i) {
    return this.map.has(i);
  }

  /** The picture of point i (now the most recently used), or undefined. */
  use(i) {
    const p = this.map.get(i);
    if (p !== undefined) {
      this.map.delete(i);
      this.map.set(i, p);
    }
    return p;
  }

  put(i, picture) {
    this.map.delete(i);
    this.map.set(i, picture);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value);
  }

  clear() {
    this.map.clear();
  }
}

export class Thumbnails extends FollowingCanvas {
  /**
   * @param {HTMLCanvasElement} canvas `canvas.lm-thumbs`
   * @param {object} host
   * @param {(content: object) => void} host.send a `thumbnails` request
   * @param {() => void} [host.changed] new pictures came: ask for a frame
   * @param {(w: number, h: number) => HTMLCanvasElement} [host.makeCanvas]
   */
  constructor(canvas, host) {
    super(canvas);
    this.send = host.send;
    this.changed = host.changed ?? (() => {});
    this.makeCanvas = host.makeCanvas ?? makeCanvas;
    this.spec = null; // {width, height, source} from `_thumbnails`, null: no pictures
    this.on = true;
    this.cache = new PictureCache();
    this.nextId = 1;
    this.inFlight = null; // {id, points}
    this.pending = null; // points wanted once the request in flight is answered
    this.stopped = false;
    this.drawn = []; // [[index, x, y, w, h]] CSS px, for data-thumbnails
    this.now = host.now ?? (() => performance.now());
    this.drawMs = 0; // the last settled redraw (update: points in view, asking, painting)
    this.lastView = null; // the last settled view drawn for
    this.waiting = null; // {t0, replied, receiveMs}: a view's pictures asked for, not all painted
    this.shown = null; // {id, ms, replyMs, receiveMs, points}: that view, all painted
    this.shownCount = 0;
  }

  /**
   * Publishes on the canvas (`data-cached`, `data-draw-ms`, `data-shown`) what it holds and
   * how long its last redraw and its last settle → pictures painted took.
   */
  observe() {
    const d = this.canvas.dataset;
    if (!d) return;
    d.cached = String(this.cache.size);
    d.drawMs = this.drawMs.toFixed(2);
    if (this.shown) d.shown = JSON.stringify(this.shown);
    else delete d.shown;
  }

  setSpec(spec) {
    const ok = spec && spec.width > 0 && spec.height > 0;
    this.spec = ok ? spec : null;
    this.cache.clear();
    this.pending = null;
    this.waiting = null;
    this.clear();
    this.observe();
  }

  setOn(on) {
    this.on = Boolean(on);
    if (!this.on) this.clear();
  }

  get available() {
    return this.spec !== null;
  }

  clear() {
    this.wipe();
    this.drawn = [];
  }

  /** The points moved (a new map): the pictures stay the points' own, their places change. */
  moved() {
    this.laid = null;
  }

  /**
   * A settled view: draws the pictures of the points in view it holds, and asks for the rest.
   * @returns {boolean} whether the canvas was drawn again
   */
  update(view, grid) {
    if (!this.on || !this.spec || !grid || !this.ctx) {
      if (this.laid || this.drawn.length) this.clear();
      this.waiting = null;
      return false;
    }
    const key = `${view.x0} ${view.x1} ${view.y0} ${view.y1} ${this.cache.size} ${grid.xy.length}`;
    if (this.laid?.key === key) {
      if (this.canvas.style.transform) this.canvas.style.transform = "";
      return false;
    }
    const t0 = this.now();
    const newView = !sameView(this.lastView, view); // not a redraw for pictures that came
    this.lastView = view;
    const points = pointsInView(grid, view, MAX_IN_VIEW);
    if (points === null) {
      this.clear();
      this.laid = { view, key };
      this.waiting = null;
      this.drawMs = this.now() - t0;
      this.observe();
      return true;
    }
    const missing = points.filter((i) => !this.cache.has(i));
    if (missing.length) this.ask(missing.slice(0, MAX_PER_REQUEST));
    this.paint(view, grid.xy, points);
    this.laid = { view, key };
    const t1 = this.now();
    this.drawMs = t1 - t0;
    // Settle → every picture in view painted, for a view that had to ask for some.
    if (newView) this.waiting = missing.length ? { t0, replied: null, receiveMs: 0 } : null;
    if (this.waiting && this.drawn.length === points.length) {
      this.shown = {
        id: ++this.shownCount,
        ms: round2(t1 - this.waiting.t0),
        replyMs: round2(this.waiting.replied - this.waiting.t0),
        receiveMs: round2(this.waiting.receiveMs),
        points: points.length,
      };
      this.waiting = null;
    }
    this.observe();
    return true;
  }

  paint(view, xy, points) {
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    this.canvas.style.transform = "";
    const { width: iw, height: ih } = this.spec;
    const scale = SHOWN_PX / Math.max(iw, ih);
    const w = iw * scale,
      h = ih * scale;
    ctx.imageSmoothingEnabled = scale < 1; // enlarged pixels stay sharp (8 × 8 digits)
    const sx = this.width / (view.x1 - view.x0),
      sy = this.height / (view.y1 - view.y0);
    this.drawn = [];
    for (const i of points) {
      const picture = this.cache.use(i);
      if (picture === undefined) continue;
      const x = (xy[2 * i] - view.x0) * sx - w / 2;
      const y = (view.y1 - xy[2 * i + 1]) * sy - h / 2;
      ctx.drawImage(picture, x, y, w, h);
      this.drawn.push([i, round1(x), round1(y), round1(w), round1(h)]);
    }
  }

  ask(points) {
    if (this.stopped) return;
    if (this.inFlight !== null) {
      this.pending = points; // the newest view's wish replaces an older one
      return;
    }
    const id = this.nextId++;
    this.inFlight = { id, points };
    this.send({ type: "thumbnails", id, points });
  }

  /** A `thumbnails` reply: the pictures are kept; whatever is pending goes out. */
  receive(msg, buffers) {
    if (this.inFlight === null || msg?.id !== this.inFlight.id) return false;
    const t0 = this.now();
    this.inFlight = null;
    const b = buffers?.[0];
    const { width: w, height: h } = msg;
    if (
      !msg.error &&
      b &&
      Array.isArray(msg.points) &&
      Number.isInteger(w) &&
      Number.isInteger(h)
    ) {
      const bytes = new Uint8ClampedArray(b.buffer, b.byteOffset, b.byteLength);
      const size = w * h * 4;
      msg.points.forEach((i, k) => {
        if ((k + 1) * size > bytes.length) return;
        const picture = this.makeCanvas(w, h);
        const image = new ImageData(
          new Uint8ClampedArray(bytes.slice(k * size, (k + 1) * size)),
          w,
          h,
        );
        picture.getContext("2d").putImageData(image, 0, 0);
        this.cache.put(i, picture);
      });
      this.laid = null; // drawn again with them
      if (this.waiting) {
        this.waiting.replied = this.now();
        this.waiting.receiveMs = this.waiting.replied - t0; // the pictures made from it
      }
      this.changed();
    }
    const next = this.pending?.filter((i) => !this.cache.has(i));
    this.pending = null;
    if (next?.length) this.ask(next);
    return true;
  }

  /** The kernel is gone: nothing more is asked (the pictures held still show). */
  stop() {
    this.stopped = true;
    this.pending = null;
  }

  dispose() {
    this.stop();
    this.cache.clear();
  }
}

function round1(v) {
  return Math.round(v * 10) / 10;
}

function round2(v) {
  return Math.round(v * 100) / 100;
}
