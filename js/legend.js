// The colour legend (categories or a continuous bar) and the status line under the map.

import { el } from "./dom.js";

function fmt(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v ?? "");
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/**
 * Fills `root` with the legend for `_legend` and `_palette`.
 * @param {HTMLElement} root
 * @param {{kind?: string, title?: string, names?: string[], min?: number, max?: number}} legend
 * @param {string[]} palette
 */
export function renderLegend(root, legend, palette) {
  root.replaceChildren();
  const kind = legend?.kind ?? "none";
  root.hidden = kind === "none";
  if (kind === "none") return;
  if (legend.title) root.append(el("div", "lm-legend-title", String(legend.title)));

  if (kind === "category") {
    const names = Array.isArray(legend.names) ? legend.names : [];
    const list = el("div", "lm-legend-list");
    if (names.length > 12) list.classList.add("lm-legend-scroll");
    names.forEach((name, i) => {
      const item = el("div", "lm-legend-item");
      const swatch = el("span", "lm-swatch");
      swatch.style.background = palette[i] ?? "#888";
      const label = el("span", "lm-legend-name", String(name));
      label.title = String(name);
      item.append(swatch, label);
      list.append(item);
    });
    root.append(list);
  } else if (kind === "continuous") {
    const bar = el("div", "lm-colorbar");
    const stops = [];
    const k = Math.max(1, palette.length - 1);
    const steps = Math.min(16, palette.length);
    for (let s = 0; s < steps; s++) {
      const i = Math.round((s / Math.max(1, steps - 1)) * k);
      stops.push(`${palette[i] ?? "#888"} ${((i / k) * 100).toFixed(1)}%`);
    }
    bar.style.background =
      stops.length > 1
        ? `linear-gradient(to right, ${stops.join(", ")})`
        : (stops[0]?.split(" ")[0] ?? "#888");
    const ends = el("div", "lm-colorbar-ends");
    ends.append(el("span", "", fmt(legend.min)), el("span", "", fmt(legend.max)));
    root.append(bar, ends);
  }
}
