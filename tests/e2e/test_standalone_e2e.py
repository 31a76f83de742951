"""A saved map (``w.save_html``) opened offline: the file is written by a real notebook's kernel,
then opened from disk in headless Chromium with every network request blocked, and checked
against the kernel that made it: the map drawn in its colours, hover previews decoded in the
page as ``w.decode_at`` decodes, a lasso counted and downloaded as CSV, and what needs a kernel
disabled with a note."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from .harness import NotebookSession
from .widget_page import QUICKSTART, MapView, inside_polygon, lasso

pytestmark = pytest.mark.e2e

DIGITS = (0.0, 16.0)  # the quickstart's pixel values
NOTE = "Saved map: no kernel."


class SavedPage:
    """A page of the browser showing a saved file, with what MapView needs of a notebook
    session (``page``, ``wait_for_js``, ``artifact_dir``, and ``kernel``: the kernel that
    saved the file, asked for the truth). Every request but the file's own is aborted and
    recorded."""

    wait_for_js = NotebookSession.wait_for_js

    def __init__(self, context, path: Path, kernel, artifact_dir: Path):
        self.url = path.as_uri()
        self.kernel = kernel
        self.artifact_dir = artifact_dir
        self.requests: list[str] = []  # every request the page attempted, the file's too
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._only_the_file)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)

    def _only_the_file(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screenshot(self, name: str, locator=None) -> Path:
        path = self.artifact_dir / f"{name}.png"
        (locator or self.page).screenshot(path=str(path), animations="disabled")
        return path

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def saved_page(browser_context, artifact_dir):
    opened: list[SavedPage] = []

    def _open(path: Path, kernel) -> SavedPage:
        page = SavedPage(browser_context, path, kernel, artifact_dir)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.close()


def _near_edge(points: np.ndarray, polygon: np.ndarray, tolerance: float) -> np.ndarray:
    near = np.zeros(len(points), bool)
    closed = np.vstack([polygon, polygon[:1]])
    for a, b in itertools.pairwise(closed):
        ab = b - a
        t = np.clip(((points - a) @ ab) / (ab @ ab), 0, 1)
        near |= np.hypot(*(points - (a + t[:, None] * ab)).T) <= tolerance
    return near


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_the_saved_quickstart_draws_hovers_selects_and_downloads_offline(
    open_notebook, saved_page, artifact_dir
):
    path = artifact_dir / "quickstart.html"
    nb = open_notebook([QUICKSTART, f"saved = w.save_html({str(path)!r})"])
    nb.run_all(timeout=180)
    kernel = nb.kernel
    points = np.array(kernel.eval("w.points.tolist()"))
    labels = kernel.eval("[str(v) for v in w.labels.tolist()]")
    palette = kernel.eval("list(w._palette)")
    codes = np.array(kernel.eval("w._codes.tolist()"))
    assert kernel.eval("str(saved)") == str(path)

    saved = saved_page(path, kernel)
    view = MapView(saved)
    view.wait_drawn(len(points))
    assert saved.requests == [saved.url], "the page asked for nothing but itself"

    # What needs a kernel is disabled, and says so.
    root = view.root
    gone = root.locator(".lm-kernel-gone")
    assert gone.is_visible()
    assert gone.inner_text().startswith(NOTE)
    for selector in ('button[data-tool="pin"]', 'button[data-tool="anchor"]'):
        button = root.locator(selector)
        assert button.is_disabled(), selector
        assert button.get_attribute("title").startswith(NOTE)
    assert root.locator('button[data-action="toggle-thumbnails"]').is_enabled(), "carried"
    assert root.locator('button[data-action="toggle-atlas"]').is_enabled(), "a PCA decodes here"
    # The labels are searched in the page: the finds are what w.search finds.
    search = root.locator("input.lm-search-input")
    search.fill("/^3$/")
    search.press("Enter")
    saved.wait_for_js(
        "() => (document.querySelector('.lm-root').dataset.search || '[]') !== '[]'",
        what="the page's own answer to a search of its labels",
    )
    assert json.loads(view.attr("search")) == kernel.eval("w.search('/^3$/').points.tolist()")
    assert root.locator(".lm-search-count").inner_text() == f"{labels.count('3')} matches"
    search.fill("")
    assert root.locator(".lm-ops").evaluate("(e) => e.inert && e.classList.contains('lm-ops-off')")
    saved.screenshot("saved-page")

    # The map: painted where the points are, in the legend's colours.
    rgba = view.assert_points_painted(points)
    ink = rgba[rgba[..., 3] > 200][:, :3].astype(int)
    for code, colour in enumerate(palette[: int(codes.max()) + 1]):
        close = (np.abs(ink - _rgb(colour)).max(axis=1) <= 24).sum()
        assert close >= 20, f"the colour of {colour} (label {code}) is hardly on the map: {close}"

    # Hover previews are decoded in the page, as the kernel's w.decode_at decodes.
    spot_a, spot_b = view.empty_spots(points, 2)
    shown = []
    for spot in (spot_a, spot_b):
        view.hover(spot)
        assert root.locator(".lm-preview-title").inner_text() == "empty space"
        assert view.attr("preview-source") == "client"
        shown.append(view.preview_pixels())
        expected = view.decoded_pixels(spot, DIGITS).reshape(8, 8)
        np.testing.assert_allclose(shown[-1], expected, atol=2)
    assert np.abs(shown[0].astype(int) - shown[1].astype(int)).max() > 40
    saved.screenshot("hover-empty", locator=root)

    (spot,) = view.lonely_points(points, 1)
    index = int(np.argmin(np.hypot(*(view.to_page(points) - spot).T)))
    view.hover(spot)
    # Titled with its digit from the legend (the page holds no row numbers), as the kernel does.
    title = root.locator(".lm-preview-title").inner_text()
    assert re.fullmatch(rf"[0-9] · point {index} · decoded at its spot", title), title
    at_point = view.to_page(points[index])[0]
    np.testing.assert_allclose(
        view.preview_pixels(), view.decoded_pixels(at_point, DIGITS).reshape(8, 8), atol=2
    )
    saved.screenshot("hover-point", locator=root)

    # A lasso: counted in the status line, downloaded as the right rows.
    box = view.box()
    cx, cy = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.45
    r = min(box["width"], box["height"]) * 0.18
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    polygon = np.stack([cx + r * np.cos(angles), cy + 0.7 * r * np.sin(angles)], axis=1)
    download = saved.page.locator('button[data-action="download-selection"]')
    assert download.is_disabled(), "nothing selected yet"
    lasso(saved, view, polygon)
    page_points = view.to_page(points)
    expected = set(np.flatnonzero(inside_polygon(page_points, polygon)).tolist())
    assert 20 < len(expected) < 1700
    saved.wait_for_js(
        "() => Number(document.querySelector('.lm-root').dataset.selected) > 0",
        what="the lasso's selection on the map",
    )
    count = int(view.attr("selected"))
    near_edge = set(np.flatnonzero(_near_edge(page_points, polygon, 1.0)).tolist())
    assert abs(count - len(expected)) <= len(near_edge)
    assert root.locator(".lm-status").inner_text().endswith(f" · {count:,} selected")

    with saved.page.expect_download() as info:
        download.click()
    csv_path = artifact_dir / "selection.csv"
    info.value.save_as(csv_path)
    assert info.value.suggested_filename == "selection.csv"
    table = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert len(table) == count
    chosen = [int(row["point"]) for row in table]
    assert set(chosen) ^ expected <= near_edge
    for row in table:
        i = int(row["point"])
        assert int(row["row"]) == i  # the quickstart leaves no row out
        assert row["label"] == labels[i]
        np.testing.assert_allclose([float(row["x"]), float(row["y"])], points[i], rtol=1e-6)
    saved.screenshot("lasso", locator=root)
    assert saved.requests == [saved.url], "nothing was fetched on the way"
    assert saved.errors == []


def test_a_saved_map_whose_model_decodes_in_the_kernel_says_so_and_runs_no_label(
    open_notebook, saved_page, artifact_dir
):
    path = artifact_dir / "words.html"
    attack = "</script><script>alert(1)</script>"
    cells = [
        (
            "import numpy as np\nimport latent_magic\n"
            "rng = np.random.default_rng(0)\n"
            "words = {f'word {i}': rng.normal(size=8) for i in range(40)}\n"
            f"words[{attack!r}] = rng.normal(size=8)\n"
            "w = latent_magic.explore(words)\n"
            f"w.save_html({str(path)!r}, title={attack!r})"
        )
    ]
    nb = open_notebook(cells)
    nb.run_all(timeout=120)
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    saved = saved_page(path, nb.kernel)
    view = MapView(saved)
    view.wait_drawn(len(points))
    saved.wait_for_js(
        "() => { const r = document.querySelector('.lm-root'); return r.dataset.labels "
        "&& JSON.parse(r.dataset.labels).length > 0; }",
        what="the words written on the saved map",
    )
    assert saved.page.title() == attack, "the title is text"
    assert saved.page.evaluate("() => document.scripts.length") == 2
    assert saved.dialogs == [], "a label ran as code"

    # The words decode in Python only (nearest labels): the preview says the notebook is needed.
    (spot,) = view.empty_spots(points, 1)
    saved.page.mouse.move(float(spot[0]), float(spot[1]), steps=4)
    saved.wait_for_js(
        "() => document.querySelector('.lm-preview').innerText.includes('Saved map: no kernel')",
        what="the preview's note that the notebook is needed",
    )
    assert view.root.locator('button[data-action="toggle-atlas"]').is_hidden()
    saved.screenshot("words-saved", locator=view.root)

    # The Labels switch works without a kernel: the page's own model takes the change.
    labels = view.root.locator('button[data-action="toggle-labels"]')
    labels.click()
    saved.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.labels === undefined",
        what="the labels to be wiped off the map",
    )
    assert labels.get_attribute("aria-pressed") == "false"
    labels.click()
    saved.wait_for_js(
        "() => (document.querySelector('.lm-root').dataset.labels || '[]') !== '[]'",
        what="the labels written again",
    )
    assert saved.requests == [saved.url]
    assert saved.errors == []


def test_a_saved_conv_vae_decodes_in_the_page_offline(open_notebook, saved_page, artifact_dir):
    path = artifact_dir / "vae.html"
    tests = str(Path(__file__).parents[1])
    cell = (
        f"import sys\nsys.path.insert(0, {tests!r})\n"
        "import numpy as np, torch, latent_magic\n"
        "from torch_models import ConvVAE28\n"
        "torch.manual_seed(0)\n"
        "X = np.random.default_rng(0).random((300, 1, 28, 28)).astype(np.float32)\n"
        "w = latent_magic.explore(ConvVAE28(), data=X, lift='affine')\n"
        f"w.save_html({str(path)!r})"
    )
    nb = open_notebook([cell])
    nb.run_all(timeout=240)
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    saved = saved_page(path, nb.kernel)
    view = MapView(saved)
    view.wait_drawn(len(points))
    saved.wait_for_js(
        "() => { const r = document.querySelector('.lm-root');"
        " return r.dataset.onnx && JSON.parse(r.dataset.onnx).state === 'ready'; }",
        timeout=120,
        what="the page decoder, read from the file, to be ready",
    )
    assert view.root.locator(".lm-kernel-gone").inner_text().startswith(NOTE)
    shown = []
    for spot in view.empty_spots(points, 2, clearance=15.0):
        view.hover(spot)
        assert view.attr("preview-source") == "onnx"
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        shown.append(view.preview_pixels())
        expected = view.decoded_pixels(spot, value_range=(0.0, 1.0))
        assert shown[-1].shape == expected.shape == (28, 28)
        np.testing.assert_allclose(shown[-1], expected, atol=2)
    assert np.abs(shown[0].astype(int) - shown[1]).max() > 10, "the preview did not change"
    saved.screenshot("vae-hover-empty", locator=view.root)

    (spot,) = view.lonely_points(points, 1)
    index = int(np.argmin(np.hypot(*(view.to_page(points) - spot).T)))
    view.hover(spot)
    title = view.root.locator(".lm-preview-title").inner_text()
    assert title == f"point {index} · decoded at its spot"
    at_point = view.to_page(points[index])[0]
    np.testing.assert_allclose(
        view.preview_pixels(), view.decoded_pixels(at_point, value_range=(0.0, 1.0)), atol=2
    )
    saved.screenshot("vae-hover-point", locator=view.root)
    assert saved.requests == [saved.url], "the runtime and the model came from the file"
    assert saved.errors == []


def test_the_saved_quickstart_draws_each_points_picture_zoomed_in(
    open_notebook, saved_page, artifact_dir
):
    path = artifact_dir / "pictures.html"
    nb = open_notebook([QUICKSTART, f"w.save_html({str(path)!r})"])
    nb.run_all(timeout=180)
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    X = np.array(nb.kernel.eval("X.tolist()"))
    rows = nb.kernel.eval("w.rows.tolist()")
    saved = saved_page(path, nb.kernel)
    view = MapView(saved)
    view.wait_drawn(len(points))
    switch = view.root.locator('button[data-action="toggle-thumbnails"]')
    assert switch.is_enabled(), "the file carries its pictures"
    note = view.root.locator(".lm-kernel-gone").inner_text()
    assert "pictures, search by label and selection work here" in note

    crowd = points[np.argmin(np.hypot(*(points - np.median(points, axis=0)).T))]
    saved.page.mouse.move(*view.to_page(crowd)[0])
    for _ in range(40):  # wheel steps until about a hundred points are in view
        v = view.view()
        x, y = points[:, 0], points[:, 1]
        if ((x > v["x0"]) & (x < v["x1"]) & (y > v["y0"]) & (y < v["y1"])).sum() <= 150:
            break
        saved.page.mouse.wheel(0, -200)
        saved.page.wait_for_timeout(40)
    saved.wait_for_js(
        "() => { const r = document.querySelector('.lm-root'); "
        "return r.dataset.thumbnails && JSON.parse(r.dataset.thumbnails).length > 3; }",
        what="pictures drawn at the points in view, from the file",
    )
    saved.page.wait_for_timeout(300)
    drawn = json.loads(view.attr("thumbnails"))
    box = view.box()
    rgba = view.canvas_rgba(".lm-root canvas.lm-thumbs")
    scale = rgba.shape[1] / box["width"]
    page = view.to_page(points) - [box["x"], box["y"]]
    checked = 0
    for k, (i, x, y, w, h) in enumerate(drawn):
        assert abs(x + w / 2 - page[i, 0]) < 1.5, "a picture is centred on its point"
        covered = any(
            x < b[1] + b[3] and b[1] < x + w and y < b[2] + b[4] and b[2] < y + h
            for b in drawn[k + 1 :]
        )
        if covered or x < 0 or y < 0 or x + w > box["width"] or y + h > box["height"]:
            continue
        expected = np.floor(X[rows[i]].reshape(8, 8) / 16 * 255 + 0.5)
        for r, c in itertools.product(range(8), range(8)):
            px = int((x + (c + 0.5) * w / 8) * scale)
            py = int((y + (r + 0.5) * h / 8) * scale)
            assert abs(int(rgba[py, px, 0]) - expected[r, c]) <= 1, (i, r, c)
        checked += 1
    assert checked >= 3, f"only {checked} pictures could be checked"
    saved.screenshot("saved-pictures", locator=view.root)

    switch.click()  # off, in the page's own model
    saved.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.thumbnails === undefined",
        what="the pictures wiped off the map",
    )
    assert saved.requests == [saved.url]
    assert saved.errors == []
