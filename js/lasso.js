// Lasso hit-testing and selection set operations (sorted unique Uint32Array in, out).

const BANDS = 64;

/**
 * Indices of the points inside a polygon (even-odd rule), sorted ascending.
 *
 * Only the grid's candidates inside the polygon's bounding box are tested, and the polygon's
 * edges are bucketed into horizontal bands so each point crosses only the edges of its band.
 *
 * @param {Float32Array} xy interleaved positions
 * @param {import("./spatial_grid.js").SpatialGrid} grid index over xy
 * @param {ArrayLike<number>} poly interleaved vertices x0 y0 x1 y1 … in data coordinates
 * @returns {Uint32Array}
 */
export function pointsInPolygon(xy, grid, poly) {
  const m = poly.length >> 1;
  if (m < 3) return new Uint32Array(0);
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let k = 0; k < m; k++) {
    const x = poly[2 * k],
      y = poly[2 * k + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0 && y1 >= y0)) return new Uint32Array(0);

  // Bucket edges (by index k: edge from vertex k to k+1) into the bands their y range spans.
  const bandH = (y1 - y0) / BANDS || 1;
  const counts = new Uint32Array(BANDS + 1);
  const bandOf = (y) => Math.min(BANDS - 1, Math.max(0, Math.floor((y - y0) / bandH)));
  for (let k = 0; k < m; k++) {
    const ya = poly[2 * k + 1],
      yb = poly[2 * ((k + 1) % m) + 1];
    const b0 = bandOf(Math.min(ya, yb)),
      b1 = bandOf(Math.max(ya, yb));
    for (let b = b0; b <= b1; b++) counts[b + 1]++;
  }
  for (let b = 0; b < BANDS; b++) counts[b + 1] += counts[b];
  const edges = new Uint32Array(counts[BANDS]);
  const fill = counts.slice(0, BANDS);
  for (let k = 0; k < m; k++) {
    const ya = poly[2 * k + 1],
      yb = poly[2 * ((k + 1) % m) + 1];
    const b0 = bandOf(Math.min(ya, yb)),
      b1 = bandOf(Math.max(ya, yb));
    for (let b = b0; b <= b1; b++) edges[fill[b]++] = k;
  }

  const out = [];
  grid.forEachCandidate(x0, y0, x1, y1, (i) => {
    const px = xy[2 * i],
      py = xy[2 * i + 1];
    if (px < x0 || px > x1 || py < y0 || py > y1) return;
    const b = bandOf(py);
    let inside = false;
    for (let e = counts[b], end = counts[b + 1]; e < end; e++) {
      const k = edges[e],
        j = (k + 1) % m;
      const xa = poly[2 * k],
        ya = poly[2 * k + 1],
        xb = poly[2 * j],
        yb = poly[2 * j + 1];
      if (ya > py !== yb > py && px < ((xb - xa) * (py - ya)) / (yb - ya) + xa) inside = !inside;
    }
    if (inside) out.push(i);
  });
  return Uint32Array.from(out).sort();
}

/**
 * Even-odd test of a single point, the reference the fast path must agree with.
 * @returns {boolean}
 */
export function pointInPolygon(px, py, poly) {
  const m = poly.length >> 1;
  let inside = false;
  for (let k = 0, j = m - 1; k < m; j = k++) {
    const xa = poly[2 * k],
      ya = poly[2 * k + 1],
      xb = poly[2 * j],
      yb = poly[2 * j + 1];
    if (ya > py !== yb > py && px < ((xb - xa) * (py - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

/**
 * Union of two sorted unique index lists.
 * @param {Uint32Array} a
 * @param {Uint32Array} b
 * @returns {Uint32Array}
 */
export function union(a, b) {
  const out = new Uint32Array(a.length + b.length);
  let i = 0,
    j = 0,
    k = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) out[k++] = a[i++];
    else if (b[j] < a[i]) out[k++] = b[j++];
    else {
      out[k++] = a[i++];
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out.slice(0, k);
}

/**
 * The selection with `index` added, or removed when it was already there.
 * @param {Uint32Array} sel sorted unique
 * @param {number} index
 * @returns {Uint32Array}
 */
export function toggle(sel, index) {
  let lo = 0,
    hi = sel.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sel[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  if (lo < sel.length && sel[lo] === index) {
    const out = new Uint32Array(sel.length - 1);
    out.set(sel.subarray(0, lo));
    out.set(sel.subarray(lo + 1), lo);
    return out;
  }
  const out = new Uint32Array(sel.length + 1);
  out.set(sel.subarray(0, lo));
  out[lo] = index;
  out.set(sel.subarray(lo), lo + 1);
  return out;
}
