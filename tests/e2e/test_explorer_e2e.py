"""The widget in a real JupyterLab with headless Chromium, checked against the kernel."""

from __future__ import annotations

import itertools
import pathlib

import numpy as np
import pytest
from PIL import Image

from .widget_page import (
    MapView,
    assert_quickstart_point_preview,
    inside_polygon,
    lasso,
    open_map,
    points_painted_report,
)

pytestmark = pytest.mark.e2e


DIGITS = (0.0, 16.0)  # the quickstart's pixel values


def test_hovering_empty_space_decodes_it_live(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    spot_a, spot_b = view.empty_spots(points, 2)

    view.hover(spot_a)
    assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
    assert "exact" in view.root.locator(".lm-badge").inner_text().lower()
    shown_a = view.preview_pixels()
    np.testing.assert_allclose(shown_a, view.decoded_pixels(spot_a, DIGITS).reshape(8, 8), atol=2)
    nb.screenshot("hover-empty-a", locator=view.root)

    view.hover(spot_b)
    shown_b = view.preview_pixels()
    np.testing.assert_allclose(shown_b, view.decoded_pixels(spot_b, DIGITS).reshape(8, 8), atol=2)
    assert np.abs(shown_a.astype(int) - shown_b.astype(int)).max() > 40, (
        "the preview did not change"
    )
    nb.screenshot("hover-empty-b", locator=view.root)


def test_hovering_a_point_shows_its_label_and_image(quickstart):
    nb, view = quickstart
    assert_quickstart_point_preview(nb, view)
    # The caption says what the two images are, and how far apart.
    coords_ink, note_ink, _ = view.caption_ink()
    assert coords_ink > 50
    assert note_ink > 50, "the input | reconstruction line is not painted"
    nb.page.wait_for_timeout(200)  # the caption's words follow once it rests
    assert "input | reconstruction" in view.root.locator(".lm-preview-caption").inner_text()
    nb.screenshot("hover-point-reconstruction", locator=view.root)


def test_lasso_selection_reaches_python_with_vectors(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    box = view.box()
    cx, cy = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.45
    r = min(box["width"], box["height"]) * 0.18
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    polygon = np.stack([cx + r * np.cos(angles), cy + 0.7 * r * np.sin(angles)], axis=1)
    lasso(nb, view, polygon)

    expected = np.flatnonzero(inside_polygon(view.to_page(points), polygon))
    assert 20 < len(expected) < 1700
    selected = nb.kernel.wait_until("w.selected_indices.tolist()", lambda v: len(v) > 0)
    # Points within a pixel of the lasso edge may fall either way; all others must match.
    polygon_data = view.to_data(polygon)
    near_edge = set(np.flatnonzero(_near_edge(view.to_page(points), polygon, 1.0)).tolist())
    assert set(selected) ^ set(expected.tolist()) <= near_edge
    vectors = np.array(nb.kernel.eval("w.selected_vectors.tolist()"))
    latents = np.array(nb.kernel.eval("w.latents.tolist()"))
    np.testing.assert_array_equal(vectors, latents[selected])
    assert view.attr("selected") == str(len(selected))
    assert polygon_data.shape == (8, 2)
    nb.screenshot("lasso", locator=view.root)

    # Shift adds a second group to the first.
    polygon2 = polygon + np.array([box["width"] * 0.3, 0.0])
    lasso(nb, view, polygon2, shift=True)
    second = np.flatnonzero(inside_polygon(view.to_page(points), polygon2))
    both = nb.kernel.wait_until(
        "w.selected_indices.tolist()", lambda v: len(v) > len(selected), timeout=30
    )
    near_edge |= set(np.flatnonzero(_near_edge(view.to_page(points), polygon2, 1.0)).tolist())
    assert set(both) ^ (set(expected.tolist()) | set(second.tolist())) <= near_edge

    # Clear from the browser; then select from Python and watch the map follow.
    nb.page.locator('.lm-root button[data-action="clear-selection"]').click()
    nb.kernel.wait_until("w.selected_indices.tolist()", [])
    nb.kernel.execute("w.selected_indices = [0, 1, 2, 3, 4]")
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.selected === '5'",
        what="the map to show the 5 rows selected from Python",
    )


def _near_edge(points: np.ndarray, polygon: np.ndarray, tolerance: float) -> np.ndarray:
    near = np.zeros(len(points), bool)
    closed = np.vstack([polygon, polygon[:1]])
    for a, b in itertools.pairwise(closed):
        ab = b - a
        t = np.clip(((points - a) @ ab) / (ab @ ab), 0, 1)
        near |= np.hypot(*(points - (a + t[:, None] * ab)).T) <= tolerance
    return near


def test_clicking_a_point_selects_it(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    page = view.to_page(points)
    box = view.box()
    centre = np.array([box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    target = int(np.argmin(np.hypot(*(page - centre).T)))
    nb.page.mouse.click(*page[target])
    selected = nb.kernel.wait_until("w.selected_indices.tolist()", lambda v: len(v) == 1)
    # The nearest point to the click; ties at the same pixel may pick either.
    assert np.hypot(*(page[selected[0]] - page[target])) < 1.0


def test_pinning_the_cursor_returns_its_exact_lifted_vector(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    (spot,) = view.empty_spots(points, 1)
    view.hover(spot)
    nb.page.keyboard.press("p")
    pins = nb.kernel.wait_until("w.pins.tolist()", lambda v: len(v) == 1)
    x, y = pins[0]
    expected_xy = view.to_data(spot)[0]
    v = view.view()
    pixel = (v["x1"] - v["x0"]) / view.box()["width"]
    assert abs(x - expected_xy[0]) < 2 * pixel
    assert abs(y - expected_xy[1]) < 2 * pixel
    pinned = np.array(nb.kernel.eval("w.pinned_vectors.tolist()"))
    lifted = np.array(nb.kernel.eval(f"w.lift({x!r}, {y!r}).tolist()"))
    np.testing.assert_array_equal(pinned[0], lifted)
    projected = nb.kernel.eval("w.project(w.pinned_vectors).tolist()")
    np.testing.assert_allclose(projected[0], [x, y], atol=1e-9)
    assert view.attr("pins") == "1"
    nb.screenshot("pinned", locator=view.root)

    nb.page.locator('.lm-root button[data-action="clear-pins"]').click()
    nb.kernel.wait_until("len(w.pinned_vectors)", 0)


def test_a_hundred_thousand_points_draw_and_preview(open_notebook):
    cell = (
        "import numpy as np, latent_magic\n"
        "from sklearn.decomposition import PCA\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(100_000, 12)) * np.linspace(3, 0.5, 12)\n"
        "labels = rng.integers(0, 8, 100_000)\n"
        "big = latent_magic.explore(PCA(6).fit(X), data=X, labels=labels)\n"
        "big"
    )
    nb, view = open_map(open_notebook, cell, 100_000, run_timeout=180, draw_timeout=120)
    # The canvas's own pixels, not the page's count of what it drew: paint where the points
    # are and nowhere else. The same check fails on a blank canvas and on the picture moved.
    points = view.points("big")
    rgba, drawn_view, css = view.map_picture()
    assert points_painted_report(rgba, drawn_view, points, css) == ""
    blank = points_painted_report(np.zeros_like(rgba), drawn_view, points, css)
    assert "cells holding points are blank" in blank
    moved = np.roll(rgba, rgba.shape[1] // 4, axis=1)
    assert points_painted_report(moved, drawn_view, points, css) != ""
    box = view.box()
    before = view.attr("preview-id")
    nb.page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=3)
    nb.wait_for_js(
        """(before) => { const r = document.querySelector('.lm-root');
                         return r.dataset.previewId && r.dataset.previewId !== before
                                && r.querySelector('.lm-preview-title').textContent; }""",
        before,
        what="a preview at 100,000 points",
    )
    nb.screenshot("hundred-thousand", locator=view.root)


def test_anchor_tool_makes_the_clicked_point_the_anchor(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    page = view.to_page(points)
    distances = np.hypot(*(page[:, None] - page[None]).transpose(2, 0, 1))
    np.fill_diagonal(distances, np.inf)
    box = view.box()
    inside = (page[:, 0] > box["x"] + 20) & (page[:, 0] < box["x"] + box["width"] - 20)
    lonely = int(np.argmax(np.where(inside, distances.min(axis=1), 0)))
    nb.page.locator('.lm-root button[data-tool="anchor"]').click()
    nb.page.mouse.click(*page[lonely])
    anchor = nb.kernel.wait_until(
        "w.anchor.tolist()",
        lambda a: np.allclose(a, nb.kernel.eval(f"w.latents[{lonely}].tolist()"), atol=1e-6),
    )
    # Lifting now keeps the anchor's off-plane components.
    lifted = np.array(nb.kernel.eval("w.lift(0.0, 0.0).tolist()"))
    basis = np.array(nb.kernel.eval("w._space.projection.basis.tolist()"))
    q, _ = np.linalg.qr(basis.T)
    np.testing.assert_allclose(lifted - q @ (q.T @ lifted), anchor - q @ (q.T @ anchor), atol=1e-5)


def test_labels_are_shown_as_text_never_as_html(open_notebook):
    cell = (
        "import numpy as np, latent_magic\n"
        "from sklearn.decomposition import PCA\n"
        "X = np.random.default_rng(1).normal(size=(40, 5))\n"
        "labels = np.array(['<img src=x onerror=\"window.pwned=1\"><b>bold</b>'] * 40)\n"
        "w = latent_magic.explore(PCA(3).fit(X), data=X, labels=labels)\n"
        "w"
    )
    nb, view = open_map(open_notebook, cell, 40)
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    nb.page.mouse.move(*view.to_page(points)[0])
    title = nb.wait_for_js(
        "() => document.querySelector('.lm-preview-title').textContent.includes('bold')"
        " && document.querySelector('.lm-preview-title').textContent",
        what="the hovered point's label",
    )
    assert title.startswith('<img src=x onerror="window.pwned=1"><b>bold</b>')
    assert nb.page.locator(".lm-root b, .lm-root img[src=x]").count() == 0
    assert nb.page.evaluate("() => window.pwned") is None
    legend_text = nb.page.locator(".lm-legend").inner_text()
    assert "<b>bold</b>" in legend_text


def test_the_quickstart_notebook_runs_in_the_browser(open_notebook):
    import nbformat

    path = pathlib.Path(__file__).parents[2] / "examples" / "quickstart.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    nb = open_notebook(cells)
    nb.run_all(timeout=120)
    nb.wait_for_js(
        """() => { const roots = document.querySelectorAll('.lm-root');
                   return roots.length === 2 && [...roots].every(
                       r => Number(r.dataset.drawn) === 1797); }""",
        what="both explorers of the quickstart (one inside a VBox) to draw 1,797 points",
    )
    second = nb.page.locator(".lm-root").nth(1)
    assert second.evaluate("r => r.closest('.widget-vbox') !== null")
    # Each map's pixels show its own widget's points (found by its model id in the kernel).
    for index in (0, 1):
        MapView(nb, index).assert_points_painted()
    nb.screenshot("quickstart-vbox", locator=second)


def test_a_million_points_are_all_drawn_and_a_lasso_is_exact(open_notebook):
    cell = (
        "import numpy as np, latent_magic\n"
        "rng = np.random.default_rng(0)\n"
        "Z = (rng.normal(size=(1_000_000, 8)) * np.linspace(2, 0.5, 8)).astype(np.float32)\n"
        "big = latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z)\n"
        "big"
    )
    nb, view = open_map(open_notebook, cell, 1_000_000, run_timeout=240, draw_timeout=180)
    nb.screenshot("million", locator=view.root)
    box = view.box()
    cx, cy = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5
    r = min(box["width"], box["height"]) * 0.12
    angles = np.linspace(0, 2 * np.pi, 11)[:-1]
    polygon = np.stack([cx + r * np.cos(angles), cy + 0.8 * r * np.sin(angles)], axis=1)
    lasso(nb, view, polygon)
    nb.kernel.wait_until("len(big.selected_indices)", lambda n: n > 1000, timeout=60)
    # The exact answer, computed in the kernel from the same polygon in data coordinates;
    # points within a pixel of the lasso's edge may fall either way.
    poly = view.to_data(polygon).tolist()
    pixel = (view.view()["x1"] - view.view()["x0"]) / box["width"]
    nb.kernel.execute(
        "from matplotlib.path import Path\n"
        "def lasso_check(poly, tol):\n"
        "    P, poly = big.points.astype(float), np.array(poly)\n"
        "    inside = Path(poly).contains_points(P)\n"
        "    chosen = np.isin(np.arange(len(P)), big.selected_indices)\n"
        "    gaps = []\n"
        "    for a, b in zip(poly, np.roll(poly, -1, axis=0)):\n"
        "        e, d = b - a, P - a\n"
        "        gaps.append(np.abs(e[0] * d[:, 1] - e[1] * d[:, 0]) / np.hypot(*e))\n"
        "    near = np.min(gaps, axis=0) < tol\n"
        "    return [int(inside.sum()), int(((inside != chosen) & ~near).sum())]\n"
    )
    check = nb.kernel.eval(f"lasso_check({poly!r}, {2 * pixel!r})", timeout=120)
    inside, wrong = check
    nb.page.wait_for_timeout(500)
    shot = nb.screenshot("million-lasso", locator=view.canvas)
    # What a user sees: the lassoed points in full colour, every other point faded.
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    scale = pixels.shape[1] / box["width"]
    cx_px, cy_px = int((cx - box["x"]) * scale), int((cy - box["y"]) * scale)
    half = int(0.4 * r * scale)
    inside_patch = pixels[cy_px - half : cy_px + half, cx_px - half : cx_px + half]
    outside_patch = pixels[cy_px - half : cy_px + half, cx_px + 3 * half : cx_px + 5 * half]
    assert inside_patch.mean() < outside_patch.mean() - 40, "the selection is not shown"
    assert inside > 1000
    assert wrong == 0
    assert view.attr("selected") == str(nb.kernel.eval("len(big.selected_indices)"))


def test_a_selection_over_the_servers_message_limit_reaches_python(open_notebook):
    # 3M points lassoed whole: 12 MB of indices, over the 10 MiB Jupyter's server accepts in
    # one websocket message from the page. (max_points: every point drawn, not a sample.)
    cell = (
        "import numpy as np, latent_magic\n"
        "Z = np.random.default_rng(1).normal(size=(3_000_000, 2)).astype(np.float32)\n"
        "huge = latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z,\n"
        "                            max_points=3_000_000)\n"
        "huge"
    )
    nb, view = open_map(open_notebook, cell, 3_000_000, run_timeout=300, draw_timeout=240)
    box = view.box()
    corners = [(0.01, 0.01), (0.99, 0.01), (0.99, 0.99), (0.01, 0.99)]
    polygon = np.array(
        [(box["x"] + box["width"] * u, box["y"] + box["height"] * v) for u, v in corners]
    )
    lasso(nb, view, polygon)
    # Every point shown is inside the lasso: Python gets them all, in order.
    nb.kernel.wait_until("len(huge.selected_indices)", lambda n: n > 0, timeout=120)
    check = "[len(huge.selected_indices), bool((huge.selected_indices == np.arange(len(Z))).all())]"
    assert nb.kernel.eval(check, timeout=60) == [3_000_000, True]
    assert view.attr("selected") == "3000000"
    # As large a group, and a direction made from it (no group crosses the limit either).
    nb.page.locator('button[data-action="set-group-a"]').click()
    nb.kernel.wait_until("len(huge.groups['A'])", 3_000_000, timeout=60)
    nb.kernel.execute("huge.groups = {'B': np.flatnonzero(Z[:, 0] < -2)}")
    nb.page.locator("input.lm-direction-name").fill("all_vs_left")
    nb.page.locator('button[data-action="make-direction"]').click()
    nb.kernel.wait_until("'all_vs_left' in huge.directions", True, timeout=60)
    x_component = nb.kernel.eval("float(huge.directions['all_vs_left'].unit[0])")
    assert x_component > 0.99  # from the far left towards the centre: along +x
    nb.assert_no_page_errors()
