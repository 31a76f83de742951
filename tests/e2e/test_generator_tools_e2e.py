"""Generator tools in the widget (issue 17), in a real JupyterLab with headless Chromium:
joining two pins shows the decoded way between them and draws it; local directions of the
selection join the pickers."""

from __future__ import annotations

import numpy as np
import pytest

from .widget_page import STRIP_PIXELS_JS, open_map

pytestmark = pytest.mark.e2e

GENERATOR = (
    "import latent_magic, torch\n"
    "from torch import nn\n"
    "torch.manual_seed(0)\n"
    "G = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 256), nn.Tanh(),\n"
    "                  nn.Unflatten(1, (1, 16, 16)))\n"
    "w = latent_magic.explore(G, latent_dim=8, n_samples=500)\n"
    "w"
)


def test_joining_two_pins_shows_the_decoded_way_and_draws_it(open_notebook):
    nb, view = open_map(open_notebook, GENERATOR, 500)
    view.root.scroll_into_view_if_needed()
    nb.kernel.execute("w.pin(-1.5, -1.0); w.pin(1.5, 1.2)")
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.pins === '2'", what="the two pins"
    )
    view.root.locator('button[data-action="join-pins"]').click()
    nb.wait_for_js(
        "() => Number(document.querySelector('.lm-root .lm-strip')?.dataset.steps) === 9",
        what="the decoded way between the pins",
    )
    nb.page.wait_for_timeout(300)
    title = view.root.locator(".lm-strip-title").inner_text()
    assert title.startswith("slerp: the last two pins")
    expected = np.array(
        nb.kernel.eval(
            "w.interpolate(*w.pinned_vectors[-2:], steps=9).outputs.reshape(9, 16, 16).tolist()"
        )
    )
    for tile, output in zip(nb.page.evaluate(STRIP_PIXELS_JS), expected, strict=True):
        shown = np.array(tile["px"], np.uint8).reshape(tile["h"], tile["w"], 4)[:, :, 0]
        scaled = np.floor(np.clip((output + 1) / 2, 0, 1) * 255 + 0.5)
        assert np.abs(shown.astype(int) - scaled).max() <= 1
    # The way is drawn on the map: a dot at every step, in the path's colour (#f08c00)
    path = np.array(nb.kernel.eval("w._path"))
    assert path.shape == (9, 2)
    rgba = view.canvas_rgba(".lm-root canvas.lm-overlay")
    scale = rgba.shape[1] / view.box()["width"]
    colour = (
        (np.abs(rgba[..., 0].astype(int) - 0xF0) < 30)
        & (np.abs(rgba[..., 1].astype(int) - 0x8C) < 30)
        & (rgba[..., 2] < 60)
        & (rgba[..., 3] > 200)
    )
    box = view.box()
    # (the ends are the pins, drawn over it)
    for x, y in view.to_page(path[1:-1]) - [box["x"], box["y"]]:
        near = colour[
            int(y * scale) - 4 : int(y * scale) + 5, int(x * scale) - 4 : int(x * scale) + 5
        ]
        assert near.sum() > 10, f"no path drawn at ({x:.0f}, {y:.0f})"
    nb.screenshot("joined-pins", locator=view.root)


def test_local_directions_of_the_selection_join_the_pickers(open_notebook):
    nb, view = open_map(open_notebook, GENERATOR, 500)
    view.root.scroll_into_view_if_needed()
    nb.kernel.execute("w.selected_indices = list(range(60))")
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.selected === '60'",
        what="the selection shown",
    )
    view.root.locator('button[data-action="local-directions"]').click()
    # The notice says what was made (it shows for a few seconds: caught as it comes).
    nb.wait_for_js(
        "() => (document.querySelector('.lm-root').dataset.notice || '')"
        ".includes('directions of the 60 selected points')",
        what="the notice of the local directions",
    )
    nb.kernel.wait_until(
        "sorted(k for k in w.directions if k.startswith('local'))",
        ["local 1", "local 2", "local 3"],
    )
    nb.wait_for_js(
        "() => [...document.querySelectorAll('.lm-root select.lm-axis-x option')]"
        ".some(o => o.value === 'local 1')",
        what="local 1 among the axis choices",
    )


DIGITS = (
    "import latent_magic\n"
    "from sklearn.datasets import load_digits\n"
    "from sklearn.decomposition import PCA\n"
    "X, y = load_digits(return_X_y=True)\n"
    "pca = PCA(n_components=16).fit(X)\n"
    "w = latent_magic.explore(pca, X, labels=y, image_shape=(8, 8))\n"
    "w"
)


def test_a_grid_over_the_two_axes_is_painted_as_one_picture(open_notebook):
    nb, view = open_map(open_notebook, DIGITS, 1797)
    view.root.scroll_into_view_if_needed()
    # How entangled the axes are is said beside the pickers: principal axes are orthogonal.
    assert "cos x·y 0.00" in view.root.locator(".lm-entangled").inner_text()
    view.root.locator('button[data-action="grid"]').click()
    nb.wait_for_js(
        "() => document.querySelector('.lm-root .lm-strip')?.dataset.grid === '7x7'",
        what="the 7 × 7 grid",
    )
    nb.page.wait_for_timeout(300)
    tiles = nb.page.evaluate(STRIP_PIXELS_JS)
    assert len(tiles) == 49
    outputs = np.array(nb.kernel.eval("w.grid('PC 1', 'PC 2').outputs.reshape(49, 8, 8).tolist()"))
    for tile, output in zip(tiles, outputs, strict=True):
        shown = np.array(tile["px"], np.uint8).reshape(tile["h"], tile["w"], 4)[:, :, 0]
        expected = np.floor(np.clip(output / 16, 0, 1) * 255 + 0.5)
        assert np.abs(shown.astype(int) - expected).max() <= 1
    nb.screenshot("grid", locator=view.root)

    # ⊥ makes a y axis independent of x: a new direction, shown as the y axis.
    nb.kernel.execute(
        "w.add_direction(w.directions['PC 1'].vector + w.directions['PC 2'].vector, name='mix')"
    )
    nb.kernel.execute("w.set_axes('PC 1', 'mix')")
    nb.wait_for_js(
        "() => document.querySelector('.lm-root .lm-entangled').textContent.includes('cos x·y 0.')"
        " && !document.querySelector('.lm-root .lm-entangled').textContent.includes('0.00')",
        what="the entangled axes said",
    )
    view.root.locator('button[data-action="orthogonalize"]').click()
    nb.kernel.wait_until("list(w._axes)", ["PC 1", "mix ⊥ PC 1"])
    nb.wait_for_js(
        "() => document.querySelector('.lm-root .lm-entangled').textContent"
        ".includes('cos x·y 0.00')",
        what="independent axes said",
    )
