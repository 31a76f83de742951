"""The widget's generator tools (issue 17): interpolation between rows, pins or vectors; local
directions of a selection; two-direction grids; SeFa's directions offered for generators."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from latent_magic import closed_form_directions, explore


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 8 * 8), nn.Tanh())


@pytest.fixture
def gan_map(frontend, generator):
    return explore(generator, latent_dim=16, image_shape=(8, 8), n_samples=400)


def test_a_generators_pickers_offer_its_closed_form_directions(gan_map, generator):
    sefa = closed_form_directions(generator, k=10)
    assert [d.name for d in sefa] == [f"SeFa {i}" for i in range(1, 11)]
    for d in sefa:
        np.testing.assert_allclose(gan_map.directions[d.name].vector, d.vector)
    assert "SeFa 1" in gan_map._axis_options
    assert "SeFa 1" in gan_map._walk_options
    assert "PC 1" in gan_map._axis_options  # beside the principal axes
    gan_map.set_axes("SeFa 1", "SeFa 2")
    assert list(gan_map._axes) == ["SeFa 1", "SeFa 2"]


def test_a_map_that_is_no_generator_offers_no_closed_form_directions(digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    assert not any(name.startswith("SeFa") for name in w.directions)


def test_interpolating_between_two_rows_slerps_for_a_gaussian_prior(gan_map, generator):
    path = gan_map.interpolate(3, 10, steps=7)
    assert path.method == "slerp"
    assert "slerp" in path.note
    np.testing.assert_allclose(path.latents[0], gan_map.latents[3], rtol=1e-6)
    np.testing.assert_allclose(path.latents[-1], gan_map.latents[10], rtol=1e-6)
    decoded = generator(torch.as_tensor(path.latents, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(path.outputs.reshape(7, -1), decoded, atol=1e-5)
    np.testing.assert_allclose(path.positions, gan_map.project(path.latents), atol=1e-6)
    # Between two pins' vectors too, and straight when asked.
    gan_map.pin(0.1, 0.2)
    gan_map.pin(-0.3, 0.4)
    a, b = gan_map.pinned_vectors
    straight = gan_map.interpolate(a, b, steps=3, method="lerp")
    np.testing.assert_allclose(straight.latents[1], (a + b) / 2)
    with pytest.raises(ValueError, match="rows"):
        gan_map.interpolate(3, 10**6)


def test_local_directions_of_the_selection_join_the_directions(digits, digits_pca, frontend):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    w.selected_indices = np.flatnonzero(y == 0)
    found = w.local_directions(k=2)
    assert [d.name for d in found] == ["local 1", "local 2"]
    assert {"local 1", "local 2"} <= set(w._axis_options)
    # The zeros' own principal axes, not the whole map's.
    Z = w.latents[y == 0] - w.latents[y == 0].mean(axis=0)
    top = np.linalg.svd(Z, full_matrices=False)[2][0]
    assert abs(found[0].unit @ top) > 0.999
    assert found[0].quality > found[1].quality > 0
    w.set_axes("local 1", "local 2")
    assert list(w._axes) == ["local 1", "local 2"]
    with pytest.raises(ValueError, match="at least 2 latents"):
        w.local_directions(rows=[5])


def test_a_grid_decodes_the_plane_of_two_directions_through_the_anchor(digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    grid = w.grid("PC 1", "PC 2", steps=(5, 3))
    assert grid.outputs.shape[:2] == (3, 5)
    flat = grid.latents.reshape(-1, grid.latents.shape[-1])
    np.testing.assert_allclose(
        grid.outputs.reshape(15, -1), digits_pca.inverse_transform(flat), atol=1e-4
    )
    np.testing.assert_allclose(grid.latents[1, 2], w.anchor, atol=1e-6)  # the centre
    with pytest.raises(KeyError, match="no direction named 'PC 99'"):
        w.grid("PC 99", "PC 2")


def test_joining_two_pins_decodes_the_way_between_them_and_draws_it(gan_map, frontend):
    gan_map.pin(0.5, 0.1)
    gan_map.pin(-0.4, 0.3)
    frontend.send(gan_map, {"type": "join_pins", "steps": 5, "view": "v"})
    strip, notice = (c for c, _ in frontend.custom_messages()[-2:])
    path = gan_map.interpolate(*gan_map.pinned_vectors[-2:], steps=5)
    assert strip["type"] == "strip"
    assert strip["direction"] == "slerp: the last two pins"
    assert strip["t"] == pytest.approx(path.t.tolist())
    assert len(strip["tiles"]) == 5
    assert "slerp" in notice["text"]
    np.testing.assert_allclose(gan_map._path, path.positions, atol=1e-9)
    # The path follows the map when the axes change; clearing the pins removes it.
    gan_map.set_axes("PC 2", "PC 3")
    np.testing.assert_allclose(gan_map._path, gan_map.project(path.latents), atol=1e-9)
    frontend.send(gan_map, {"type": "clear_pins"})
    assert gan_map._path == []


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"type": "join_pins", "steps": 1}, "join_pins: steps must be 2..1000; got 1."),
        ({"type": "join_pins"}, "join_pins: steps must be an integer; the field is missing."),
        ({"type": "local_directions", "k": 0}, "local_directions: k must be 1..10; got 0."),
    ],
)
def test_bad_generator_tool_requests_are_refused(gan_map, frontend, request_, message):
    frontend.send(gan_map, request_)
    content, _ = frontend.custom_messages()[-1]
    assert content["type"] == "notice"
    assert content["text"] == message


def test_joining_needs_two_pins(gan_map, frontend):
    gan_map.pin(0.5, 0.1)
    frontend.send(gan_map, {"type": "join_pins", "steps": 5})
    content, _ = frontend.custom_messages()[-1]
    assert content["text"] == "join_pins needs two pins; there are 1."


def test_local_directions_from_the_page_use_the_selection(gan_map, frontend):
    gan_map.selected_indices = np.arange(40)
    frontend.send(gan_map, {"type": "local_directions", "k": 2})
    content, _ = frontend.custom_messages()[-1]
    assert content["text"].startswith("directions of the 40 selected points: local 1 ")
    assert {"local 1", "local 2"} <= set(gan_map._axis_options)


def test_the_page_hears_how_entangled_the_directions_are(gan_map):
    cos = gan_map._direction_cosines
    names = cos["names"]
    assert names == list(gan_map.directions)
    i, j = names.index("PC 1"), names.index("SeFa 1")
    expected = gan_map.directions["PC 1"].unit @ gan_map.directions["SeFa 1"].unit
    assert cos["matrix"][i][j] == pytest.approx(expected, abs=1e-4)
    assert cos["matrix"][i][i] == pytest.approx(1.0)
    gan_map.add_direction(np.ones(16), name="ones")
    assert "ones" in gan_map._direction_cosines["names"]


def test_orthogonalize_from_the_picker_makes_and_shows_y_without_x(gan_map, frontend):
    gan_map.set_axes("SeFa 1", "PC 1")
    frontend.send(gan_map, {"type": "orthogonalize", "name": "PC 1", "against": "SeFa 1"})
    made = gan_map.directions["PC 1 ⊥ SeFa 1"]
    assert abs(made.unit @ gan_map.directions["SeFa 1"].unit) < 1e-9
    assert list(gan_map._axes) == ["SeFa 1", "PC 1 ⊥ SeFa 1"]
    frontend.send(gan_map, {"type": "orthogonalize", "name": "PC 1", "against": "PC 1"})
    content, _ = frontend.custom_messages()[-1]
    assert content["text"] == "orthogonalize: 'PC 1' cannot be made orthogonal to itself."


def test_a_grid_is_shown_by_every_view_as_one_picture(digits, digits_pca, frontend):
    from previews import shown_pixels

    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    frontend.send(w, {"type": "grid", "x": "PC 1", "y": "PC 2", "steps": [4, 3], "view": "v"})
    content, buffers = frontend.custom_messages()[-1]
    assert content["type"] == "grid"
    assert "view" not in content  # a picture for every view
    assert (content["rows"], content["cols"]) == (3, 4)
    assert content["directions"] == ["PC 1", "PC 2"]
    grid = w.grid("PC 1", "PC 2", steps=(4, 3))
    for k, (tile, buffer) in enumerate(zip(content["tiles"], buffers, strict=True)):
        i, j = divmod(k, 4)
        expected = np.clip(grid.outputs[i, j].reshape(8, 8) / 16, 0, 1) * 255
        np.testing.assert_allclose(shown_pixels(tile, buffer), expected, atol=1)
    frontend.send(w, {"type": "grid", "x": "PC 1", "y": "PC 2", "steps": [4]})
    content, _ = frontend.custom_messages()[-1]
    assert "grid: steps must be [columns, rows]" in content["text"]


def test_axes_given_as_directions_join_the_choices(digits, digits_pca):
    from latent_magic import Direction

    X, y = digits
    thick = Direction.from_vector(np.arange(16.0), "thick")
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8), axes=(thick, "PC 2"))
    assert "thick" in w._axis_options
    assert "thick" in w._direction_cosines["names"]
    assert w.walk("thick", steps=3).latents.shape == (3, 16)


def test_the_maps_view_is_forgotten_when_the_axes_change(digits, digits_pca, frontend):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    frontend.update(w, _view=[-1.0, 1.0, -1.0, 1.0])
    w.set_axes("PC 3", "PC 4")
    assert w.view is None  # the page's range was on the old map
    assert w.atlas(2, 2).bounds == w.extent


def test_a_maps_arithmetic_names_rows_of_the_data():
    rng = np.random.default_rng(0)
    from sklearn.decomposition import PCA

    X = rng.normal(size=(30, 4))
    X[0] = np.nan  # left out of the map: points and rows differ by one
    names = ["a", "b", "c"] * 10
    with pytest.warns(UserWarning, match="left out of the map"):
        w = explore(PCA(3).fit(np.nan_to_num(X)), X, labels=names)
    result = w.arithmetic("a + b", k=5)
    for (label, _), row in zip(result.neighbors, result.indices, strict=True):
        assert names[row] == label
