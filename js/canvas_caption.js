// A few lines of small text that may change on every pointer move (the preview's coordinates
// and its distance from the data), painted into a canvas. In a JupyterLab page any DOM change
// costs the next frame style, layout, paint and layerisation (~2 ms on 2 cores, measured with
// the benchmark's preview probe); a canvas repaint costs none of them. The same words are kept
// as transparent text over the canvas, written once they stop changing, for screen readers,
// selection, copy and tooltips.

import { el } from "./dom.js";

/** How long the words must stay the same before they are written into the DOM. */
export const TEXT_SETTLE_MS = 120;
const RUN_GAP_PX = 6; // between runs on a row (the text layer's column-gap)
const CHIP_PAD_PX = 6; // inside a chip, left and right (.lm-caption .lm-chip)

/**
 * One piece of a line: plain text, or a chip (a rounded, outlined label) with a tooltip.
 * @typedef {{text: string, chip?: boolean, title?: string}} Run
 */

/**
 * Where each run goes: runs flow left to right and wrap (whole) onto the next row.
 * @param {Run[][]} lines
 * @param {(run: Run) => number} widthOf a run's width in px, chip padding included
 * @param {number} width the caption's width in px
 * @param {number} rows the rows there are
 * @returns {{run: Run, x: number, row: number, width: number}[]} the runs that fit
 */
export function layoutRuns(lines, widthOf, width, rows) {
  const placed = [];
  let row = 0;
  for (const line of lines) {
    let x = 0;
    for (const run of line) {
      const w = widthOf(run);
      if (x > 0 && x + w > width) {
        row += 1;
        x = 0;
      }
      if (row >= rows) return placed;
      placed.push({ run, x, row, width: w });
      x += w + RUN_GAP_PX;
    }
    row += 1;
  }
  return placed;
}

export class CanvasCaption {
  /**
   * @param {string} className the caption's own class
   * @param {number} rows rows of text it has room for (its height does not change)
   */
  constructor(className, rows) {
    this.rows = rows;
    this.root = el("div", `lm-caption ${className}`);
    this.root.style.setProperty("--lm-caption-rows", String(rows));
    this.canvas = el("canvas", "lm-caption-paint");
    this.canvas.setAttribute("aria-hidden", "true");
    this.text = el("div", "lm-caption-text");
    this.root.append(this.canvas, this.text);
    this.lines = [];
    this.key = "[]";
    this.written = "[]";
    this.timer = 0;
    this.retryFrame = 0;
    // A caption set while hidden (another JupyterLab tab) or resized since is painted again.
    this.resizeObserver = new ResizeObserver(() => this.paint());
    this.resizeObserver.observe(this.root);
  }

  /**
   * Paints `lines` now; writes them as text once they have not changed for TEXT_SETTLE_MS.
   * @param {Run[][]} lines
   */
  set(lines) {
    const key = JSON.stringify(lines);
    if (key === this.key) return;
    this.key = key;
    this.lines = lines;
    this.paint();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.writeText(), TEXT_SETTLE_MS);
  }

  writeText() {
    this.timer = 0;
    if (this.written === this.key) return;
    this.written = this.key;
    this.text.replaceChildren(
      ...this.lines.map((line) => {
        const row = el("div", "lm-caption-line");
        for (const run of line) {
          const span = el("span", run.chip ? "lm-chip" : "", run.text);
          if (run.title) span.title = run.title;
          row.append(span);
        }
        return row;
      }),
    );
  }

  paint() {
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    // Reading sizes and style costs little here: a pointer move has changed no DOM before it.
    const width = this.root.clientWidth;
    const height = this.root.clientHeight;
    if (width === 0 || height === 0) {
      // Hidden, or laid out later in this frame (JupyterLab fits its panels in animation
      // frames too, e.g. after a theme change): look once more in the next frame. A caption
      // hidden longer is painted by the resize observer when it shows.
      if (!this.retryFrame) {
        this.retryFrame = requestAnimationFrame(() => {
          this.retryFrame = 0;
          const shown = this.root.clientWidth > 0 && this.root.clientHeight > 0;
          if (shown) this.paint();
        });
      }
      return;
    }
    const w = Math.round(width * dpr);
    const h = Math.round(height * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const style = getComputedStyle(this.root);
    const font = `${style.fontSize} ${style.fontFamily}`;
    const chipFont = `600 ${font}`;
    const chipColor = style.getPropertyValue("--lm-caption-chip").trim() || style.color;
    const rowHeight = height / this.rows;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.textBaseline = "middle";
    const widthOf = (run) => {
      ctx.font = run.chip ? chipFont : font;
      return ctx.measureText(run.text).width + (run.chip ? 2 * CHIP_PAD_PX : 0);
    };
    for (const { run, x, row, width: w } of layoutRuns(this.lines, widthOf, width, this.rows)) {
      const mid = (row + 0.5) * rowHeight;
      if (run.chip) {
        const chipHeight = Math.min(rowHeight - 1, Number.parseFloat(style.fontSize) + 4);
        ctx.beginPath();
        ctx.roundRect(x + 0.5, mid - chipHeight / 2, w - 1, chipHeight, chipHeight / 2);
        ctx.lineWidth = 1;
        ctx.strokeStyle = chipColor;
        ctx.stroke();
        ctx.font = chipFont;
        ctx.fillStyle = chipColor;
        ctx.fillText(run.text, x + CHIP_PAD_PX, mid);
      } else {
        ctx.font = font;
        ctx.fillStyle = style.color;
        ctx.fillText(run.text, x, mid);
      }
    }
  }

  dispose() {
    clearTimeout(this.timer);
    cancelAnimationFrame(this.retryFrame);
    this.resizeObserver.disconnect();
  }
}
