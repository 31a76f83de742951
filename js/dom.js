// The one DOM helper the panels share: an element with a class and text (never HTML).

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text] set as textContent
 * @returns {HTMLElement}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Gives a canvas the backing store of a cssWidth × cssHeight box at this pixel ratio (at least
 * one pixel a side), touching it only when it changes (a resize clears the canvas).
 * @param {HTMLCanvasElement} canvas
 */
export function sizeCanvas(canvas, cssWidth, cssHeight, dpr) {
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
}

/** A detached canvas of w × h pixels (a picture to draw from). */
export function makeCanvas(w, h) {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  return canvas;
}
