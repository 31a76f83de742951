"""A table bigger than the page holds (issue: past one machine), in a real JupyterLab with
headless Chromium, on a Dask ``LocalCluster`` started in the notebook: the page draws a sample
over the density of every row, a zoom counts the density of the new view, and a lasso on the
page selects among all rows in the kernel."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .widget_page import MapView, lasso, points_painted_report

pytestmark = pytest.mark.e2e

N, SHOWN = 300_000, 20_000

CELL = f"""
import numpy as np, dask.array as da
from distributed import Client, LocalCluster
import latent_magic as lm
client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                             dashboard_address=None))
rng = np.random.default_rng(0)
kind = np.arange({N}) % 3
Z = rng.normal(size=({N}, 6)) * np.linspace(2.0, 0.3, 6)
Z[:, 0] += np.array([-6.0, 0.0, 6.0])[kind]
Z[:, 1] += np.array([0.0, 5.0, 0.0])[kind]
W = rng.normal(size=(6, 64))
table = da.from_array(Z.astype(np.float32), chunks=50_000)
w = lm.explore(decode=lambda z: np.tanh(np.asarray(z) @ W), latent_dim=6, data=table,
               labels=kind, image_shape=(8, 8), max_points={SHOWN})
w
"""


# The page's density is newer than `id` and counts the view the page shows now.
SAME_VIEW_JS = """(id) => {
  const r = document.querySelector('.lm-root');
  const v = JSON.parse(r.dataset.view), d = JSON.parse(r.dataset.density);
  const near = (a, b) => Math.abs(a - b) <= 1e-6 * (v.x1 - v.x0);
  return d.id > id && near(d.bounds[0], v.x0) && near(d.bounds[1], v.x1)
    && near(d.bounds[2], v.y0) && near(d.bounds[3], v.y1);
}"""


def density_meta(view: MapView) -> dict:
    text = view.attr("density")
    return json.loads(text) if text else {}


def test_a_big_table_draws_its_sample_over_the_density_of_every_row(open_notebook):
    nb = open_notebook([CELL], name="big-table.ipynb")
    nb.run_cell(0, timeout=240)
    view = MapView(nb)
    view.wait_drawn(SHOWN, timeout=90)
    view.root.scroll_into_view_if_needed()
    nb.wait_for_js(
        "() => { const r = document.querySelector('.lm-root');"
        " return r.dataset.density && JSON.parse(r.dataset.density).total > 0; }",
        what="the density painted",
    )
    meta = density_meta(view)
    assert meta["total"] == N
    assert meta["shown"] == SHOWN
    status = view.root.locator(".lm-status").inner_text()
    assert f"showing {SHOWN:,} of {N:,} points · density of all {N:,}" in status

    # The density canvas paints where the rows of the whole table are, and nowhere else.
    every_row = np.array(nb.kernel.eval("w._big.table.positions.compute().tolist()"))
    nb.wait_for_js(
        "() => JSON.parse(document.querySelector('.lm-root').dataset.density).id >= 2",
        what="the density of the page's own view",
    )
    page_view = view.view()
    rgba = view.canvas_rgba("canvas.lm-density")
    css = (view.box()["width"], view.box()["height"])
    report = points_painted_report(rgba, page_view, every_row, css)
    assert report == "", report
    nb.screenshot("big-table", locator=view.root)

    # Zoomed in on the right cluster: the kernel counts that view again, every row in it.
    nb.page.mouse.move(*view.to_page(np.array([[6.0, 0.0]]))[0])
    before = density_meta(view)["id"]
    for _ in range(6):
        nb.page.mouse.wheel(0, -200)
        nb.page.wait_for_timeout(40)
    nb.wait_for_js(
        SAME_VIEW_JS,
        before,
        what="the density of the zoomed view",
        timeout=60,
    )
    zoomed = view.view()
    meta = json.loads(nb.kernel.eval("__import__('json').dumps(w._density_meta)"))
    x0, x1, y0, y1 = meta["bounds"]
    assert np.allclose([x0, x1, y0, y1], [zoomed[k] for k in ("x0", "x1", "y0", "y1")], rtol=1e-5)
    assert x1 - x0 < 4  # zoomed in
    x, y = every_row[:, 0], every_row[:, 1]
    inside = int(((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).sum())
    assert meta["in_view"] == inside
    rgba = view.canvas_rgba("canvas.lm-density")
    report = points_painted_report(rgba, zoomed, every_row[(x >= x0) & (x <= x1)], css)
    assert report == "", report
    nb.screenshot("big-table-zoomed", locator=view.root)

    # Back to the whole map; a lasso around the left cluster selects all its rows in Python.
    view.root.locator('button[data-action="reset-view"]').click()
    nb.page.wait_for_timeout(300)
    corners = np.array([[-14.0, -7.0], [-1.5, -7.0], [-1.5, 7.0], [-14.0, 7.0]])
    lasso(nb, view, view.to_page(corners))
    nb.wait_for_js(
        "() => Number(document.querySelector('.lm-root').dataset.selected) > 0",
        what="the sampled points inside the lasso ringed",
        timeout=60,
    )
    count = nb.kernel.eval("w._big.selection.count")
    left = int(((x >= -14) & (x <= -1.5) & (y >= -7) & (y <= 7)).sum())
    # All rows inside, not the sample's: the page's lasso polygon follows the drag within a
    # few pixels of the corners, so a handful of edge rows may differ.
    assert abs(count - left) <= 0.01 * left, (count, left)
    assert count > 5 * int(view.attr("selected"))
    rows = np.array(nb.kernel.eval("w.selected_indices.compute().tolist()"))
    assert len(rows) == count
    assert np.mean(rows % 3 == 0) > 0.8  # mostly the left cluster's kind
    status = view.root.locator(".lm-status").inner_text()
    assert f"{count:,} of {N:,} rows selected" in status
    nb.screenshot("big-table-lasso", locator=view.root)
