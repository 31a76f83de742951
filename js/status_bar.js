// The line under the map: the kernel's status (`_status`) and, beside it, the latest notice
// (`notice` messages: what an operation did, or why the kernel refused it). A notice goes
// away by itself, errors later than news; role="status" has screen readers say it. A kernel
// gone (kernel_link.js) gets a line of its own that stays, said at once (role="alert").

import { el } from "./dom.js";
import { renderStatus } from "./legend.js";

const NOTICE_MS = { info: 5000, error: 10000 };

export class StatusBar {
  constructor() {
    this.root = el("div", "lm-statusbar");
    this.status = el("div", "lm-status");
    this.notice = el("div", "lm-notice");
    this.notice.setAttribute("role", "status");
    this.notice.hidden = true;
    this.gone = el("div", "lm-kernel-gone");
    this.gone.setAttribute("role", "alert");
    this.gone.hidden = true;
    this.root.append(this.gone, this.status, this.notice);
    this.text = ""; // the latest notice (data-notice)
    this.timer = 0;
  }

  /** @param {string} text `_status` */
  setStatus(text) {
    renderStatus(this.status, text);
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
