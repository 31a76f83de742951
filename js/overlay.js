// The 2-D canvas over the map: axes ticks and titles, the rings of groups A and B, the lasso
// being drawn, pins, the anchor, labelled marks (e.g. an arithmetic result), the walk marker
// and its trail, the hovered point's ring and the cursor crosshair. Redrawn with every frame.

import { sizeCanvas } from "./dom.js";

/** Rings drawn per group at most; beyond that the counts in the bar say enough. */
const MAX_GROUP_RINGS = 4000;
export const GROUP_COLORS = ["#e8590c", "#0b8a7a"];
const WALK_COLOR = "#9c27b0";
const MARK_COLOR = "#1e88e5";
export const FOUND_COLOR = "#d6336c"; // the points a search found
export const PATH_COLOR = "#f08c00"; // the way between two joined pins

/**
 * Round tick values covering [a, b]: steps of 1, 2 or 5 × 10^k, about `count` of them.
 * @returns {{values: number[], step: number}}
 */
export function niceTicks(a, b, count = 5) {
  const lo = Math.min(a, b),
    hi = Math.max(a, b);
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { values: [], step: 0 };
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return { values, step };
}

/**
 * A tick label with as many decimals as the step needs. A value tiny against the step (the
 * residue of summing steps across zero) is 0, never "2.1e-6" or "-0.0"; exponents are for
 * values from 1e5 on and for steps finer than 8 decimals can show.
 */
export function formatTick(v, step) {
  if (!Number.isFinite(v)) return String(v);
  const s = Number.isFinite(step) && step > 0 ? step : Math.abs(v) || 1;
  const value = Math.abs(v) < s * 1e-6 ? 0 : v;
  const decimals = -Math.floor(Math.log10(s) + 1e-9);
  if (Math.abs(value) >= 1e5 || decimals > 8) return value === 0 ? "0" : value.toExponential(1);
  const text = value.toFixed(Math.max(0, decimals));
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

export class Overlay {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.width = 1;
    this.height = 1;
    this.dpr = 1;
  }

  resize(cssWidth, cssHeight, dpr) {
    this.width = cssWidth;
    this.height = cssHeight;
    this.dpr = dpr;
    sizeCanvas(this.canvas, cssWidth, cssHeight, dpr);
  }

  /**
   * @param {object} s
   * @param {{x0: number, x1: number, y0: number, y1: number}} s.view
   * @param {{fg: string, muted: string, bg: string, font: string}} s.theme
   * @param {string[]} s.axisTitles
   * @param {number[]|null} s.lasso interleaved data coordinates of the lasso being drawn
   * @param {Float64Array} s.pins interleaved pin positions
   * @param {number[]|null} s.anchor [x, y]
   * @param {{x: number, y: number, radius: number}|null} s.hover hovered point, radius in px
   * @param {{x: number, y: number}|null} s.cursor cursor position in data coordinates
   * @param {Float32Array} [s.positions] interleaved point positions (for the groups)
   * @param {Uint32Array[]} [s.groups] point indices of groups A and B
   * @param {Uint32Array} [s.found] point indices a search found (ringed)
   * @param {number} [s.pointRadius] radius of a drawn point in px
   * @param {{x: number, y: number, label: string}[]} [s.marks] labelled synthetic points
   * @param {number[]|null} [s.walk] interleaved walk positions, oldest first; the last is now
   * @param {number[][]} [s.path] the way between two joined pins, `[[x, y], …]`
   */
  draw(s) {
    const ctx = this.ctx;
    if (!ctx) return;
    const { width: w, height: h } = this;
    const v = s.view;
    const px = (x) => ((x - v.x0) / (v.x1 - v.x0)) * w;
    const py = (y) => ((v.y1 - y) / (v.y1 - v.y0)) * h;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);

    this.drawAxes(s, px, py);

    if (s.groups && s.positions) {
      s.groups.forEach((indices, g) => {
        drawGroup(ctx, s.positions, indices, px, py, w, h, (s.pointRadius ?? 2) + 2.5);
        ctx.strokeStyle = GROUP_COLORS[g % GROUP_COLORS.length];
        ctx.lineWidth = 1.5;
        ctx.stroke();
      });
    }

    if (s.found?.length && s.positions) {
      drawGroup(ctx, s.positions, s.found, px, py, w, h, (s.pointRadius ?? 2) + 3.5);
      ctx.strokeStyle = FOUND_COLOR;
      ctx.lineWidth = 2.5;
      ctx.stroke();
    }

    if (s.lasso && s.lasso.length >= 4) {
      ctx.beginPath();
      ctx.moveTo(px(s.lasso[0]), py(s.lasso[1]));
      for (let k = 2; k < s.lasso.length; k += 2) ctx.lineTo(px(s.lasso[k]), py(s.lasso[k + 1]));
      ctx.closePath();
      ctx.fillStyle = "rgba(80, 140, 230, 0.12)";
      ctx.fill();
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = s.theme.fg;
      ctx.stroke();
      ctx.setLineDash([]);
    }

    if (s.hover) {
      ctx.beginPath();
      ctx.arc(px(s.hover.x), py(s.hover.y), s.hover.radius + 3, 0, 2 * Math.PI);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = s.theme.bg;
      ctx.stroke();
      ctx.lineWidth = 1.75;
      ctx.strokeStyle = s.theme.fg;
      ctx.stroke();
    }

    if (
      s.anchor &&
      s.anchor.length >= 2 &&
      Number.isFinite(s.anchor[0]) &&
      Number.isFinite(s.anchor[1])
    ) {
      drawAnchor(ctx, px(s.anchor[0]), py(s.anchor[1]));
    }

    for (const m of s.marks ?? []) {
      if (Number.isFinite(m?.x) && Number.isFinite(m?.y)) {
        drawMark(ctx, px(m.x), py(m.y), String(m.label ?? ""), s.theme);
      }
    }

    if (s.walk && s.walk.length >= 2) drawWalk(ctx, s.walk, px, py, s.theme);
    if (Array.isArray(s.path) && s.path.length >= 2) drawPath(ctx, s.path, px, py, s.theme);

    const pins = s.pins;
    for (let k = 0; k + 1 < pins.length; k += 2) drawStar(ctx, px(pins[k]), py(pins[k + 1]), 8);

    if (s.cursor && !s.hover) {
      const cx = px(s.cursor.x),
        cy = py(s.cursor.y);
      ctx.beginPath();
      ctx.moveTo(cx - 7, cy);
      ctx.lineTo(cx - 2, cy);
      ctx.moveTo(cx + 2, cy);
      ctx.lineTo(cx + 7, cy);
      ctx.moveTo(cx, cy - 7);
      ctx.lineTo(cx, cy - 2);
      ctx.moveTo(cx, cy + 2);
      ctx.lineTo(cx, cy + 7);
      ctx.lineWidth = 1.25;
      ctx.strokeStyle = s.theme.fg;
      ctx.stroke();
    }
  }

  drawAxes(s, px, py) {
    const ctx = this.ctx;
    const { width: w, height: h } = this;
    const v = s.view;
    const { fg, muted, bg, font } = s.theme;
    ctx.lineJoin = "round";
    const label = (text, x, y) => {
      ctx.lineWidth = 3;
      ctx.strokeStyle = bg;
      ctx.strokeText(text, x, y);
      ctx.fillText(text, x, y);
    };

    // Faint grid lines at round values; labels sit inside the map along its left and bottom.
    const xt = niceTicks(v.x0, v.x1, Math.max(2, Math.round(w / 100)));
    const yt = niceTicks(v.y0, v.y1, Math.max(2, Math.round(h / 70)));
    ctx.beginPath();
    for (const t of xt.values) {
      const x = Math.round(px(t)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
    }
    for (const t of yt.values) {
      const y = Math.round(py(t)) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(w, y);
    }
    ctx.globalAlpha = 0.16;
    ctx.lineWidth = 1;
    ctx.strokeStyle = muted;
    ctx.stroke();
    ctx.globalAlpha = 1;

    const [xTitle, yTitle] = s.axisTitles;
    ctx.font = `600 11px ${font}`;
    const xTitleText = xTitle ? `${xTitle} →` : "";
    const xRoom = w - 36 - (xTitleText ? ctx.measureText(xTitleText).width : 0);
    ctx.font = `10px ${font}`;
    ctx.fillStyle = muted;
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    for (const t of xt.values) {
      const x = px(t);
      if (x < 30 || x > xRoom) continue;
      label(formatTick(t, xt.step), x + 3, h - 3);
    }
    for (const t of yt.values) {
      const y = py(t);
      if (y < 30 || y > h - 16) continue;
      label(formatTick(t, yt.step), 4, y - 2);
    }

    ctx.font = `600 11px ${font}`;
    ctx.fillStyle = fg;
    if (xTitleText) {
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      label(xTitleText, w - 6, h - 4);
    }
    if (yTitle) {
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      label(`↑ ${yTitle}`, 6, 6);
    }
  }
}

function drawStar(ctx, x, y, r) {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const rr = k % 2 === 0 ? r : r * 0.45;
    const sx = x + rr * Math.cos(a),
      sy = y + rr * Math.sin(a);
    if (k === 0) ctx.moveTo(sx, sy);
    else ctx.lineTo(sx, sy);
  }
  ctx.closePath();
  ctx.fillStyle = "#ffcc33";
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#111";
  ctx.stroke();
}

function drawAnchor(ctx, x, y) {
  const ring = () => {
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, 2 * Math.PI);
    ctx.moveTo(x - 11, y);
    ctx.lineTo(x + 11, y);
    ctx.moveTo(x, y - 11);
    ctx.lineTo(x, y + 11);
  };
  ring();
  ctx.lineWidth = 4;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
  ctx.stroke();
  ring();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#d62728";
  ctx.stroke();
}

/** One path of small rings around the group's points inside the map (at most a few thousand). */
function drawGroup(ctx, positions, indices, px, py, w, h, r) {
  ctx.beginPath();
  const n = positions.length >> 1;
  let drawn = 0;
  for (let k = 0; k < indices.length && drawn < MAX_GROUP_RINGS; k++) {
    const i = indices[k];
    if (i >= n) continue;
    const x = px(positions[2 * i]),
      y = py(positions[2 * i + 1]);
    if (x < -r || y < -r || x > w + r || y > h + r) continue;
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    drawn++;
  }
}

/** The way between two joined pins: its projected curve, a dot at every step. */
export function drawPath(ctx, path, px, py, theme) {
  ctx.beginPath();
  ctx.moveTo(px(path[0][0]), py(path[0][1]));
  for (const [x, y] of path.slice(1)) ctx.lineTo(px(x), py(y));
  ctx.lineWidth = 4;
  ctx.strokeStyle = theme.bg;
  ctx.stroke();
  ctx.lineWidth = 2;
  ctx.strokeStyle = PATH_COLOR;
  ctx.stroke();
  ctx.fillStyle = PATH_COLOR;
  for (const [x, y] of path) {
    ctx.beginPath();
    ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** A hollow circle with its label beside it, both haloed so they read on any points. */
function drawMark(ctx, x, y, label, theme) {
  ctx.beginPath();
  ctx.arc(x, y, 6, 0, 2 * Math.PI);
  ctx.lineWidth = 4.5;
  ctx.strokeStyle = theme.bg;
  ctx.stroke();
  ctx.lineWidth = 2;
  ctx.strokeStyle = MARK_COLOR;
  ctx.stroke();
  if (!label) return;
  ctx.font = `600 11px ${theme.font}`;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.lineWidth = 3;
  ctx.strokeStyle = theme.bg;
  ctx.strokeText(label, x + 10, y);
  ctx.fillStyle = theme.fg;
  ctx.fillText(label, x + 10, y);
}

/** The recent walk positions as a thin line and a filled diamond at the newest one. */
function drawWalk(ctx, walk, px, py, theme) {
  const last = walk.length - 2;
  if (walk.length >= 4) {
    ctx.beginPath();
    ctx.moveTo(px(walk[0]), py(walk[1]));
    for (let k = 2; k <= last; k += 2) ctx.lineTo(px(walk[k]), py(walk[k + 1]));
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = WALK_COLOR;
    ctx.globalAlpha = 0.6;
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  const x = px(walk[last]),
    y = py(walk[last + 1]);
  ctx.beginPath();
  ctx.moveTo(x, y - 8);
  ctx.lineTo(x + 6, y);
  ctx.lineTo(x, y + 8);
  ctx.lineTo(x - 6, y);
  ctx.closePath();
  ctx.fillStyle = WALK_COLOR;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = theme.bg;
  ctx.stroke();
}
