"""Generators and embedding tables in the real browser."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from .widget_page import open_map, set_theme

pytestmark = pytest.mark.e2e

GENERATOR = (
    "%load_ext latent_magic\n"
    "import torch\n"
    "from torch import nn\n"
    "torch.manual_seed(0)\n"
    "class Generator(nn.Module):\n"
    "    nz = 6\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.net = nn.Sequential(\n"
    "            nn.ConvTranspose2d(6, 16, 4, 1, 0), nn.ReLU(),\n"
    "            nn.ConvTranspose2d(16, 1, 4, 2, 1), nn.Tanh())\n"
    "    def forward(self, z):\n"
    "        return self.net(z)\n"
    "G = Generator()\n"
    "w = %latent explore G --samples 500"
)


def test_a_gan_explored_without_data_decodes_empty_space(open_notebook):
    nb, view = open_map(open_notebook, GENERATOR, 500, run_timeout=180)
    points = view.points()
    spot_a, spot_b = view.empty_spots(points, 2, clearance=15.0)
    shown = []
    for spot in (spot_a, spot_b):
        view.hover(spot)
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        pixels = view.preview_pixels()
        expected = view.decoded_pixels(spot)
        assert pixels.shape == expected.shape == (8, 8)
        np.testing.assert_allclose(pixels, expected, atol=2)
        shown.append(pixels.astype(int))
    assert np.abs(shown[0] - shown[1]).max() > 20, "the preview did not change"
    nb.screenshot("gan-empty-space", locator=view.root)


CAPTION = ".lm-preview-caption canvas"

MLP_GENERATOR = (
    "import latent_magic, torch\n"
    "from torch import nn\n"
    "torch.manual_seed(0)\n"
    "G = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 256), nn.Tanh(),\n"
    "                  nn.Unflatten(1, (1, 16, 16)))\n"
    # The affine lift is one affine map, which the page folds into the decoder's first layer
    # (a generator's default, local lift decodes in the kernel).
    "w = latent_magic.explore(G, latent_dim=4, n_samples=500, lift='affine')\n"
    "w"
)


def test_an_mlp_decoder_previews_in_the_page_while_the_kernel_is_busy(open_notebook):
    nb, view = open_map(open_notebook, MLP_GENERATOR, 500, run_timeout=180)
    points = view.points()
    spots = view.empty_spots(points, 2, clearance=15.0)
    # The kernel answers previews only after a long while: every preview below is decoded by
    # the page alone. (A sleeping cell would not do: JupyterLab 4 sends widget messages to a
    # kernel subshell, which answers them while a cell runs.)
    nb.kernel.execute(
        "import time\n"
        "_decode = w._requests._handlers['decode']\n"
        "w._requests._handlers['decode'] = lambda c, b: (time.sleep(8), _decode(c, b))"
    )
    busy = threading.Thread(target=time.sleep, args=(8,))
    busy.start()
    shown = []
    for spot in spots:
        view.hover(spot)
        assert view.attr("preview-source") == "client"
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        shown.append(view.preview_pixels())
        # The caption is painted: the coordinates, and no distance line until the kernel has
        # measured it; its text (transparent, for readers) follows once the pointer rests.
        coords_ink, distance_ink, _ = view.caption_ink()
        assert coords_ink > 50, "the coordinates are not painted"
        assert distance_ink == 0, "a distance line from another spot is shown"
        assert view.root.locator(".lm-preview-caption").inner_text().startswith("x ")
    assert busy.is_alive(), "the kernel's answers were due: the previews may have come from it"
    nb.screenshot("mlp-client-preview", locator=view.root)
    busy.join()
    nb.kernel.execute("w._requests._handlers['decode'] = _decode")
    for spot, pixels in zip(spots, shown, strict=True):
        expected = view.decoded_pixels(spot)
        assert pixels.shape == expected.shape == (16, 16)
        np.testing.assert_allclose(pixels, expected, atol=2)
    assert np.abs(shown[0].astype(int) - shown[1]).max() > 20, "the preview did not change"
    # With the kernel free again, a resting pointer gets the kernel's line: how far from data.
    view.hover(spots[0] + np.array([3.0, 0.0]))
    caption = view.root.locator(".lm-preview-caption")
    nb.wait_for_js(
        "() => document.querySelector('.lm-preview-caption').textContent.includes('spacing')",
        what="the distance line after the pointer rests",
    )
    assert "typical spacing from the data" in caption.inner_text()
    coords_ink, distance_ink, _ = view.caption_ink()
    assert coords_ink > 50, "the coordinates are not painted"
    assert distance_ink > 50, "the distance line is not painted"
    nb.screenshot("mlp-kernel-caption", locator=view.root)


def test_a_caption_set_while_hidden_is_painted_once_shown(open_notebook):
    nb, view = open_map(open_notebook, MLP_GENERATOR, 500, run_timeout=180)
    spots = view.empty_spots(view.points(), 2, clearance=15.0)
    view.hover(spots[0])
    text_before = view.root.locator(".lm-preview-caption").inner_text()
    before = view.canvas_rgba(CAPTION)
    panel = "document.querySelector('.lm-preview').style.display"
    nb.page.evaluate(f"() => {{ {panel} = 'none'; }}")
    nb.page.mouse.move(float(spots[1][0]), float(spots[1][1]), steps=4)
    nb.page.wait_for_timeout(400)  # the previews for the new spot arrive while hidden
    nb.page.evaluate(f"() => {{ {panel} = ''; }}")
    nb.page.wait_for_timeout(200)
    caption = view.root.locator(".lm-preview-caption").inner_text()
    assert caption.startswith("x ")
    assert caption != text_before, "no preview came for the new spot"
    shown = view.canvas_rgba(CAPTION)
    assert not np.array_equal(shown, before), "the caption still shows the old spot"
    assert view.caption_ink()[0] > 50


TABLE = (
    "%load_ext latent_magic\n"
    "import numpy as np\n"
    "rng = np.random.default_rng(0)\n"
    "topics = {'animal': ['cat', 'dog', 'horse', 'sheep', 'spider'],\n"
    "          'vehicle': ['car', 'bus', 'train', 'bicycle', 'truck'],\n"
    "          'food': ['bread', 'apple', 'cheese', 'rice', 'soup']}\n"
    "centres = {t: rng.normal(size=16) * 3 for t in topics}\n"
    "vectors = {w: centres[t] + rng.normal(size=16) for t, ws in topics.items() for w in ws}\n"
    "w = %latent explore vectors"
)


def test_an_embedding_table_lists_the_nearest_words_on_hover(open_notebook):
    nb, view = open_map(open_notebook, TABLE, 15, run_timeout=120)
    points = view.points()
    words = nb.kernel.eval("list(vectors)")
    target = words.index("horse")
    nb.page.mouse.move(*view.to_page(points)[target], steps=3)
    nb.wait_for_js(
        "() => document.querySelector('.lm-preview-title').textContent.startsWith('horse')"
        " && document.querySelectorAll('.lm-neighbor-label').length > 0",
        what="the nearest words of 'horse'",
    )
    shown = nb.page.locator(".lm-neighbor-label").all_inner_texts()
    table = np.array(nb.kernel.eval("w.latents.tolist()"))
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    similarity = unit @ unit[target]
    similarity[target] = -np.inf
    expected = [words[i] for i in np.argsort(-similarity)[: len(shown)]]
    assert shown == expected
    assert set(shown[:4]) <= {"cat", "dog", "sheep", "spider"}
    nb.screenshot("table-neighbors", locator=view.root)


def _median_lightness(rgba: np.ndarray, faint: bool) -> float | None:
    """Median lightness of the painted pixels: opaque ones (text), or faint ones (grid lines)."""
    alpha = rgba[..., 3]
    painted = (alpha > 0) & (alpha < 64) if faint else alpha > 96
    return float(np.median(rgba[..., :3][painted].mean(axis=1))) if painted.any() else None


def test_a_theme_change_repaints_the_overlay_and_the_caption(open_notebook):
    nb, view = open_map(open_notebook, MLP_GENERATOR, 500, run_timeout=180)
    spots = view.empty_spots(view.points(), 1, clearance=15.0)
    view.hover(spots[0])

    def ink() -> list[float | None]:
        # The caption's first row (the coordinates, muted text; the rows below hold a
        # coloured chip) and the overlay's faint grid lines (muted).
        caption = view.canvas_rgba(CAPTION)
        overlay = view.canvas_rgba(".lm-map canvas.lm-overlay")
        return [
            _median_lightness(caption[: len(caption) // 3], faint=False),
            _median_lightness(overlay, faint=True),
        ]

    light = ink()
    assert all(v is not None and v < 90 for v in light), light  # dark ink on a light page

    set_theme(nb, "JupyterLab Dark")
    try:
        # Nothing else happened: only the theme change can have repainted them.
        dark = ink()
        nb.screenshot("dark-theme", locator=view.root)
        assert all(v is not None and v > 160 for v in dark), dark
    finally:
        set_theme(nb, "JupyterLab Light")


RECORDS = (
    "import numpy as np, pandas as pd, latent_magic\n"
    "from sklearn.decomposition import PCA\n"
    "rng = np.random.default_rng(0)\n"
    "columns = [f'measure {i:02d}' for i in range(30)]\n"
    "X = pd.DataFrame(rng.normal(size=(800, 30)) @ rng.normal(size=(30, 30)) * 3 + 20,\n"
    "                 columns=columns)\n"
    "pca = PCA(4).fit(X)\n"
    "w = latent_magic.explore(pca, data=X)\n"
    "w"
)

RECORD_ROWS = """() => Array.from(document.querySelectorAll('.lm-preview .lm-record-row'))
    .map((row) => [row.querySelector('.lm-record-name').textContent,
                   Number(row.querySelector('.lm-record-value').textContent)])"""


def _expected_record(kernel, x: float, y: float) -> list[tuple[str, float]]:
    """The 24 columns furthest from the mean (in std units) of decode_at(x, y), in order."""
    rows = kernel.eval(
        "(lambda v: [[columns[k], float(v[k])] for k in np.sort(np.argsort("
        "np.abs(v - X.values.mean(0)) / X.values.std(0))[::-1][:24])])"
        f"(w.decode_at({x!r}, {y!r}).ravel())"
    )
    return [(name, value) for name, value in rows]


def test_a_dataframe_previews_record_bars_with_its_column_names(open_notebook):
    nb, view = open_map(open_notebook, RECORDS, 800, run_timeout=180)
    spot = view.empty_spots(view.points(), 1, clearance=15.0)[0]
    before = view.attr("preview-id")
    nb.page.mouse.move(float(spot[0]), float(spot[1]), steps=4)
    nb.wait_for_js(
        "(b) => { const r = document.querySelector('.lm-root');"
        " return r.dataset.previewId !== b && r.dataset.previewSource === 'client'; }",
        before,
        what="a record decoded in the page",
    )
    x, y = view.to_data(spot)[0]
    expected = _expected_record(nb.kernel, float(x), float(y))
    for source in ("client", "kernel"):
        if source == "kernel":  # the resting pointer's reply from the kernel takes over
            nb.wait_for_js(
                "() => document.querySelector('.lm-root').dataset.previewSource === 'kernel'",
                what="the kernel's record for the resting pointer",
            )
        shown = nb.page.evaluate(RECORD_ROWS)
        assert [name for name, _ in shown] == [name for name, _ in expected], source
        np.testing.assert_allclose(
            [v for _, v in shown], [v for _, v in expected], atol=0.051, err_msg=source
        )
    nb.screenshot("record-bars", locator=view.root)
