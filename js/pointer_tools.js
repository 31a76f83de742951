// Pointer, wheel and key input on the map, turned into intents: pan or zoom the view, draw a
// lasso, select or toggle a clicked point, pin or anchor at a spot, clear the selection, fit
// the view. This module decides; the host (widget.js) carries the intents out, so the
// decisions run in node without a DOM. A press that moves less than DRAG_THRESHOLD_PX is a
// click (hands shake); a lasso vertex every LASSO_STEP_PX keeps the polygon, and the
// point-in-polygon pass over millions of points, small without visible corners.

export const DRAG_THRESHOLD_PX = 3;
export const LASSO_STEP_PX = 2;

/** Whether a pointer went from `a` to `b` (canvas pixels) by at least `px`. */
export function movedBy(a, b, px) {
  return Math.hypot(b.px - a.px, b.py - a.py) >= px;
}

/**
 * The zoom factor of one wheel event (above 1 zooms in); big steps (a mouse wheel's notch in
 * lines or pages, a flung trackpad) are capped so that one event never jumps far.
 * @param {number} deltaY
 * @param {number} deltaMode 0 pixels, 1 lines, 2 pages
 * @param {number} pageHeight the map's height, CSS px
 */
export function wheelFactor(deltaY, deltaMode, pageHeight) {
  const unit = deltaMode === 1 ? 16 : deltaMode === 2 ? pageHeight : 1;
  const delta = Math.max(-300, Math.min(300, deltaY * unit));
  return Math.exp(-delta * 0.002);
}

/**
 * What a click (a press that did not move) does with each tool.
 * @param {string} tool
 * @param {{x: number, y: number}} p the spot, data coordinates
 * @param {number} hit the point under the pointer, or -1
 * @param {boolean} shift
 * @returns {object | null} an intent, or null (a pan click on empty space changes nothing)
 */
export function clickIntent(tool, p, hit, shift) {
  if (tool === "pan") return hit < 0 ? null : { type: "select", index: hit, toggle: shift };
  if (tool === "pin") return { type: "pin", x: p.x, y: p.y };
  if (tool === "anchor") return { type: "anchor", index: hit, x: p.x, y: p.y };
  return null;
}

/**
 * What a key does: `p` pins at the pointer, Escape clears the selection. Only while the
 * pointer is over the map (no click needed to focus it first), and never while the user types
 * in an editor or a field, or holds a modifier (those keys are JupyterLab's).
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean}} event
 * @param {boolean} overMap
 * @param {() => boolean} typing whether the key goes to an editable element (asked last: it
 *   walks the DOM, and every key typed anywhere in JupyterLab comes here)
 * @returns {"pin" | "clear-selection" | null}
 */
export function keyIntent(event, overMap, typing) {
  if (event.ctrlKey || event.metaKey || event.altKey || !overMap) return null;
  const k = event.key;
  const intent = k === "p" || k === "P" ? "pin" : k === "Escape" ? "clear-selection" : null;
  return intent === null || typing() ? null : intent;
}

/** Whether a key event goes to something the user types in. */
function isEditable(target) {
  return (
    target instanceof Element &&
    (target.isContentEditable ||
      target.closest("input, textarea, select, [contenteditable], .cm-editor") !== null)
  );
}

export class PointerTools {
  /**
   * Events here are plain objects with the DOM's field names (pointerId, button, shiftKey,
   * clientX, clientY, timeStamp, deltaY, deltaMode, key…); `attach` adds the DOM's part.
   * @param {object} host
   * @param {(event: object) => {px: number, py: number, x: number, y: number}} host.locate
   *   the pointer in canvas pixels and data coordinates
   * @param {() => object} host.view the view now
   * @param {() => number} host.height the map's height, CSS px
   * @param {(x: number, y: number) => number} host.pick the point under (x, y), or -1
   * @param {(startView: object, dx: number, dy: number) => void} host.pan shows startView
   *   moved by (dx, dy) pixels
   * @param {(p: object, factor: number) => object | null} host.zoom zooms about p: the new
   *   view, or null when it did not change (a zoom limit)
   * @param {(p: object, since?: number) => void} host.hover the pointer is over p
   * @param {() => void} host.leave the pointer left the map
   * @param {(intent: object) => void} host.act carries out an intent: `select`, `lasso`,
   *   `pin`, `anchor`, `clear-selection` or `reset-view` (the `type` of the intent)
   * @param {() => void} host.changed something to redraw (the lasso, the cursor)
   */
  constructor(host) {
    this.host = host;
    this.tool = "pan";
    this.drag = null; // the press under way: {id, start, startView, moved, shift, lasso, last}
    this.cursor = null; // {x, y, px, py} of the pointer over the map
  }

  /** The lasso being drawn (interleaved data coordinates), or null. */
  get lasso() {
    return this.drag?.lasso ?? null;
  }

  /** A pan drag has moved and its button is still down. */
  get panning() {
    return this.tool === "pan" && this.drag?.moved === true;
  }

  /** Returns whether the press starts a drag (the left button). */
  down(event) {
    if (event.button !== 0) return false;
    const p = this.host.locate(event);
    this.drag = {
      id: event.pointerId,
      start: p,
      startView: this.host.view(),
      moved: false,
      shift: event.shiftKey,
      lasso: this.tool === "lasso" ? [p.x, p.y] : null,
      last: p,
    };
    return true;
  }

  move(event) {
    const p = this.host.locate(event);
    const drag = this.drag;
    if (!drag || drag.id !== event.pointerId) {
      this.hoverAt(p, event.timeStamp);
      return;
    }
    this.cursor = p;
    if (!drag.moved && movedBy(drag.start, p, DRAG_THRESHOLD_PX)) drag.moved = true;
    if (this.tool === "pan" && drag.moved) {
      this.host.pan(drag.startView, p.px - drag.start.px, p.py - drag.start.py);
    } else if (drag.lasso && movedBy(drag.last, p, LASSO_STEP_PX)) {
      drag.lasso.push(p.x, p.y);
      drag.last = p;
    }
    this.host.changed();
  }

  /** Returns whether the release ended this tool's drag. */
  up(event) {
    const drag = this.drag;
    if (!drag || drag.id !== event.pointerId) return false;
    this.drag = null;
    const p = this.host.locate(event);
    const shift = drag.shift || event.shiftKey;
    if (this.tool === "lasso") {
      // Fewer than three vertices enclose nothing.
      if (drag.lasso && drag.lasso.length >= 6) {
        this.host.act({ type: "lasso", polygon: drag.lasso, add: shift });
      }
    } else if (!drag.moved) {
      const intent = clickIntent(this.tool, p, this.host.pick(p.x, p.y), event.shiftKey);
      if (intent) this.host.act(intent);
    }
    this.hoverAt(p);
    return true;
  }

  /** Returns whether it cancelled this tool's drag. */
  cancel(event) {
    if (!this.drag || this.drag.id !== event.pointerId) return false;
    this.drag = null;
    this.host.changed();
    return true;
  }

  leave() {
    if (this.drag) return;
    this.cursor = null;
    this.host.leave();
  }

  wheel(event) {
    const p = this.host.locate(event);
    const next = this.host.zoom(p, wheelFactor(event.deltaY, event.deltaMode, this.host.height()));
    if (next === null) return;
    if (this.drag) {
      // Keep panning smoothly when the wheel turns mid-drag.
      this.drag.startView = next;
      this.drag.start = p;
    } else {
      this.hoverAt(this.host.locate(event), event.timeStamp);
    }
    this.host.changed();
  }

  /** Returns whether the double-click was taken (it fits the view with the pan tool). */
  doubleClick() {
    if (this.tool !== "pan") return false;
    this.host.act({ type: "reset-view" });
    return true;
  }

  /**
   * Returns whether the key was taken.
   * @param {() => boolean} typing see keyIntent
   */
  key(event, typing) {
    const intent = keyIntent(event, this.cursor !== null, typing);
    if (intent === "pin") this.host.act({ type: "pin", x: this.cursor.x, y: this.cursor.y });
    else if (intent === "clear-selection") this.host.act({ type: "clear-selection" });
    return intent !== null;
  }

  hoverAt(p, since) {
    this.cursor = p;
    this.host.hover(p, since);
  }

  /**
   * Listens on the map (and on the window for keys: shortcuts act while the pointer is over
   * the map, focused or not). Returns the function that stops listening.
   * @param {HTMLElement} map
   * @param {Window} win
   */
  attach(map, win) {
    const handlers = [
      [
        map,
        "pointerdown",
        (event) => {
          if (!this.down(event)) return;
          map.focus({ preventScroll: true });
          map.setPointerCapture(event.pointerId);
          if (this.tool === "pan") map.classList.add("lm-dragging");
          event.preventDefault();
        },
      ],
      [map, "pointermove", (event) => this.move(event)],
      [
        map,
        "pointerup",
        (event) => {
          if (this.drag?.id === event.pointerId) {
            map.classList.remove("lm-dragging");
            if (map.hasPointerCapture(event.pointerId)) map.releasePointerCapture(event.pointerId);
          }
          this.up(event);
        },
      ],
      [
        map,
        "pointercancel",
        (event) => {
          if (this.cancel(event)) map.classList.remove("lm-dragging");
        },
      ],
      [map, "pointerleave", () => this.leave()],
      [
        map,
        "wheel",
        (event) => {
          event.preventDefault();
          this.wheel(event);
        },
        { passive: false },
      ],
      [
        map,
        "dblclick",
        (event) => {
          if (this.doubleClick()) event.preventDefault();
        },
      ],
      [
        win,
        "keydown",
        (event) => {
          if (!this.key(event, () => isEditable(event.target))) return;
          event.preventDefault();
          event.stopPropagation(); // keep JupyterLab's own shortcuts out of it
        },
        true,
      ],
    ];
    for (const [target, type, fn, options] of handlers) target.addEventListener(type, fn, options);
    return () => {
      for (const [target, type, fn, options] of handlers) {
        target.removeEventListener(type, fn, options);
      }
    };
  }
}
