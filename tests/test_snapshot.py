"""The map as a picture drawn in the kernel: w.save_png, the image/png of the display data
(what GitHub, nbviewer and nbconvert show), and %latent save."""

from __future__ import annotations

import base64
import io
import math

import nbformat
import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient
from nbconvert import HTMLExporter, LatexExporter
from PIL import Image

import latent_magic
from latent_magic import LatentModel
from latent_magic._snapshot import point_size, widget_scene, zoom_level

WORDS = ["apple", "banana", "cherry", "grape", "lemon", "mango"]


def identity_model(dim: int = 2) -> LatentModel:
    return LatentModel(encode=lambda X: np.asarray(X), decode=lambda Z: np.asarray(Z), dim=dim)


@pytest.fixture
def spread(frontend):
    """Six points far apart, each its own label (colour)."""
    data = np.array([[-4, -2], [-2, 2], [0, 0], [2, -2], [4, 2], [0, 3]], np.float32)
    return latent_magic.explore(identity_model(), data=data, labels=np.arange(6))


def picture(w, scale: float = 1.0, tmp_path=None) -> np.ndarray:
    path = w.save_png(tmp_path / "map.png", scale=scale)
    return np.asarray(Image.open(path).convert("RGB"))


def pixel_of(w, x: float, y: float, scale: float = 1.0) -> tuple[int, int]:
    """(row, column) of the picture's pixel at map position (x, y)."""
    scene = widget_scene(w)
    x0, x1, y0, y1 = scene.view
    col = (x - x0) / (x1 - x0) * scene.width * scale
    row = (y1 - y) / (y1 - y0) * scene.height * scale
    return math.floor(row), math.floor(col)


def rgb(hex_color: str) -> tuple[int, int, int]:
    v = int(hex_color.lstrip("#"), 16)
    return (v >> 16) & 255, (v >> 8) & 255, v & 255


def test_each_point_is_drawn_in_its_legend_colour_where_it_is(spread, tmp_path):
    image = picture(spread, 2, tmp_path)
    colors = spread.point_colors
    assert len(set(colors.tolist())) == 6
    for (x, y), color in zip(spread.points, colors, strict=True):
        r, c = pixel_of(spread, x, y, 2)
        assert tuple(image[r, c]) == rgb(color)
    # the background between them is the light theme's
    r, c = pixel_of(spread, -3, 0, 2)
    assert tuple(image[r, c]) == (255, 255, 255)


def test_the_disc_has_the_pages_point_size(spread, tmp_path):
    image = picture(spread, 1, tmp_path)
    scene = widget_scene(spread)
    size = point_size(6, zoom_level(scene.view, scene.fit))
    x, y = spread.points[2]
    r, c = pixel_of(spread, x, y)
    row = image[r, :, :]
    colored = np.flatnonzero((row == rgb(spread.point_colors[2])).all(axis=1))
    near = colored[np.abs(colored - c) < 3 * size]
    assert abs(len(near) - size) <= 1.5


def test_a_later_point_is_drawn_over_an_earlier_one(frontend, tmp_path):
    data = np.array([[2, 1], [2.0, 1.0], [5, 5], [-5, -5]], np.float32)
    w = latent_magic.explore(identity_model(), data=data, labels=np.array([0, 1, 2, 3]))
    image = picture(w, 1, tmp_path)
    r, c = pixel_of(w, *w.points[1])
    assert tuple(image[r, c]) == rgb(w.point_colors[1])


def test_a_selected_point_is_outlined_and_the_others_are_faded(spread, tmp_path):
    plain = picture(spread, 2, tmp_path)
    spread.selected_indices = np.array([2])
    image = picture(spread, 2, tmp_path)
    x, y = spread.points[2]
    r, c = pixel_of(spread, x, y, 2)
    assert tuple(image[r, c]) == rgb(spread.point_colors[2])
    # a dark ring around it, wider than the plain disc
    row = image[r, c : c + 40]
    dark = np.flatnonzero(row.max(axis=1) < 60)
    assert len(dark) > 0
    plain_edge = np.flatnonzero((plain[r, c : c + 40] == plain[r, c]).all(axis=1)).max()
    assert dark.min() > plain_edge
    # another point is paler than its own colour
    x, y = spread.points[0]
    r, c = pixel_of(spread, x, y, 2)
    faded, own = image[r, c].astype(int), np.array(rgb(spread.point_colors[0]))
    assert (faded >= own).all()
    assert faded.sum() > own.sum() + 100


def test_pins_and_the_anchor_are_drawn_where_project_says(spread, tmp_path):
    spread.pin(1.0, -1.0)
    spread.anchor = np.array([-1.0, 1.0])
    image = picture(spread, 2, tmp_path)
    px, py = spread.project(spread.pinned_vectors[0])[0]
    r, c = pixel_of(spread, px, py, 2)
    assert tuple(image[r, c]) == (255, 204, 51)  # the pin's star
    ax, ay = spread.project(spread.anchor)[0]
    r, c = pixel_of(spread, ax, ay, 2)
    ring = image[r, c + 12 : c + 16]  # its ring (radius 7 CSS px) on the right
    assert any(tuple(p) == (214, 39, 40) for p in ring)


def test_labels_are_written_beside_their_points_when_show_labels_is_on(frontend, tmp_path):
    rng = np.random.default_rng(1)
    table = dict(zip(WORDS, rng.normal(size=(len(WORDS), 8)).astype(np.float32), strict=True))
    w = latent_magic.explore(table)
    assert w.show_labels
    on = picture(w, 1, tmp_path)
    w.show_labels = False
    off = picture(w, 1, tmp_path)
    for x, y in w.points:
        r, c = pixel_of(w, x, y)
        beside = np.s_[max(r - 8, 0) : r + 8, max(c - 60, 0) : c + 60]
        assert (on[beside].max(axis=2) < 90).sum() > (off[beside].max(axis=2) < 90).sum() + 10


def test_scale_two_doubles_the_picture(spread, tmp_path):
    one = Image.open(spread.save_png(tmp_path / "one.png", scale=1))
    two = Image.open(spread.save_png(tmp_path / "two.png", scale=2))
    assert two.size == (2 * one.size[0], 2 * one.size[1])
    assert one.size == (640, spread.height)


def test_the_view_the_page_shows_is_the_pictures(spread, tmp_path):
    x, y = (float(v) for v in spread.points[2])
    spread.set_state({"_view": [x - 0.5, x + 0.5, y - 0.25, y + 0.25]})  # point 2 only
    image = picture(spread, 1, tmp_path)
    assert image.shape[:2] == (spread.height, 2 * spread.height)  # the view's shape
    colors = {tuple(p) for p in image.reshape(-1, 3)}
    for k, color in enumerate(spread.point_colors):
        assert (rgb(color) in colors) == (k == 2), k


def test_bad_scales_and_paths_get_clear_errors_and_keep_the_old_file(spread, tmp_path):
    target = tmp_path / "map.png"
    target.write_bytes(b"the user's file")
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive finite number"):
            spread.save_png(target, scale=bad)
    for bad in ("2", True, None):
        with pytest.raises(TypeError, match="positive number"):
            spread.save_png(target, scale=bad)
    with pytest.raises(ValueError, match="at most"):
        spread.save_png(target, scale=1000)
    assert target.read_bytes() == b"the user's file"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        spread.save_png(tmp_path / "missing" / "map.png")
    with pytest.raises(ValueError, match=r"must end in \.png"):
        spread.save_png(tmp_path / "map.jpg")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(IsADirectoryError):
        spread.save_png(tmp_path / "folder.png")
    written = spread.save_png(str(target))
    assert written == target
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_display_data_carry_the_widget_and_its_picture(spread, tmp_path):
    spread.selected_indices = np.array([1, 4])
    data, metadata = spread._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == spread.model_id
    assert data["text/plain"].startswith("LatentExplorer: 6 points")
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).convert("RGB"))
    assert np.array_equal(shown, picture(spread, 1, tmp_path))
    assert metadata["image/png"] == {"width": 640, "height": spread.height}


def executed_notebook(tmp_path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np, latent_magic\n"
            "w = latent_magic.explore(latent_magic.LatentModel(encode=lambda X: X, "
            "decode=lambda Z: Z, dim=2), data=np.random.default_rng(0).normal(size=(200, 2)))\n"
            "w"
        )
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    # As JupyterLab saves a notebook by default: outputs, without the widgets' state.
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    return client.execute()


def test_nbconvert_shows_the_map_as_a_picture_in_html_and_latex(tmp_path):
    nb = executed_notebook(tmp_path)
    data = nb.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert Image.open(io.BytesIO(png)).size == (640, 420)
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert f'src="data:image/png;base64,{data["image/png"]}' in html.replace("\n", "")
    assert "object at 0x" not in html
    latex, resources = LatexExporter().from_notebook_node(nb)  # what nbconvert --to pdf typesets
    (name,) = [k for k in resources["outputs"] if k.endswith(".png")]
    assert resources["outputs"][name] == png
    assert f"\\adjustimage{{max size={{0.9\\linewidth}}{{0.9\\paperheight}}}}{{{name}}}" in latex


def test_the_save_magic_writes_a_png(spread, tmp_path):
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "latent_magic")
    shell.user_ns["w"] = spread
    shell.user_ns["WORDS"] = WORDS
    path = tmp_path / "magic map.png"
    written = shell.run_line_magic("latent", f'save w "{path}" --scale 1.5')
    assert written == path
    assert Image.open(path).size == (960, round(spread.height * 1.5))
    page = shell.run_line_magic("latent", f"save w {tmp_path / 'map.html'}")  # w.save_html
    assert page == tmp_path / "map.html"
    assert "<html" in page.read_text(encoding="utf-8")[:500].lower()
    with pytest.raises(UsageError, match=r"must end in \.png .* or \.html"):
        shell.run_line_magic("latent", f"save w {tmp_path / 'map.gif'}")
    with pytest.raises(UsageError, match="positive finite number"):
        shell.run_line_magic("latent", f"save w {tmp_path / 'map.png'} --scale 0")
    with pytest.raises(UsageError, match="not an explorer widget"):
        shell.run_line_magic("latent", "save WORDS map.png")  # a list, not a widget
