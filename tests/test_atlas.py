"""The decoded atlas (what the model decodes over a grid of the view) and the pinned walk's
decoded strip: as Python values, and as the page's `atlas` request and `strip` reply."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from previews import shown_pixels
from sklearn.decomposition import PCA, KernelPCA

from latent_magic import LatentModel, explore
from latent_magic import _messages as messages
from latent_magic._atlas import Atlas, atlas_positions, atlas_tiles, decode_grid
from latent_magic._latent_model import CannotDecodeError

BOUNDS = (-20.0, 25.0, -15.0, 18.0)


@pytest.fixture
def widget(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


@pytest.fixture
def records(frontend):
    """A linear decoder to 30 features: more than the 24 a record preview lists."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 5))
    W = rng.normal(size=(5, 30))
    back = np.linalg.pinv(W)
    model = LatentModel(encode=lambda X: X @ back, decode=lambda Z: Z @ W, dim=5)
    return explore(model, data=Z @ W)


def count_decodes(monkeypatch, widget) -> list[int]:
    """Counts the model's decode calls (and the latents each one got)."""
    model = widget._space.model
    calls: list[int] = []
    decode = model.decode

    def counted(Z):
        calls.append(len(Z))
        return decode(Z)

    monkeypatch.setattr(model, "decode", counted)
    return calls


def replies(frontend, kind):
    return [(c, b) for c, b in frontend.custom_messages() if c["type"] == kind]


# ---------------------------------------------------------------------- the grid in Python
def test_tile_centres_cover_the_bounds_row_zero_at_the_top():
    P = atlas_positions((0.0, 4.0, 10.0, 12.0), rows=2, cols=4)
    assert P.shape == (2, 4, 2)
    np.testing.assert_allclose(P[0, :, 0], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(P[:, 0, 1], [11.5, 10.5])  # the top row has the largest y
    np.testing.assert_allclose(P[1, 3], [3.5, 10.5])


def test_each_tile_is_what_the_model_decodes_at_its_centre(widget, monkeypatch):
    calls = count_decodes(monkeypatch, widget)
    atlas = decode_grid(widget._space, 3, 5, BOUNDS)
    assert calls == [15], "one batched decode for the whole grid"
    assert atlas.outputs.shape == (3, 5, 64)
    assert atlas.latents.shape == (3, 5, 16)
    assert atlas.bounds == BOUNDS
    for i in range(3):
        for j in range(5):
            x, y = atlas.positions[i, j]
            np.testing.assert_allclose(atlas.latents[i, j], widget.lift(x, y), atol=1e-9)
            np.testing.assert_allclose(atlas.outputs[i, j], widget.decode_at(x, y), atol=1e-9)
    assert not atlas.outputs.flags.writeable
    with pytest.raises(AttributeError):
        atlas.bounds = (0, 1, 0, 1)  # type: ignore[misc]
    assert repr(atlas) == (
        "Atlas(3 × 5 tiles, images of shape (64,), latents of size 16, x -20 … 25, y -15 … 18)"
    )


def test_the_mosaic_is_the_tiles_side_by_side_as_the_previews_show_them(widget):
    atlas = decode_grid(widget._space, 2, 3, BOUNDS)
    mosaic = atlas.image()
    assert (mosaic.shape, mosaic.dtype) == ((16, 24), np.uint8)
    tiles = atlas_tiles(widget._space, atlas)
    assert len(tiles.tiles) == len(tiles.buffers) == 6
    assert tiles.features == []
    for k, (fields, buffer) in enumerate(zip(tiles.tiles, tiles.buffers, strict=True)):
        assert (fields["kind"], fields["width"], fields["height"]) == ("image", 8, 8)
        i, j = divmod(k, 3)  # row-major, the top row first
        tile = mosaic[8 * i : 8 * i + 8, 8 * j : 8 * j + 8]
        np.testing.assert_array_equal(shown_pixels(fields, buffer), tile)
    # In a notebook the mosaic shows itself, each tile enlarged by whole pixels, a white line
    # between tiles (small ones would run together).
    shown = np.asarray(Image.open(io.BytesIO(atlas._repr_png_())))
    scale = 480 // 24
    assert shown.shape == (2 * 8 * scale + 1, 3 * 8 * scale + 2)
    assert (shown[8 * scale, :] == 255).all()
    assert (shown[:, 8 * scale] == 255).all()
    for k in range(6):
        i, j = divmod(k, 3)
        top, left = i * (8 * scale + 1), j * (8 * scale + 1)
        enlarged = np.repeat(
            np.repeat(mosaic[8 * i : 8 * i + 8, 8 * j : 8 * j + 8], scale, 0), scale, 1
        )
        np.testing.assert_array_equal(
            shown[top : top + 8 * scale, left : left + 8 * scale], enlarged
        )
    with pytest.raises(ValueError, match="gap must be 0 or more"):
        atlas.image(gap=-1)


@pytest.mark.parametrize(
    ("rows", "cols", "bounds", "error", "words"),
    [
        (0, 4, BOUNDS, ValueError, "rows must be a positive integer (at most 64); got 0."),
        (2, 65, BOUNDS, ValueError, "cols must be a positive integer (at most 64); got 65."),
        (2.0, 4, BOUNDS, TypeError, "rows must be a positive integer (at most 64); got 2.0."),
        (True, 4, BOUNDS, TypeError, "rows must be a positive integer (at most 64); got True."),
        (2, 4, (0, 1, 0), ValueError, "bounds must be (x0, x1, y0, y1), four finite numbers"),
        (2, 4, 5, TypeError, "bounds must be (x0, x1, y0, y1), four finite numbers"),
        (2, 4, (0, 1, 0, float("nan")), ValueError, "got (0, 1, 0, nan)."),
        (2, 4, (1, 0, 0, 1), ValueError, "with x0 < x1 and y0 < y1; got x 1 … 0, y 0 … 1."),
        (2, 4, (0, 1, 2, 2), ValueError, "got x 0 … 1, y 2 … 2."),
        (2, 4, (-1.7e308, 1.7e308, 0, 1), ValueError, "lifts to latents with inf or NaN"),
    ],
)
def test_bad_arguments_are_explained(widget, rows, cols, bounds, error, words):
    with pytest.raises(error) as raised:
        decode_grid(widget._space, rows, cols, bounds)
    assert words in str(raised.value)


def test_a_model_that_cannot_decode_says_why(frontend, digits):
    X = digits[0][:300]
    w = explore(KernelPCA(n_components=4).fit(X), data=X)
    with pytest.raises(CannotDecodeError, match="fit_inverse_transform=True"):
        decode_grid(w._space, 2, 2, BOUNDS)


def test_an_embedding_table_decodes_to_labels_not_tiles(frontend):
    table = {"cat": [1.0, 0.0, 0.2], "dog": [0.9, 0.1, 0.0], "car": [0.0, 1.0, 0.3]}
    w = explore(table)
    with pytest.raises(CannotDecodeError, match="labels nearest to it, not to a picture"):
        decode_grid(w._space, 2, 2, (-1, 1, -1, 1))


def test_records_become_glyphs_of_one_shared_set_of_features(records):
    w = records
    atlas = decode_grid(w._space, 2, 2, (-2, 2, -2, 2))
    assert atlas.layout is None
    assert atlas._repr_png_() is None
    with pytest.raises(ValueError, match="not shown as images"):
        atlas.image()
    tiles = atlas_tiles(w._space, atlas)
    renderer = w._space.renderer
    z = (atlas.outputs.reshape(4, 30) - renderer.mean) / renderer.std
    shown = np.sort(np.argsort(-np.abs(z).mean(axis=0), kind="stable")[:24])
    assert tiles.features == [f"feature {i}" for i in shown]
    for k, (fields, buffer) in enumerate(zip(tiles.tiles, tiles.buffers, strict=True)):
        assert fields == {"kind": "record", "count": 24}
        np.testing.assert_allclose(np.frombuffer(buffer, "<f4"), z[k, shown], rtol=1e-6)


def test_a_preview_function_that_returns_html_cannot_be_tiled(frontend, digits, digits_pca):
    w = explore(digits_pca, data=digits[0], preview=lambda output: "<b>a digit</b>")
    atlas = decode_grid(w._space, 1, 2, BOUNDS)
    with pytest.raises(ValueError, match="tiles are pictures, but the preview of tile 0 is"):
        atlas_tiles(w._space, atlas)


def test_a_failing_preview_function_names_the_tile(frontend, digits, digits_pca):
    def broken(output):
        raise ZeroDivisionError("bad figure")

    w = explore(digits_pca, data=digits[0], preview=broken)
    atlas = decode_grid(w._space, 1, 2, BOUNDS)
    with pytest.raises(ValueError, match="the preview of tile 0 failed: ZeroDivisionError"):
        atlas_tiles(w._space, atlas)


# ---------------------------------------------------------------------- the page's request
def atlas_request(**fields):
    request = {"type": "atlas", "id": 4, "rows": 2, "cols": 3, "view": "v1"}
    request.update(dict(zip(("x0", "x1", "y0", "y1"), BOUNDS, strict=True)))
    request.update(fields)
    return request


def test_the_page_asks_for_an_atlas_and_gets_one_buffer_per_tile(widget, frontend, monkeypatch):
    calls = count_decodes(monkeypatch, widget)
    frontend.send(widget, atlas_request())
    assert calls == [6]
    [(content, buffers)] = replies(frontend, "atlas")
    assert {k: content[k] for k in ("id", "rows", "cols", "bounds", "view", "features")} == {
        "id": 4,
        "rows": 2,
        "cols": 3,
        "bounds": list(BOUNDS),
        "view": "v1",
        "features": [],
    }
    assert len(content["tiles"]) == len(buffers) == 6
    mosaic = decode_grid(widget._space, 2, 3, BOUNDS).image()
    for k, (fields, buffer) in enumerate(zip(content["tiles"], buffers, strict=True)):
        i, j = divmod(k, 3)
        tile = mosaic[8 * i : 8 * i + 8, 8 * j : 8 * j + 8]
        np.testing.assert_array_equal(shown_pixels(fields, buffer), tile)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"id": "4"}, "atlas: id must be an integer; got '4'."),
        ({"rows": 2.5}, "atlas: rows must be an integer; got 2.5."),
        ({"cols": 0}, "atlas: cols must be a positive integer (at most 64); got 0."),
        ({"rows": 100}, "atlas: rows must be a positive integer (at most 64); got 100."),
        ({"x0": "0"}, "atlas: x0 must be a finite number; got '0'."),
        ({"y1": None}, "atlas: y1 must be a finite number; got None."),
        ({"x0": 30.0}, "atlas: bounds must be (x0, x1, y0, y1), four finite numbers with x0 < x1"),
    ],
)
def test_a_bad_atlas_request_is_refused_with_a_notice(widget, frontend, fields, words):
    frontend.send(widget, atlas_request(**fields))
    (error, _), (notice, _) = frontend.custom_messages()[-2:]
    assert (notice["type"], notice["level"], notice["view"]) == ("notice", "error", "v1")
    assert words in notice["text"]
    # The page's atlas slot waits for this id: it is answered too, with the same words.
    assert (error["type"], error["id"], error["error"]) == (
        "atlas",
        fields.get("id", 4),
        notice["text"],
    )


def test_a_missing_field_is_named(widget, frontend):
    request = atlas_request()
    del request["rows"]
    frontend.send(widget, request)
    notice = frontend.custom_messages()[-1][0]
    assert notice["text"] == "atlas: rows must be an integer; the field is missing."


def test_an_atlas_too_large_for_one_message_is_refused(widget, frontend, monkeypatch):
    monkeypatch.setattr(messages, "MAX_REPLY_BYTES", 1000)
    frontend.send(widget, atlas_request())
    notice = frontend.custom_messages()[-1][0]
    assert "atlas: 2 × 3 tiles take 0.0 MiB, more than one message carries" in notice["text"]
    assert "ask for fewer tiles" in notice["text"]


def test_an_atlas_of_a_model_that_cannot_decode_is_refused_and_says_why(frontend, digits):
    X = digits[0][:300]
    w = explore(KernelPCA(n_components=4).fit(X), data=X)
    frontend.send(w, atlas_request())
    notice = frontend.custom_messages()[-1][0]
    assert notice["text"].startswith("atlas: tiles need a model that decodes: ")
    assert "fit_inverse_transform=True" in notice["text"]


def test_a_record_atlas_reply_names_its_features(records, frontend):
    w = records
    frontend.send(w, atlas_request(rows=1, cols=2))
    [(content, buffers)] = replies(frontend, "atlas")
    assert len(content["features"]) == 24
    assert content["tiles"] == [{"kind": "record", "count": 24}] * 2
    assert [len(b) for b in buffers] == [96, 96]


# ---------------------------------------------------------------------- the pinned strip
def test_pinning_a_walk_replies_with_its_decoded_strip(widget, frontend, monkeypatch):
    calls = count_decodes(monkeypatch, widget)
    frontend.send(
        widget, {"type": "pin_walk", "direction": "PC 1", "steps": 5, "span": [-2, 2], "view": "v"}
    )
    assert calls == [5], "the strip is decoded in one batch"
    (strip, buffers), (notice, _) = frontend.custom_messages()[-2:]
    assert notice["type"] == "notice"
    assert {k: strip[k] for k in ("type", "direction", "t", "steps", "of", "text", "view")} == {
        "type": "strip",
        "direction": "PC 1",
        "t": [-2.0, -1.0, 0.0, 1.0, 2.0],
        "steps": [0, 1, 2, 3, 4],
        "of": 5,
        "text": "",
        "view": "v",
    }
    walk = widget.walk("PC 1", steps=5, span=(-2, 2))
    for k, (fields, buffer) in enumerate(zip(strip["tiles"], buffers, strict=True)):
        expected = np.clip(walk.outputs[k].reshape(8, 8) / 16, 0, 1) * 255
        np.testing.assert_allclose(shown_pixels(fields, buffer), expected, atol=1)


def test_a_long_strip_shows_25_evenly_spread_steps_ends_included(widget, frontend):
    frontend.send(widget, {"type": "pin_walk", "direction": "PC 2", "steps": 1000, "span": [-3, 3]})
    [(strip, buffers)] = replies(frontend, "strip")
    assert widget.pins.shape == (1000, 2)
    assert strip["of"] == 1000
    assert len(strip["steps"]) == len(strip["t"]) == len(buffers) == 25
    assert (strip["steps"][0], strip["steps"][-1]) == (0, 999)
    assert (strip["t"][0], strip["t"][-1]) == (-3.0, 3.0)
    assert np.all(np.diff(strip["steps"]) > 0)


def test_a_strip_that_cannot_be_decoded_says_why_and_the_pins_stay(frontend, digits):
    X = digits[0][:300]
    w = explore(KernelPCA(n_components=4).fit(X), data=X)
    frontend.send(w, {"type": "pin_walk", "direction": "PC 1", "steps": 3, "span": [-1, 1]})
    [(strip, buffers)] = replies(frontend, "strip")
    assert (strip["tiles"], buffers) == ([], [])
    assert strip["text"].startswith("the strip is not shown: tiles need a model that decodes")
    assert w.pins.shape == (3, 2)
    assert frontend.custom_messages()[-1][0]["level"] == "info"


def test_an_atlas_value_is_a_frozen_dataclass():
    atlas = Atlas(np.zeros((1, 1, 2)), np.zeros((1, 1, 2)), np.zeros((1, 1, 3)), (0, 1, 0, 1))
    assert atlas.rows == atlas.cols == 1
    assert atlas._repr_png_() is None


def test_an_atlas_of_a_small_pca_needs_no_image_shape_for_records(frontend):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4))
    w = explore(PCA(2).fit(X), data=X)
    atlas = decode_grid(w._space, 2, 2, (-1, 1, -1, 1))
    assert atlas.outputs.shape == (2, 2, 4)
    assert atlas_tiles(w._space, atlas).features == [f"feature {i}" for i in range(4)]


def test_the_default_region_is_the_pages_view_else_the_whole_map(widget, frontend):
    whole = widget.atlas(2, 2)
    assert whole.bounds == widget.extent
    x0, x1, y0, y1 = widget.extent
    assert x0 < widget.points[:, 0].min()
    assert widget.points[:, 0].max() < x1
    assert y0 < widget.points[:, 1].min()
    assert widget.points[:, 1].max() < y1
    frontend.update(widget, _view=[-1.0, 2.0, -0.5, 0.5])
    assert widget.atlas(2, 2).bounds == (-1.0, 2.0, -0.5, 0.5)
    assert widget.atlas(2, 2, bounds=widget.extent).bounds == whole.bounds
