"""The map as a picture, drawn in the kernel: the points as the page's map draws them (the
same size, colours and draw order), the selection over them, then the labels and the overlay
(``_snapshot_overlay``). A :class:`MapScene` holds what the picture shows; the widget makes
one from its state (``LatentExplorer.save_png``, and the ``image/png`` of its display data for
viewers that cannot run widgets)."""

from __future__ import annotations

import base64
import io
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from ._snapshot_overlay import Overlay, draw_labels, draw_overlay

if TYPE_CHECKING:
    from ._widget import LatentExplorer

View = tuple[float, float, float, float]  # x0, x1, y0, y1

# The page's selection: the others faded towards grey, the selected larger and outlined.
_FADE_GREY, _FADE_MIX, _FADE_ALPHA = 0.62 * 255, 0.55, 0.35
_OUTLINE = (20, 20, 26)
_BACKGROUND = (255, 255, 255)  # the light theme's map
MAX_PIXELS = 64_000_000  # a picture this big (8000 × 8000) is already ~200 MB of pixels
MAX_SIDE = 16_384


@dataclass(frozen=True)
class MapScene:
    """What a picture of the map shows, in the page's terms.

    ``points`` ``(n, 2)`` float32 map positions; ``colors`` ``(n, 3)`` uint8 RGB each is drawn
    in; ``selected`` ``(k,)`` point indices; ``view`` the data range shown; ``fit`` the view
    that shows the whole map (point sizes grow as the view zooms in against it); ``width`` and
    ``height`` the map's size in CSS pixels."""

    points: np.ndarray
    colors: np.ndarray
    view: View
    fit: View
    width: int
    height: int
    selected: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    overlay: Overlay = field(default_factory=Overlay)
    labels: list[str] | None = None  # each point's label, written when ``label_order`` is set
    label_order: np.ndarray | None = None


def with_aspect(view: View, width: float, height: float) -> View:
    """The view widened along one axis, about its centre, so both axes have equal units (as
    the page's ``withAspect``)."""
    x0, x1, y0, y1 = view
    ux, uy = (x1 - x0) / width, (y1 - y0) / height
    if ux > uy:
        mid = (y0 + y1) / 2
        return (x0, x1, mid - ux * height / 2, mid + ux * height / 2)
    mid = (x0 + x1) / 2
    return (mid - uy * width / 2, mid + uy * width / 2, y0, y1)


def point_size(n: int, zoom: float = 1.0) -> float:
    """A point's diameter in CSS pixels, as the page's ``pointSize``."""
    base = min(10.0, max(2.0, 26.0 * max(n, 1) ** -0.22))
    grow = min(2.5, max(1.0, max(zoom, 1.0) ** 0.3))
    return base * grow


def zoom_level(view: View, fit: View) -> float:
    """How many times ``view`` is magnified against ``fit`` (the page's ``zoomLevel``)."""
    zx = (fit[1] - fit[0]) / (view[1] - view[0])
    zy = (fit[3] - fit[2]) / (view[3] - view[2])
    return math.sqrt(zx * zy)


def check_scale(scale: Any, width: int, height: int) -> float:
    """``scale`` as a float: a positive finite number whose picture stays under the caps."""
    if isinstance(scale, bool) or not isinstance(scale, int | float | np.integer | np.floating):
        raise TypeError(f"scale must be a positive number (e.g. 2); got {scale!r}.")
    value = float(scale)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"scale must be a positive finite number (e.g. 2); got {scale!r}.")
    w, h = round(width * value), round(height * value)
    if w < 1 or h < 1:
        raise ValueError(
            f"scale {scale!r} makes a {width} × {height} map smaller than one pixel; use a "
            "larger scale."
        )
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        raise ValueError(
            f"scale {scale!r} makes a {w} × {h} pixel picture of the {width} × {height} map; "
            f"at most {MAX_SIDE} pixels a side and {MAX_PIXELS:,} in all: use a smaller scale."
        )
    return value


def render(scene: MapScene, scale: float = 1.0) -> Image.Image:
    """The map of ``scene`` as an RGB picture of ``width·scale × height·scale`` pixels."""
    scale = check_scale(scale, scene.width, scene.height)
    w, h = round(scene.width * scale), round(scene.height * scale)
    n = len(scene.points)
    size_css = point_size(n, zoom_level(scene.view, scene.fit))
    device = _device_xy(scene.points, scene.view, w, h)
    pixels = np.empty((h * w, 3), np.uint8)
    pixels[:] = _BACKGROUND
    selected = scene.selected[(scene.selected >= 0) & (scene.selected < n)]
    if len(selected):
        colors = _faded(scene.colors)
        _splat(pixels, w, h, device, colors, size_css * scale)
        ring = (1.25 * scale, np.array(_OUTLINE, np.uint8))
        sel_size = size_css * scale * 1.35 + 2.5 * scale
        _splat(pixels, w, h, device[selected], scene.colors[selected], sel_size, ring)
    else:
        _splat(pixels, w, h, device, scene.colors, size_css * scale)
    picture = Image.fromarray(pixels.reshape(h, w, 3), "RGB")
    labels_on = scene.labels is not None and scene.label_order is not None
    if labels_on and len(scene.label_order):  # type: ignore[arg-type]
        draw_labels(picture, scene, size_css / 2, scale)
    draw_overlay(picture, scene, size_css / 2, scale)
    return picture


def _device_xy(points: np.ndarray, view: View, w: int, h: int) -> np.ndarray:
    """Window coordinates of each point, as the page's vertex shader maps them: x from the
    left, y from the bottom (row 0 at the bottom), in device pixels."""
    x0, x1, y0, y1 = view
    xy = np.empty((len(points), 2), np.float32)
    xy[:, 0] = (points[:, 0] - np.float32(x0)) * np.float32(w / (x1 - x0))
    xy[:, 1] = (points[:, 1] - np.float32(y0)) * np.float32(h / (y1 - y0))
    return xy


def _faded(colors: np.ndarray) -> np.ndarray:
    """The colours of the points a selection leaves out, over the light background."""
    mixed = colors * (1 - _FADE_MIX) + _FADE_GREY * _FADE_MIX
    over = mixed * _FADE_ALPHA + np.array(_BACKGROUND) * (1 - _FADE_ALPHA)
    return np.clip(np.round(over), 0, 255).astype(np.uint8)


def _splat(
    pixels: np.ndarray,
    w: int,
    h: int,
    xy: np.ndarray,
    colors: np.ndarray,
    size: float,
    ring: tuple[float, np.ndarray] | None = None,
) -> None:
    """Draws discs of ``size`` device pixels into ``pixels`` (``(h·w, 3)``, row 0 at the top),
    later points over earlier ones: a pixel is a point's when its centre is within the point's
    circle (point_splat.js's rule). ``ring``: (width, colour) of an outline at each edge."""
    half = size / 2
    r2 = half * half
    inner2 = max(0.0, half - ring[0]) ** 2 if ring else r2
    keep = (
        (xy[:, 0] > -half - 1)
        & (xy[:, 0] < w + half + 1)
        & (xy[:, 1] > -half - 1)
        & (xy[:, 1] < h + half + 1)
    )
    index = np.flatnonzero(keep)
    if len(index) == 0:
        return
    cx, cy = xy[index, 0], xy[index, 1]
    # A point covers the pixels whose centres i + 0.5 lie in [cx - half, cx + half): columns
    # i0 … i1 (likewise rows), at most `span` of them, and of those the ones in its circle.
    i0 = np.ceil(cx - half - 0.5).astype(np.int32)
    j0 = np.ceil(cy - half - 0.5).astype(np.int32)
    i1 = np.ceil(cx + half - 0.5).astype(np.int32) - 1
    j1 = np.ceil(cy + half - 0.5).astype(np.int32) - 1
    span = math.ceil(size) + 1
    # Each pixel's winner is the last point drawn on it; 2·order + 1 marks its ring.
    winner = np.full(w * h, -1, np.int64)
    order = 2 * np.arange(len(index), dtype=np.int64)
    for dj in range(span):
        j = j0 + dj
        dy = j + np.float32(0.5) - cy
        rows = (j <= j1) & (j >= 0) & (j < h)
        for di in range(span):
            i = i0 + di
            dx = i + np.float32(0.5) - cx
            d2 = dx * dx + dy * dy
            hit = rows & (i <= i1) & (d2 <= r2) & (i >= 0) & (i < w)
            at = np.flatnonzero(hit)
            if len(at) == 0:
                continue
            flat = (h - 1 - j[at]).astype(np.int64) * w + i[at]  # row 0 is the top
            np.maximum.at(winner, flat, order[at] + (d2[at] > inner2))
    drawn = winner >= 0
    won = winner[drawn]
    pixels[drawn] = colors[index[won >> 1]]
    if ring:
        on_ring = np.flatnonzero(drawn)[(won & 1) == 1]
        pixels[on_ring] = ring[1]


DEFAULT_WIDTH = 640  # CSS px: the map's width in a notebook before any page reported its view


def widget_scene(widget: LatentExplorer) -> MapScene:
    """The scene a widget's map shows now: its reported view (else the whole map, as the page
    first fits it) at the widget's height, its colours, selection, groups, pins, anchor,
    marks, joined pins' path, axis titles, and its labels when ``show_labels`` is on."""
    height = int(widget.height)
    view = widget.view
    if view is None:
        width = DEFAULT_WIDTH
    else:  # one data unit is as long on x as on y: the view's shape is the map's
        width = round(height * (view[1] - view[0]) / (view[3] - view[2]))
        width = min(max(width, 50), 4 * DEFAULT_WIDTH)
    fit = with_aspect(widget.extent, width, height)
    points = np.asarray(widget.points, dtype=np.float32)
    palette = np.array([_rgb(c) for c in widget._palette] or [_rgb("")], np.uint8)
    codes = np.asarray(widget._codes, dtype=np.intp)
    if len(codes) < len(points):
        codes = np.zeros(len(points), np.intp)
    codes = np.where(codes < len(palette), codes, 0)  # the page's fallback: the first colour
    labels_on = widget.show_labels and len(widget._label_order) > 0
    overlay = Overlay(
        axis_titles=tuple(widget._axis_titles),
        pins=np.asarray(widget._pins, dtype=np.float64),
        anchor=tuple(widget._anchor_xy[:2]) if len(widget._anchor_xy) >= 2 else None,  # type: ignore[arg-type]
        marks=tuple(widget._marks),
        path=tuple((float(p[0]), float(p[1])) for p in widget._path if len(p) >= 2),
        groups=(np.asarray(widget._group_a), np.asarray(widget._group_b)),
    )
    return MapScene(
        points=points,
        colors=palette[codes],
        view=view if view is not None else fit,
        fit=fit,
        width=width,
        height=height,
        selected=widget._points_in(widget._selection),
        overlay=overlay,
        labels=widget._labelled_latents()[0] if labels_on else None,
        label_order=np.asarray(widget._label_order) if labels_on else None,
    )


def _rgb(text: str) -> tuple[int, int, int]:
    """ "#rrggbb" or "#rgb" as bytes; anything else the page's neutral blue."""
    s = str(text).strip().lstrip("#")
    if len(s) == 3:
        s = "".join(ch * 2 for ch in s)
    try:
        value = int(s, 16) if len(s) == 6 else -1
    except ValueError:
        value = -1
    if value < 0:
        return (59, 110, 168)
    return ((value >> 16) & 255, (value >> 8) & 255, value & 255)


def png_bytes(scene: MapScene, scale: float = 1.0) -> str:
    """The scene's picture as base64 PNG text (what display data carry)."""
    buffer = io.BytesIO()
    render(scene, scale).save(buffer, format="PNG", compress_level=3)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def picture_file(path: str | os.PathLike[str], scene: MapScene, scale: Any) -> Path:
    """Writes the scene's picture to ``path`` (a ``.png`` in a folder that exists) through a
    temporary file beside it: a failed write leaves any file already there as it was."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file name (str or Path); got {type(path).__name__}.")
    target = Path(path).expanduser()
    if target.suffix.lower() != ".png":
        raise ValueError(
            f"save_png writes a PNG: the file name must end in .png; got {str(path)!r}."
        )
    if target.is_dir():
        raise IsADirectoryError(f"cannot write the picture to {str(target)!r}: it is a folder.")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write the picture to {str(target)!r}: the folder {str(target.parent)!r} "
            "does not exist."
        )
    picture = render(scene, check_scale(scale, scene.width, scene.height))
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as file:
            temporary = Path(file.name)
            picture.save(file, format="PNG")
        os.replace(temporary, target)
    except OSError as error:
        if "temporary" in locals():
            temporary.unlink(missing_ok=True)
        raise OSError(
            f"cannot write the picture to {str(target)!r}: {error.strerror or error}."
        ) from error
    return target
