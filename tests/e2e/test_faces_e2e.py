"""The real face GAN in the browser: hovering empty space between the samples paints a face
(the measure of tests/faces.py, read from the page's own pixels), equal to ``decode_at``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from .widget_page import PREVIEW_PIXELS_JS, open_map, spread_out

sys.path.insert(0, str(Path(__file__).parents[1]))  # tests/faces.py
from faces import is_face

pytestmark = pytest.mark.e2e

CELL = (
    "import sys, torch\n"
    f"sys.path.insert(0, {str(Path(__file__).parents[1])!r})\n"
    "from faces import face_generator\n"
    "torch.set_num_threads(1)\n"
    "import latent_magic\n"
    "w = latent_magic.explore(face_generator(), n_samples=500)\n"
    "w"
)


def _spots_between_samples(view, points: np.ndarray, count: int) -> np.ndarray:
    """Page positions in the inner half of the samples' extent, clear of every point by more
    than the pick radius (so the preview is of empty space), spread apart."""
    lo, hi = np.quantile(points, [0.25, 0.75], axis=0)
    grid = np.array(
        [(x, y) for x in np.linspace(lo[0], hi[0], 25) for y in np.linspace(lo[1], hi[1], 25)]
    )
    page, page_points = view.to_page(grid), view.to_page(points)
    clear = np.sqrt(((page[:, None] - page_points[None]) ** 2).sum(-1)).min(axis=1) > 9
    spots = page[clear]
    assert len(spots) >= count, "no empty space between the samples"
    return spread_out(spots, count)


def _shown_rgb(view) -> np.ndarray:
    view.nb.wait_for_js(
        """() => { const img = document.querySelector('.lm-preview img.lm-preview-image');
                   return img !== null && img.complete && img.naturalWidth === 64; }""",
        what="the 64×64 preview image to load",
    )
    data = view.nb.page.evaluate(PREVIEW_PIXELS_JS, 3)
    return np.array(data["px"], dtype=np.uint8).reshape(data["h"], data["w"], 3)


def test_hovering_empty_space_on_the_faces_map_paints_faces(open_notebook):
    nb, view = open_map(open_notebook, CELL, 500, run_timeout=240)
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    value_range = tuple(nb.kernel.eval("list(w._space.renderer.value_range)"))
    for k, spot in enumerate(_spots_between_samples(view, points, 3)):
        view.hover(spot)
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        shown = _shown_rgb(view)
        assert is_face(shown[None]).all(), f"spot {k} is not painted as a face"
        expected = np.moveaxis(view.decoded_pixels(spot, value_range), 0, -1)  # CHW → HWC
        np.testing.assert_allclose(shown, expected, atol=2)
        nb.screenshot(f"face-{k}", locator=view.root)
    caption = view.root.locator(".lm-preview-caption").inner_text()
    assert "off the data" not in caption
