"""The widget as a page sees it: where data coordinates land, the preview's pixels, a lasso
drawn with the mouse. Shared by the end-to-end tests."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image

QUICKSTART = (
    "%load_ext latent_magic\n"
    "from sklearn.datasets import load_digits\n"
    "from sklearn.decomposition import PCA\n"
    "X, y = load_digits(return_X_y=True)\n"
    "pca = PCA(n_components=16).fit(X)\n"
    "w = %latent explore pca --data X --labels y --image-shape 8,8"
)


#: The preview image's own pixels, read back from the page: ``{w, h, px}`` (px: the first
#: ``channels`` channels, default 1 (red), pixel by pixel, row by row), or null before an
#: image has loaded. Shared with the benchmarks.
PREVIEW_PIXELS_JS = """(channels) => {
    const n = channels || 1;  // Playwright passes null when no argument is given
    const img = document.querySelector('.lm-preview img.lm-preview-image');
    if (!img || !img.complete || !img.naturalWidth) return null;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < n; k++) out.push(d[i + k]);
    return {w: c.width, h: c.height, px: out};
}"""

# A 2-D canvas's RGBA pixels as base64 (a JSON array of a map-sized canvas is megabytes).
#: The pixels of each picture of the walk's or the joined pins' strip: ``[{w, h, px}]`` (RGBA).
STRIP_PIXELS_JS = """() =>
    [...document.querySelectorAll('.lm-root .lm-strip canvas.lm-strip-image')].map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return {w: c.width, h: c.height, px: Array.from(d.data)};
    })"""

CANVAS_RGBA_JS = """(selector) => {
    const c = document.querySelector(selector);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let text = '';
    for (let i = 0; i < d.length; i += 8192) {
      text += String.fromCharCode(...d.subarray(i, i + 8192));
    }
    return {w: c.width, h: c.height, b64: btoa(text)};
}"""


# The Backbone model behind the `index`-th `.lm-root` of the notebook: the JupyterLab output
# is a tree of Lumino widgets, and ipywidgets' widget for a view keeps the view (`_view`),
# whose element holds the root. Kept as window.__lmModels[index]; returns its model id.
MODEL_OF_ROOT_JS = """({path, index}) => {
    const root = document.querySelectorAll('.lm-root')[index];
    const stack = [window.__e2ePanel(path)];
    while (stack.length) {
        const w = stack.pop();
        if (!w) continue;
        if (w._view && w._view.el === root.parentElement) {
            window.__lmModels = window.__lmModels || {};
            window.__lmModels[index] = w._view.model;
            return w._view.model.model_id;
        }
        if (typeof w.children === 'function') stack.push(...Array.from(w.children()));
    }
    return null;
}"""

# Records every message the model's comm is asked to send, before the comm sends (or refuses)
# it: {method, type} each, in window.__lmSent[index].
COUNT_SENDS_JS = """(index) => {
    const comm = window.__lmModels[index].comm;
    const log = [];
    window.__lmSent = window.__lmSent || {};
    window.__lmSent[index] = log;
    const send = comm.send;
    comm.send = function (data, ...rest) {
        log.push({method: data && data.method, type: data && data.content && data.content.type});
        return send.call(this, data, ...rest);
    };
}"""

# The map canvas as the frame that next draws every point left it. The canvas keeps no
# drawing buffer (preserveDrawingBuffer: false): after the frame is composited, reading it
# gives nothing. So requestAnimationFrame is wrapped, and the canvas is copied right after the
# animation-frame callback in which the widget drew its points (data-frames went up and
# data-frame-kind is "points"), in the same task. Resolves window.__lmMapPicture with a PNG
# data URL and that frame's data-view.
CAPTURE_MAP_JS = """(index) => {
    const root = document.querySelectorAll('.lm-root')[index];
    const canvas = root.querySelector('.lm-map canvas.lm-gl');
    const original = window.requestAnimationFrame;
    window.__lmMapPicture = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            window.requestAnimationFrame = original;
            reject(new Error('no frame drew the points within 60 s'));
        }, 60000);
        window.requestAnimationFrame = (callback) => original.call(window, (t) => {
            const frames = Number(root.dataset.frames);
            callback(t);
            if (Number(root.dataset.frames) > frames && root.dataset.frameKind === 'points') {
                window.requestAnimationFrame = original;
                clearTimeout(timer);
                resolve({png: canvas.toDataURL('image/png'), view: JSON.parse(root.dataset.view),
                         cssWidth: canvas.clientWidth, cssHeight: canvas.clientHeight});
            }
        });
    });
}"""


def occupancy(
    page_xy: np.ndarray, width: float, height: float, grid=(24, 16), margin: float = 0.0
) -> np.ndarray:
    """``(rows, cols)`` bool: the grid cells over a ``width`` × ``height`` canvas that hold a
    point of ``page_xy`` (canvas pixels), each cell grown by ``margin`` pixels on every side."""
    cols, rows = grid
    x0 = np.arange(cols) * width / cols - margin
    x1 = (np.arange(cols) + 1) * width / cols + margin
    y0 = np.arange(rows) * height / rows - margin
    y1 = (np.arange(rows) + 1) * height / rows + margin
    x, y = page_xy[:, 0], page_xy[:, 1]
    in_col = (x[:, None] >= x0) & (x[:, None] < x1)  # (n, cols)
    in_row = (y[:, None] >= y0) & (y[:, None] < y1)  # (n, rows)
    return (in_row.T.astype(np.int32) @ in_col.astype(np.int32)) > 0


def painted_cells(rgba: np.ndarray, grid=(24, 16)) -> np.ndarray:
    """``(rows, cols)`` bool: the grid cells of a picture with a painted (non-transparent)
    pixel; the map canvas is transparent where nothing is drawn."""
    cols, rows = grid
    h, w = rgba.shape[:2]
    ink = rgba[..., 3] > 0
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    return np.array(
        [
            [ink[ys[r] : ys[r + 1], xs[c] : xs[c + 1]].any() for c in range(cols)]
            for r in range(rows)
        ]
    )


def points_painted_report(
    rgba: np.ndarray,
    view: dict,
    points: np.ndarray,
    css_size: tuple[float, float],
    grid=(24, 16),
    margin: float = 8.0,
    tolerance: float = 0.02,
) -> str:
    """Compares a picture of the map with where its points must be: the points, through the
    picture's data-view, on a ``grid`` of cells. Every cell holding a point must be painted
    and every cell with no point within ``margin`` CSS px (a point's radius) must not be,
    but for a fraction ``tolerance`` of each. Returns '' when they agree, else what differs.
    """
    css_w, css_h = css_size
    h, w = rgba.shape[:2]
    x = (points[:, 0] - view["x0"]) / (view["x1"] - view["x0"]) * css_w
    y = (view["y1"] - points[:, 1]) / (view["y1"] - view["y0"]) * css_h
    shown = (x >= 0) & (x < css_w) & (y >= 0) & (y < css_h)
    xy = np.stack([x, y], axis=1)[shown]
    held = occupancy(xy, css_w, css_h, grid)
    near = occupancy(xy, css_w, css_h, grid, margin=margin)
    painted = painted_cells(rgba, grid)
    problems = []
    if held.sum() < 10:
        problems.append(f"only {held.sum()} cells hold points: the check would say little")
    unpainted = held & ~painted
    if unpainted.sum() > tolerance * held.sum():
        problems.append(f"{unpainted.sum()} of {held.sum()} cells holding points are blank")
    empty = ~near
    stray = empty & painted
    if stray.sum() > tolerance * max(empty.sum(), 1):
        problems.append(f"{stray.sum()} of {empty.sum()} cells without points are painted")
    if not problems:
        return ""

    def rows(cells):
        return "\n".join("".join(c for c in row) for row in cells)

    legend = np.where(held & painted, "#", np.where(held, "o", np.where(painted, "x", ".")))
    return (
        f"the map's pixels ({w}x{h}) disagree with its {shown.sum()} points in view: "
        + "; ".join(problems)
        + "\n(# points and paint, o points but blank, x paint but no points, . neither)\n"
        + rows(legend)
    )


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


def spread_out(spots: np.ndarray, count: int) -> np.ndarray:
    """``count`` of the page positions ``spots``, spread out: the first, the farthest from it,
    the farthest from both, and so on."""
    chosen = [spots[0]]
    while len(chosen) < count:
        distance = np.min([np.hypot(*(spots - c).T) for c in chosen], axis=0)
        chosen.append(spots[int(np.argmax(distance))])
    return np.array(chosen)


class MapView:
    """Where data coordinates land on the page, read from the widget's own data-view."""

    def __init__(self, nb, index: int = 0):
        self.nb = nb
        self.index = index
        self.root = nb.page.locator(".lm-root").nth(index)
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
        return spread_out(spots, count)

    def lonely_points(self, points: np.ndarray, count: int) -> np.ndarray:
        """Page positions of ``count`` points inside the map, each as far from every other
        point as can be, so that the cursor picks exactly it (loneliest first)."""
        page = self.to_page(points)
        box = self.box()
        inside = np.flatnonzero(
            (page[:, 0] > box["x"] + 20)
            & (page[:, 0] < box["x"] + box["width"] - 20)
            & (page[:, 1] > box["y"] + 20)
            & (page[:, 1] < box["y"] + box["height"] - 20)
        )
        gaps = np.hypot(*(page[inside][:, None] - page[None]).transpose(2, 0, 1))
        gaps[np.arange(len(inside)), inside] = np.inf
        return page[inside[np.argsort(-gaps.min(axis=1))[:count]]]

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

    def model_id(self) -> str:
        """The id of this view's widget model (the kernel's ``Widget.model_id``)."""
        model_id = self.nb.page.evaluate(
            MODEL_OF_ROOT_JS, {"path": self.nb.path, "index": self.index}
        )
        assert model_id, "no widget model found for this .lm-root"
        return model_id

    def widget(self) -> str:
        """A kernel expression for this view's widget, whatever its name in the notebook."""
        return f"__import__('ipywidgets').widgets.widget._instances[{self.model_id()!r}]"

    def count_sends(self) -> None:
        """From now on, record every message this view's model gives its comm to send (read
        them with :meth:`sent`): what the page asks, counted outside the widget's code."""
        self.model_id()
        self.nb.page.evaluate(COUNT_SENDS_JS, self.index)

    def sent(self) -> list[dict]:
        """``[{method, type}]`` given to the comm since :meth:`count_sends` (custom messages
        have method ``custom`` and the request's ``type``; trait syncs ``update``)."""
        return self.nb.page.evaluate("(i) => window.__lmSent[i].slice()", self.index)

    def map_picture(self) -> tuple[np.ndarray, dict, tuple[float, float]]:
        """What the map canvas shows: ``(rgba (h, w, 4), data-view, (css width, css height))``,
        read from the frame that draws every point (kept as ``map-canvas-<index>.png`` among
        the test's artefacts). A wheel step too small to see (0.2 %) moves the view, so a
        fresh frame of all points comes (after the zoom settles)."""
        self.root.scroll_into_view_if_needed()
        self.nb.page.evaluate(CAPTURE_MAP_JS, self.index)
        box = self.box()
        self.nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.nb.page.mouse.wheel(0, -1)
        shot = self.nb.page.evaluate("() => window.__lmMapPicture")
        png = base64.b64decode(shot["png"].split(",", 1)[1])
        self.nb.artifact_dir.mkdir(parents=True, exist_ok=True)
        (self.nb.artifact_dir / f"map-canvas-{self.index}.png").write_bytes(png)
        rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
        return rgba, shot["view"], (shot["cssWidth"], shot["cssHeight"])

    def assert_points_painted(self, points: np.ndarray | None = None) -> np.ndarray:
        """The map's own pixels agree with where the kernel's points must be
        (:func:`points_painted_report`). Returns the picture."""
        if points is None:
            points = np.array(self.nb.kernel.eval(f"{self.widget()}.points.tolist()"))
        rgba, view, css = self.map_picture()
        report = points_painted_report(rgba, view, points, css)
        assert report == "", report
        return rgba

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


def set_theme(nb, name: str) -> None:
    """Switch JupyterLab's theme (e.g. "JupyterLab Dark") and let the page repaint."""
    nb.page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name
    )
    nb.wait_for_js("(t) => document.body.dataset.jpThemeName === t", name, what=f"the theme {name}")
    nb.page.wait_for_timeout(400)


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


def assert_quickstart_point_preview(nb, view) -> None:
    """On the quickstart's digits map: hovering its loneliest point (so the cursor picks
    exactly it) shows the kernel's preview of that point, its label, its input's pixels and
    the pixels of its reconstruction beside them."""
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    labels = nb.kernel.eval("w.labels.tolist()")
    (spot,) = view.lonely_points(points, 1)
    index = int(np.argmin(np.hypot(*(view.to_page(points) - spot).T)))
    view.hover(spot)
    assert view.root.locator(".lm-preview-title").inner_text() == f"{labels[index]} · row {index}"

    # The point's input (left), a gap, and what the model makes of it (right).
    def scaled(values) -> np.ndarray:
        return (np.clip(np.array(values) / 16, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(8, 8)

    shown = view.preview_pixels()
    assert shown.shape == (8, 17)
    np.testing.assert_allclose(shown[:, :8], scaled(nb.kernel.eval(f"X[{index}].tolist()")), atol=2)
    own = nb.kernel.eval(f"pca.inverse_transform(w.latents[[{index}]])[0].tolist()")
    np.testing.assert_allclose(shown[:, 9:], scaled(own), atol=2)
