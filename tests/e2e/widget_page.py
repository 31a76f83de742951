"""The widget as a page sees it: where data coordinates land, the preview's pixels, a lasso
drawn with the mouse. Shared by the end-to-end tests."""

from __future__ import annotations

import base64
import json

import numpy as np

QUICKSTART = (
    "%load_ext latent_magic\n"
    "from sklearn.datasets import load_digits\n"
    "from sklearn.decomposition import PCA\n"
    "X, y = load_digits(return_X_y=True)\n"
    "pca = PCA(n_components=16).fit(X)\n"
    "w = %latent explore pca --data X --labels y --image-shape 8,8"
)


#: The preview image's own pixels, read back from the page: ``{w, h, px}`` (px: the red
#: channel, row by row), or null before an image has loaded. Shared with the benchmarks.
PREVIEW_PIXELS_JS = """() => {
    const img = document.querySelector('.lm-preview img.lm-preview-image');
    if (!img || !img.complete || !img.naturalWidth) return null;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i]);
    return {w: c.width, h: c.height, px: out};
}"""

# A 2-D canvas's RGBA pixels as base64 (a JSON array of a map-sized canvas is megabytes).
CANVAS_RGBA_JS = """(selector) => {
    const c = document.querySelector(selector);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let text = '';
    for (let i = 0; i < d.length; i += 8192) {
      text += String.fromCharCode(...d.subarray(i, i + 8192));
    }
    return {w: c.width, h: c.height, b64: btoa(text)};
}"""


def open_map(
    open_notebook, cell: str, n_points: int, run_timeout: float = 180.0, draw_timeout: float = 60.0
):
    """A notebook of one cell that displays a widget: run, and its map drawn in full.
    Returns ``(nb, view)``."""
    nb = open_notebook([cell])
    nb.run_cell(0, timeout=run_timeout)
    view = MapView(nb)
    view.wait_drawn(n_points, timeout=draw_timeout)
    return nb, view


class MapView:
    """Where data coordinates land on the page, read from the widget's own data-view."""

    def __init__(self, nb):
        self.nb = nb
        self.root = nb.page.locator(".lm-root").first
        self.canvas = self.root.locator("canvas.lm-gl").first

    def wait_drawn(self, n_points: int, timeout: float = 60.0) -> None:
        self.nb.wait_for_js(
            """(n) => { const r = document.querySelector('.lm-root');
                        return r && Number(r.dataset.frames) > 0
                               && Number(r.dataset.drawn) === n; }""",
            n_points,
            timeout=timeout,
            what=f"the map to draw {n_points} points",
        )

    def attr(self, name: str) -> str | None:
        return self.root.get_attribute(f"data-{name}")

    def box(self) -> dict:
        return self.canvas.bounding_box()

    def view(self) -> dict:
        return json.loads(self.attr("view"))

    def to_page(self, xy: np.ndarray) -> np.ndarray:
        """Data (n, 2) → page pixels (n, 2)."""
        box, v = self.box(), self.view()
        xy = np.atleast_2d(xy)
        px = box["x"] + (xy[:, 0] - v["x0"]) / (v["x1"] - v["x0"]) * box["width"]
        py = box["y"] + (v["y1"] - xy[:, 1]) / (v["y1"] - v["y0"]) * box["height"]
        return np.stack([px, py], axis=1)

    def to_data(self, page_xy: np.ndarray) -> np.ndarray:
        box, v = self.box(), self.view()
        page_xy = np.atleast_2d(page_xy)
        x = v["x0"] + (page_xy[:, 0] - box["x"]) / box["width"] * (v["x1"] - v["x0"])
        y = v["y1"] - (page_xy[:, 1] - box["y"]) / box["height"] * (v["y1"] - v["y0"])
        return np.stack([x, y], axis=1)

    def empty_spots(self, points: np.ndarray, count: int, clearance: float = 25.0) -> np.ndarray:
        """Page positions inside the map at least ``clearance`` px from every point."""
        box = self.box()
        page_points = self.to_page(points)
        xs = np.linspace(box["x"] + 30, box["x"] + box["width"] - 30, 40)
        ys = np.linspace(box["y"] + 30, box["y"] + box["height"] - 30, 30)
        grid = np.array([(x, y) for x in xs for y in ys])
        distance = np.sqrt(((grid[:, None, :] - page_points[None]) ** 2).sum(-1)).min(axis=1)
        spots = grid[distance > clearance]
        assert len(spots) >= count, "no empty space found on the map"
        # Spread out: the first and the farthest from it, and so on.
        chosen = [spots[0]]
        while len(chosen) < count:
            d = np.min([np.hypot(*(spots - c).T) for c in chosen], axis=0)
            chosen.append(spots[int(np.argmax(d))])
        return np.array(chosen)

    def preview_pixels(self) -> np.ndarray:
        """The preview image's own pixels (grey), read back from the page."""
        # A kernel reply landing now swaps the image's source (its PNG copy follows 120 ms
        # later): wait for the image on display to have loaded, then read it.
        self.nb.wait_for_js(
            """() => { const img = document.querySelector('.lm-preview img.lm-preview-image');
                       return img !== null && img.complete && img.naturalWidth > 0; }""",
            what="the preview image to load",
        )
        data = self.nb.page.evaluate(PREVIEW_PIXELS_JS)
        assert data is not None, "no preview image has loaded"
        return np.array(data["px"], dtype=np.uint8).reshape(data["h"], data["w"])

    def points(self, widget: str = "w") -> np.ndarray:
        """The widget's map positions ``(n, 2)``, from the kernel."""
        return np.array(self.nb.kernel.eval(f"{widget}.points.tolist()"))

    def canvas_rgba(self, selector: str) -> np.ndarray:
        """``(h, w, 4)`` uint8: what a 2-D canvas of the page shows."""
        data = self.nb.page.evaluate(CANVAS_RGBA_JS, selector)
        flat = np.frombuffer(base64.b64decode(data["b64"]), dtype=np.uint8)
        return flat.reshape(data["h"], data["w"], 4)

    def caption_ink(self) -> list[int]:
        """Painted pixels in each row of the preview's caption (coordinates, then distance):
        the caption is drawn in a canvas, so this is what a user sees of it."""
        rgba = self.canvas_rgba(".lm-preview-caption canvas")
        rows = self.nb.page.evaluate(
            "() => getComputedStyle(document.querySelector('.lm-preview-caption'))"
            ".getPropertyValue('--lm-caption-rows')"
        )
        return [int((band[..., 3] > 64).sum()) for band in np.array_split(rgba, int(rows))]

    def decoded_pixels(self, page_xy, value_range=(-1.0, 1.0), widget: str = "w") -> np.ndarray:
        """The grey pixels the kernel's ``decode_at`` gives at a page position, scaled like
        the preview (value_range to 0..255, rounded half up)."""
        x, y = self.to_data(page_xy)[0]
        call = f"{widget}.decode_at({float(x)!r}, {float(y)!r}).tolist()"
        decoded = np.squeeze(np.array(self.nb.kernel.eval(call), dtype=float))
        lo, hi = value_range
        return (np.clip((decoded - lo) / (hi - lo), 0, 1) * 255 + 0.5).astype(np.uint8)

    def hover(self, page_xy) -> str:
        """Move the mouse there; wait until a newer preview is painted; return its id."""
        before = self.attr("preview-id")
        self.nb.page.mouse.move(float(page_xy[0]), float(page_xy[1]), steps=4)
        self.nb.wait_for_js(
            """(before) => { const r = document.querySelector('.lm-root');
                             const img = r.querySelector('img.lm-preview-image');
                             return r.dataset.previewId && r.dataset.previewId !== before
                                    && img && img.complete && img.naturalWidth > 0; }""",
            before,
            what="a new preview image after moving the mouse",
        )
        # The browser keeps one request in flight; settle on the final position's reply.
        self.nb.page.wait_for_timeout(300)
        return self.attr("preview-id")


def lasso(nb, view, polygon_page, shift=False):
    nb.page.locator('.lm-root button[data-tool="lasso"]').click()
    mouse = nb.page.mouse
    if shift:
        nb.page.keyboard.down("Shift")
    mouse.move(*polygon_page[0])
    mouse.down()
    for x, y in polygon_page[1:]:
        mouse.move(float(x), float(y), steps=5)
    mouse.move(*polygon_page[0], steps=5)
    mouse.up()
    if shift:
        nb.page.keyboard.up("Shift")


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), bool)
    j = len(polygon) - 1
    for i in range(len(polygon)):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        crosses = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (xj - xi) * (y - yi) / (yj - yi) + xi
        inside ^= crosses & (x < at)
        j = i
    return inside
