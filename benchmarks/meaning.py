"""A map that shows its meaning (issue 14): the labels written on a million points, and the
decoded atlas, measured in a real JupyterLab with headless Chromium (the e2e harness).

* **Labels.** ``explore(PCA(4).fit(X), X, labels=[f"w{i}" ...])`` on ``N`` points with ``N``
  distinct labels (written on the map: ``w.show_labels`` is True). Pan frames with the labels
  on, and with them off (the reference, same widget); the page's own placement time
  (``data-labels-ms``) for settled views: the full view, zoomed in, panned, zoomed in deep;
  against matplotlib writing the same labels over the same view (``ax.text`` each, drawn).
* **Atlas.** A 12 × 8 atlas of 32 × 32 images from a small torch generator: decoded in the
  kernel (a conv decoder: the page gets no decoder chain) and in the page (an MLP: the kernel
  sends its chain). Settle → painted is the atlas layer's own ``shown.ms`` (``data-atlas``);
  against decoding the same 96 tile centres one hover at a time, as the page's hover does:
  96 sequential ``decode`` requests, each reply's image decoded before the next is sent.

* **Pictures.** ``explore(PCA(16).fit(X), X, image_shape=(28, 28))`` on 100,000 images made
  in the kernel, zoomed in until each view holds few enough points that the page draws their
  pictures. Pan frames with the pictures drawn, and with them off (the reference); a tour of
  settled views over the map: the settle frame, the frame that paints the reply's pictures,
  settle → painted (the pictures' canvas's ``data-shown``), the pictures held
  (``data-cached``) and the page's memory; the kernel answering a request for 400.

``measure_labels``, ``measure_thumbnails`` and ``measure_atlas`` each open their own notebook
(own kernel) and close it. ``rows`` renders the report's table rows.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, field

from .browser import Lab, _why, med

#: The issue's targets for this group.
TARGETS = {
    "pan_ms": 16.0,
    "labels_ms": 30.0,
    "atlas_kernel_ms": 300.0,
    "atlas_page_ms": 60.0,
    "thumbs_ms": 20.0,
}

ROOT = "document.querySelector('.lm-root')"

# ------------------------------------------------------------------------------------------
# Labels on a million points
# ------------------------------------------------------------------------------------------

LABELS_CELLS = [
    (
        "import numpy as np, time, latent_magic\n"
        "from sklearn.decomposition import PCA\n"
        "rng = np.random.default_rng(0)\n"
        "N = __N__\n"
        "X = (rng.normal(size=(N, 8)) * np.linspace(3, 0.5, 8)).astype(np.float32)\n"
        "LABELS = [f'w{i}' for i in range(N)]  # N distinct words\n"
        "pca = PCA(4).fit(X)\n"
        "\n"
        "def diy_labels(view, indices, width, height):\n"
        "    '''matplotlib writes the same labels over the same view: ms.'''\n"
        "    from matplotlib.figure import Figure\n"
        "    from matplotlib.backends.backend_agg import FigureCanvasAgg\n"
        "    t0 = time.perf_counter()\n"
        "    fig = Figure(figsize=(width / 100, height / 100), dpi=100)\n"
        "    FigureCanvasAgg(fig)\n"
        "    ax = fig.add_axes([0, 0, 1, 1])\n"
        "    ax.set_xlim(view['x0'], view['x1'])\n"
        "    ax.set_ylim(view['y0'], view['y1'])\n"
        "    ax.axis('off')\n"
        "    P = w.points\n"
        "    for i in indices:\n"
        "        ax.text(P[i, 0], P[i, 1], LABELS[i], fontsize=7.9, va='center')\n"
        "    fig.canvas.draw()\n"
        "    return (time.perf_counter() - t0) * 1000\n"
    ),
    "w = latent_magic.explore(pca, X, labels=LABELS)\nw",
]

#: The labels placed for a settled view (not a frame of a pan or zoom under way): resolves
#: once ``data-view`` differs from ``view`` (a view changed) or, given ``labels``,
#: ``data-labels`` differs from it (the labels switched on again at the same view).
PLACED_JS = """({view, labels}) => {
    const d = document.querySelector('.lm-root').dataset;
    if (d.labels === undefined || d.frameKind === 'cached') return null;
    if (view !== null && d.view === view) return null;
    if (labels !== null && d.labels === labels) return null;
    return {labels: d.labels, ms: Number(d.labelsMs), view: d.view};
}"""

#: Wheel steps (×1.82 each) to "zoomed in" from the full view (4: ×11), and on to "deep"
#: from there (4 more: ×121).
ZOOM_STEPS = {"zoomed": 4, "deep": 4}


@dataclass
class LabelsResult:
    n: int
    show_labels: bool | None = None
    first_ms: float | None = None  # the first placement (text widths not measured yet)
    first_count: int | None = None
    place_ms: dict[str, list[float]] = field(default_factory=dict)  # view kind -> ms
    place_count: dict[str, list[int]] = field(default_factory=dict)
    diy_ms: dict[str, list[float]] = field(default_factory=dict)
    pan_on_ms: list[float] = field(default_factory=list)  # outside in, labels on
    pan_on_attr_ms: list[float] = field(default_factory=list)  # data-frame-ms
    pan_on_kinds: list[str] = field(default_factory=list)
    pan_off_ms: list[float] = field(default_factory=list)
    pan_off_attr_ms: list[float] = field(default_factory=list)
    pan_off_kinds: list[str] = field(default_factory=list)
    settle_on_ms: float | None = None  # the full redraw after the pan (labels placed in it)
    settle_off_ms: float | None = None
    followed: bool | None = None  # the labels canvas had a transform mid-pan
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "n": self.n,
            "show_labels": self.show_labels,
            "first_ms": self.first_ms,
            "first_count": self.first_count,
            "place_ms": {k: med(v) for k, v in self.place_ms.items()},
            "place_max_ms": {k: max(v) for k, v in self.place_ms.items() if v},
            "place_count": {k: med(v) for k, v in self.place_count.items()},
            "diy_ms": {k: med(v) for k, v in self.diy_ms.items()},
            "pan_on_ms": med(self.pan_on_ms),
            "pan_on_attr_ms": med(self.pan_on_attr_ms),
            "pan_on_kinds": sorted(set(self.pan_on_kinds)),
            "pan_off_ms": med(self.pan_off_ms),
            "pan_off_attr_ms": med(self.pan_off_attr_ms),
            "pan_off_kinds": sorted(set(self.pan_off_kinds)),
            "settle_on_ms": self.settle_on_ms,
            "settle_off_ms": self.settle_off_ms,
            "followed": self.followed,
            "raw": {
                "place_ms": self.place_ms,
                "place_count": self.place_count,
                "diy_ms": self.diy_ms,
                "pan_on_ms": self.pan_on_ms,
                "pan_on_attr_ms": self.pan_on_attr_ms,
                "pan_off_ms": self.pan_off_ms,
                "pan_off_attr_ms": self.pan_off_attr_ms,
            },
            "errors": self.errors,
        }


def _timeout_for(n: int) -> float:
    return 60 + n / 1_000_000 * 120


def _map_box(nb) -> dict:
    nb.page.evaluate(f"() => {ROOT}.scrollIntoView({{block: 'start'}})")
    nb.page.wait_for_timeout(100)
    return nb.page.locator(".lm-root canvas.lm-gl").first.bounding_box()


def _labels_now(nb) -> str | None:
    return nb.page.evaluate(f"() => {ROOT}.dataset.labels")


def _view_now(nb) -> str:
    return nb.page.evaluate(f"() => {ROOT}.dataset.view")


def _wait_placed(
    nb, view: str | None = None, labels: str | None = None, timeout: float = 30.0
) -> dict:
    """The labels placed for the view once it has settled at a view other than ``view`` (or
    with labels other than ``labels``). Should a slow page have settled between two wheel
    steps too, the last placement is the settled view's (the map settles 150 ms after the last
    motion; 400 ms without a newer view or placement ends the wait)."""
    got = nb.wait_for_js(
        PLACED_JS,
        {"view": view, "labels": labels},
        timeout=timeout,
        what="the labels placed for the settled view",
    )
    while True:
        nb.page.wait_for_timeout(400)
        now = nb.page.evaluate(PLACED_JS, {"view": None, "labels": None})
        if now and now["view"] == got["view"] and now["labels"] == got["labels"]:
            break
        if now:
            got = now
    got["indices"] = [p[0] for p in json.loads(got["labels"])]
    got["view"] = json.loads(got["view"])
    return got


def _record(res: LabelsResult, kind: str, got: dict, samples: dict) -> None:
    res.place_ms.setdefault(kind, []).append(got["ms"])
    res.place_count.setdefault(kind, []).append(len(got["indices"]))
    samples.setdefault(kind, []).append(got)


def measure_labels(lab: Lab, n: int, pan_steps: int, cycles: int) -> LabelsResult:
    res = LabelsResult(n)
    timeout = _timeout_for(n)
    nb = lab.open([LABELS_CELLS[0].replace("__N__", str(n)), LABELS_CELLS[1]], f"labels-{n}")
    samples: dict[str, list[dict]] = {}
    try:
        nb.run_cell(0, timeout=timeout)
        nb.run_cell(1, timeout=timeout)
        nb.wait_for_js(
            "(n) => { const r = document.querySelector('.lm-root');"
            " return r && Number(r.dataset.drawn) >= n; }",
            n,
            timeout=timeout,
            what=f"{n:,} points drawn",
        )
        res.show_labels = bool(nb.kernel.eval("w.show_labels"))
        if not res.show_labels:
            raise RuntimeError("w.show_labels is False: the labels are not written")
        first = _wait_placed(nb, timeout=timeout)
        res.first_ms, res.first_count = first["ms"], len(first["indices"])
        box = _map_box(nb)
        width, height = box["width"], box["height"]
        lab.log(f"    labels {n:,}: first placement {first['ms']:.1f} ms, {res.first_count} labels")

        # -- pan frames, labels on, then off (the reference) -----------------------------
        try:
            (res.pan_on_ms, res.pan_on_attr_ms, res.pan_on_kinds, res.settle_on_ms, seen) = _pan(
                nb, pan_steps, timeout, watch="canvas.lm-labels"
            )
            res.followed = seen
            nb.kernel.execute("w.show_labels = False")
            nb.wait_for_js(
                f"() => {ROOT}.dataset.labels === undefined", timeout=30, what="labels off"
            )
            (res.pan_off_ms, res.pan_off_attr_ms, res.pan_off_kinds, res.settle_off_ms, _) = _pan(
                nb, pan_steps, timeout, watch=None
            )
            lab.log(
                f"    labels {n:,}: pan frame on {med(res.pan_on_attr_ms):.1f} ms "
                f"(outside in {med(res.pan_on_ms):.1f}), off {med(res.pan_off_attr_ms):.1f} ms "
                f"(outside in {med(res.pan_off_ms):.1f})"
            )
        except Exception as e:
            res.errors["pan"] = _why(e)
            lab.log(f"    labels {n:,}: pan failed: {_why(e)}")
        # The pans moved the view: back to the full view (labels off), then the labels on
        # again, placed anew for the full view.
        view = _view_now(nb)
        nb.page.locator('.lm-root [data-action="reset-view"]').click()
        nb.wait_for_js(
            f"(v) => {ROOT}.dataset.view !== v && {ROOT}.dataset.frameKind !== 'cached'",
            view,
            timeout=30,
            what="the full view again",
        )
        if _labels_now(nb) is None:
            nb.kernel.execute("w.show_labels = True")
            _record(res, "full", _wait_placed(nb, timeout=timeout), samples)

        # -- placement over settled views: zoomed in, panned, zoomed in deep, full ------------
        try:
            page = nb.page
            cx, cy = box["x"] + width / 2, box["y"] + height / 2
            for _ in range(cycles):
                view = _view_now(nb)
                page.mouse.move(cx, cy)
                for _ in range(ZOOM_STEPS["zoomed"]):
                    page.mouse.wheel(0, -300)
                    page.wait_for_timeout(30)
                _record(res, "zoomed", _wait_placed(nb, view, timeout=timeout), samples)
                _record(res, "panned", _drag(nb, cx, cy, 120, 70, timeout), samples)
                view = _view_now(nb)
                page.mouse.move(cx, cy)
                for _ in range(ZOOM_STEPS["deep"]):
                    page.mouse.wheel(0, -300)
                    page.wait_for_timeout(30)
                _record(res, "deep", _wait_placed(nb, view, timeout=timeout), samples)
                view = _view_now(nb)
                page.locator('.lm-root [data-action="reset-view"]').click()
                _record(res, "full", _wait_placed(nb, view, timeout=timeout), samples)
            lab.log(
                f"    labels {n:,}: placement "
                + ", ".join(f"{k} {med(v):.1f} ms" for k, v in res.place_ms.items())
            )
        except Exception as e:
            res.errors["place"] = _why(e)
            lab.log(f"    labels {n:,}: placement failed: {_why(e)}")

        # -- the do-it-yourself way: matplotlib writes the same labels over the same view ------
        try:
            for kind, got_list in samples.items():
                for got in got_list:
                    ms = nb.kernel.eval(
                        f"diy_labels({got['view']!r}, {got['indices']!r}, {width!r}, {height!r})",
                        timeout=120,
                    )
                    res.diy_ms.setdefault(kind, []).append(ms)
            lab.log(
                f"    labels {n:,}: matplotlib "
                + ", ".join(f"{k} {med(v):.1f} ms" for k, v in res.diy_ms.items())
            )
        except Exception as e:
            res.errors["diy"] = _why(e)
            lab.log(f"    labels {n:,}: matplotlib failed: {_why(e)}")
    except Exception as e:
        res.errors["setup"] = _why(e)
        lab.log(f"    labels {n:,}: failed: {_why(e)}")
        with contextlib.suppress(Exception):
            nb.screenshot(f"failed-labels-{n}")
    finally:
        nb.close(shutdown_kernel=True)
    return res


def _drag(nb, cx: float, cy: float, dx: float, dy: float, timeout: float) -> dict:
    """Pans the map by a drag from its centre; returns the labels placed once it settles."""
    view = _view_now(nb)
    page = nb.page
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + dx, cy + dy, steps=6)
    page.mouse.up()
    return _wait_placed(nb, view, timeout=timeout)


def _pan(nb, steps: int, timeout: float, watch: str | None):
    """The pan measure of browser.py (``_pan``): per drag step, mouse move dispatched → the
    frame it caused complete; and latent_magic's own frame log. Returns (outside-in ms,
    data-frame-ms, frame kinds, the full redraw once settled, whether the canvas ``watch``
    (a selector in the map, e.g. ``canvas.lm-labels``) followed the view by a transform
    mid-pan)."""
    page = nb.page
    page.evaluate(f"() => {{ {ROOT}.dataset.measure = ''; }}")
    box = _map_box(nb)
    cx, cy = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    outside, attr, kinds = [], [], []
    followed = False
    page.mouse.move(cx, cy)
    page.mouse.down()
    try:
        for i in range(steps + 2):
            if i == 2:
                page.evaluate("() => window.__bench.logFrames()")
            page.evaluate("() => window.__bench.armPan()")
            page.mouse.move(cx + 5 * (i + 1), cy + 3 * (i + 1))
            ms = nb.wait_for_js(
                "() => window.__bench.pan && window.__bench.pan.ms",
                timeout=timeout,
                what="the frame after a drag step",
                interval=0.005,
            )
            if i >= 2:
                outside.append(ms)
            if watch and i == steps // 2:
                followed = bool(
                    page.evaluate(
                        f"(sel) => {ROOT}.querySelector(sel).style.transform !== ''", watch
                    )
                )
    finally:
        page.mouse.up()
    t_up = page.evaluate("() => performance.now()")
    for f in page.evaluate("() => window.__bench.frames"):
        if f["t"] < t_up:
            attr.append(f["ms"])
            kinds.append(f["kind"])
    settle = nb.wait_for_js(
        "(t) => window.__bench.frames.find((f) => f.kind === 'points' && f.t > t - 50)",
        t_up,
        timeout=timeout,
        what="the full redraw after the pan settles",
    )
    return outside, attr, kinds, settle["ms"], followed


# ------------------------------------------------------------------------------------------
# The decoded atlas: kernel (conv decoder) and page (MLP chain)
# ------------------------------------------------------------------------------------------

ATLAS_CELLS = [
    (
        "import numpy as np, time, latent_magic, torch\n"
        "from torch import nn\n"
        "torch.manual_seed(0)\n"
        "class MLP(nn.Module):  # dense: the kernel sends the page its chain\n"
        "    nz = 2\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 512),\n"
        "                                 nn.ReLU(), nn.Linear(512, 1024), nn.Tanh())\n"
        "    def forward(self, z):\n"
        "        return self.net(z.reshape(len(z), -1)).reshape(len(z), 1, 32, 32)\n"
        "class Conv(nn.Module):  # transposed convolutions: decoded in the kernel\n"
        "    nz = 2\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Sequential(nn.Linear(2, 64 * 4 * 4), nn.ReLU())\n"
        "        self.net = nn.Sequential(\n"
        "            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),  # 8 x 8\n"
        "            nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.ReLU(),  # 16 x 16\n"
        "            nn.ConvTranspose2d(16, 1, 4, 2, 1), nn.Tanh())  # 32 x 32\n"
        "    def forward(self, z):\n"
        "        h = self.fc(z.reshape(len(z), -1)).reshape(len(z), 64, 4, 4)\n"
        "        return self.net(h)\n"
        "G = (MLP if '__WHERE__' == 'page' else Conv)().eval()\n"
        "\n"
        "def time_decode_at(positions):\n"
        "    t0 = time.perf_counter()\n"
        "    for x, y in positions:\n"
        "        w.decode_at(x, y)\n"
        "    return (time.perf_counter() - t0) * 1000\n"
        "\n"
        "def time_atlas(rows, cols, bounds):\n"
        "    t0 = time.perf_counter()\n"
        "    w.atlas(rows, cols, bounds=tuple(bounds))\n"
        "    return (time.perf_counter() - t0) * 1000\n"
    ),
    "w = latent_magic.explore(G, n_samples=2000)\nw",
]

#: The atlas shown once it is painted (``ms`` set) and newer than ``after`` (an id).
ATLAS_SHOWN_JS = """(after) => {
    const a = document.querySelector('.lm-root').dataset.atlas;
    if (!a) return null;
    const s = JSON.parse(a);
    return s.ms !== undefined && s.id > after ? s : null;
}"""

# The do-it-yourself way, in the page: decode requests to the kernel one at a time, as the
# page's hover sends them (`{type: "decode", id, x, y, index: null, view}`), each reply's image
# painted (raw RGBA put into a canvas, as the preview panel does; an encoded image decoded
# first) before the next request goes.
# Uses the widget's model found by tests/e2e/widget_page.py's MODEL_OF_ROOT_JS.
DIY_DECODES_JS = """async ({positions, base}) => {
    const model = window.__lmModels[0];
    const view = 'bench-diy';
    const canvas = document.createElement('canvas');
    const times = [];
    const t0 = performance.now();
    for (let k = 0; k < positions.length; k++) {
        const id = base + k;
        const ts = performance.now();
        const [msg, buffers] = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                model.off('msg:custom', on);
                reject(new Error('no preview reply within 20 s'));
            }, 20000);
            function on(content, bufs) {
                if (content && content.type === 'preview' && content.id === id) {
                    clearTimeout(timer);
                    model.off('msg:custom', on);
                    resolve([content, bufs || []]);
                }
            }
            model.on('msg:custom', on);
            model.send({type: 'decode', id, x: positions[k][0], y: positions[k][1],
                        index: null, view}, {}, []);
        });
        if (msg.kind !== 'image') throw new Error('a ' + msg.kind + ' preview, not an image');
        const b = buffers[0];
        const bytes = b instanceof ArrayBuffer
            ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        if (msg.mime === 'image/x-raw-rgba') {  // small images: painted at once, as the panel
            const data = new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            canvas.width = msg.width;
            canvas.height = msg.height;
            canvas.getContext('2d').putImageData(new ImageData(data, msg.width, msg.height), 0, 0);
        } else {
            const bitmap = await createImageBitmap(new Blob([bytes], {type: msg.mime}));
            canvas.getContext('2d').drawImage(bitmap, 0, 0);
            bitmap.close();
        }
        times.push(performance.now() - ts);
    }
    return {total: performance.now() - t0, times};
}"""


@dataclass
class AtlasResult:
    where: str  # "kernel" or "page": where the decoder runs
    client_decoder: bool | None = None  # the kernel sent the page a decoder chain
    map_css: list[float] = field(default_factory=list)
    grid: list[int] = field(default_factory=list)  # [rows, cols]
    sources: list[str] = field(default_factory=list)
    first_ms: float | None = None  # the first atlas (turned on; first batch of this size)
    ms: list[float] = field(default_factory=list)  # settle -> painted, later settles
    diy_ms: list[float] = field(default_factory=list)  # 96 sequential hover decodes, total
    diy_each_ms: list[float] = field(default_factory=list)
    decode_at_ms: list[float] = field(default_factory=list)  # 96 w.decode_at in the kernel
    kernel_atlas_ms: list[float] = field(default_factory=list)  # w.atlas(8, 12) in the kernel
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "where": self.where,
            "client_decoder": self.client_decoder,
            "map_css": self.map_css,
            "grid": self.grid,
            "sources": sorted(set(self.sources)),
            "first_ms": self.first_ms,
            "ms": med(self.ms),
            "max_ms": max(self.ms) if self.ms else None,
            "diy_ms": med(self.diy_ms),
            "diy_each_ms": med(self.diy_each_ms),
            "decode_at_ms": med(self.decode_at_ms),
            "kernel_atlas_ms": med(self.kernel_atlas_ms),
            "raw": {
                "ms": self.ms,
                "diy_ms": self.diy_ms,
                "decode_at_ms": self.decode_at_ms,
                "kernel_atlas_ms": self.kernel_atlas_ms,
            },
            "errors": self.errors,
        }


#: Pans between atlas settles (CSS px), a cycle that keeps the view about the data.
ATLAS_PANS = [(90, 0), (0, 60), (-90, 0), (0, -60)]


def measure_atlas(lab: Lab, where: str, settles: int, diy_reps: int) -> AtlasResult:
    from e2e.widget_page import MODEL_OF_ROOT_JS

    res = AtlasResult(where)
    nb = lab.open([ATLAS_CELLS[0].replace("__WHERE__", where), ATLAS_CELLS[1]], f"atlas-{where}")
    try:
        nb.run_cell(0, timeout=120)
        nb.run_cell(1, timeout=120)
        nb.wait_for_js(
            f"() => {{ const r = {ROOT}; return r && Number(r.dataset.drawn) > 0; }}",
            timeout=60,
            what="the map",
        )
        res.client_decoder = bool(nb.kernel.eval("len(w._client_decoder) > 0"))
        if res.client_decoder != (where == "page"):
            raise RuntimeError(
                f"the page {'has' if res.client_decoder else 'has no'} decoder chain "
                f"(wanted it decoded in the {where})"
            )
        # A 3:2 map makes gridFor (js/atlas_layer.js) pick 12 columns × 8 rows.
        box = _map_box(nb)
        want_h = round(box["width"] * 2 / 3)
        nb.kernel.execute(f"w.height = {want_h}")
        nb.wait_for_js(
            f"(h) => Math.abs({ROOT}.querySelector('canvas.lm-gl').clientHeight - h) < 1",
            want_h,
            timeout=30,
            what="the map resized",
        )
        box = _map_box(nb)
        res.map_css = [box["width"], box["height"]]
        page = nb.page
        page.locator('.lm-root [data-action="toggle-atlas"]').click()
        page.mouse.move(2, 2)  # out of the map: no hover decodes beside the atlas's
        shown = nb.wait_for_js(ATLAS_SHOWN_JS, 0, timeout=60, what="the first atlas painted")
        res.first_ms = shown["ms"]
        res.grid = [shown["rows"], shown["cols"]]
        res.sources.append(shown["source"])
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for k in range(settles):
            dx, dy = ATLAS_PANS[k % len(ATLAS_PANS)]
            page.mouse.move(cx, cy)
            page.mouse.down()
            page.mouse.move(cx + dx, cy + dy, steps=5)
            page.mouse.up()
            page.mouse.move(2, 2)
            shown = nb.wait_for_js(
                ATLAS_SHOWN_JS, shown["id"], timeout=60, what="the atlas of the settled view"
            )
            res.ms.append(shown["ms"])
            res.sources.append(shown["source"])
        lab.log(
            f"    atlas {where}: {res.grid[1]} × {res.grid[0]} tiles (columns × rows) on a "
            f"{res.map_css[0]:.0f} × {res.map_css[1]:.0f} map, first {res.first_ms:.0f} ms, "
            f"then {med(res.ms):.1f} ms (max {max(res.ms):.1f}), source {sorted(set(res.sources))}"
        )
        # -- the same 96 tile centres, one hover decode at a time --------------------------
        try:
            rows, cols = shown["rows"], shown["cols"]
            x0, x1, y0, y1 = shown["bounds"]
            positions = [
                [x0 + (j + 0.5) * (x1 - x0) / cols, y1 - (i + 0.5) * (y1 - y0) / rows]
                for i in range(rows)
                for j in range(cols)
            ]
            nb.page.evaluate(MODEL_OF_ROOT_JS, {"path": nb.path, "index": 0})
            nb.page.evaluate(DIY_DECODES_JS, {"positions": positions[:4], "base": 10**6})
            for rep in range(diy_reps):
                got = nb.page.evaluate(
                    DIY_DECODES_JS, {"positions": positions, "base": 10**6 * (rep + 2)}
                )
                res.diy_ms.append(got["total"])
                res.diy_each_ms.extend(got["times"])
                res.decode_at_ms.append(nb.kernel.eval(f"time_decode_at({positions!r})"))
                res.kernel_atlas_ms.append(
                    nb.kernel.eval(f"time_atlas({rows}, {cols}, {list(shown['bounds'])!r})")
                )
            lab.log(
                f"    atlas {where}: 96 hover decodes {med(res.diy_ms):.0f} ms "
                f"({med(res.diy_each_ms):.1f} ms each); in the kernel: 96 decode_at "
                f"{med(res.decode_at_ms):.0f} ms, w.atlas {med(res.kernel_atlas_ms):.1f} ms"
            )
        except Exception as e:
            res.errors["diy"] = _why(e)
            lab.log(f"    atlas {where}: DIY failed: {_why(e)}")
    except Exception as e:
        res.errors["setup"] = _why(e)
        lab.log(f"    atlas {where}: failed: {_why(e)}")
        with contextlib.suppress(Exception):
            nb.screenshot(f"failed-atlas-{where}")
    finally:
        nb.close(shutdown_kernel=True)
    return res


# ------------------------------------------------------------------------------------------
# Pictures on the map: 100,000 image points
# ------------------------------------------------------------------------------------------

THUMBS_CELLS = [
    (
        "import numpy as np, time, latent_magic\n"
        "from sklearn.datasets import load_digits\n"
        "from sklearn.decomposition import PCA\n"
        "from latent_magic._thumbnails import thumbnail_pixels\n"
        "rng = np.random.default_rng(0)\n"
        "N = __N__\n"
        "# N images of 28 x 28 made here (nothing downloaded): scikit-learn's 8 x 8 digits\n"
        "# enlarged 3 x and smoothed (24 x 24), shifted by up to 4 px, their ink scaled, noised.\n"
        "D = load_digits().images.astype(np.float32) / 16\n"
        "big = np.kron(D, np.ones((1, 3, 3), np.float32))\n"
        "big = (big + np.roll(big, 1, 1) + np.roll(big, 1, 2) + np.roll(big, (1, 1), (1, 2))) / 4\n"
        "pick = rng.integers(0, len(D), N)\n"
        "shift = rng.integers(0, 5, (N, 2))\n"
        "X = np.zeros((N, 28, 28), np.float32)\n"
        "for dy in range(5):\n"
        "    for dx in range(5):\n"
        "        m = (shift[:, 0] == dy) & (shift[:, 1] == dx)\n"
        "        X[m, dy:dy + 24, dx:dx + 24] = big[pick[m]]\n"
        "X *= rng.uniform(0.6, 1.0, (N, 1, 1)).astype(np.float32)\n"
        "X += 0.05 * rng.standard_normal(X.shape, dtype=np.float32)\n"
        "X = np.clip(X, 0, 1).reshape(N, 784)\n"
        "pca = PCA(16, random_state=0).fit(X)\n"
        "\n"
        "def in_views(views):\n"
        "    '''The number of points in each view (bounds included, as the page counts).'''\n"
        "    P = np.asarray(w.points, np.float32).astype(np.float64)\n"
        "    return [int(((P[:, 0] >= v['x0']) & (P[:, 0] <= v['x1']) & (P[:, 1] >= v['y0'])\n"
        "                 & (P[:, 1] <= v['y1'])).sum()) for v in views]\n"
        "\n"
        "def tour(full, zoom, drags, width, height):\n"
        "    '''The views of the tour: zoomed in about the full view's centre, then each drag.'''\n"
        "    cx, cy = (full['x0'] + full['x1']) / 2, (full['y0'] + full['y1']) / 2\n"
        "    vw, vh = (full['x1'] - full['x0']) / zoom, (full['y1'] - full['y0']) / zoom\n"
        "    views = [dict(x0=cx - vw / 2, x1=cx + vw / 2, y0=cy - vh / 2, y1=cy + vh / 2)]\n"
        "    for dx, dy in drags:  # the content follows the pointer\n"
        "        v = views[-1]\n"
        "        ux, uy = dx / width * vw, dy / height * vh\n"
        "        views.append(dict(x0=v['x0'] - ux, x1=v['x1'] - ux, y0=v['y0'] + uy,\n"
        "                          y1=v['y1'] + uy))\n"
        "    return views\n"
        "\n"
        "def zoom_for(full, drags, width, height, most):\n"
        "    '''The least zoom (steps of a quarter wheel notch) at which no view of the tour\n"
        "    holds more than `most` points; and the points in each view.'''\n"
        "    for k in range(1, 80):\n"
        "        zoom = float(np.exp(0.15 * k))\n"
        "        counts = in_views(tour(full, zoom, drags, width, height))\n"
        "        if max(counts) <= most:\n"
        "            return zoom, counts\n"
        "    raise RuntimeError('no zoom puts few enough points in every view')\n"
        "\n"
        "def time_thumbnails(k, reps):\n"
        "    '''ms to answer a thumbnails request for k points: the pictures made\n"
        "    (thumbnail_pixels), and the request handled with its reply sent (to a view no\n"
        "    page has: none paints it). Median of reps, k other points each time.'''\n"
        "    made, handled = [], []\n"
        "    for r in range(reps):\n"
        "        pts = rng.choice(N, k, replace=False)\n"
        "        t0 = time.perf_counter()\n"
        "        thumbnail_pixels(w._space, pts)\n"
        "        made.append((time.perf_counter() - t0) * 1000)\n"
        "        pts = [int(i) for i in rng.choice(N, k, replace=False)]\n"
        "        t0 = time.perf_counter()\n"
        "        w._requests.handle(w, {'type': 'thumbnails', 'id': 10**9 + r, 'points': pts,\n"
        "                               'view': 'bench'}, [])\n"
        "        handled.append((time.perf_counter() - t0) * 1000)\n"
        "    return [float(np.median(made)), float(np.median(handled))]\n"
    ),
    "w = latent_magic.explore(pca, X, image_shape=(28, 28))\nw",
]

#: The pictures' state once the map has settled at a view other than ``view``: the root's
#: view, and what the pictures' canvas publishes (js/thumbnails.js ``observe``).
THUMBS_STATE_JS = """(view) => {
    const r = document.querySelector('.lm-root');
    const d = r.dataset;
    if (d.frameKind === 'cached' || (view !== null && d.view === view)) return null;
    const c = r.querySelector('canvas.lm-thumbs').dataset;
    return {
        view: d.view,
        drawn: d.thumbnails ? JSON.parse(d.thumbnails).length : 0,
        cached: c.cached === undefined ? null : Number(c.cached),
        drawMs: c.drawMs === undefined ? null : Number(c.drawMs),
        shown: c.shown ? JSON.parse(c.shown) : null,
    };
}"""

#: Watches the pictures' ``data-shown``: as soon as the frame that painted a view's pictures
#: has run (a MutationObserver's microtask, before the browser paints), one pixel is read from
#: the pictures' canvas, which makes Chromium rasterise the drawing it has only recorded so far
#: (``flushMs``: the cost of the pictures' pixels, outside ``data-draw-ms``), and the frame's
#: own ``data-frame-ms`` is noted (``pageFrameMs``, written by then); then the task
#: after the next animation frame notes when the pictures are on screen (``frameMs``, from the
#: same moment). Kept by id in ``window.__thumbsPaint``.
THUMBS_PAINT_PROBE_JS = """() => {
    const c = document.querySelector('.lm-root canvas.lm-thumbs');
    window.__thumbsPaint = {};
    if (window.__thumbsObserver) window.__thumbsObserver.disconnect();
    const ctx = c.getContext('2d');
    window.__thumbsObserver = new MutationObserver(() => {
        if (!c.dataset.shown) return;
        const id = JSON.parse(c.dataset.shown).id;
        if (window.__thumbsPaint[id]) return;
        const t0 = performance.now();
        ctx.getImageData(0, 0, 1, 1);
        const d = document.querySelector('.lm-root').dataset;  // the frame that drew them
        const p = (window.__thumbsPaint[id] = {flushMs: performance.now() - t0, frameMs: null,
                                               pageFrameMs: Number(d.frameMs), kind: d.frameKind});
        requestAnimationFrame(() => setTimeout(() => { p.frameMs = performance.now() - t0; }, 0));
    });
    window.__thumbsObserver.observe(c, {attributes: true, attributeFilter: ['data-shown']});
}"""

#: Once a settled view's pictures are all painted: a newer ``data-shown`` than ``id`` (they
#: were asked for), or ``count`` pictures drawn (all were held).
THUMBS_PAINTED_JS = """({id, count}) => {
    const r = document.querySelector('.lm-root');
    const c = r.querySelector('canvas.lm-thumbs').dataset;
    const shown = c.shown ? JSON.parse(c.shown) : null;
    const drawn = r.dataset.thumbnails ? JSON.parse(r.dataset.thumbnails).length : 0;
    const fresh = shown !== null && shown.id > id;
    if (!fresh && drawn < count) return null;
    return {shown: fresh ? shown : null, drawn, cached: Number(c.cached),
            drawMs: Number(c.drawMs)};
}"""


def spiral(moves: int) -> list[tuple[int, int]]:
    """Unit steps of a square spiral outwards: right, down, left, left, up, up, right × 3, …"""
    out: list[tuple[int, int]] = []
    dirs = [(1, 0), (0, 1), (-1, 0), (0, -1)]
    run, d = 1, 0
    while len(out) < moves:
        for _ in range(2):
            out.extend([dirs[d % 4]] * run)
            d += 1
        run += 1
    return out[:moves]


@dataclass
class ThumbsResult:
    n: int
    spec: dict | None = None  # w._thumbnails
    map_css: list[float] = field(default_factory=list)
    zoom: float | None = None  # the tour's zoom against the full view
    in_view: list[int] = field(default_factory=list)  # points in each view of the tour (plan)
    first: dict | None = None  # the first pictures (zoomed in): data-shown
    first_draw_ms: float | None = None
    pan_on_ms: list[float] = field(default_factory=list)  # outside in, pictures drawn
    pan_on_attr_ms: list[float] = field(default_factory=list)  # data-frame-ms
    pan_on_kinds: list[str] = field(default_factory=list)
    pan_off_ms: list[float] = field(default_factory=list)  # pictures off (the reference)
    pan_off_attr_ms: list[float] = field(default_factory=list)
    pan_off_kinds: list[str] = field(default_factory=list)
    settle_on_ms: float | None = None  # the full redraw after the pan (pictures drawn in it)
    settle_off_ms: float | None = None
    settle_off_frames: list[float] = field(default_factory=list)  # tour drags, pictures off
    drawn_at_pan: int | None = None  # pictures on the map when the pan began
    followed: bool | None = None  # the pictures' canvas had a transform mid-pan
    regions: list[dict] = field(default_factory=list)  # per settled view of the tour
    kernel_made_ms: float | None = None  # thumbnail_pixels for 400 points
    kernel_handled_ms: float | None = None  # the request handled, reply sent
    memory: dict = field(default_factory=dict)  # before / after: heap, DOM nodes
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        shown = [r for r in self.regions if r.get("shown_ms") is not None]
        draws = [r["draw_ms"] for r in shown if r.get("draw_ms") is not None]
        cached = [r["cached"] for r in self.regions if r.get("cached") is not None]
        return {
            "n": self.n,
            "spec": self.spec,
            "map_css": self.map_css,
            "zoom": self.zoom,
            "in_view": self.in_view,
            "first": self.first,
            "first_draw_ms": self.first_draw_ms,
            "pan_on_ms": med(self.pan_on_ms),
            "pan_on_attr_ms": med(self.pan_on_attr_ms),
            "pan_on_kinds": sorted(set(self.pan_on_kinds)),
            "pan_off_ms": med(self.pan_off_ms),
            "pan_off_attr_ms": med(self.pan_off_attr_ms),
            "pan_off_kinds": sorted(set(self.pan_off_kinds)),
            "settle_on_ms": self.settle_on_ms,
            "settle_off_ms": self.settle_off_ms,
            "drawn_at_pan": self.drawn_at_pan,
            "followed": self.followed,
            "regions": len(self.regions),
            "regions_shown": len(shown),
            "shown_ms": med([r["shown_ms"] for r in shown]),
            "shown_max_ms": max((r["shown_ms"] for r in shown), default=None),
            "reply_ms": med([r["reply_ms"] for r in shown]),
            "receive_ms": med([r["receive_ms"] for r in shown if r.get("receive_ms") is not None]),
            "pictures_per_region": med([r["points"] for r in shown]),
            "pictures_asked": sum(r["points"] for r in shown),
            "draw_ms": med(draws),
            "draw_max_ms": max(draws, default=None),
            "flush_ms": med([r["flush_ms"] for r in shown if r.get("flush_ms") is not None]),
            "settle_frame_ms": med(
                [r["settle_frame_ms"] for r in self.regions if r.get("settle_frame_ms")]
            ),
            "settle_off_frame_ms": med(self.settle_off_frames),
            "paint_frame_ms": med([r["paint_frame_ms"] for r in shown if r.get("paint_frame_ms")]),
            "paint_frame_max_ms": max(
                (r["paint_frame_ms"] for r in shown if r.get("paint_frame_ms")), default=None
            ),
            "paint_frame_kinds": sorted(
                {r["paint_frame_kind"] for r in shown if r.get("paint_frame_kind")}
            ),
            "next_frame_ms": med([r["frame_ms"] for r in shown if r.get("frame_ms") is not None]),
            "cached_max": max(cached, default=None),
            "cached_end": cached[-1] if cached else None,
            "kernel_made_ms": self.kernel_made_ms,
            "kernel_handled_ms": self.kernel_handled_ms,
            "memory": self.memory,
            "raw": {
                "regions": self.regions,
                "pan_on_ms": self.pan_on_ms,
                "pan_on_attr_ms": self.pan_on_attr_ms,
                "pan_off_ms": self.pan_off_ms,
                "pan_off_attr_ms": self.pan_off_attr_ms,
                "settle_off_frames": self.settle_off_frames,
            },
            "errors": self.errors,
        }


def _memory(nb, cdp) -> dict:
    """The page's memory after a garbage collection: the JS heap (CDP Runtime.getHeapUsage,
    and ``performance.memory``, coarse without --enable-precise-memory-info) and the DOM
    nodes alive, detached ones included (CDP Performance.getMetrics ``Nodes``: the held
    pictures are detached canvases, their pixels outside the JS heap)."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    pm = nb.page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : null")
    return {
        "heap_used_mb": heap["usedSize"] / 1e6,
        "performance_memory_mb": None if pm is None else pm / 1e6,
        "nodes": metrics.get("Nodes"),
    }


def _wait_settled(nb, view: str | None, timeout: float) -> dict:
    """The pictures' state once the map has settled at a view other than ``view`` and no
    newer view came for 400 ms (a slow page may settle between two drag steps)."""
    got = nb.wait_for_js(THUMBS_STATE_JS, view, timeout=timeout, what="the settled view")
    while True:
        nb.page.wait_for_timeout(400)
        now = nb.page.evaluate(THUMBS_STATE_JS, None)
        if now and now["view"] == got["view"]:
            return now
        if now:
            got = now


def _drag_settled(nb, cx: float, cy: float, dx: float, dy: float, view: str, timeout: float):
    """Pans the map by a drag of (−dx, −dy) about its centre (the view moves by (dx, dy));
    returns the settled state and the settle frame's data-frame-ms (the full redraw)."""
    page = nb.page
    page.evaluate("() => window.__bench.logFrames()")
    page.mouse.move(cx + dx / 2, cy + dy / 2)
    page.mouse.down()
    page.mouse.move(cx - dx / 2, cy - dy / 2, steps=6)
    page.mouse.up()
    t_up = page.evaluate("() => performance.now()")
    state = _wait_settled(nb, view, timeout)
    frames = page.evaluate("() => window.__bench.frames")
    settle = [f["ms"] for f in frames if f["kind"] == "points" and f["t"] > t_up - 50]
    return state, (settle[-1] if settle else None)


def _zoom_in(nb, cx: float, cy: float, zoom: float, timeout: float) -> dict:
    """Wheel steps about (cx, cy) that zoom the view in ``zoom`` times (wheelFactor in
    js/pointer_tools.js: exp(−deltaY · 0.002), deltaY capped at 300); the settled state."""
    view = _view_now(nb)
    nb.page.mouse.move(cx, cy)
    left = math.log(zoom) / 0.002
    while left > 0.5:
        step = min(300.0, left)
        nb.page.mouse.wheel(0, -step)
        left -= step
        nb.page.wait_for_timeout(30)
    return _wait_settled(nb, view, timeout)


def measure_thumbnails(lab: Lab, n: int, pan_steps: int, regions: int) -> ThumbsResult:
    res = ThumbsResult(n)
    timeout = 60 + n / 100_000 * 60
    nb = lab.open([THUMBS_CELLS[0].replace("__N__", str(n)), THUMBS_CELLS[1]], f"thumbs-{n}")
    try:
        nb.run_cell(0, timeout=timeout + 120)
        nb.run_cell(1, timeout=timeout)
        nb.wait_for_js(
            "(n) => { const r = document.querySelector('.lm-root');"
            " return r && Number(r.dataset.drawn) >= n; }",
            n,
            timeout=timeout,
            what=f"{n:,} points drawn",
        )
        res.spec = nb.kernel.eval("w._thumbnails")
        if not res.spec or not nb.kernel.eval("w.show_thumbnails"):
            raise RuntimeError(f"the map has no pictures to show (w._thumbnails {res.spec})")
        page = nb.page
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        res.memory["before"] = _memory(nb, cdp)
        box = _map_box(nb)
        width, height = box["width"], box["height"]
        res.map_css = [width, height]
        cx, cy = box["x"] + width / 2, box["y"] + height / 2
        full = json.loads(_view_now(nb))
        # The tour's drags: 0.9 of the map's size each, the view going along a spiral.
        drags = [(-0.9 * width * ux, -0.9 * height * uy) for ux, uy in spiral(regions)]
        res.zoom, res.in_view = nb.kernel.eval(
            f"zoom_for({full!r}, {drags!r}, {width!r}, {height!r}, 360)", timeout=120
        )

        # -- zoomed in about the centre: every view of the tour has pictures to draw --------
        state = _zoom_in(nb, cx, cy, res.zoom, timeout)
        count = nb.kernel.eval(f"in_views([{state['view']}])[0]")
        got = nb.wait_for_js(
            THUMBS_PAINTED_JS, {"id": 0, "count": count}, timeout=timeout, what="the pictures"
        )
        res.first, res.first_draw_ms = got["shown"], got["drawMs"]
        lab.log(
            f"    pictures {n:,}: zoomed in ×{res.zoom:.1f} ({count} points in view; the tour's "
            f"views {min(res.in_view)}–{max(res.in_view)}), first pictures {got['shown']}"
        )

        # -- pan frames with the pictures drawn ---------------------------------------------
        try:
            res.drawn_at_pan = got["drawn"]
            (res.pan_on_ms, res.pan_on_attr_ms, res.pan_on_kinds, res.settle_on_ms, seen) = _pan(
                nb, pan_steps, timeout, watch="canvas.lm-thumbs"
            )
            res.followed = seen
            lab.log(
                f"    pictures {n:,}: pan frame with {res.drawn_at_pan} pictures "
                f"{med(res.pan_on_attr_ms):.1f} ms (outside in {med(res.pan_on_ms):.1f}), full "
                f"redraw {res.settle_on_ms} ms"
            )
        except Exception as e:
            res.errors["pan"] = _why(e)
            lab.log(f"    pictures {n:,}: pan failed: {_why(e)}")

        # -- the tour: settled views over different regions --------------------------------
        try:
            view = _view_now(nb)
            page.locator('.lm-root [data-action="reset-view"]').click()
            _wait_settled(nb, view, timeout)
            state = _zoom_in(nb, cx, cy, res.zoom, timeout)  # the tour's first view
            shown_id = (state["shown"] or {}).get("id", 0)
            page.evaluate(THUMBS_PAINT_PROBE_JS)
            for k, (dx, dy) in enumerate(drags):
                state, settle_ms = _drag_settled(nb, cx, cy, dx, dy, state["view"], timeout)
                count = nb.kernel.eval(f"in_views([{state['view']}])[0]")
                region = {"k": k, "in_view": count, "points": 0, "settle_frame_ms": settle_ms}
                got = state
                if 0 < count <= 400:
                    got = nb.wait_for_js(
                        THUMBS_PAINTED_JS,
                        {"id": shown_id, "count": count},
                        timeout=30,
                        what="the pictures of the settled view",
                    )
                    if got["shown"]:
                        shown_id = got["shown"]["id"]
                        paint = nb.wait_for_js(
                            "(id) => { const p = (window.__thumbsPaint || {})[id];"
                            " return p && p.frameMs !== null ? p : null; }",
                            shown_id,
                            timeout=10,
                            what="the frame after the pictures",
                        )
                        region.update(
                            shown_ms=got["shown"]["ms"],
                            reply_ms=got["shown"]["replyMs"],
                            receive_ms=got["shown"].get("receiveMs"),
                            points=got["shown"]["points"],
                            draw_ms=got["drawMs"],
                            flush_ms=paint["flushMs"],
                            frame_ms=paint["frameMs"],
                            paint_frame_ms=paint["pageFrameMs"],
                            paint_frame_kind=paint["kind"],
                        )
                region.update(drawn=got["drawn"], cached=got["cached"])
                res.regions.append(region)
            sm = res.summary()
            lab.log(
                f"    pictures {n:,}: {sm['regions']} views, {sm['regions_shown']} with new "
                f"pictures: settle → painted {sm['shown_ms']} ms (reply {sm['reply_ms']} ms), "
                f"redraw {sm['draw_ms']} ms, held at most {sm['cached_max']}"
            )
        except Exception as e:
            res.errors["tour"] = _why(e)
            lab.log(f"    pictures {n:,}: tour failed: {_why(e)}")
        try:
            res.memory["after"] = _memory(nb, cdp)
        except Exception as e:
            res.errors["memory"] = _why(e)

        # -- the kernel's side of a request for 400 points --------------------------------
        try:
            res.kernel_made_ms, res.kernel_handled_ms = nb.kernel.eval(
                "time_thumbnails(400, 9)", timeout=120
            )
        except Exception as e:
            res.errors["kernel"] = _why(e)

        # -- the reference: the same map and view, pictures off ---------------------------
        try:
            # The toolbar's Pictures switch shows it (data-thumbnails keeps the last pictures
            # drawn while they are off: Thumbnails.update publishes nothing when off).
            nb.kernel.execute("w.show_thumbnails = False")
            nb.wait_for_js(
                f"() => {ROOT}.querySelector('[data-action=\"toggle-thumbnails\"]')"
                ".getAttribute('aria-pressed') === 'false'",
                timeout=30,
                what="pictures off",
            )
            nb.page.wait_for_timeout(300)
            (res.pan_off_ms, res.pan_off_attr_ms, res.pan_off_kinds, res.settle_off_ms, _) = _pan(
                nb, pan_steps, timeout, watch=None
            )
            # Settled views as in the tour (its first drags), their full redraws.
            view = _view_now(nb)
            for dx, dy in drags[: max(3, len(drags) // 3)]:
                state, settle_ms = _drag_settled(nb, cx, cy, dx, dy, view, timeout)
                view = state["view"]
                if settle_ms is not None:
                    res.settle_off_frames.append(settle_ms)
            lab.log(
                f"    pictures {n:,}: pan frame, pictures off {med(res.pan_off_attr_ms):.1f} ms "
                f"(outside in {med(res.pan_off_ms):.1f}), full redraw {res.settle_off_ms} ms"
            )
        except Exception as e:
            res.errors["pan_off"] = _why(e)
            lab.log(f"    pictures {n:,}: pan (pictures off) failed: {_why(e)}")
    except Exception as e:
        res.errors["setup"] = _why(e)
        lab.log(f"    pictures {n:,}: failed: {_why(e)}")
        with contextlib.suppress(Exception):
            nb.screenshot(f"failed-thumbs-{n}")
    finally:
        nb.close(shutdown_kernel=True)
    return res


# ------------------------------------------------------------------------------------------
# The report's rows
# ------------------------------------------------------------------------------------------


def _ms(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def _ratio(ref, ours) -> str:
    if ref is None or ours is None or ours <= 0:
        return "—"
    return f"{ref / ours:.1f}×"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "**FAIL**")


VIEW_NAMES = {
    "full": "full view",
    "zoomed": "zoomed in ×11",
    "panned": "zoomed in ×11, panned",
    "deep": "zoomed in ×121",
}


def rows(m: dict | None) -> list[str]:
    """Table rows (the columns of benchmarks/run.py's table) for the meaning group."""
    if not m:
        return []
    out: list[str] = []
    lab = m.get("labels")
    if lab:
        n = lab.get("n", 0)
        err = lab.get("errors", {})
        on, off = lab.get("pan_on_attr_ms"), lab.get("pan_off_attr_ms")
        if on is None:
            o_txt = f"n/a ({err.get('pan') or err.get('setup') or '?'})"
        else:
            o_txt = (
                f"{_ms(on)} data-frame-ms, {'/'.join(lab.get('pan_on_kinds') or [])} frames "
                f"(outside in {_ms(lab.get('pan_on_ms'))}; labels "
                f"{'follow by a CSS transform' if lab.get('followed') else 'NOT transformed'}; "
                f"full redraw with placement {_ms(lab.get('settle_on_ms'))})"
            )
        p_txt = (
            f"{_ms(off)} data-frame-ms (outside in {_ms(lab.get('pan_off_ms'))}; "
            f"full redraw {_ms(lab.get('settle_off_ms'))})"
            if off is not None
            else "n/a"
        )
        out.append(
            f"| one pan frame, {n:,} distinct labels written on the map | {n:,} | {o_txt} | "
            f"latent_magic, labels off | {p_txt} | {_ratio(off, on)} | "
            f"≤ {TARGETS['pan_ms']:.0f} ms | "
            f"{_verdict(None if on is None else on <= TARGETS['pan_ms'])} |"
        )
        place, count = lab.get("place_ms", {}), lab.get("place_count", {})
        worst, diy = lab.get("place_max_ms", {}), lab.get("diy_ms", {})
        for kind, name in VIEW_NAMES.items():
            o = place.get(kind)
            if o is None and not err.get("place"):
                continue
            if o is None:
                o_txt = f"n/a ({err.get('place')})"
            else:
                o_txt = f"{_ms(o)} (max {_ms(worst.get(kind))}; {count.get(kind, 0):.0f} labels)"
                if kind == "full" and lab.get("first_ms") is not None:
                    o_txt += f"; the first after display: {_ms(lab['first_ms'])}"
            d = diy.get(kind)
            d_txt = _ms(d) if d is not None else f"n/a ({err.get('diy', 'not run')})"
            out.append(
                f"| place the labels for a settled view ({name}), data-labels-ms, median | "
                f"{n:,} | {o_txt} | matplotlib `ax.text`, same labels and view | {d_txt} | "
                f"{_ratio(d, o)} | ≤ {TARGETS['labels_ms']:.0f} ms | "
                f"{_verdict(None if o is None else o <= TARGETS['labels_ms'])} |"
            )
    for where, key in (("kernel", "atlas_kernel_ms"), ("page", "atlas_page_ms")):
        a = (m.get("atlas") or {}).get(where)
        if not a:
            continue
        target = TARGETS[key]
        err = a.get("errors", {})
        o = a.get("ms")
        grid = a.get("grid") or [0, 0]
        what = "conv decoder, decoded in the kernel" if where == "kernel" else "MLP, in the page"
        if o is None:
            o_txt = f"n/a ({err.get('setup', '?')})"
        else:
            o_txt = (
                f"{_ms(o)} (max {_ms(a.get('max_ms'))}; first {_ms(a.get('first_ms'))}; "
                f"source {'/'.join(a.get('sources') or [])}"
            )
            if where == "kernel" and a.get("kernel_atlas_ms") is not None:
                o_txt += f"; `w.atlas` in the kernel {_ms(a['kernel_atlas_ms'])}"
            o_txt += ")"
        d = a.get("diy_ms")
        d_txt = (
            f"{_ms(d)} ({_ms(a.get('diy_each_ms'))} each; {grid[0] * grid[1]} `w.decode_at` in the "
            f"kernel "
            f"{_ms(a.get('decode_at_ms'))})"
            if d is not None
            else f"n/a ({err.get('diy', 'not run')})"
        )
        out.append(
            f"| atlas of 32 × 32 images, {grid[1]} × {grid[0]} tiles ({what}): settle → painted, "
            f"median | — | {o_txt} | {grid[0] * grid[1]} hover decodes one at a time | {d_txt} "
            f"| {_ratio(d, o)} | ≤ {target:.0f} ms | "
            f"{_verdict(None if o is None else o <= target)} |"
        )
    out.extend(_thumbs_rows(m.get("thumbnails")))
    return out


def _mb(v) -> str:
    return "n/a" if v is None else f"{v:.1f} MB"


def _count(v) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _thumbs_rows(t: dict | None) -> list[str]:
    """Rows for the pictures on the map (issue 14's third target)."""
    if not t:
        return []
    out: list[str] = []
    n = t.get("n", 0)
    err = t.get("errors", {})
    spec = t.get("spec") or {}
    size = f"{spec.get('width', '?')} × {spec.get('height', '?')}"
    target = TARGETS["thumbs_ms"]
    # -- pan frames, pictures drawn vs off
    on, off = t.get("pan_on_attr_ms"), t.get("pan_off_attr_ms")
    if on is None:
        o_txt = f"n/a ({err.get('pan') or err.get('setup') or '?'})"
    else:
        o_txt = (
            f"{_ms(on)} data-frame-ms, {'/'.join(t.get('pan_on_kinds') or [])} frames "
            f"(outside in {_ms(t.get('pan_on_ms'))}; {t.get('drawn_at_pan')} pictures drawn, "
            f"{'following by a CSS transform' if t.get('followed') else 'NOT transformed'}; "
            f"full redraw with the pictures {_ms(t.get('settle_on_ms'))})"
        )
    p_txt = (
        f"{_ms(off)} data-frame-ms (outside in {_ms(t.get('pan_off_ms'))}; "
        f"full redraw {_ms(t.get('settle_off_ms'))})"
        if off is not None
        else f"n/a ({err.get('pan_off', 'not run')})"
    )
    zoom = t.get("zoom")
    z_txt = f"zoomed in ×{zoom:.0f}" if zoom else "zoomed in"
    out.append(
        f"| one pan frame, {n:,} image points {z_txt}, pictures ({size}) drawn | {n:,} | "
        f"{o_txt} | latent_magic, pictures off | {p_txt} | {_ratio(off, on)} | "
        f"≤ {target:.0f} ms | {_verdict(None if on is None else on <= target)} |"
    )
    # -- the settled redraw of the pictures: the frame that paints them (held to the target),
    # and the settle frame before it (the map's own full redraw: context, no target of its own)
    fail = f"n/a ({err.get('tour') or err.get('setup') or '?'})"
    pf, d = t.get("paint_frame_ms"), t.get("draw_ms")
    if pf is None:
        o_txt = fail
    else:
        o_txt = (
            f"{_ms(pf)} data-frame-ms (max {_ms(t.get('paint_frame_max_ms'))}; "
            f"{'/'.join(t.get('paint_frame_kinds') or [])} frames; "
            f"{t.get('pictures_per_region', 0):.0f} pictures, {t.get('regions_shown')} views); "
            f"the pictures' part, data-draw-ms: {_ms(d)} (max {_ms(t.get('draw_max_ms'))}); "
            f"their pixels rasterised (read back at once): {_ms(t.get('flush_ms'))} more"
        )
    out.append(
        f"| settled redraw of the pictures: the frame that paints a new view's pictures (their "
        f"reply came), median | {n:,} | {o_txt} | — | — | — | ≤ {target:.0f} ms | "
        f"{_verdict(None if pf is None else pf <= target)} |"
    )
    st, st_off = t.get("settle_frame_ms"), t.get("settle_off_frame_ms")
    st_txt = fail if st is None else f"{_ms(st)} data-frame-ms ({t.get('regions')} views)"
    n_off = len((t.get("raw") or {}).get("settle_off_frames") or [])
    out.append(
        f"| the settle frame of a new view before its pictures come (the map's full redraw; "
        f"pictures asked for, those held drawn), median | {n:,} | {st_txt} | "
        f"latent_magic, pictures off | {_ms(st_off)} data-frame-ms ({n_off} views) | "
        f"{_ratio(st_off, st)} | — (the map's own redraw, as with the pictures off) | — |"
    )
    # -- pictures held over the tour
    mem = t.get("memory") or {}
    before, after = mem.get("before") or {}, mem.get("after") or {}
    c = t.get("cached_max")
    if c is None:
        o_txt = f"n/a ({err.get('tour') or err.get('setup') or '?'})"
    else:
        o_txt = (
            f"at most {c:,} held (at the end {t.get('cached_end'):,}; "
            f"{t.get('pictures_asked', 0):,} pictures asked for over {t.get('regions')} "
            f"settled views); JS heap {_mb(before.get('heap_used_mb'))} → "
            f"{_mb(after.get('heap_used_mb'))}, `performance.memory` "
            f"{_mb(before.get('performance_memory_mb'))} → "
            f"{_mb(after.get('performance_memory_mb'))}, DOM nodes "
            f"{_count(before.get('nodes'))} → {_count(after.get('nodes'))} (after a GC)"
        )
    out.append(
        f"| pictures the page holds after a tour of settled views over the map | {n:,} | "
        f"{o_txt} | — | — | — | ≤ 3,000 held | {_verdict(None if c is None else c <= 3000)} |"
    )
    # -- settle -> pictures painted for a new region
    sh = t.get("shown_ms")
    if sh is None:
        o_txt = f"n/a ({err.get('tour') or err.get('setup') or '?'})"
    else:
        first = t.get("first") or {}
        o_txt = (
            f"{_ms(sh)} (max {_ms(t.get('shown_max_ms'))}; the reply in "
            f"{_ms(t.get('reply_ms'))}, of which its pictures made in the page "
            f"{_ms(t.get('receive_ms'))}; {t.get('pictures_per_region', 0):.0f} pictures, "
            f"{t.get('regions_shown')} views; on screen {_ms(t.get('next_frame_ms'))} after the "
            f"frame that drew them; the first pictures after the display "
            f"{_ms(first.get('ms'))})"
        )
    k_made, k_all = t.get("kernel_made_ms"), t.get("kernel_handled_ms")
    k_txt = (
        f"{_ms(k_all)} (the pictures made: {_ms(k_made)})"
        if k_all is not None
        else f"n/a ({err.get('kernel', 'not run')})"
    )
    out.append(
        f"| settle → the pictures of a new region painted (ask → reply → painted), median | "
        f"{n:,} | {o_txt} | the kernel answering a request for 400 points | {k_txt} | — | — "
        f"| — |"
    )
    return out
