// Small opaque points rasterised by JavaScript into an RGBA buffer, for software WebGL.
//
// On a CPU rasteriser (SwiftShader, llvmpipe: a machine or VM without a GPU) WebGL pays a
// large fixed cost per point: ~0.7 s for a million. A plain loop writing each point's few
// pixels costs a few tens of ms. The rule is the point shader's for points under 5 device
// px (solid, no soft rim, opaque, later points over earlier ones): the pixels whose centres
// fall in the point's square and within its circle, so the picture is the one WebGL draws.
// Selected points (larger, outlined) are drawn the same way with a hard edge instead of the
// shader's soft one.

/** Points this size (device px) and larger have a soft rim: WebGL draws those. */
export const SPLAT_MAX_SIZE = 5;

/**
 * Draws points into `out` (RGBA bytes, w × h, row 0 at the bottom like a GL texture).
 * @param {Float32Array} positions interleaved x, y
 * @param {Uint8Array|Uint16Array|null} codes colour code per point (null: code 0)
 * @param {Uint32Array} colors RGBA bytes per code, one 32-bit word each (a view of the bytes)
 * @param {{x0: number, x1: number, y0: number, y1: number}} view data range of the buffer
 * @param {number} w
 * @param {number} h
 * @param {number} size point diameter in device pixels
 * @param {Uint8Array} out w × h × 4 bytes, cleared here
 * @param {{indices?: Uint32Array|null, outline?: number, outlineColor?: number}} [options]
 *   `indices`: draw only these points (a selection); `outline`: a ring this many pixels
 *   wide in `outlineColor` (packed like `colors`) at the edge of each disc
 * @returns {number} number of points inside the view
 */
export function splatPoints(positions, codes, colors, view, w, h, size, out, options = {}) {
  const pixels = new Uint32Array(out.buffer, out.byteOffset, w * h);
  pixels.fill(0);
  const indices = options.indices ?? null;
  const n = indices === null ? positions.length >> 1 : indices.length;
  const sx = w / (view.x1 - view.x0),
    sy = h / (view.y1 - view.y0);
  const half = size / 2;
  const r2 = half * half;
  const inner = Math.max(0, half - (options.outline ?? 0));
  const inner2 = options.outline ? inner * inner : r2;
  const ring = options.outlineColor ?? 0;
  const fallback = colors.length > 0 ? colors[0] : 0xffa86e3b;
  let inside = 0;
  for (let q = 0; q < n; q++) {
    const k = indices === null ? q : indices[q];
    // Window coordinates of the centre, as the vertex shader's clip position maps them.
    const cx = (positions[2 * k] - view.x0) * sx;
    const cy = (positions[2 * k + 1] - view.y0) * sy;
    // Pixel centres i + 0.5 in [cx - half, cx + half), likewise for rows.
    const i0 = Math.max(0, Math.ceil(cx - half - 0.5));
    const i1 = Math.min(w - 1, Math.ceil(cx + half - 0.5) - 1);
    const j0 = Math.max(0, Math.ceil(cy - half - 0.5));
    const j1 = Math.min(h - 1, Math.ceil(cy + half - 0.5) - 1);
    if (!(i0 <= i1 && j0 <= j1)) continue; // outside the buffer (or NaN)
    inside++;
    const code = codes === null ? 0 : codes[k];
    const color = code < colors.length ? colors[code] : fallback;
    for (let j = j0; j <= j1; j++) {
      const dy = j + 0.5 - cy;
      const row = j * w;
      for (let i = i0; i <= i1; i++) {
        const dx = i + 0.5 - cx;
        const d2 = dx * dx + dy * dy;
        if (d2 <= r2) pixels[row + i] = d2 > inner2 ? ring : color;
      }
    }
  }
  return inside;
}
