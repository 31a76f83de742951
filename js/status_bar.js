// The line under the map: the kernel's status (`_status`) followed by what the page knows
// without asking it (how many points are selected, how many pins), and beside them the
// latest notice (`notice` messages: what an operation did, or why the kernel refused it). A
// notice goes away by itself, errors later than news; role="status" has screen readers say
// it. A kernel gone (kernel_link.js) gets a line of its own that stays, said at once
// (role="alert").

import { el } from "./dom.js";

const NOTICE_MS = { info: 5000, error: 10000 };

/** "1,234" */
function count(n) {
  return n.toLocaleString("en-US");
}

/**
 * The page's part of the status line: "12 selected · 3 pins", each part only when not zero.
 * @param {{selected?: number, pins?: number}} counts
 * @returns {string} "" when there is nothing to say
 */
export function countsText({ selected = 0, pins = 0 } = {}) {
  const parts = [];
  if (selected > 0) parts.push(`${count(selected)} selected`);
  if (pins > 0) parts.push(`${count(pins)} ${pins === 1 ? "pin" : "pins"}`);
  return parts.join(" · ");
}

export class StatusBar {
  constructor() {
    this.root = el("div", "lm-statusbar");
    this.status = el("div", "lm-status");
    this.kernelPart = el("span", "lm-status-kernel");
    this.countsPart = el("span", "lm-status-counts");
    this.status.append(this.kernelPart, this.countsPart);
    this.status.hidden = true;
    this.notice = el("div", "lm-notice");
    this.notice.setAttribute("role", "status");
    this.notice.hidden = true;
    this.gone = el("div", "lm-kernel-gone");
    this.gone.setAttribute("role", "alert");
    this.gone.hidden = true;
    this.root.append(this.gone, this.status, this.notice);
    this.text = ""; // the latest notice (data-notice)
    this.kernelText = ""; // `_status`
    this.counts = ""; // countsText of the page's selection and pins
    this.timer = 0;
  }

  /** @param {string} text `_status` */
  setStatus(text) {
    this.kernelText = text ? String(text) : "";
    this.renderLine();
  }

  /**
   * The selection and pins on display; cheap to call on every frame (the DOM is written only
   * when the words change).
   * @param {{selected?: number, pins?: number}} counts
   */
  setCounts(counts) {
    const text = countsText(counts);
    if (text === this.counts) return;
    this.counts = text;
    this.renderLine();
  }

  renderLine() {
    const counts = this.kernelText && this.counts ? ` · ${this.counts}` : this.counts;
    if (this.kernelPart.textContent !== this.kernelText)
      this.kernelPart.textContent = this.kernelText;
    if (this.countsPart.textContent !== counts) this.countsPart.textContent = counts;
    this.status.hidden = !this.kernelText && !this.counts;
  }

  /** @param {{text?: string, level?: string}} msg a `notice` message */
  showNotice(msg) {
    this.text = String(msg.text ?? "");
    const level = msg.level === "error" ? "error" : "info";
    this.notice.textContent = this.text;
    this.notice.classList.toggle("lm-notice-error", level === "error");
    this.notice.hidden = this.text === "";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.notice.hidden = true;
    }, NOTICE_MS[level]);
  }

  /** @param {string} text why nothing more can be asked of the kernel */
  showGone(text) {
    this.gone.textContent = text;
    this.gone.hidden = false;
  }

  dispose() {
    clearTimeout(this.timer);
  }
}
