// The search box in the toolbar: a query (a substring of the labels, any case, or /regex/) goes
// to the kernel, which answers with the points it found (docs/protocol.md, `search`): exactly
// those `w.search` returns. The finds are ringed on the map and listed; choosing one flies the
// view to it and previews it. Only the answer to the latest query is shown.

import { el } from "./dom.js";

/** Typing pauses this long before the query is sent (Enter sends at once). */
export const TYPING_MS = 250;
/** Finds listed under the box at most (all of them are ringed on the map). */
export const LISTED = 30;

export class SearchBox {
  /**
   * @param {object} o
   * @param {(content: object) => void} o.send sends a request
   * @param {(i: number) => string} o.labelOf a point's label
   * @param {(found: {points: Uint32Array, kind: string, query: string, x?: number,
   *   y?: number} | null) => void} o.found the finds to show on the map (null: none)
   * @param {(i: number) => void} o.choose fly to the point and preview it
   * @param {(fn: Function, ms: number) => any} [o.setTimer]
   * @param {(t: any) => void} [o.clearTimer]
   */
  constructor(o) {
    this.o = o;
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = o.clearTimer ?? ((t) => clearTimeout(t));
    this.root = el("div", "lm-search");
    this.input = el("input", "lm-search-input");
    this.input.type = "search";
    this.input.placeholder = "Search labels or /regex/";
    this.input.setAttribute("aria-label", "search the labels");
    this.count = el("span", "lm-search-count");
    this.list = el("ul", "lm-search-results");
    this.list.setAttribute("role", "listbox");
    this.list.hidden = true;
    this.root.append(this.input, this.count, this.list);
    this.id = 0; // of the latest query sent
    this.timer = null;
    this.result = null;
    this.disabled = false;

    this.onInput = () => this.typed();
    this.onKey = (event) => {
      if (event.key === "Enter") this.submit();
      else if (event.key === "Escape") this.clear();
      event.stopPropagation(); // the map's keys (p, Escape) are not for the box
    };
    this.onClick = (event) => {
      const item = event.target.closest("li[data-index]");
      if (!item) return;
      this.list.hidden = true; // out of the way of the point flown to (focus shows it again)
      this.o.choose(Number(item.dataset.index));
    };
    this.onFocus = () => {
      if (this.result?.points.length) this.list.hidden = false;
    };
    this.input.addEventListener("input", this.onInput);
    this.input.addEventListener("keydown", this.onKey);
    this.list.addEventListener("click", this.onClick);
    this.input.addEventListener("focus", this.onFocus);
  }

  typed() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => this.submit(), TYPING_MS);
  }

  /** Sends the box's query now (an empty box clears the finds). */
  submit() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const query = this.input.value.trim();
    if (!query) {
      this.clear();
      return;
    }
    if (this.disabled) return;
    this.id += 1;
    this.count.textContent = "…";
    this.o.send({ type: "search", id: this.id, query });
  }

  /** A `search_result` message; replies to older queries are dropped. */
  receive(msg, buffers) {
    if (msg.id !== this.id) return false;
    if (!msg.ok) {
      this.show(null, String(msg.error ?? "search failed"));
      return true;
    }
    const b = buffers?.[0];
    const points = b
      ? new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
      : new Uint32Array(0);
    const found = { points, kind: String(msg.kind), query: String(msg.query) };
    if (Number.isFinite(msg.x) && Number.isFinite(msg.y)) {
      found.x = msg.x;
      found.y = msg.y;
    }
    this.show(found, countText(found, msg.note));
    return true;
  }

  show(found, text) {
    this.result = found;
    this.count.textContent = text;
    this.count.title = text;
    this.list.replaceChildren();
    if (found) {
      const shown = found.points.subarray(0, LISTED);
      for (const i of shown) {
        const item = el("li", "lm-search-item", this.o.labelOf(i));
        item.dataset.index = String(i);
        item.setAttribute("role", "option");
        this.list.append(item);
      }
      if (found.points.length > LISTED) {
        this.list.append(el("li", "lm-search-more", `and ${found.points.length - LISTED} more`));
      }
    }
    this.list.hidden = !found || found.points.length === 0;
    this.o.found(found);
  }

  clear() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.id += 1; // an answer on its way is no longer wanted
    this.input.value = "";
    this.show(null, "");
  }

  /** The kernel is gone: nothing can be searched any more. */
  disable() {
    this.disabled = true;
    this.input.disabled = true;
  }

  dispose() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.input.removeEventListener("input", this.onInput);
    this.input.removeEventListener("keydown", this.onKey);
    this.list.removeEventListener("click", this.onClick);
    this.input.removeEventListener("focus", this.onFocus);
  }
}

/** The line beside the box: how many were found, and how. */
export function countText(found, note) {
  const n = found.points.length;
  if (found.kind === "encoded") return `${n} nearest to the encoded query`;
  if (n === 0) return note ? String(note) : "no match";
  return n === 1 ? "1 match" : `${n.toLocaleString("en-US")} matches`;
}
