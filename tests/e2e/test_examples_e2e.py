"""Each example notebook, run top to bottom in the real browser: its explorers draw, hovering
previews, and a screenshot of the first explorer is kept (the README shows them)."""

from __future__ import annotations

import pathlib

import nbformat
import pytest

from .widget_page import MapView

pytestmark = pytest.mark.e2e

EXAMPLES = sorted(
    p
    for p in (pathlib.Path(__file__).parents[2] / "examples").glob("*.ipynb")
    if p.stem != "quickstart"  # test_explorer_e2e runs the quickstart
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_notebook_in_the_browser(open_notebook, path):
    notebook = nbformat.read(path, as_version=4)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    nb = open_notebook(cells, name=path.name)
    nb.run_all(timeout=300)
    count = nb.wait_for_js(
        """() => { const roots = [...document.querySelectorAll('.lm-root')];
                   return roots.length > 0
                          && roots.every(r => Number(r.dataset.drawn) > 0) && roots.length; }""",
        timeout=120,
        what="every explorer in the notebook to draw its points",
    )
    assert count >= 1
    # Every map's pixels show its widget's points, and nothing where it has none.
    for index in range(count):
        MapView(nb, index).assert_points_painted()
    view = MapView(nb)
    view.root.scroll_into_view_if_needed()
    box = view.box()
    before = view.attr("preview-id")
    nb.page.mouse.move(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.4, steps=3)
    nb.wait_for_js(
        """(before) => { const r = document.querySelector('.lm-root');
                         return r.dataset.previewId && r.dataset.previewId !== before; }""",
        before,
        what="a preview after hovering the first explorer",
    )
    nb.page.wait_for_timeout(400)
    nb.screenshot(path.stem, locator=view.root)
