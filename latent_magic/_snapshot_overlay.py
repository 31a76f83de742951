"""What the kernel's picture of the map draws over the points, as the page's overlay and
labels canvases do (js/overlay.js, js/map_labels.js), in the light theme: grid lines and tick
values, axis titles, the rings of groups A and B, the joined pins' path, labelled marks, the
anchor and the pins; and the points' labels, placed greedily in the kernel's order without
overlapping. Lengths are CSS pixels, drawn ``scale`` times larger."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from ._snapshot import MapScene

# The light theme's colours (JupyterLab's --jp-ui-font-color1/2 over white).
FG, MUTED, BG = (33, 33, 33), (117, 117, 117), (255, 255, 255)
GROUP_COLORS = ((232, 89, 12), (11, 138, 122))
MARK_COLOR, PATH_COLOR, ANCHOR_COLOR = (30, 136, 229), (240, 140, 0), (214, 39, 40)
PIN_FILL, PIN_EDGE = (255, 204, 51), (17, 17, 17)
MAX_GROUP_RINGS = 4000
# The labels' layout (map_labels.js): font, box, gap, spread cells, budgets.
LABEL_PX, BOX_H, GAP_PX = 11, 11 + 3, 3
SPREAD_W, SPREAD_H = 72, 2 * (11 + 3)
BUCKET_PX, MAX_LABELS, MAX_TRIES = 48, 400, 6000


@dataclass(frozen=True)
class Overlay:
    """The kernel's marks on the map: ``pins`` ``(m, 2)``, ``anchor`` ``(x, y)`` or None,
    ``marks`` ``[{"x", "y", "label"}]``, ``path`` ``[[x, y], …]``, ``groups`` the point
    indices of groups A and B, ``axis_titles`` ``[x, y]``."""

    axis_titles: tuple[str, ...] = ()
    pins: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    anchor: tuple[float, float] | None = None
    marks: tuple[dict[str, Any], ...] = ()
    path: tuple[tuple[float, float], ...] = ()
    groups: tuple[np.ndarray, ...] = ()


@functools.cache
def font(px: float, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A sans-serif font of ``px`` pixels: DejaVu Sans where the system has it (it writes
    most scripts and arrows), else Pillow's own."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, max(1, round(px)))
    except OSError:
        return ImageFont.load_default(size=max(1, round(px)))


def _arrows() -> tuple[str, str]:
    """→ and ↑, or ASCII where only Pillow's own font (no arrows) is there."""
    face = font(11)
    named = isinstance(face, ImageFont.FreeTypeFont) and (face.getname()[0] or "")
    return ("→", "↑") if named and named.startswith("DejaVu") else ("->", "^")


def nice_ticks(a: float, b: float, count: int) -> tuple[list[float], float]:
    """Round tick values covering [a, b]: steps of 1, 2 or 5 × 10^k (overlay.js niceTicks)."""
    lo, hi = min(a, b), max(a, b)
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [], 0.0
    raw = span / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    f = raw / mag
    step = (1 if f < 1.5 else 2 if f < 3 else 5 if f < 7 else 10) * mag
    values, v = [], math.ceil(lo / step) * step
    while v <= hi + step * 1e-9:
        values.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return values, step


def format_tick(v: float, step: float) -> str:
    """A tick value with as many decimals as the step needs (overlay.js formatTick)."""
    s = step if math.isfinite(step) and step > 0 else abs(v) or 1
    value = 0.0 if abs(v) < s * 1e-6 else v
    decimals = -math.floor(math.log10(s) + 1e-9)
    if abs(value) >= 1e5 or decimals > 8:
        return "0" if value == 0 else f"{value:.1e}"
    text = f"{value:.{max(0, decimals)}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


class _Canvas:
    """ImageDraw in CSS pixels: positions and widths times ``scale``."""

    def __init__(self, picture: Image.Image, scene: MapScene, scale: float) -> None:
        self.draw = ImageDraw.Draw(picture, "RGBA")
        self.scale = scale
        self.w, self.h = scene.width, scene.height
        x0, x1, y0, y1 = scene.view
        self.sx, self.sy = self.w / (x1 - x0), self.h / (y1 - y0)
        self.x0, self.y1 = x0, y1

    def px(self, x: Any) -> Any:
        """CSS x of map x (a number or an array)."""
        return (x - self.x0) * self.sx

    def py(self, y: Any) -> Any:
        return (self.y1 - y) * self.sy

    def line(self, points: list[tuple[float, float]], color: Any, width: float) -> None:
        k = self.scale
        xy = [(x * k, y * k) for x, y in points]
        self.draw.line(xy, fill=color, width=max(1, round(width * k)), joint="curve")

    def circle(self, x: float, y: float, r: float, color: Any, width: float) -> None:
        k = self.scale
        self.draw.ellipse(
            [(x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k],
            outline=color,
            width=max(1, round(width * k)),
        )

    def dot(self, x: float, y: float, r: float, color: Any) -> None:
        k = self.scale
        self.draw.ellipse([(x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k], fill=color)

    def text(
        self, x: float, y: float, text: str, size: float, color: Any, anchor: str, bold: bool
    ) -> None:
        """Text with a halo in the background colour, legible over any point."""
        k = self.scale
        self.draw.text(
            (x * k, y * k),
            text,
            fill=color,
            font=font(size * k, bold),
            anchor=anchor,
            stroke_width=max(1, round(1.5 * k)),
            stroke_fill=BG,
        )


def draw_overlay(picture: Image.Image, scene: MapScene, radius: float, scale: float) -> None:
    """The overlay canvas's picture (without what follows the pointer: hover, cursor, lasso)."""
    c = _Canvas(picture, scene, scale)
    o = scene.overlay
    _axes(c, scene)
    for g, indices in enumerate(o.groups):
        color = GROUP_COLORS[g % len(GROUP_COLORS)]
        for x, y in _in_view(c, scene.points, indices, radius + 2.5):
            c.circle(x, y, radius + 2.5, color, 1.5)
    if o.anchor is not None and all(map(math.isfinite, o.anchor)):
        _anchor(c, c.px(o.anchor[0]), c.py(o.anchor[1]))
    for m in o.marks:
        x, y = m.get("x"), m.get("y")
        if isinstance(x, int | float) and isinstance(y, int | float):
            _mark(c, c.px(x), c.py(y), str(m.get("label") or ""))
    if len(o.path) >= 2:
        points = [(c.px(x), c.py(y)) for x, y in o.path]
        c.line(points, BG, 4)
        c.line(points, PATH_COLOR, 2)
        for x, y in points:
            c.dot(x, y, 3, PATH_COLOR)
    for x, y in np.asarray(o.pins, dtype=np.float64).reshape(-1, 2):
        _star(c, c.px(x), c.py(y), 8)


def _in_view(c: _Canvas, points: np.ndarray, indices: np.ndarray, r: float) -> np.ndarray:
    """CSS positions of the group's points inside the map (the first few thousand)."""
    idx = indices[indices < len(points)].astype(np.intp)
    xy = np.column_stack([c.px(points[idx, 0]), c.py(points[idx, 1])])
    inside = (xy[:, 0] >= -r) & (xy[:, 1] >= -r) & (xy[:, 0] <= c.w + r) & (xy[:, 1] <= c.h + r)
    return xy[inside][:MAX_GROUP_RINGS]


def _axes(c: _Canvas, scene: MapScene) -> None:
    w, h = c.w, c.h
    x0, x1, y0, y1 = scene.view
    xs, xstep = nice_ticks(x0, x1, max(2, round(w / 100)))
    ys, ystep = nice_ticks(y0, y1, max(2, round(h / 70)))
    grid = (0, 0, 0, round(255 * 0.16 * 0.54))  # the muted colour at 16 %
    for t in xs:
        x = round(c.px(t)) + 0.5
        c.line([(x, 0), (x, h)], grid, 1)
    for t in ys:
        y = round(c.py(t)) + 0.5
        c.line([(0, y), (w, y)], grid, 1)
    titles = [*scene.overlay.axis_titles, "", ""]
    right, up = _arrows()
    x_title = f"{titles[0]} {right}" if titles[0] else ""
    room = w - 36 - (font(11, True).getlength(x_title) if x_title else 0)
    for t in xs:
        x = c.px(t)
        if 30 <= x <= room:
            c.text(x + 3, h - 3, format_tick(t, xstep), 10, MUTED, "ld", False)
    for t in ys:
        y = c.py(t)
        if 30 <= y <= h - 16:
            c.text(4, y - 2, format_tick(t, ystep), 10, MUTED, "ld", False)
    if x_title:
        c.text(w - 6, h - 4, x_title, 11, FG, "rd", True)
    if titles[1]:
        c.text(6, 6, f"{up} {titles[1]}", 11, FG, "la", True)


def _anchor(c: _Canvas, x: float, y: float) -> None:
    for color, width in (((255, 255, 255, 230), 4), (ANCHOR_COLOR, 2)):
        c.circle(x, y, 7, color, width)
        c.line([(x - 11, y), (x + 11, y)], color, width)
        c.line([(x, y - 11), (x, y + 11)], color, width)


def _mark(c: _Canvas, x: float, y: float, label: str) -> None:
    c.circle(x, y, 6, BG, 4.5)
    c.circle(x, y, 6, MARK_COLOR, 2)
    if label:
        c.text(x + 10, y, label, 11, FG, "lm", True)


def _star(c: _Canvas, x: float, y: float, r: float) -> None:
    k = c.scale
    corners = []
    for n in range(10):
        a = -math.pi / 2 + n * math.pi / 5
        rr = r if n % 2 == 0 else r * 0.45
        corners.append(((x + rr * math.cos(a)) * k, (y + rr * math.sin(a)) * k))
    c.draw.polygon(corners, fill=PIN_FILL, outline=PIN_EDGE, width=max(1, round(1.5 * k)))


def draw_labels(picture: Image.Image, scene: MapScene, radius: float, scale: float) -> None:
    """The points' labels, as many as fit without overlapping, in the kernel's order."""
    texts, order = scene.labels, scene.label_order
    if texts is None or order is None:
        return
    c = _Canvas(picture, scene, scale)
    measure = font(LABEL_PX)
    boxes = place_labels(
        scene.points,
        order,
        texts,
        c,
        radius,
        lambda i: measure.getlength(texts[i]) + 2,
    )
    for i, x, y, _w, h in boxes:
        c.text(x + 1, y + h / 2, texts[i], LABEL_PX, FG, "lm", False)


def place_labels(
    points: np.ndarray,
    order: np.ndarray,
    texts: list[str],
    c: _Canvas,
    radius: float,
    width_of: Any,
) -> list[tuple[int, float, float, float, float]]:
    """Boxes ``(i, x, y, w, h)`` (CSS px, top left) of the labels placed: first the first
    point in order of each label-sized cell of the view (so labels spread over it), then the
    rest in order; each beside its point, right, left, above or below, where it overlaps none
    placed before (map_labels.js's placeLabels, without its budgets' bookkeeping)."""
    order = order[order < len(points)].astype(np.intp)
    px, py = c.px(points[order, 0]), c.py(points[order, 1])
    inside = (px >= 0) & (px <= c.w) & (py >= 0) & (py <= c.h)
    order, px, py = order[inside], px[inside], py[inside]
    cols, rows = math.ceil(c.w / SPREAD_W), math.ceil(c.h / SPREAD_H)
    cell = np.minimum(py // SPREAD_H, rows - 1) * cols + np.minimum(px // SPREAD_W, cols - 1)
    firsts = np.sort(np.unique(cell, return_index=True)[1])
    rest = np.setdiff1d(np.arange(len(order)), firsts, assume_unique=True)[:MAX_TRIES]
    placed: list[tuple[int, float, float, float, float]] = []
    buckets: dict[tuple[int, int], list[int]] = {}

    def free(x: float, y: float, w: float, h: float) -> bool:
        if x < 0 or y < 0 or x + w > c.w or y + h > c.h:
            return False
        for key in _cells(x, y, w, h):
            for j in buckets.get(key, ()):
                _, bx, by, bw, bh = placed[j]
                if x < bx + bw and bx < x + w and y < by + bh and by < y + h:
                    return False
        return True

    def place(i: int, x: float, y: float) -> None:
        w, h = width_of(i), BOX_H
        r = radius + GAP_PX
        v = max(r, h / 2 + 1)
        for bx, by in ((x + r, y - h / 2), (x - r - w, y - h / 2), (x - w / 2, y - v - h)):
            if free(bx, by, w, h):
                break
        else:
            bx, by = x - w / 2, y + v
            if not free(bx, by, w, h):
                return
        for key in _cells(bx, by, w, h):
            buckets.setdefault(key, []).append(len(placed))
        placed.append((i, bx, by, w, h))

    for k in (*firsts, *rest):
        i = int(order[k])
        if i < len(texts) and texts[i]:
            place(i, float(px[k]), float(py[k]))
            if len(placed) >= MAX_LABELS:
                break
    return placed


def _cells(x: float, y: float, w: float, h: float) -> list[tuple[int, int]]:
    return [
        (r, col)
        for r in range(math.floor(y / BUCKET_PX), math.floor((y + h) / BUCKET_PX) + 1)
        for col in range(math.floor(x / BUCKET_PX), math.floor((x + w) / BUCKET_PX) + 1)
    ]
