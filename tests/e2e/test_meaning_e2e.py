"""A map that shows its meaning (issue: words, pictures and a decoded atlas on the map): in a
real JupyterLab with headless Chromium, checked against the kernel."""

from __future__ import annotations

import json
import pathlib

import nbformat
import numpy as np
import pytest

from .widget_page import STRIP_PIXELS_JS, MapView, set_theme

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

    # Legible in a dark theme too: the words are painted again in the theme's colours (light
    # text on a dark halo), with no other change to the map.
    def lightness() -> np.ndarray:
        rgba = view.canvas_rgba(".lm-root canvas.lm-labels")
        return rgba[..., :3][rgba[..., 3] > 200].mean(axis=1)

    light = lightness()
    assert (light < 90).sum() > 200, "no dark text in the light theme"

    set_theme(nb, "JupyterLab Dark")
    try:
        dark = lightness()
        nb.screenshot("words-dark-theme", locator=view.root)
        assert (dark > 170).sum() > 200, "no light text in the dark theme"
        assert np.median(dark) < np.median(light) - 100, "the halo did not turn dark"
    finally:
        set_theme(nb, "JupyterLab Light")

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


# ---------------------------------------------------------------------- the decoded atlas
def atlas_tiles(view: MapView, shown: dict, size: int) -> np.ndarray:
    """``(rows, cols, size, size)``: the atlas canvas read back, each tile's image pixels
    sampled at their centres (the tiles fill the atlas's bounds edge to edge)."""
    rgba = view.canvas_rgba(".lm-root canvas.lm-atlas")
    height, width = rgba.shape[:2]
    v = view.view()
    x0, x1, y0, y1 = shown["bounds"]
    rows, cols = shown["rows"], shown["cols"]
    tiles = np.zeros((rows, cols, size, size), np.uint8)
    for i in range(rows):
        for j in range(cols):
            for r in range(size):
                for c in range(size):
                    x = x0 + (j + (c + 0.5) / size) * (x1 - x0) / cols
                    y = y1 - (i + (r + 0.5) / size) * (y1 - y0) / rows
                    px = int((x - v["x0"]) / (v["x1"] - v["x0"]) * width)
                    py = int((v["y1"] - y) / (v["y1"] - v["y0"]) * height)
                    tiles[i, j, r, c] = rgba[py, px, 0]
    return tiles


def kernel_tiles(nb, shown: dict) -> np.ndarray:
    """What ``w.decode_at`` gives at the atlas's tile centres, as the preview scales it."""
    code = (
        "import numpy as _np\n"
        f"_a = w.atlas({shown['rows']}, {shown['cols']}, bounds={tuple(shown['bounds'])!r})\n"
        "_d = _np.array([[w.decode_at(*p) for p in row] for row in _a.positions])\n"
        "_np.clip(_np.round(_d / 16 * 255), 0, 255).astype(int).tolist()"
    )
    nb.kernel.execute(code.rsplit("\n", 1)[0])
    return np.array(nb.kernel.eval(code.rsplit("\n", 1)[1])).reshape(
        shown["rows"], shown["cols"], 8, 8
    )


def wait_atlas(nb, view: MapView, source: str) -> dict:
    nb.wait_for_js(
        "(source) => { const a = document.querySelector('.lm-root').dataset.atlas; "
        "return a && JSON.parse(a).source === source; }",
        source,
        what=f"an atlas decoded in the {source}",
    )
    nb.page.wait_for_timeout(200)  # the frame after it arrived paints it
    return json.loads(view.attr("atlas"))


def test_the_atlas_tiles_the_view_with_what_decode_at_gives(quickstart):
    nb, view = quickstart
    view.root.scroll_into_view_if_needed()
    view.root.locator('[data-action="toggle-atlas"]').click()
    # PCA decodes in the page: the atlas needs no kernel round trip.
    shown = wait_atlas(nb, view, "page")
    assert shown["rows"] * shown["cols"] >= 60
    assert nb.kernel.eval("w.view") == pytest.approx(
        [view.view()[k] for k in ("x0", "x1", "y0", "y1")]
    )
    painted = atlas_tiles(view, shown, 8)
    expected = kernel_tiles(nb, shown)
    # The page decodes in float32, the kernel in float64: a grey level apart at most.
    assert np.abs(painted.astype(int) - expected).max() <= 1
    nb.screenshot("atlas-page", locator=view.root)

    # The local lift has no chain for the page: the kernel decodes the grid in one batch.
    nb.kernel.execute("w.lift_mode = 'local'")
    shown = wait_atlas(nb, view, "kernel")
    painted = atlas_tiles(view, shown, 8)
    np.testing.assert_array_equal(painted, kernel_tiles(nb, shown))
    nb.screenshot("atlas-kernel", locator=view.root)

    view.root.locator('[data-action="toggle-atlas"]').click()
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.atlas === undefined",
        what="the atlas off",
    )
    nb.page.wait_for_timeout(200)  # the next frame clears its canvas
    assert not (view.canvas_rgba(".lm-root canvas.lm-atlas")[:, :, 3] > 0).any()


# ---------------------------------------------------------------------- search
def search_for(nb, view: MapView, query: str) -> list[int]:
    box = view.root.locator("input.lm-search-input")
    box.fill(query)
    box.press("Enter")
    nb.wait_for_js(
        "(q) => { const c = document.querySelector('.lm-root .lm-search-count'); "
        "return c && c.textContent && c.textContent !== '…'; }",
        query,
        what=f"the answer to the search {query!r}",
    )
    text = view.attr("search")
    return json.loads(text) if text else []


def test_search_rings_exactly_what_w_search_finds_and_flies_to_a_choice(open_notebook):
    nb = open_notebook(words_cells()[:3], name="search.ipynb")
    nb.run_all(timeout=300)
    view = MapView(nb)
    view.wait_drawn(len(nb.kernel.eval("WORDS")))
    view.root.scroll_into_view_if_needed()

    found = search_for(nb, view, "ea")
    assert found == nb.kernel.eval("w.search('ea').points.tolist()")
    assert len(found) > 10
    # Each find is ringed in the search colour (#d6336c) on the overlay, where it is.
    rgba = view.canvas_rgba(".lm-root canvas.lm-overlay")
    ring = (
        (np.abs(rgba[:, :, 0].astype(int) - 0xD6) < 40)
        & (np.abs(rgba[:, :, 1].astype(int) - 0x33) < 40)
        & (np.abs(rgba[:, :, 2].astype(int) - 0x6C) < 40)
        & (rgba[:, :, 3] > 150)
    )
    box = view.box()
    points = view.points()
    page = view.to_page(points[found])
    for px, py in page - [box["x"], box["y"]]:
        near = ring[int(py) - 10 : int(py) + 11, int(px) - 10 : int(px) + 11]
        assert near.any(), f"no ring near ({px:.0f}, {py:.0f})"
    others = np.setdiff1d(np.arange(len(points)), found)
    lonely = [i for i in others if np.min(np.hypot(*(page - view.to_page(points[i])[0]).T)) > 25]
    for i in lonely[:20]:
        px, py = view.to_page(points[i])[0] - [box["x"], box["y"]]
        assert not ring[int(py) - 2 : int(py) + 3, int(px) - 2 : int(px) + 3].any()
    assert view.root.locator(".lm-search-count").inner_text() == f"{len(found)} matches"
    nb.screenshot("search-labels", locator=view.root)

    # A text no word contains: encoded, its nearest words ringed, the query marked.
    found = search_for(nb, view, "a big hungry cat")
    assert found == nb.kernel.eval("w.search('a big hungry cat').points.tolist()")
    # The encoded query is marked where it projects (a blue ring, #1e88e5, on the overlay).
    where = nb.kernel.eval("w.project(w.search('a big hungry cat').latent)[0].tolist()")
    qx, qy = view.to_page(np.array(where))[0] - [box["x"], box["y"]]
    rgba = view.canvas_rgba(".lm-root canvas.lm-overlay")
    scale = rgba.shape[1] / box["width"]
    near = rgba[
        int(qy * scale) - 9 : int(qy * scale) + 10, int(qx * scale) - 9 : int(qx * scale) + 10
    ]
    blue = (np.abs(near[..., :3].astype(int) - [0x1E, 0x88, 0xE5]).max(axis=-1) < 40) & (
        near[..., 3] > 150
    )
    assert blue.sum() > 10, "the encoded query is not marked where it projects"
    nb.screenshot("search-encoded", locator=view.root)

    # Choosing a listed find flies the view to it and previews it.
    first = view.root.locator(".lm-search-results li").first
    word = first.inner_text()
    first.click()
    nb.wait_for_js(
        "(w) => document.querySelector('.lm-preview-title').textContent.startsWith(w + ' ·')",
        word,
        what=f"the preview of {word!r}",
    )
    v = view.view()
    x, y = points[nb.kernel.eval(f"w.labels.tolist().index({word!r})")]
    assert v["x0"] < x < v["x1"]
    assert v["y0"] < y < v["y1"]


# ---------------------------------------------------------------------- pictures on the map
def test_zoomed_in_the_digits_map_draws_each_points_own_picture(quickstart):
    nb, view = quickstart
    view.root.scroll_into_view_if_needed()
    assert view.attr("thumbnails") is None  # all 1,797 in view: too many to tell apart
    points = view.points()
    box = view.box()
    crowd = points[np.argmin(np.hypot(*(points - np.median(points, axis=0)).T))]
    nb.page.mouse.move(*view.to_page(crowd)[0])

    def in_view() -> int:
        v = view.view()
        x, y = points[:, 0], points[:, 1]
        return int(((x > v["x0"]) & (x < v["x1"]) & (y > v["y0"]) & (y < v["y1"])).sum())

    for _ in range(40):  # wheel steps until a few hundred points are in view
        if in_view() <= 150:
            break
        nb.page.mouse.wheel(0, -200)
        nb.page.wait_for_timeout(40)
    nb.wait_for_js(
        "() => { const r = document.querySelector('.lm-root'); "
        "return r.dataset.thumbnails && JSON.parse(r.dataset.thumbnails).length > 3; }",
        what="pictures drawn at the points in view",
    )
    nb.page.wait_for_timeout(300)
    drawn = json.loads(view.attr("thumbnails"))
    rgba = view.canvas_rgba(".lm-root canvas.lm-thumbs")
    scale = rgba.shape[1] / box["width"]
    X = np.array(nb.kernel.eval("X.tolist()"))
    rows = nb.kernel.eval("w.rows.tolist()")
    page = view.to_page(points) - [box["x"], box["y"]]
    checked = 0
    for k, (i, x, y, w, h) in enumerate(drawn):
        # Each picture is centred on its own point…
        assert abs(x + w / 2 - page[i, 0]) < 1.5
        assert abs(y + h / 2 - page[i, 1]) < 1.5
        # …and shows the item's own pixels (0..16 scaled to 0..255), where no later one covers
        # it and it is wholly on the canvas.
        later = drawn[k + 1 :]
        covered = any(
            x < b[1] + b[3] and b[1] < x + w and y < b[2] + b[4] and b[2] < y + h for b in later
        )
        if covered or x < 0 or y < 0 or x + w > box["width"] or y + h > box["height"]:
            continue
        expected = np.floor(X[rows[i]].reshape(8, 8) / 16 * 255 + 0.5)
        for r in range(8):
            for c in range(8):
                px = int((x + (c + 0.5) * w / 8) * scale)
                py = int((y + (r + 0.5) * h / 8) * scale)
                assert abs(int(rgba[py, px, 0]) - expected[r, c]) <= 1, (i, r, c)
        checked += 1
    assert checked >= 3, f"only {checked} pictures could be checked"
    nb.screenshot("pictures-on-the-map", locator=view.root)

    # The toolbar's Pictures switch: off in the page and in Python, and back.
    view.root.locator('[data-action="toggle-thumbnails"]').click()
    nb.kernel.wait_until("w.show_thumbnails", False)
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.thumbnails === undefined",
        what="the pictures gone",
    )
    view.root.locator('[data-action="toggle-thumbnails"]').click()
    nb.kernel.wait_until("w.show_thumbnails", True)


# ---------------------------------------------------------------------- the walk's strip
def test_the_pin_strip_shows_the_decoded_strip_it_pinned(quickstart):
    nb, view = quickstart
    view.root.scroll_into_view_if_needed()
    view.root.locator('button[data-action="pin-walk"]').click()
    nb.wait_for_js(
        "() => Number(document.querySelector('.lm-root .lm-strip')?.dataset.steps) > 0",
        what="the pinned walk's decoded strip",
    )
    nb.kernel.wait_until("len(w.pinned_vectors)", 9)
    nb.page.wait_for_timeout(200)
    tiles = nb.page.evaluate(STRIP_PIXELS_JS)
    assert len(tiles) == 9
    decoded = np.array(nb.kernel.eval("w.model.decode(w.pinned_vectors).tolist()"))
    for tile, output in zip(tiles, decoded, strict=True):
        shown = np.array(tile["px"], np.uint8).reshape(tile["h"], tile["w"], 4)[:, :, 0]
        expected = np.floor(np.clip(output.reshape(8, 8) / 16, 0, 1) * 255 + 0.5)
        assert shown.shape == (8, 8)
        assert np.abs(shown.astype(int) - expected).max() <= 1
    # The strip changes along the walk, as the article's ageing strip does.
    first = np.array(tiles[0]["px"]).reshape(8, 8, 4)[:, :, 0]
    last = np.array(tiles[-1]["px"]).reshape(8, 8, 4)[:, :, 0]
    assert np.abs(first - last).max() > 50
    texts = view.root.locator(".lm-strip-t").all_inner_texts()
    assert texts[0] == "t = -3.00"
    assert texts[-1] == "t = +3.00"
    nb.screenshot("pin-strip", locator=view.root)


def test_the_heights_and_weights_atlas_is_a_sheet_of_template_people(open_notebook):
    notebook = nbformat.read(WORDS_NOTEBOOK.with_name("01_heights_weights.ipynb"), as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    last = next(i for i, c in enumerate(code) if "%latent explore pipe" in c)
    nb = open_notebook(code[: last + 1], name="people.ipynb")
    nb.run_all(timeout=300)
    view = MapView(nb)
    view.wait_drawn(len(nb.kernel.eval("w.points.tolist()")))
    view.root.scroll_into_view_if_needed()
    view.root.locator('[data-action="toggle-atlas"]').click()
    # The preview function draws SVG: the kernel renders each tile, the page paints them.
    shown = wait_atlas(nb, view, "kernel")
    nb.page.wait_for_timeout(500)  # SVG tiles decode asynchronously
    rgba = view.canvas_rgba(".lm-root canvas.lm-atlas")
    height, width = rgba.shape[:2]
    v = view.view()
    x0, x1, y0, y1 = shown["bounds"]
    inked = 0
    for i in range(shown["rows"]):
        for j in range(shown["cols"]):
            left = int((x0 + j * (x1 - x0) / shown["cols"] - v["x0"]) / (v["x1"] - v["x0"]) * width)
            right = int(
                (x0 + (j + 1) * (x1 - x0) / shown["cols"] - v["x0"]) / (v["x1"] - v["x0"]) * width
            )
            top = int(
                (v["y1"] - (y1 - i * (y1 - y0) / shown["rows"])) / (v["y1"] - v["y0"]) * height
            )
            bottom = int(
                (v["y1"] - (y1 - (i + 1) * (y1 - y0) / shown["rows"]))
                / (v["y1"] - v["y0"])
                * height
            )
            tile = rgba[max(top, 0) : bottom, max(left, 0) : right]
            # The template people's clothes: the woman's pink and the man's blue are there.
            pink = (np.abs(tile[..., :3].astype(int) - [0xC8, 0x60, 0x7A]).max(axis=-1) < 40).sum()
            blue = (np.abs(tile[..., :3].astype(int) - [0x4E, 0x79, 0xA7]).max(axis=-1) < 40).sum()
            inked += pink > 3 and blue > 3
    assert inked >= 0.8 * shown["rows"] * shown["cols"], f"{inked} tiles show both people"
    nb.screenshot("people-atlas", locator=view.root)
