"""Two-direction grids: a plane through the anchor decoded in one batch, laid out as a figure
with the first direction across and the second up."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from sklearn.decomposition import KernelPCA

from latent_magic import Direction, LatentModel, explore
from latent_magic._atlas import decode_grid
from latent_magic._direction_grid import DirectionGrid, direction_grid
from latent_magic._latent_model import CannotDecodeError
from latent_magic._renderers import to_uint8_image


@pytest.fixture
def widget(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


@pytest.fixture
def space(widget):
    return widget._space


def pcs(space):
    """PC 1 and PC 2 of the map's latents (what the widget lists first in its directions)."""
    return Direction("PC 1", space.principal.components[0]), Direction(
        "PC 2", space.principal.components[1]
    )


def count_decodes(monkeypatch, space) -> list[int]:
    """The model's decode calls, each as the number of latents it got."""
    model = space.model
    calls: list[int] = []
    decode = model.decode

    def counted(Z):
        calls.append(len(Z))
        return decode(Z)

    monkeypatch.setattr(model, "decode", counted)
    return calls


def test_each_tile_is_the_model_decoding_of_its_latent_in_one_batch(space, monkeypatch):
    d1, d2 = pcs(space)
    calls = count_decodes(monkeypatch, space)
    grid = direction_grid(space, d1, d2, steps=(5, 3), span=((-2, 2), (-1, 1)))
    assert calls == [15], "one batched decode for the whole grid"
    assert isinstance(grid, DirectionGrid)
    assert (grid.rows, grid.cols) == (3, 5)  # steps are (along d1, along d2): cols, rows
    assert grid.latents.shape == (3, 5, 16)
    assert grid.outputs.shape == (3, 5, 64)
    flat = grid.latents.reshape(15, 16)
    np.testing.assert_allclose(grid.outputs.reshape(15, 64), space.model.decode(flat))
    # The latents are anchor + s·SD₁·unit(d1) + t·SD₂·unit(d2), in the data's SDs as a walk.
    sd1, sd2 = space.spread_along(d1), space.spread_along(d2)
    assert grid.spreads == (sd1, sd2)
    for i, t in enumerate(grid.t):
        for j, s in enumerate(grid.s):
            expected = space.anchor + s * sd1 * d1.unit + t * sd2 * d2.unit
            np.testing.assert_allclose(grid.latents[i, j], expected, atol=1e-12)
    assert grid.directions == ("PC 1", "PC 2")
    assert grid.note == space.walk_note()
    for array in (grid.latents, grid.outputs, grid.s, grid.t, grid.anchor):
        assert not array.flags.writeable
    with pytest.raises(AttributeError):
        grid.s = np.zeros(5)  # type: ignore[misc]
    assert repr(grid) == (
        "DirectionGrid(3 × 5 tiles, images of shape (64,), latents of size 16, "
        "across 'PC 1' -2 … 2 SD, up 'PC 2' -1 … 1 SD)"
    )


def test_columns_run_along_d1_low_to_high_and_rows_along_d2_high_to_low(space):
    d1, d2 = pcs(space)
    grid = direction_grid(space, d1, d2, steps=(4, 3), span=((-1, 2), (0, 3)))
    np.testing.assert_allclose(grid.s, [-1, 0, 1, 2])  # left to right
    np.testing.assert_allclose(grid.t, [3, 1.5, 0])  # top to bottom
    along1 = (grid.latents - space.anchor) @ d1.unit / space.spread_along(d1)
    along2 = (grid.latents - space.anchor) @ d2.unit / space.spread_along(d2)
    np.testing.assert_allclose(along1, np.broadcast_to(grid.s, (3, 4)), atol=1e-9)
    np.testing.assert_allclose(along2, np.broadcast_to(grid.t[:, None], (3, 4)), atol=1e-9)
    # The top-left tile is the lowest d1 and the highest d2: on the map of PC 1 × PC 2 it is
    # up and to the left of the bottom-right one.
    (x_left, y_top), (x_right, y_bottom) = space.project(grid.latents[[0, -1], [0, -1]])
    assert x_left < x_right
    assert y_top > y_bottom


def test_the_middle_row_and_column_are_the_walks_along_each_direction(space):
    d1, d2 = pcs(space)
    grid = direction_grid(space, d1, d2, steps=(5, 7), span=((-2, 2), (-3, 3)))
    np.testing.assert_allclose(grid.latents[3], space.walk_latents(d1, grid.s), atol=1e-12)
    np.testing.assert_allclose(grid.latents[:, 2], space.walk_latents(d2, grid.t), atol=1e-12)


def test_the_centre_tile_is_the_anchors_decoding(space, widget):
    d1, d2 = pcs(space)
    widget.anchor = widget.latents[17]
    grid = direction_grid(space, d1, d2)  # 7 × 7 over ±2 SD: the centre is s = t = 0
    assert (grid.rows, grid.cols) == (7, 7)
    np.testing.assert_array_equal(grid.anchor, widget.anchor)
    np.testing.assert_allclose(grid.latents[3, 3], widget.anchor, atol=1e-12)
    np.testing.assert_allclose(
        grid.outputs[3, 3], space.model.decode(widget.anchor[None])[0], atol=1e-9
    )


def test_directions_need_not_be_orthogonal(space):
    d1, d2 = pcs(space)
    slanted = Direction("slanted", d1.unit + d2.unit)
    grid = direction_grid(space, d1, slanted, steps=(3, 3), span=((-1, 1), (-1, 1)))
    np.testing.assert_allclose(
        grid.latents[0, 2],
        space.anchor
        + space.spread_along(d1) * d1.unit
        + space.spread_along(slanted) * slanted.unit,
    )


def test_the_mosaic_has_d1_across_and_d2_up(space):
    d1, d2 = pcs(space)
    grid = direction_grid(space, d1, d2, steps=(3, 2), span=((-2, 2), (-2, 2)))
    mosaic = grid.image()
    assert (mosaic.shape, mosaic.dtype) == ((16, 24), np.uint8)
    layout = grid.layout
    for i in range(2):
        for j in range(3):
            tile = to_uint8_image(grid.outputs[i, j], layout.shape, layout.value_range)
            np.testing.assert_array_equal(mosaic[8 * i : 8 * i + 8, 8 * j : 8 * j + 8], tile)
    # The same mosaic an atlas makes: the code is shared.
    atlas = decode_grid(space, 2, 3, (-20, 25, -15, 18))
    assert grid.layout == atlas.layout
    # In a notebook it shows itself as an atlas does: enlarged, a white line between tiles.
    shown = np.asarray(Image.open(io.BytesIO(grid._repr_png_())))
    scale = 480 // 24
    assert shown.shape == (2 * 8 * scale + 1, 3 * 8 * scale + 2)
    assert (shown[8 * scale, :] == 255).all()
    np.testing.assert_array_equal(
        shown[: 8 * scale, : 8 * scale], np.repeat(np.repeat(mosaic[:8, :8], scale, 0), scale, 1)
    )
    with pytest.raises(ValueError, match="gap must be 0 or more"):
        grid.image(gap=-1)


def test_on_a_gaussian_prior_the_grid_keeps_the_anchors_norm_as_walks_do(frontend):
    W = np.random.default_rng(2).normal(size=(8, 64))
    generator = LatentModel(decode=lambda Z: np.tanh(Z @ W), dim=8, prior=True)
    w = explore(generator, image_shape=(8, 8), n_samples=500, seed=1)
    space = w._space
    d1, d2 = (Direction(f"e{k}", np.eye(8)[k]) for k in (0, 1))
    grid = direction_grid(space, d1, d2, steps=(5, 5), span=((-2, 2), (-2, 2)))
    assert grid.note.startswith("from the anchor, each step rescaled to the anchor's norm")
    norms = np.linalg.norm(grid.latents, axis=2)
    np.testing.assert_allclose(norms, np.linalg.norm(space.anchor), rtol=1e-12)
    np.testing.assert_allclose(grid.latents[2], space.walk_latents(d1, grid.s), atol=1e-12)
    np.testing.assert_allclose(grid.latents[:, 2], space.walk_latents(d2, grid.t), atol=1e-12)
    np.testing.assert_allclose(grid.outputs, np.tanh(grid.latents @ W))


def test_records_are_gridded_but_not_pictured(frontend):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 5))
    W = rng.normal(size=(5, 30))
    model = LatentModel(encode=lambda X: X @ np.linalg.pinv(W), decode=lambda Z: Z @ W, dim=5)
    space = explore(model, data=Z @ W)._space
    d1, d2 = (Direction(f"e{k}", np.eye(5)[k]) for k in (0, 1))
    grid = direction_grid(space, d1, d2, steps=(2, 2), span=((-1, 1), (-1, 1)))
    assert grid.outputs.shape == (2, 2, 30)
    assert grid.layout is None
    assert grid._repr_png_() is None
    with pytest.raises(ValueError, match="this grid's outputs are not shown as images"):
        grid.image()


@pytest.mark.parametrize(
    ("steps", "span", "error", "words"),
    [
        ((0, 7), None, ValueError, "steps must be two positive integers (along d1, along d2)"),
        ((7, 65), None, ValueError, "at most 64; got (7, 65)."),
        (7, None, TypeError, "steps must be two positive integers"),
        ((7, 7, 7), None, TypeError, "got (7, 7, 7)."),
        ((7.0, 7), None, TypeError, "got (7.0, 7)."),
        ((True, 7), None, TypeError, "got (True, 7)."),
        ("77", None, TypeError, "got '77'."),
        (None, (-2, 2), ValueError, "span must be ((s0, s1), (t0, t1)): for d1 and for d2"),
        (None, ((-2, 2), (0, np.nan)), ValueError, "two finite numbers, low < high"),
        (None, ((-2, 2), (1, "3")), ValueError, "two finite numbers"),
        (None, ((2, -2), (-2, 2)), ValueError, "low < high; got 2 … -2 for d1."),
        (None, ((-2, 2), (1, 1)), ValueError, "got 1 … 1 for d2."),
        (None, ((-1e308, 1e308), (-2, 2)), ValueError, "wider than float64 numbers reach"),
        (None, ((0, 1e308), (-2, 2)), ValueError, "leaves the range of float64 numbers"),
    ],
)
def test_bad_steps_and_spans_are_explained(space, steps, span, error, words):
    d1, d2 = pcs(space)
    how = {"steps": steps} if steps is not None else {"span": span}
    with pytest.raises(error) as raised:
        direction_grid(space, d1, d2, **how)
    assert words in str(raised.value)


def test_bad_directions_are_explained(space):
    d1, d2 = pcs(space)
    with pytest.raises(ValueError, match="'PC 1' and 'twice PC 1' point along the same line"):
        direction_grid(space, d1, Direction("twice PC 1", -2 * d1.vector))
    with pytest.raises(ValueError, match="direction 'short' has dimension 3; this space has 16"):
        direction_grid(space, d1, Direction("short", np.ones(3)))
    with pytest.raises(TypeError, match="d2 must be a Direction; got str"):
        direction_grid(space, d1, "PC 2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'zero' is the zero vector"):
        direction_grid(space, Direction("zero", np.zeros(16)), d2)


def test_a_direction_the_data_do_not_vary_along_is_refused(frontend):
    rng = np.random.default_rng(0)
    X = np.hstack([rng.normal(size=(100, 2)), np.zeros((100, 1))])
    model = LatentModel(encode=lambda X: X, decode=lambda Z: Z, dim=3)
    space = explore(model, data=X)._space
    with pytest.raises(ValueError, match="the data do not vary along 'flat'"):
        direction_grid(space, Direction("x", [1, 0, 0]), Direction("flat", [0, 0, 1]))


def test_a_model_that_cannot_decode_says_why(frontend, digits):
    X = digits[0][:300]
    space = explore(KernelPCA(n_components=4).fit(X), data=X)._space
    d1, d2 = (Direction(f"e{k}", np.eye(4)[k]) for k in (0, 1))
    with pytest.raises(CannotDecodeError, match="fit_inverse_transform=True"):
        direction_grid(space, d1, d2)


def test_an_embedding_table_decodes_to_labels_not_tiles(frontend):
    table = {"cat": [1.0, 0.0, 0.2], "dog": [0.9, 0.1, 0.0], "car": [0.0, 1.0, 0.3]}
    space = explore(table)._space
    d1, d2 = (Direction(f"e{k}", np.eye(3)[k]) for k in (0, 1))
    with pytest.raises(CannotDecodeError, match="labels nearest to it, not to a picture"):
        direction_grid(space, d1, d2)


def test_one_step_along_a_direction_is_the_middle_of_its_span(space):
    d1, d2 = pcs(space)
    grid = direction_grid(space, d1, d2, steps=(9, 1), span=((-3, 3), (-2, 2)))
    assert grid.latents.shape == (1, 9, 16)
    np.testing.assert_allclose(grid.t, [0.0])
    np.testing.assert_allclose(grid.latents[0], space.walk_latents(d1, grid.s), atol=1e-12)
    np.testing.assert_allclose(direction_grid(space, d1, d2, steps=(1, 1)).s, [0.0])
