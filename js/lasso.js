// Lasso hit-testing and selection set operations (sorted unique Uint32Array in, out).

const MIN_BANDS = 64;
const MAX_BANDS = 4096;

/**
 * Indices of the points inside a polygon (even-odd rule), sorted ascending.
 *
 * Only the grid's candidates inside the polygon's bounding box are tested (a cell row's
 * candidates are one contiguous run of the grid's items), and the polygon's edges are
 * bucketed into horizontal bands (about one band per vertex) so each point crosses only the
 * few edges of its band. Typed arrays throughout; large results are ordered by a flag scan
 * instead of a sort. 1M points with 70k inside: a few milliseconds.
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
  if (!(x1 >= x0 && y1 >= y0) || grid.items.length === 0) return new Uint32Array(0);

  // Bucket edges (edge k: vertex k to k+1) into the bands their y range spans; each band
  // lists its edges' endpoints (xa ya xb yb) so the inner loop reads one flat array.
  const bands = Math.min(MAX_BANDS, Math.max(MIN_BANDS, m));
  const bandH = (y1 - y0) / bands || 1;
  const invH = 1 / bandH;
  const last = bands - 1;
  const counts = new Uint32Array(bands + 1);
  const bandLo = new Int32Array(m),
    bandHi = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const ya = poly[2 * k + 1],
      yb = poly[2 * ((k + 1) % m) + 1];
    let b0 = Math.floor((Math.min(ya, yb) - y0) * invH),
      b1 = Math.floor((Math.max(ya, yb) - y0) * invH);
    b0 = b0 < 0 ? 0 : Math.min(b0, last);
    b1 = b1 < 0 ? 0 : Math.min(b1, last);
    bandLo[k] = b0;
    bandHi[k] = b1;
    for (let b = b0; b <= b1; b++) counts[b + 1]++;
  }
  for (let b = 0; b < bands; b++) counts[b + 1] += counts[b];
  const edges = new Float64Array(4 * counts[bands]);
  const fill = counts.slice(0, bands);
  for (let k = 0; k < m; k++) {
    const j = (k + 1) % m;
    for (let b = bandLo[k]; b <= bandHi[k]; b++) {
      const e = 4 * fill[b]++;
      edges[e] = poly[2 * k];
      edges[e + 1] = poly[2 * k + 1];
      edges[e + 2] = poly[2 * j];
      edges[e + 3] = poly[2 * j + 1];
    }
  }

  // Parity (even-odd) at one spot of the bounding box, through the band's edges.
  const insideAt = (px, py) => {
    let b = Math.floor((py - y0) * invH);
    b = b < 0 ? 0 : Math.min(b, last);
    let inside = false;
    for (let e = 4 * counts[b], eEnd = 4 * counts[b + 1]; e < eEnd; e += 4) {
      const xa = edges[e],
        ya = edges[e + 1],
        xb = edges[e + 2],
        yb = edges[e + 3];
      if (ya > py !== yb > py && px < ((xb - xa) * (py - ya)) / (yb - ya) + xa) inside = !inside;
    }
    return inside;
  };

  // Cells an edge passes through (widened by a sliver of a cell against rounding) are
  // "boundary" cells whose points are tested one by one. No edge crosses any other cell, so
  // the parity is the same everywhere in it: its centre's parity decides for all its points.
  const start = grid.cellStart,
    items = grid.items,
    nx = grid.nx,
    gx = grid.minX,
    gy = grid.minY,
    sx = grid.sx,
    sy = grid.sy;
  const cx0 = grid.cellX(x0),
    cx1 = grid.cellX(x1),
    cy0 = grid.cellY(y0),
    cy1 = grid.cellY(y1);
  const cols = cx1 - cx0 + 1,
    rows = cy1 - cy0 + 1;
  const boundary = new Uint8Array(cols * rows);
  const epsX = 0.01 / sx,
    epsY = 0.01 / sy;
  for (let k = 0; k < m; k++) {
    const j = (k + 1) % m;
    const xa = poly[2 * k],
      ya = poly[2 * k + 1],
      xb = poly[2 * j],
      yb = poly[2 * j + 1];
    const r0 = Math.max(cy0, Math.floor((Math.min(ya, yb) - epsY - gy) * sy)),
      r1 = Math.min(cy1, Math.floor((Math.max(ya, yb) + epsY - gy) * sy));
    for (let r = r0; r <= r1; r++) {
      // The part of the edge inside this row's y range (widened).
      const lo = gy + r / sy - epsY,
        hi = gy + (r + 1) / sy + epsY;
      let ex0 = xa,
        ex1 = xb;
      if (ya !== yb) {
        let t0 = (lo - ya) / (yb - ya),
          t1 = (hi - ya) / (yb - ya);
        if (t0 > t1) [t0, t1] = [t1, t0];
        t0 = Math.max(t0, 0);
        t1 = Math.min(t1, 1);
        if (t0 > t1) continue;
        ex0 = xa + (xb - xa) * t0;
        ex1 = xa + (xb - xa) * t1;
      }
      if (ex0 > ex1) [ex0, ex1] = [ex1, ex0];
      const c0 = Math.max(cx0, Math.floor((ex0 - epsX - gx) * sx)),
        c1 = Math.min(cx1, Math.floor((ex1 + epsX - gx) * sx));
      const rowBase = (r - cy0) * cols - cx0;
      for (let c = c0; c <= c1; c++) boundary[rowBase + c] = 1;
    }
  }

  let candidates = 0;
  for (let cy = cy0; cy <= cy1; cy++) {
    candidates += start[cy * nx + cx1 + 1] - start[cy * nx + cx0];
  }
  const out = new Uint32Array(candidates);
  let count = 0;
  for (let cy = cy0; cy <= cy1; cy++) {
    const rowBase = (cy - cy0) * cols - cx0;
    const midY = gy + (cy + 0.5) / sy;
    let runInside = false,
      inRun = false;
    for (let cx = cx0; cx <= cx1; cx++) {
      const c = cy * nx + cx;
      const from = start[c],
        to = start[c + 1];
      if (boundary[rowBase + cx] === 0) {
        // Parity is constant along a run of edge-free cells in a row.
        if (!inRun) {
          const midX = gx + (cx + 0.5) / sx;
          runInside = midX >= x0 && midX <= x1 && midY >= y0 && midY <= y1 && insideAt(midX, midY);
          inRun = true;
        }
        if (runInside) for (let k = from; k < to; k++) out[count++] = items[k];
        continue;
      }
      inRun = false;
      for (let k = from; k < to; k++) {
        const i = items[k];
        const px = xy[2 * i],
          py = xy[2 * i + 1];
        if (px < x0 || px > x1 || py < y0 || py > y1) continue;
        if (insideAt(px, py)) out[count++] = i;
      }
    }
  }
  return sortIndices(out.subarray(0, count), grid.n);
}

/**
 * The indices (unique, each < n) in ascending order: a flag scan when they are many, a sort
 * when they are few.
 * @param {Uint32Array} found
 * @param {number} n
 * @returns {Uint32Array}
 */
function sortIndices(found, n) {
  const count = found.length;
  if (count * 16 < n) return found.slice().sort();
  const flags = new Uint8Array(n);
  for (let k = 0; k < count; k++) flags[found[k]] = 1;
  const out = new Uint32Array(count);
  for (let i = 0, k = 0; k < count; i++) if (flags[i] === 1) out[k++] = i;
  return out;
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
