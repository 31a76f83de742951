// Small pure helpers for the operations bar and the preview panel: numbers as people read
// them, how far from the data a preview is, the walk slider's value, the placeholder of a
// non-linear map's axis pickers and the axes after one picker changes.

const PROJECTION_NAMES = {
  pca: "PCA",
  directions: "directions",
  tsne: "t-SNE",
  isomap: "Isomap",
  umap: "UMAP",
};

/**
 * A number as people read it: three decimals below 100, one from there, and with a `scale`
 * (the view's span, for a coordinate) at least the decimals that show a thousandth of it.
 * Anything smaller than that is 0: a spot on the axis of a map 60 wide is "0.000", not
 * "2.10e-6", and a map zoomed to 0.01 wide gets five decimals. Exponents only from 1e5 on, or
 * for a scale too small for 10 decimals.
 * @param {number} v
 * @param {number} [scale] the size of what `v` is read against
 * @returns {string}
 */
export function formatNumber(v, scale) {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const scaled = typeof scale === "number" && Number.isFinite(scale) && scale > 0;
  const needed = scaled ? Math.ceil(3 - Math.log10(scale) - 1e-9) : 0;
  if (a >= 1e5 || needed > 10) return a < scale * 1e-4 ? "0" : v.toExponential(2);
  const text = v.toFixed(Math.max(a >= 100 ? 1 : 3, needed));
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text; // no "-0.000"
}

/**
 * The off-data line of a preview: "0.8 × typical spacing from the data".
 * @param {{ratio?: number, off_data?: boolean} | null | undefined} distance
 * @returns {{text: string, offData: boolean} | null} null when the preview carries none
 */
export function distanceText(distance) {
  const ratio = distance?.ratio;
  if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0) return null;
  const shown = ratio >= 10 ? String(Math.round(ratio)) : ratio.toFixed(1);
  return { text: `${shown} × typical spacing from the data`, offData: distance.off_data === true };
}

/** A walk position for display: "+1.50", "−0.75" (a true minus sign), "0.00". */
export function formatWalk(t) {
  const v = Number(t);
  if (!Number.isFinite(v)) return "";
  const text = Math.abs(v).toFixed(2);
  if (text === "0.00") return text;
  return `${v > 0 ? "+" : "−"}${text}`;
}

/** The slider's value as the number sent to the kernel (no 0.15000000000000002). */
export function walkValue(text) {
  const v = Math.round(Number(text) * 100) / 100;
  return Number.isFinite(v) ? v : 0;
}

/** What the disabled axis pickers say for a map without linear axes ("t-SNE"). */
export function projectionLabel(projection) {
  return PROJECTION_NAMES[projection] ?? (projection ? String(projection) : "non-linear map");
}

/**
 * The axes after the user picks `name` for one of them. Picking the other axis's direction
 * swaps the two rather than asking for a degenerate map.
 * @param {string[]} axes the current [x, y]
 * @param {"x"|"y"} which
 * @param {string} name
 * @returns {[string, string]}
 */
export function axesAfterPick(axes, which, name) {
  const [x, y] = axes;
  if (which === "x") return [name, name === y ? x : y];
  return [name === x ? y : x, name];
}
