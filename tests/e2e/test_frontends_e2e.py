"""The widget in the front ends besides JupyterLab: Notebook 7 and marimo (``mo.ui.anywidget``,
a selection in the page reaching a dependent cell). Each is a real server with headless
Chromium; the map is checked by its pixels, the previews against the kernel's decodes."""

from __future__ import annotations

import ast
import itertools
import re
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

import latent_magic

from .frontends import (
    MarimoMapView,
    MarimoPage,
    MarimoServer,
    Notebook7Session,
    NotebookServer,
)
from .widget_page import (
    QUICKSTART,
    MapView,
    assert_quickstart_point_preview,
    inside_polygon,
    lasso,
)

pytestmark = pytest.mark.e2e

DIGITS = (0.0, 16.0)  # the quickstart's pixel values

#: The quickstart in marimo: the widget, its view (`mo.ui.anywidget`), and a cell that
#: depends on the view, so it runs again whenever the page changes the widget's state.
MARIMO_NOTEBOOK = """\
import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import latent_magic
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    X, y = load_digits(return_X_y=True)
    pca = PCA(n_components=16).fit(X)
    w = latent_magic.explore(pca, data=X, labels=y, image_shape=(8, 8))
    return mo, w


@app.cell
def _(mo, w):
    view = mo.ui.anywidget(w)
    view
    return (view,)


@app.cell
def _(mo, view):
    rows = view.selected_indices.tolist()
    mo.md(f"selected {len(rows)} rows: {rows}")
    return


@app.cell
def _(mo, w):
    def select_first_three(clicks):
        w.selected_indices = [0, 1, 2]
        return clicks + 1

    mo.ui.button(value=0, label="Select rows 0, 1, 2", on_click=select_first_three)
    return


if __name__ == "__main__":
    app.run()
"""


# --------------------------------------------------------------------------------------
# what both front ends must show
# --------------------------------------------------------------------------------------


def legend_colours(view: MapView) -> np.ndarray:
    """``(k, 3)`` the RGB of the legend's swatches, as the page paints them."""
    css = view.root.locator(".lm-legend .lm-swatch").evaluate_all(
        "(els) => els.map((e) => getComputedStyle(e).backgroundColor)"
    )
    return np.array([[int(v) for v in re.findall(r"\d+", c)[:3]] for c in css])


def assert_drawn_in_legend_colours(rgba: np.ndarray, colours: np.ndarray) -> None:
    """The map's opaque pixels are the legend's colours (points are opaque discs), and every
    colour of the legend is on the map (each class holds about a tenth of the digits)."""
    opaque = rgba[rgba[..., 3] == 255][:, :3].astype(int)
    assert len(opaque) > 2000, f"only {len(opaque)} opaque pixels: the map is hardly drawn"
    distance = np.abs(opaque[:, None, :] - colours[None]).max(axis=2)  # (pixels, colours)
    nearest = distance.argmin(axis=1)
    matched = distance.min(axis=1) <= 3
    assert matched.mean() > 0.95, (
        f"{(~matched).sum()} of {len(opaque)} opaque pixels are in no legend colour"
    )
    shares = np.bincount(nearest[matched], minlength=len(colours)) / matched.sum()
    assert shares.min() > 0.03, f"legend colours' shares of the map: {shares.round(3)}"


def lasso_polygon(view: MapView) -> np.ndarray:
    """An octagon over the map's left middle (page pixels)."""
    box = view.box()
    cx, cy = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.45
    r = min(box["width"], box["height"]) * 0.18
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    return np.stack([cx + r * np.cos(angles), cy + 0.7 * r * np.sin(angles)], axis=1)


def lasso_rows(view: MapView, points: np.ndarray, polygon: np.ndarray) -> tuple[set, set]:
    """The rows inside ``polygon`` and those within a pixel of its edge (either way)."""
    page = view.to_page(points)
    inside = set(np.flatnonzero(inside_polygon(page, polygon)).tolist())
    closed = np.vstack([polygon, polygon[:1]])
    near = np.zeros(len(page), bool)
    for a, b in itertools.pairwise(closed):
        ab = b - a
        t = np.clip(((page - a) @ ab) / (ab @ ab), 0, 1)
        near |= np.hypot(*(page - (a + t[:, None] * ab)).T) <= 1.0
    return inside, set(np.flatnonzero(near).tolist())


def assert_empty_space_preview(view: MapView, points: np.ndarray) -> None:
    """Hovering empty space shows what ``w.decode_at`` gives there, pixel for pixel."""
    (spot,) = view.empty_spots(points, 1)
    view.hover(spot)
    assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
    shown = view.preview_pixels()
    np.testing.assert_allclose(shown, view.decoded_pixels(spot, DIGITS).reshape(8, 8), atol=2)


# --------------------------------------------------------------------------------------
# Notebook 7
# --------------------------------------------------------------------------------------


@pytest.fixture
def notebook7(request, e2e_tmp, browser_context, artifact_dir):
    """``open(cells) -> Notebook7Session`` on a fresh ``jupyter notebook`` server."""
    server = NotebookServer(e2e_tmp / f"notebook7-{artifact_dir.name}", artifact_dir / "server.log")
    server.start()
    sessions: list[Notebook7Session] = []
    request.node._e2e_sessions = sessions  # page errors fail the test (conftest.py)
    asked: list[str] = []  # every URL the pages asked for, from the first

    def _open(cells: list[str]) -> Notebook7Session:
        path = server.write_notebook(cells, f"notebook7-{len(sessions)}.ipynb")
        session = Notebook7Session(server, browser_context, path, artifact_dir)
        session.requests = asked
        sessions.append(session)
        return session

    def on_request(r) -> None:
        asked.append(r.url)

    browser_context.on("request", on_request)
    try:
        yield _open
    finally:
        browser_context.remove_listener("request", on_request)
        for s in sessions:
            try:
                s.flush_page_events()
                s.write_logs()
            finally:
                s.close(shutdown_kernel=True)
        server.stop()


def test_notebook7_draws_previews_and_selects(notebook7):
    nb = notebook7([QUICKSTART])
    # Notebook 7's own page and application, not JupyterLab's.
    assert "/notebooks/" in nb.page.url
    assert nb.page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    nb.run_cell(0, timeout=120)
    view = MapView(nb)
    view.wait_drawn(1797, timeout=60)

    # The map's pixels: where the kernel's points are, in the legend's colours.
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    rgba = view.assert_points_painted(points)
    assert_drawn_in_legend_colours(rgba, legend_colours(view))
    nb.screenshot("notebook7-map")

    # A point's preview (its row, its input and reconstruction from the kernel), and empty
    # space decoded as w.decode_at decodes it.
    assert_quickstart_point_preview(nb, view)
    assert_empty_space_preview(view, points)
    nb.screenshot("notebook7-hover", locator=view.root)

    # A lasso in the page is the selection in the kernel.
    polygon = lasso_polygon(view)
    lasso(nb, view, polygon)
    inside, near_edge = lasso_rows(view, points, polygon)
    assert 20 < len(inside) < 1700
    selected = nb.kernel.wait_until("w.selected_indices.tolist()", lambda v: len(v) > 0)
    assert set(selected) ^ inside <= near_edge
    assert view.attr("selected") == str(len(selected))
    nb.screenshot("notebook7-lasso")

    # And back: a selection made in Python is shown by the page.
    nb.kernel.execute("w.selected_indices = [0, 1, 2]")
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.selected === '3'",
        what="the map to show the 3 rows selected from Python",
    )
    assert len(nb.notebook_errors) <= 1, nb.notebook_errors  # Notebook's own, once at load

    # Offline: the page asked nothing of any server but Notebook's.
    own = (nb.server.url + "/", "data:", "blob:")
    assert len(nb.requests) > 10, "the page's requests were not recorded"
    assert [u for u in nb.requests if not u.startswith(own)] == []


# --------------------------------------------------------------------------------------
# marimo
# --------------------------------------------------------------------------------------


@pytest.fixture
def quickstart_reference():
    """The quickstart's widget built here: what the marimo kernel's copy must equal (same
    data, same deterministic PCA), read without a kernel client."""
    X, y = load_digits(return_X_y=True)
    w = latent_magic.explore(PCA(n_components=16).fit(X), data=X, labels=y, image_shape=(8, 8))
    return w, X, y


@pytest.fixture(params=["edit", "run"])
def marimo_page(request, e2e_tmp, browser_context, artifact_dir):
    """The notebook in ``marimo edit`` (cells run as it opens) or ``marimo run`` (an app)."""
    server = MarimoServer(
        e2e_tmp / f"marimo-{artifact_dir.name}",
        artifact_dir / "server.log",
        notebook="explore.py",
        mode=request.param,
        python=sys.executable,
    )
    server.write_notebook(MARIMO_NOTEBOOK)
    server.start()
    pages: list[MarimoPage] = []
    request.node._e2e_sessions = pages  # page errors fail the test (conftest.py)
    try:
        pages.append(MarimoPage(server, browser_context, artifact_dir))
        yield pages[0]
    finally:
        for p in pages:
            p.flush_page_events()
            p.write_logs()
            p.close()
        server.stop()


def selected_rows(text: str) -> list[int]:
    """The rows the dependent cell printed: ``selected <n> rows: [..]``."""
    match = re.search(r"selected (\d+) rows: (\[[\d, ]*\])", text)
    assert match, f"not the dependent cell's output: {text!r}"
    rows = ast.literal_eval(match.group(2))
    assert len(rows) == int(match.group(1))
    return rows


def test_marimo_draws_previews_and_a_selection_reaches_a_dependent_cell(
    marimo_page, quickstart_reference
):
    nb = marimo_page
    reference, X, y = quickstart_reference
    view = MarimoMapView(nb, reference)
    view.wait_drawn(1797, timeout=120)
    assert selected_rows(nb.wait_output(r"selected 0 rows")) == []

    # The map's pixels: where the points are, in the legend's colours.
    points = view.points()
    rgba = view.assert_points_painted(points)
    assert_drawn_in_legend_colours(rgba, legend_colours(view))
    nb.screenshot("marimo-map")

    # A point's preview: its label and row, its input's pixels beside its reconstruction
    # (asked of the kernel through marimo's comm).
    (spot,) = view.lonely_points(points, 1)
    row = int(np.argmin(np.hypot(*(view.to_page(points) - spot).T)))
    view.hover(spot)
    assert view.root.locator(".lm-preview-title").inner_text() == f"{y[row]} · row {row}"
    shown = view.preview_pixels()
    assert shown.shape == (8, 17)
    scaled = (np.clip(X[row] / 16, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(8, 8)
    np.testing.assert_allclose(shown[:, :8], scaled, atol=2)
    assert_empty_space_preview(view, points)
    nb.screenshot("marimo-hover", locator=view.root)

    # A lasso in the page: the dependent cell runs again and prints the same rows.
    polygon = lasso_polygon(view)
    lasso(nb, view, polygon)
    inside, near_edge = lasso_rows(view, points, polygon)
    assert 20 < len(inside) < 1700
    text = nb.wait_output(r"selected [1-9]\d* rows", timeout=60)
    rows = selected_rows(text)
    assert set(rows) ^ inside <= near_edge
    assert view.attr("selected") == str(len(rows))
    nb.screenshot("marimo-lasso")
    dependent = nb.page.locator(".output-area", has_text=f"selected {len(rows)} rows").first
    dependent.scroll_into_view_if_needed()
    nb.screenshot("marimo-dependent-cell")

    # Cleared in the page: the dependent cell says so.
    view.root.locator('button[data-action="clear-selection"]').click()
    assert selected_rows(nb.wait_output(r"selected 0 rows", timeout=60)) == []

    # Selected in Python (a button's callback sets w.selected_indices): the map shows it.
    # marimo re-runs the cells that read `view` for the page's changes only, so the
    # dependent cell still shows the page's last selection (the README says so).
    nb.page.get_by_role("button", name="Select rows 0, 1, 2").click()
    view.wait_root(
        "(root) => root.dataset.selected === '3'", None, "the map to show 3 rows selected"
    )
    nb.page.wait_for_timeout(1000)
    assert nb.wait_output(r"selected \d+ rows").startswith("selected 0 rows")
    nb.screenshot("marimo-selected-from-python")

    # Offline: the page asked nothing of any server but marimo's.
    assert len(nb.requests) > 10, "the page's requests were not recorded"
    assert nb.foreign_requests() == []
