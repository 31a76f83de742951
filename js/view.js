// The visible data range `{x0, x1, y0, y1}` (x right, y up) and the maths that moves it.
// One data unit is as long on x as on y: distances on a latent map mean something, so the
// map must not stretch one axis to fill the canvas.

/**
 * The view that shows all points with a margin, in a w × h canvas with equal units.
 * @param {{minX: number, maxX: number, minY: number, maxY: number, finite: number}} b bounds
 * @param {number} w canvas width in CSS pixels (0: not laid out yet, no aspect correction)
 * @param {number} h canvas height in CSS pixels
 * @param {number} [margin] fraction of the span added on each side
 */
export function fitView(b, w, h, margin = 0.05) {
  if (!b || !(b.finite > 0)) return withAspect({ x0: -1, x1: 1, y0: -1, y1: 1 }, w, h);
  const [x0, x1] = pad(b.minX, b.maxX, margin);
  const [y0, y1] = pad(b.minY, b.maxY, margin);
  return withAspect({ x0, x1, y0, y1 }, w, h);
}

/** The view widened along one axis, about its centre, so both axes have equal units. */
export function withAspect(view, w, h) {
  if (!(w > 0 && h > 0)) return view;
  const ux = (view.x1 - view.x0) / w;
  const uy = (view.y1 - view.y0) / h;
  if (ux > uy) {
    const mid = (view.y0 + view.y1) / 2;
    return { ...view, y0: mid - (ux * h) / 2, y1: mid + (ux * h) / 2 };
  }
  const mid = (view.x0 + view.x1) / 2;
  return { ...view, x0: mid - (uy * w) / 2, x1: mid + (uy * w) / 2 };
}

/** The view after the canvas went from oldH high to w × h: same centre, same scale. */
export function resizeView(view, oldH, w, h) {
  if (!(w > 0 && h > 0 && oldH > 0)) return view;
  const unit = (view.y1 - view.y0) / oldH;
  const cx = (view.x0 + view.x1) / 2;
  const cy = (view.y0 + view.y1) / 2;
  return {
    x0: cx - (unit * w) / 2,
    x1: cx + (unit * w) / 2,
    y0: cy - (unit * h) / 2,
    y1: cy + (unit * h) / 2,
  };
}

function pad(lo, hi, margin) {
  let span = hi - lo;
  if (!(span > 0)) span = Math.max(Math.abs(lo) * 0.1, 1) / (1 + 2 * margin);
  const mid = (lo + hi) / 2;
  const half = (span * (1 + 2 * margin)) / 2;
  return [mid - half, mid + half];
}

/** Data coordinates of the CSS pixel (px, py) in a w × h canvas. */
export function toData(view, w, h, px, py) {
  return {
    x: view.x0 + (px / w) * (view.x1 - view.x0),
    y: view.y1 - (py / h) * (view.y1 - view.y0),
  };
}

/** CSS pixels per data unit along x and y. */
export function pixelsPerUnit(view, w, h) {
  return { x: w / (view.x1 - view.x0), y: h / (view.y1 - view.y0) };
}

/**
 * The view magnified `factor` times about the data point (x, y), which stays put; the same
 * view when the result would be magnified beyond [1/100, 1e5] times against `ref` (float32
 * positions cannot resolve more, and nobody needs less).
 */
export function zoomAbout(view, x, y, factor, ref = view) {
  const f = 1 / factor;
  const next = {
    x0: x - (x - view.x0) * f,
    x1: x + (view.x1 - x) * f,
    y0: y - (y - view.y0) * f,
    y1: y + (view.y1 - y) * f,
  };
  const level = zoomLevel(next, ref);
  if (!(level >= 0.01 && level <= 1e5)) return view;
  return next;
}

/** The view moved by a drag of (dx, dy) CSS pixels (content follows the pointer). */
export function panBy(view, w, h, dx, dy) {
  const ux = (dx / w) * (view.x1 - view.x0);
  const uy = (dy / h) * (view.y1 - view.y0);
  return { x0: view.x0 - ux, x1: view.x1 - ux, y0: view.y0 + uy, y1: view.y1 + uy };
}

/** How many times the view is magnified against a reference view (geometric mean of axes). */
export function zoomLevel(view, ref) {
  const zx = (ref.x1 - ref.x0) / (view.x1 - view.x0);
  const zy = (ref.y1 - ref.y0) / (view.y1 - view.y0);
  return Math.sqrt(zx * zy);
}

/** Whether two views show the same range (`a` may be null: nothing shown yet). */
export function sameView(a, b) {
  return a != null && a.x0 === b.x0 && a.x1 === b.x1 && a.y0 === b.y0 && a.y1 === b.y1;
}

/** The CSS transform that moves a picture laid out for `laid` to where `view` shows it. */
export function followTransform(laid, view, width, height) {
  const scale = (laid.x1 - laid.x0) / (view.x1 - view.x0);
  const tx = ((laid.x0 - view.x0) / (view.x1 - view.x0)) * width;
  const ty = ((view.y1 - laid.y1) / (view.y1 - view.y0)) * height;
  return `translate(${tx}px, ${ty}px) scale(${scale})`;
}

/**
 * The part of a picture covering `bounds` that falls in `view`, as drawImage's source and
 * target rectangles on a canvas of width × height pixels; null when none of it is in view.
 * @param {number[]} bounds [x0, x1, y0, y1] in data units
 * @param {{width: number, height: number}} picture its pixel size
 */
export function placeInView(bounds, picture, view, width, height) {
  const [x0, x1, y0, y1] = bounds;
  const left = Math.max(x0, view.x0),
    right = Math.min(x1, view.x1);
  const bottom = Math.max(y0, view.y0),
    top = Math.min(y1, view.y1);
  if (!(right > left && top > bottom)) return null;
  const fx = picture.width / (x1 - x0),
    fy = picture.height / (y1 - y0);
  const kx = width / (view.x1 - view.x0),
    ky = height / (view.y1 - view.y0);
  return {
    source: [(left - x0) * fx, (y1 - top) * fy, (right - left) * fx, (top - bottom) * fy],
    target: [(left - view.x0) * kx, (view.y1 - top) * ky, (right - left) * kx, (top - bottom) * ky],
  };
}
