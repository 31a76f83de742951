"""Labels → compact colour codes, a palette and a legend for the map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Tableau 10 then 10 lighter tones: distinct for the common case of ≤ 20 classes.
_CATEGORY_COLORS = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#f1ce63",
    "#86bcb6", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
]  # fmt: skip
# Viridis as matplotlib draws it: every fifth of its 256 colours (0, 5, …, 255), so the
# 256 codes of a continuous label interpolate back to within 1/255 of matplotlib's own, and
# a notebook's `scatter(c=values, cmap="viridis")` has the widget's colours.
_VIRIDIS_STOPS = [
    "#440154", "#46085c", "#471063", "#481769", "#481d6f", "#482475", "#472a7a",
    "#46307e", "#453781", "#433d84", "#414287", "#3f4889", "#3d4e8a", "#3a538b",
    "#38598c", "#355e8d", "#33638d", "#31688e", "#2e6d8e", "#2c718e", "#2a768e",
    "#297b8e", "#27808e", "#25848e", "#23898e", "#218e8d", "#20928c", "#1f978b",
    "#1e9c89", "#1fa188", "#21a585", "#24aa83", "#28ae80", "#2eb37c", "#35b779",
    "#3dbc74", "#46c06f", "#50c46a", "#5ac864", "#65cb5e", "#70cf57", "#7cd250",
    "#89d548", "#95d840", "#a2da37", "#b0dd2f", "#bddf26", "#cae11f", "#d8e219",
    "#e5e419", "#f1e51d", "#fde725",
]  # fmt: skip
MAX_CATEGORIES = 65536
_CONTINUOUS_MIN_UNIQUE = 24  # numeric labels with more distinct values get a colour scale
# Labels that name each point (words of a table) are for hovering, not for colouring.
_ALL_UNIQUE_MAX_LEGEND = 20


@dataclass
class LabelColors:
    codes: np.ndarray  # (n,) uint8 or uint16
    palette: list[str]
    legend: dict[str, Any]


def label_colors(labels: Any, n: int, title: str = "label") -> LabelColors:
    """Colour codes for ``labels`` (one per row); ``n`` rows are expected.

    Numbers with many distinct values get a continuous scale; anything else is categorical.
    """
    if labels is None:
        return _no_colors()
    values = np.asarray(labels)
    if values.ndim != 1 or len(values) != n:
        raise ValueError(
            f"labels must have one value per row of data ({n}); got shape {values.shape}."
        )
    title = str(getattr(labels, "name", None) or title)
    numeric = values.dtype.kind in "iuf"
    if numeric and len(np.unique(values)) > _CONTINUOUS_MIN_UNIQUE:
        return _continuous(values.astype(np.float64), title)
    return _categorical(values, title)


def _categorical(values: np.ndarray, title: str) -> LabelColors:
    if values.dtype.kind == "O":
        values = values.astype(str)  # np.unique cannot order mixed Python objects
    names, codes = np.unique(values, return_inverse=True)
    if len(names) > MAX_CATEGORIES or (len(names) == len(values) > _ALL_UNIQUE_MAX_LEGEND):
        # Too many to colour apart (e.g. one word per point): one colour, labels on hover.
        return _no_colors()
    dtype = np.uint8 if len(names) <= 256 else np.uint16
    palette = [_category_color(i) for i in range(len(names))]
    legend = {"kind": "category", "title": title, "names": [str(v) for v in names]}
    return LabelColors(codes.astype(dtype), palette, legend)


def _continuous(values: np.ndarray, title: str) -> LabelColors:
    finite = np.isfinite(values)
    lo = float(values[finite].min()) if finite.any() else 0.0
    hi = float(values[finite].max()) if finite.any() else 1.0
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    # Binned as matplotlib's colormaps bin: 256 equal bins, the maximum in the last one.
    codes = np.minimum(np.clip(np.nan_to_num(scaled), 0, 1) * 256, 255).astype(np.uint8)
    legend = {"kind": "continuous", "title": title, "min": lo, "max": hi}
    return LabelColors(codes, viridis(256), legend)


def _no_colors() -> LabelColors:
    return LabelColors(np.zeros(0, np.uint8), [_CATEGORY_COLORS[0]], {"kind": "none"})


def _category_color(i: int) -> str:
    if i < len(_CATEGORY_COLORS):
        return _CATEGORY_COLORS[i]
    # Golden-ratio hue steps keep neighboring codes apart for any number of classes.
    hue = (i * 0.618033988749895) % 1.0
    return _hsv_hex(hue, 0.55 + 0.3 * ((i // 7) % 2), 0.85)


def viridis(n: int) -> list[str]:
    stops = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for c in _VIRIDIS_STOPS], float)
    positions = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, n)
    rgb = np.stack([np.interp(t, positions, stops[:, k]) for k in range(3)], axis=1)
    return [_rgb_hex(*row) for row in rgb]


def _hsv_hex(h: float, s: float, v: float) -> str:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return _rgb_hex(r * 255, g * 255, b * 255)


def _rgb_hex(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(x) for x in (r, g, b)))
