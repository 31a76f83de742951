"""A map that shows its meaning (issue: words, pictures and a decoded atlas on the map): in a
real JupyterLab with headless Chromium, checked against the kernel."""

from __future__ import annotations

import json
import pathlib

import nbformat
import numpy as np
import pytest

from .widget_page import MapView

pytestmark = pytest.mark.e2e

WORDS_NOTEBOOK = pathlib.Path(__file__).parents[2] / "examples" / "03_words.ipynb"


def words_cells() -> list[str]:
    """The words notebook's code cells up to the map on predatoriness × size."""
    notebook = nbformat.read(WORDS_NOTEBOOK, as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    last = next(i for i, c in enumerate(code) if "w.set_axes(predatoriness, size)" in c)
    return code[: last + 1]


def placed_labels(view: MapView) -> list[list[float]]:
    text = view.attr("labels")
    return json.loads(text) if text else []


def overlap(a, b) -> bool:
    return a[1] < b[1] + b[3] and b[1] < a[1] + a[3] and a[2] < b[2] + b[4] and b[2] < a[2] + a[4]


def assert_beside_their_points(view: MapView, placed, points: np.ndarray) -> None:
    """Each label's box touches a small ring around its own point, on the canvas."""
    box = view.box()
    page = view.to_page(points[[p[0] for p in placed]])
    px, py = page[:, 0] - box["x"], page[:, 1] - box["y"]
    for (i, x, y, w, h), cx, cy in zip(placed, px, py, strict=True):
        # The nearest point of the box to the point: a few pixels away, never far.
        dx = max(x - cx, 0.0, cx - (x + w))
        dy = max(y - cy, 0.0, cy - (y + h))
        assert np.hypot(dx, dy) < 12, f"label of point {i} is {np.hypot(dx, dy):.1f} px away"


def test_the_words_map_writes_each_word_beside_its_point(open_notebook):
    nb = open_notebook(words_cells(), name="words.ipynb")
    nb.run_all(timeout=300)
    view = MapView(nb)
    n = len(nb.kernel.eval("WORDS"))
    view.wait_drawn(n)
    view.root.scroll_into_view_if_needed()
    nb.wait_for_js(
        "() => { const r = document.querySelector('.lm-root'); return r.dataset.labels "
        "&& JSON.parse(r.dataset.labels).length > 0 "
        "&& JSON.parse(r.dataset.axes)[0] === 'predatoriness'; }",
        what="the words written on the predatoriness × size map",
    )
    nb.page.wait_for_timeout(300)
    placed = placed_labels(view)
    points = view.points()
    words = nb.kernel.eval("list(w.labels)")
    assert len(placed) >= 60, f"only {len(placed)} of {n} words written on the full map"
    assert_beside_their_points(view, placed, points)
    for a in range(len(placed)):
        for b in range(a + 1, len(placed)):
            assert not overlap(placed[a], placed[b]), (placed[a], placed[b])
    # The words are painted where they were placed: ink inside every box, none on empty map.
    ink = view.canvas_rgba(".lm-root canvas.lm-labels")[:, :, 3] > 100
    scale = ink.shape[1] / view.box()["width"]
    for i, x, y, w, h in placed[:80]:
        inside = ink[int(y * scale) : int((y + h) * scale), int(x * scale) : int((x + w) * scale)]
        assert inside.sum() > 5, f"no ink where {words[i]!r} was placed"
    covered = np.zeros_like(ink)
    for _, x, y, w, h in placed:
        covered[
            int(y * scale) : int((y + h) * scale) + 2, int(x * scale) : int((x + w) * scale) + 2
        ] = True
    assert not (ink & ~covered).any(), "ink outside the placed labels"
    nb.screenshot("words-on-the-map", locator=view.root)

    # Zoomed in about the leopard, most words in view are written (all of them with room).
    nb.page.mouse.move(*view.to_page(points[words.index("leopard")])[0])

    def in_view() -> np.ndarray:
        v = view.view()
        x, y = points[:, 0], points[:, 1]
        return np.flatnonzero((x > v["x0"]) & (x < v["x1"]) & (y > v["y0"]) & (y < v["y1"]))

    for _ in range(30):  # wheel steps until a few dozen words are in view
        if len(in_view()) <= 40:
            break
        nb.page.mouse.wheel(0, -200)
        nb.page.wait_for_timeout(40)
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.frameKind === 'points'",
        what="the zoom to settle",
    )
    nb.page.wait_for_timeout(400)
    zoomed = placed_labels(view)
    visible = in_view()
    shown = {p[0] for p in zoomed}
    assert words.index("leopard") in shown
    assert len(shown) > 0.8 * len(visible), f"{len(shown)} of {len(visible)} words in view"
    assert_beside_their_points(view, zoomed, points)
    nb.screenshot("words-zoomed-in", locator=view.root)

    # Off in the toolbar: the kernel hears it, the canvas is empty; Python turns them back on.
    view.root.locator('[data-action="toggle-labels"]').click()
    nb.kernel.wait_until("w.show_labels", False)  # the toolbar's switch reached Python
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.labels === undefined",
        what="the labels gone from the map",
    )
    assert not (view.canvas_rgba(".lm-root canvas.lm-labels")[:, :, 3] > 0).any()
    nb.kernel.execute("w.show_labels = True")
    nb.wait_for_js(
        "() => (document.querySelector('.lm-root').dataset.labels || '[]').length > 2",
        what="the labels back from Python",
    )


def test_a_colored_word_map_keeps_each_words_name_on_hover(open_notebook):
    cells = words_cells()[:2]  # the encoder and the words
    groups = (
        "GROUPS = [g for g, words in VOCAB.items() for _ in words.split()]\n"
        "w = latent_magic.explore(encoder, WORDS, color=GROUPS)\nw"
    )
    nb = open_notebook([*cells, groups], name="colored.ipynb")
    nb.run_all(timeout=300)
    view = MapView(nb)
    view.wait_drawn(len(nb.kernel.eval("WORDS")))
    assert view.root.locator(".lm-legend").inner_text().count("predators") == 1
    view.root.scroll_into_view_if_needed()
    points = view.points()
    target = view.lonely_points(points, 1)[0]
    nb.page.mouse.move(float(target[0]), float(target[1]), steps=4)
    nb.wait_for_js(
        "() => document.querySelector('.lm-preview-title').textContent.includes(' · row ')",
        what="the hovered point's title",
    )
    title = view.root.locator(".lm-preview-title").inner_text()
    words = nb.kernel.eval("WORDS")
    assert title.split(" · ")[0] in words, f"hover shows {title!r}, not a word"
    nb.screenshot("colored-words", locator=view.root)
