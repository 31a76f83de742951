// When the map is drawn, and what a frame draws on its canvas. Frames are asked for on demand
// (one animation frame per burst of changes, no free-running loop: an idle notebook costs
// nothing). The points are drawn again only when something about them changed: a frame that
// only moves the hover ring or the lasso keeps the canvas's picture. While a pan or zoom is
// under way a frame moves the cached picture instead (millions of points can take longer
// than a frame to draw; one moved texture never does); crisp points come back SETTLE_MS
// after the last step, once no pan drag is held.

import { sameView } from "./view.js";

/** Crisp points come back this long after the last pan or zoom step (cached frames till then). */
export const SETTLE_MS = 150;

/**
 * What the map canvas does this frame: `overlay` (keep its picture: it shows this key's points
 * already, or the cached picture while still moving), `cached` (move the cached picture) or
 * `points` (draw the points).
 * A key is {view, size, version, selection}: the view, the point size and the renderer's
 * versions of its points and of the selection.
 * @param {object | null} shown the key of what the canvas shows, with its `kind` (null:
 *   nothing usable)
 * @param {object} next the key of what the frame is to show
 * @param {boolean} settling a pan or zoom is under way
 * @returns {"overlay" | "cached" | "points"}
 */
export function mapFrameKind(shown, next, settling) {
  const same =
    shown !== null &&
    shown.version === next.version &&
    shown.selection === next.selection &&
    shown.size === next.size &&
    sameView(shown.view, next.view);
  if (same && (shown.kind === "points" || settling)) return "overlay";
  return settling ? "cached" : "points";
}

/** Draws the map canvas per mapFrameKind and remembers what it shows. */
export class MapFrames {
  /** @param {import("./map_renderer.js").MapRenderer} renderer */
  constructor(renderer) {
    this.renderer = renderer;
    this.key = null; // what the canvas shows: {view, size, version, selection, kind}
    this.kind = ""; // what the last frame did (data-frame-kind)
    this.drawn = 0; // points shown by the last frame that showed any
  }

  keyOf(view, size) {
    const r = this.renderer;
    return { view, size, version: r.version, selection: r.selectionVersion };
  }

  /**
   * Returns the number of points shown, or -1 when nothing could be drawn (no WebGL).
   * @param {{x0: number, x1: number, y0: number, y1: number}} view
   * @param {number} size point diameter, CSS px
   * @param {boolean} settling
   */
  draw(view, size, settling) {
    const r = this.renderer;
    const kind = mapFrameKind(this.key, this.keyOf(view, size), settling);
    let drawn;
    if (kind === "overlay") {
      this.kind = "overlay";
      drawn = this.drawn;
    } else if (kind === "cached" && r.drawCached(view)) {
      this.key = { ...this.keyOf(view, size), kind: "cached" };
      this.kind = "cached";
      drawn = r.cache.drawn;
    } else {
      drawn = r.draw(view, size);
      this.key = drawn >= 0 ? { ...this.keyOf(view, size), kind: "points" } : null;
      this.kind = "points";
    }
    if (drawn >= 0) this.drawn = drawn;
    return drawn;
  }
}

export class FrameLoop {
  /**
   * @param {() => void} frame draws one frame
   * @param {object} [options]
   * @param {() => boolean} [options.held] a pan drag is held (crisp points wait for its end)
   * @param {number} [options.settleMs]
   * @param {(fn: Function) => number} [options.requestFrame]
   * @param {(id: number) => void} [options.cancelFrame]
   * @param {(fn: Function, ms: number) => any} [options.setTimer]
   * @param {(t: any) => void} [options.clearTimer]
   */
  constructor(frame, options = {}) {
    this.frame = frame;
    this.held = options.held ?? (() => false);
    this.settleMs = options.settleMs ?? SETTLE_MS;
    this.requestFrame = options.requestFrame ?? ((fn) => requestAnimationFrame(fn));
    this.cancelFrame = options.cancelFrame ?? ((id) => cancelAnimationFrame(id));
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
    this.raf = 0;
    this.settleTimer = null; // set while a pan or zoom is under way
    this.disposed = false;
  }

  /** Asks for one frame (several asks before it runs make one frame). */
  schedule() {
    if (this.raf || this.disposed) return;
    this.raf = this.requestFrame(() => {
      this.raf = 0;
      this.frame();
    });
  }

  /** A pan or zoom is under way. */
  get settling() {
    return this.settleTimer !== null;
  }

  /** Notes a pan or zoom step: cached frames until the view has been still for settleMs. */
  interacting() {
    if (this.settleTimer !== null) this.clearTimer(this.settleTimer);
    this.settleTimer = this.setTimer(() => this.settle(), this.settleMs);
  }

  settle() {
    // A paused drag whose button is still down has not ended.
    if (this.held()) {
      this.settleTimer = this.setTimer(() => this.settle(), this.settleMs);
      return;
    }
    this.settleTimer = null;
    this.schedule();
  }

  dispose() {
    this.disposed = true;
    if (this.raf) this.cancelFrame(this.raf);
    if (this.settleTimer !== null) this.clearTimer(this.settleTimer);
    this.raf = 0;
    this.settleTimer = null;
  }
}
