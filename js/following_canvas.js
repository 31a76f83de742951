// A 2-D canvas over the map whose picture is drawn for a settled view and, while the view
// moves, moved with it by a CSS transform (no redraw): the labels' and the pictures' layers.

import { sizeCanvas } from "./dom.js";
import { followTransform } from "./view.js";

export class FollowingCanvas {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.width = 1;
    this.height = 1;
    this.dpr = 1;
    this.laid = null; // {view, …}: what the canvas was drawn for (null: nothing)
  }

  resize(cssWidth, cssHeight, dpr) {
    this.width = cssWidth;
    this.height = cssHeight;
    this.dpr = dpr;
    sizeCanvas(this.canvas, cssWidth, cssHeight, dpr);
    this.laid = null;
  }

  /** While the view moves: the picture drawn for the last settled view moves with it. */
  follow(view) {
    if (this.laid) {
      this.canvas.style.transform = followTransform(this.laid.view, view, this.width, this.height);
    }
  }

  /** Nothing drawn, nothing moved. */
  wipe() {
    this.ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.style.transform = "";
    this.laid = null;
  }
}
