"""The map as a picture, in a real JupyterLab with headless Chromium: the toolbar's PNG button
downloads what the page shows (points, selection, pins, labels, overlay), and w.save_png of
the same view puts the points where the page does."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import binary_dilation

from .widget_page import MapView

pytestmark = pytest.mark.e2e

CELL = """
import numpy as np, latent_magic
rng = np.random.default_rng(3)
COLOURS = ("red", "blue", "green", "gold", "grey", "pink")
WORDS = [f"{a}{b}" for a in COLOURS for b in ("fox", "owl", "elk", "bee", "cat", "yak", "ant")]
GROUPS = [["warm", "cool", "earth", "metal"][i % 4] for i in range(len(WORDS))]
table = dict(zip(WORDS, rng.normal(size=(len(WORDS), 6)).astype(np.float32)))
w = latent_magic.explore(table, color=GROUPS)
w.selected_indices = np.array([1, 7, 20])
w.pin(*(w.points.mean(axis=0) + [0.3, 0.2]).tolist())
w
"""


def point_mask(rgb: np.ndarray, palette: list[str]) -> dict[str, np.ndarray]:
    """Per colour of the palette, the pixels drawn in it (exactly)."""
    masks = {}
    for color in palette:
        v = int(color.lstrip("#"), 16)
        want = np.array([(v >> 16) & 255, (v >> 8) & 255, v & 255])
        masks[color] = (rgb == want).all(axis=2)
    return masks


def coloured(rgb: np.ndarray) -> np.ndarray:
    """The pixels of points, pins and the anchor: coloured, where text, grid lines and the
    background are grey."""
    return (rgb.max(axis=2) - rgb.min(axis=2)) > 12


def test_the_png_button_downloads_the_map_as_the_page_shows_it(open_notebook):
    nb = open_notebook([CELL])
    nb.run_cell(0, timeout=180)
    view = MapView(nb)
    n = len(nb.kernel.eval("WORDS"))
    view.wait_drawn(n)
    view.root.scroll_into_view_if_needed()
    nb.wait_for_js(
        """() => { const r = document.querySelector('.lm-root');
                   return r.dataset.labels && JSON.parse(r.dataset.labels).length > 5
                          && Number(r.dataset.selected) === 3 && Number(r.dataset.pins) === 1; }""",
        what="the labels, the selection and the pin on the map",
    )
    # The page reports its settled view to the kernel (w.view): save_png draws that view.
    deadline = time.monotonic() + 30
    while nb.kernel.eval("w.view") is None:
        assert time.monotonic() < deadline, "the page never reported its view (w.view)"
        time.sleep(0.1)
    button = view.root.locator('[data-action="save-png"]')
    with nb.page.expect_download() as caught:
        button.click()
    download = caught.value
    assert download.suggested_filename == "latent_map.png"
    saved = nb.artifact_dir / "downloaded.png"
    nb.artifact_dir.mkdir(parents=True, exist_ok=True)
    download.save_as(saved)
    nb.wait_for_js(
        "() => (document.querySelector('.lm-root').dataset.notice || '').startsWith('Saved')",
        what="the notice that the picture was saved",
    )
    picture = np.asarray(Image.open(saved).convert("RGB")).astype(int)

    # The map element as the screen shows it (the mouse is on the toolbar: no hover ring).
    shot_path = nb.screenshot("map-element", view.root.locator(".lm-map"))
    whole = np.asarray(Image.open(shot_path).convert("RGB")).astype(int)
    h, w = picture.shape[:2]
    assert whole.shape[0] - h in (0, 1), (picture.shape, whole.shape)  # a box at a fraction
    assert whole.shape[1] - w in (0, 1), (picture.shape, whole.shape)
    shot = min(
        (whole[dy : dy + h, dx : dx + w] for dy in (0, 1) for dx in (0, 1)),
        key=lambda crop: np.inf if crop.shape != picture.shape else np.abs(crop - picture).sum(),
    )
    differs = np.abs(picture - shot).max(axis=2) > 24
    assert differs.mean() < 0.002, f"{differs.mean():.2%} of the pixels differ from the page"

    # The selected points keep their colours; the others are faded; all are where the page
    # draws them (exact, above), and the labels are in the picture.
    palette = nb.kernel.eval("w._palette")
    selected = nb.kernel.eval("[w.point_colors[i] for i in w.selected_indices]")
    for color, mask in point_mask(picture, palette).items():
        assert (mask.sum() > 20) == (color in selected), color
    labels = json.loads(view.attr("labels"))
    for _i, x, y, w, h in labels[:10]:
        box = picture[int(y) : int(y + h), int(x) : int(x + w)]
        assert (box.max(axis=2) < 90).sum() > 5, "a placed label's text is in the picture"

    # w.save_png of the same view draws the points where the page does.
    kernel_png = nb.artifact_dir / "save_png.png"
    nb.kernel.eval(f"str(w.save_png({str(kernel_png)!r}, scale=1))")
    kernel = np.asarray(Image.open(kernel_png).convert("RGB")).astype(int)
    assert abs(kernel.shape[1] - picture.shape[1]) <= 1
    assert kernel.shape[0] == picture.shape[0]
    width = min(kernel.shape[1], picture.shape[1])
    page_ink, kernel_ink = coloured(picture[:, :width]), coloured(kernel[:, :width])
    assert kernel_ink.sum() > 500
    near_page = binary_dilation(page_ink, iterations=2)
    near_kernel = binary_dilation(kernel_ink, iterations=2)
    assert (kernel_ink & ~near_page).sum() <= 0.03 * kernel_ink.sum()
    assert (page_ink & ~near_kernel).sum() <= 0.03 * page_ink.sum()
    for color in selected:  # the selected points, in their own colours, in both
        page_mask = point_mask(picture[:, :width], [color])[color]
        kernel_mask = point_mask(kernel[:, :width], [color])[color]
        assert (kernel_mask & ~binary_dilation(page_mask, iterations=2)).sum() <= 3, color
