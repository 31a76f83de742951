// A uniform grid over the map positions, built once per `_points`, for picking and lasso.
//
// Points are counting-sorted into cells: `cellStart[c] .. cellStart[c+1]` indexes `items`,
// which holds point indices. Typed arrays only, so 1M points cost ~12 MB and no garbage.
// Non-finite positions are left out of the index (they are never drawn either).

const TARGET_PER_CELL = 4;
const MAX_CELLS_PER_AXIS = 2048;

export class SpatialGrid {
  /** @param {Float32Array} xy interleaved x0 y0 x1 y1 … (data coordinates) */
  constructor(xy) {
    this.xy = xy;
    const n = xy.length >> 1;
    // Three tight passes over typed arrays (bounds, cell counts, scatter): no per-point
    // objects, no closures; (v - v) === 0 is true exactly for finite v.
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    let finite = 0;
    for (let i = 0, k = 0; i < n; i++, k += 2) {
      const x = xy[k],
        y = xy[k + 1];
      if (x - x !== 0 || y - y !== 0) continue;
      finite++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (finite === 0) {
      minX = minY = 0;
      maxX = maxY = 1;
    }
    const w = Math.max(maxX - minX, 1e-12),
      h = Math.max(maxY - minY, 1e-12);
    // Cells roughly square in data units, about TARGET_PER_CELL points each on average.
    const cells = Math.max(1, finite / TARGET_PER_CELL);
    let nx = Math.round(Math.sqrt((cells * w) / h));
    nx = Math.min(MAX_CELLS_PER_AXIS, Math.max(1, nx));
    const ny = Math.min(MAX_CELLS_PER_AXIS, Math.max(1, Math.round(cells / nx)));

    this.n = n;
    this.bounds = { minX, minY, maxX, maxY, finite };
    this.nx = nx;
    this.ny = ny;
    this.minX = minX;
    this.minY = minY;
    const sx = nx / w, // cells per data unit
      sy = ny / h;
    this.sx = sx;
    this.sy = sy;

    // Counting sort by cell. Finite positions lie in [min, max], so the cell index is a
    // truncation clamped at the top (the same cell as cellX / cellY give).
    const cellOf = new Int32Array(n);
    const cellStart = new Uint32Array(nx * ny + 1);
    const lastX = nx - 1,
      lastY = ny - 1;
    for (let i = 0, k = 0; i < n; i++, k += 2) {
      const x = xy[k],
        y = xy[k + 1];
      if (x - x !== 0 || y - y !== 0) {
        cellOf[i] = -1;
        continue;
      }
      let cx = ((x - minX) * sx) | 0,
        cy = ((y - minY) * sy) | 0;
      if (cx > lastX) cx = lastX;
      if (cy > lastY) cy = lastY;
      const c = cy * nx + cx;
      cellOf[i] = c;
      cellStart[c + 1]++;
    }
    const total = nx * ny;
    for (let c = 0; c < total; c++) cellStart[c + 1] += cellStart[c];
    const fill = cellStart.slice(0, total);
    const items = new Uint32Array(finite);
    for (let i = 0; i < n; i++) {
      const c = cellOf[i];
      if (c >= 0) items[fill[c]++] = i;
    }
    this.cellStart = cellStart;
    this.items = items;
  }

  cellX(x) {
    const c = Math.floor((x - this.minX) * this.sx);
    return c < 0 ? 0 : c >= this.nx ? this.nx - 1 : c;
  }

  cellY(y) {
    const c = Math.floor((y - this.minY) * this.sy);
    return c < 0 ? 0 : c >= this.ny ? this.ny - 1 : c;
  }

  /**
   * Nearest point to (x, y) inside the ellipse of radii (rx, ry) in data units (a circle of r
   * pixels when rx, ry = r / pixels-per-unit of each axis). Ties go to the lower index.
   * @returns {number} point index, or -1 when none is that close
   */
  nearest(x, y, rx, ry) {
    if (!(rx > 0) || !(ry > 0) || this.items.length === 0) return -1;
    const xy = this.xy,
      start = this.cellStart,
      items = this.items;
    const cx0 = this.cellX(x - rx),
      cx1 = this.cellX(x + rx);
    const cy0 = this.cellY(y - ry),
      cy1 = this.cellY(y + ry);
    const ix = 1 / rx,
      iy = 1 / ry;
    let best = -1,
      bestD = 1;
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * this.nx + cx;
        for (let k = start[c], end = start[c + 1]; k < end; k++) {
          const i = items[k];
          const dx = (xy[2 * i] - x) * ix,
            dy = (xy[2 * i + 1] - y) * iy;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && (best < 0 || i < best))) {
            best = i;
            bestD = d;
          }
        }
      }
    }
    return best;
  }

  /**
   * Calls fn(i) for every point in the cells overlapping the box (a superset of the points
   * inside it; callers test exactly).
   */
  forEachCandidate(x0, y0, x1, y1, fn) {
    if (this.items.length === 0 || x1 < x0 || y1 < y0) return;
    const start = this.cellStart,
      items = this.items;
    const cx0 = this.cellX(x0),
      cx1 = this.cellX(x1);
    const cy0 = this.cellY(y0),
      cy1 = this.cellY(y1);
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * this.nx + cx;
        for (let k = start[c], end = start[c + 1]; k < end; k++) fn(items[k]);
      }
    }
  }

  /**
   * Indices of the points with x0 <= x <= x1 and y0 <= y <= y1, sorted ascending.
   * @returns {Uint32Array}
   */
  queryBox(x0, y0, x1, y1) {
    const xy = this.xy;
    const out = [];
    this.forEachCandidate(x0, y0, x1, y1, (i) => {
      const x = xy[2 * i],
        y = xy[2 * i + 1];
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) out.push(i);
    });
    return Uint32Array.from(out).sort();
  }
}
