"""Directions as axes, walking, groups → directions and arithmetic, through the widget."""

import numpy as np
import pytest
from client_decoding import page_decode

import latent_magic
from latent_magic import Direction, LatentModel, explore


@pytest.fixture
def planted(frontend):
    """Latents with a planted 'age' direction and a linear decoder."""
    rng = np.random.default_rng(0)
    n, d = 600, 8
    age = rng.uniform(20, 80, n)
    true = np.zeros(d)
    true[2] = 1.0
    Z = rng.normal(size=(n, d)) + np.outer((age - 50) / 10, true)
    W = rng.normal(size=(d, 12))
    model = LatentModel(encode=lambda X: X, decode=lambda Z: Z @ W, dim=d)
    w = explore(model, data=Z, labels=np.where(age > 50, "old", "young"))
    return w, age, true, W


def test_principal_directions_are_offered_as_axes(planted):
    w, *_ = planted
    assert list(w.directions)[:2] == ["PC 1", "PC 2"]
    assert w._axes == ["PC 1", "PC 2"]
    assert w._axis_options == list(w.directions)


def test_named_axes_are_exact_even_when_not_orthogonal(planted):
    w, age, true, _ = planted
    d_age = latent_magic.direction(w.latents, age, ordered=True, bins=6, name="age")
    skew = Direction.from_vector(true + np.eye(8)[0], "skew")
    w.set_axes(d_age, skew)
    assert w._axes == ["age", "skew"]
    assert w._axis_titles == ["age", "skew"]
    for x, y in [(0.0, 0.0), (2.5, -1.0), (-4.0, 3.0)]:
        np.testing.assert_allclose(w.project(w.lift(x, y)[None]), [[x, y]], atol=1e-9)
    # Components off the plane are the anchor's.
    basis = np.vstack([d_age.unit, skew.unit])
    q, _ = np.linalg.qr(basis.T)
    z, anchor = w.lift(1.0, 2.0), w.anchor
    np.testing.assert_allclose(z - q @ (q.T @ z), anchor - q @ (q.T @ anchor), atol=1e-9)
    # The map moved: the points are the data's coordinates along the two directions.
    P = np.frombuffer(w._points, "<f4").reshape(-1, 2)
    centred = w.latents - w.latents.mean(0)
    np.testing.assert_allclose(P[:, 0], centred @ d_age.unit, atol=1e-4)


def test_pins_keep_their_vectors_when_the_axes_change(planted, frontend):
    w, *_ = planted
    frontend.send(w, {"type": "pin", "x": 1.0, "y": 2.0})
    before = w.pinned_vectors.copy()
    w.set_axes("PC 3", "PC 1")
    np.testing.assert_array_equal(w.pinned_vectors, before)
    np.testing.assert_allclose(w.pins, w.project(before), atol=1e-12)
    # A pin added in the browser after that still lifts; the old one keeps its vector.
    frontend.send(w, {"type": "pin", "x": 0.5, "y": 0.5})
    np.testing.assert_array_equal(w.pinned_vectors[0], before[0])
    np.testing.assert_allclose(w.pinned_vectors[1], w.lift(0.5, 0.5))


def test_parallel_axes_and_unknown_names_are_refused(planted):
    w, *_ = planted
    with pytest.raises(ValueError, match="point along the same line"):
        w.set_axes("PC 1", w.directions["PC 1"].vector * -2)
    with pytest.raises(KeyError, match="no direction named 'age'"):
        w.set_axes("age", "PC 1")
    with pytest.raises(ValueError, match=r"vector of shape \(8,\); got shape \(3,\)"):
        w.set_axes([1, 2, 3], "PC 1")
    assert w._axes == ["PC 1", "PC 2"]


def test_walk_steps_from_the_anchor_in_data_standard_deviations(planted):
    w, age, _, W = planted
    d_age = w.add_direction(latent_magic.direction(w.latents, age, ordered=True, bins=6), "age")
    strip = w.walk("age", steps=5, span=(-2, 2))
    sd = np.std(w.latents @ d_age.unit.astype(np.float32))
    expected = w.anchor + np.outer(np.linspace(-2, 2, 5), sd * d_age.unit)
    np.testing.assert_allclose(strip.latents, expected)
    np.testing.assert_allclose(strip.outputs, expected @ W)
    assert strip.t.tolist() == [-2, -1, 0, 1, 2]


def test_the_walk_slider_previews_and_pins_a_strip(planted, frontend):
    w, *_ = planted
    frontend.send(w, {"type": "walk", "id": 5, "direction": "PC 1", "t": 1.5})
    content, _ = frontend.custom_messages()[-1]
    assert content["type"] == "preview"
    assert content["id"] == 5
    assert content["title"] == "PC 1 · t = +1.50 SD"
    z = w.walk("PC 1", steps=1, span=(1.5, 1.5)).latents[0]
    np.testing.assert_allclose(content["walk_xy"], w.project(z)[0], atol=1e-9)
    frontend.send(w, {"type": "pin_walk", "direction": "PC 1", "steps": 9, "span": [-3, 3]})
    np.testing.assert_allclose(w.pinned_vectors, w.walk("PC 1").latents)
    assert w.pins.shape == (9, 2)
    assert frontend.custom_messages()[-1][0] == {
        "type": "notice",
        "level": "info",
        "text": "pinned 9 steps along 'PC 1', from the anchor, in straight steps",
    }


def test_two_lassoed_groups_make_a_direction(planted, frontend):
    w, age, true, _ = planted
    old, young = np.flatnonzero(age > 65), np.flatnonzero(age < 35)
    # The browser's buttons: the kernel copies its own selection into the group.
    w.selected_indices = old
    frontend.send(w, {"type": "set_group", "group": "A"})
    w.selected_indices = young
    frontend.send(w, {"type": "set_group", "group": "B"})
    assert w.groups["A"].tolist() == old.tolist()
    assert w.groups["B"].tolist() == young.tolist()
    np.testing.assert_array_equal(w._group_b, w._selection)  # the trait every view draws
    frontend.send(w, {"type": "make_direction", "name": "age"})
    made = w.directions["age"]
    assert made.unit @ true > 0.95
    assert "age" in w._axis_options
    assert "direction 'age' made from" in frontend.custom_messages()[-1][0]["text"]
    w.set_axes("age", "PC 1")
    assert w._axes == ["age", "PC 1"]


def test_bad_requests_become_notices_and_lose_nothing(planted, frontend):
    w, *_ = planted
    w.selected_indices = [1, 2]
    frontend.send(w, {"type": "set_axes", "x": "nope", "y": "PC 1"})
    notice = frontend.custom_messages()[-1][0]
    assert notice["level"] == "error"
    assert notice["text"].startswith("set_axes: x must be the name of a direction ('PC 1'")
    assert notice["text"].endswith("; got 'nope'.")
    data = {"method": "custom", "content": {"type": "make_direction", "name": ""}}
    w._handle_msg({"content": {"data": data}, "buffers": []})
    assert (
        "name must be a direction's name, not empty; got ''"
        in (frontend.custom_messages()[-1][0]["text"])
    )
    assert w.selected_indices.tolist() == [1, 2]
    assert w._axes == ["PC 1", "PC 2"]


def test_groups_set_from_python_make_a_direction_and_bad_ones_change_nothing(planted, frontend):
    w, age, true, _ = planted
    old, young = np.flatnonzero(age > 65), np.flatnonzero(age < 35)
    w.groups = {"A": old, "B": young}
    np.testing.assert_array_equal(w.groups["A"], old)
    frontend.send(w, {"type": "make_direction", "name": "age"})
    assert w.directions["age"].unit @ true > 0.95
    with pytest.raises(ValueError, match=r"keys 'A' and/or 'B'; got \['A', 'C'\]"):
        w.groups = {"A": young, "C": old}
    with pytest.raises(ValueError, match=r"rows \[100000\] are not on the map"):
        w.groups = {"A": young, "B": [100_000]}
    with pytest.raises(ValueError, match=r"groups\['B'\] must be a 1-D array of integer"):
        w.groups = {"A": young, "B": [0.5]}
    np.testing.assert_array_equal(w.groups["A"], old)  # nothing was set by the bad ones
    np.testing.assert_array_equal(w.groups["B"], young)
    w.groups = {"B": []}
    assert w.groups["B"].size == 0
    np.testing.assert_array_equal(w.groups["A"], old)  # a group left out stays as it was


def test_arithmetic_in_the_widget_marks_the_result(frontend):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(100)] + ["king", "man", "woman", "queen"]
    vectors = rng.normal(size=(104, 16))
    vectors[-1] = vectors[-4] - vectors[-3] + vectors[-2] + rng.normal(size=16) * 0.01
    w = explore(dict(zip(words, vectors, strict=True)))
    frontend.send(w, {"type": "arithmetic", "id": 1, "expression": "king - man + woman"})
    reply = frontend.custom_messages()[-1][0]
    assert reply["ok"] is True
    assert reply["neighbors"][0]["label"] == "queen"
    assert w._marks[-1]["label"] == "king - man + woman"
    result = latent_magic.arithmetic(w, "king - man + woman")
    np.testing.assert_allclose([reply["x"], reply["y"]], w.project(result.vector)[0], atol=1e-5)
    frontend.send(w, {"type": "arithmetic", "id": 2, "expression": "king - + man"})
    reply = frontend.custom_messages()[-1][0]
    assert reply["ok"] is False
    assert "^" in reply["error"]


def test_previews_say_how_far_they_are_from_the_data(planted, frontend):
    w, *_ = planted
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 3})
    assert frontend.custom_messages()[-1][0]["distance"] == {"ratio": 0.0, "off_data": False}
    frontend.send(w, {"type": "decode", "id": 2, "x": 500.0, "y": 500.0, "index": None})
    distance = frontend.custom_messages()[-1][0]["distance"]
    assert distance["off_data"] is True
    assert distance["ratio"] > 10


def test_non_linear_maps_are_marked_approximate(digits, digits_pca, frontend):
    X, y = digits
    w = explore(digits_pca, data=X[:400], labels=y[:400], projection="tsne", image_shape=(8, 8))
    assert w.projection_exact is False
    assert w._decoder["exact"] is False
    assert w._projection == "tsne"
    assert w._axes == []
    z = w.lift(*w.points[10])
    np.testing.assert_allclose(z, w.latents[10], atol=1e-3)
    frontend.send(w, {"type": "decode", "id": 1, "x": 1.0, "y": 1.0, "index": None})
    assert frontend.custom_messages()[-1][0]["exact"] is False


def test_axes_can_be_given_when_exploring(digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, data=X, labels=y, axes=("PC 1", "PC 3"))
    assert w._axes == ["PC 1", "PC 3"]
    np.testing.assert_allclose(w.project(w.lift(3.0, 4.0)), [[3.0, 4.0]], atol=1e-9)


def test_linear_models_ship_their_decoder_to_the_browser(digits, digits_pca, frontend):
    X, y = digits
    w = explore(digits_pca, data=X, labels=y, image_shape=(8, 8))
    meta = w._client_decoder
    assert meta == {
        "kind": "image",
        "shape": [8, 8],
        "value_range": [0.0, 16.0],
        "layers": [{"op": "linear", "in": 2, "out": 64}],
        "exact": True,
    }
    for x, y_ in [(0.0, 0.0), (12.0, -7.5), (-30.0, 20.0)]:
        np.testing.assert_allclose(page_decode(w, x, y_), w.decode_at(x, y_), atol=1e-3)
    # The browser's weights follow the anchor and the axes.
    w.anchor = w.latents[5]
    w.set_axes("PC 2", "PC 4")
    np.testing.assert_allclose(page_decode(w, 3.0, -2.0), w.decode_at(3.0, -2.0), atol=1e-3)


def test_models_that_are_not_affine_keep_decoding_in_the_kernel(frontend):
    X = np.random.default_rng(0).normal(size=(100, 3))
    w = explore(encode=lambda X: X, decode=lambda Z: np.tanh(Z), data=X)
    assert w._client_decoder == {}
    assert w._client_weights.size == 0
    w2 = explore(digits_like_pca(), data=X, projection="isomap")
    assert w2._client_decoder == {}


def digits_like_pca():
    from sklearn.decomposition import PCA

    return PCA(2).fit(np.random.default_rng(1).normal(size=(100, 3)))


def test_every_malformed_request_is_answered_without_losing_state(planted, frontend):
    w, *_ = planted
    w.selected_indices = [4]
    anchor = w.anchor
    frontend.send(w, {"type": "decode", "id": 3, "x": 0.0, "y": 0.0, "index": 99999})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["type"], reply["id"], reply["kind"]) == ("preview", 3, "message")
    assert "valid: 0..599" in reply["text"]
    frontend.send(w, {"type": "walk", "id": 4, "direction": "nope", "t": 1.0})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["type"], reply["id"]) == ("preview", 4)  # the browser's slot is freed
    frontend.send(w, {"type": "set_anchor", "index": -1})
    assert "valid: 0..599" in frontend.custom_messages()[-1][0]["text"]
    frontend.send(w, {"type": "set_anchor", "index": None})  # no x, y
    assert frontend.custom_messages()[-1][0]["level"] == "error"
    frontend.send(w, {"type": "make_direction", "name": "no groups yet"})
    assert "both groups need points; got A: 0, B: 0" in frontend.custom_messages()[-1][0]["text"]
    frontend.send(w, {"type": "set_group", "group": "C"})
    assert "group must be 'A' or 'B'; got 'C'" in frontend.custom_messages()[-1][0]["text"]
    np.testing.assert_array_equal(w.anchor, anchor)
    assert w.selected_indices.tolist() == [4]


def test_replies_go_to_the_view_that_asked(planted, frontend):
    w, *_ = planted
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": None, "view": "a"})
    assert frontend.custom_messages()[-1][0]["view"] == "a"
    frontend.send(w, {"type": "arithmetic", "id": 2, "expression": "1 +", "view": "b"})
    assert frontend.custom_messages()[-1][0]["view"] == "b"


def test_redefining_an_axis_on_display_moves_the_map(planted):
    w, age, *_ = planted
    w.add_direction(latent_magic.direction(w.latents, age, ordered=True), "age")
    w.set_axes("age", "PC 1")
    before = w.points.copy()
    w.add_direction(-w.directions["age"].vector, "age")
    np.testing.assert_allclose(w.points[:, 0], -before[:, 0], atol=1e-4)


def test_explore_leaves_the_callers_model_and_arrays_alone(frontend):
    Z = np.random.default_rng(0).normal(size=(30, 4))
    model = LatentModel(encode=lambda X: X.astype(np.float32), decode=lambda Z: Z, dim=4)
    explore(model, data=Z, image_shape=(2, 2))
    assert "image_shape" not in model.hints
    table = (["a", "b", "c"], np.eye(3, dtype=np.float32))
    explore(table)
    table[1][0, 0] = 2.0  # still the user's writable array


def test_axes_and_a_non_linear_projection_are_refused_together(digits, digits_pca):
    with pytest.raises(TypeError, match="axes= or projection='tsne', not both"):
        explore(digits_pca, data=digits[0], axes=("PC 1", "PC 2"), projection="tsne")


def test_the_legend_is_named_after_the_labels(frontend):
    import pandas as pd

    X = np.random.default_rng(0).normal(size=(40, 3))
    species = pd.Series(["a", "b"] * 20, name="species")
    w = explore(encode=lambda X: X, decode=lambda Z: Z, data=X, labels=species)
    assert w._legend["title"] == "species"
