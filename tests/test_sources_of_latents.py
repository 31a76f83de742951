"""Where the map's latents come from: encoded data, latent codes, a prior, a table, texts."""

import numpy as np
import pytest

from latent_magic import LatentModel, explore

W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])  # 3 features → 2 latents


def test_plain_functions_explore_like_a_model(frontend):
    X = np.random.default_rng(0).normal(size=(50, 3))
    w = explore(encode=lambda X: X @ W.T, decode=lambda Z: Z @ W, data=X)
    np.testing.assert_allclose(w.latents, X @ W.T, rtol=1e-5)
    np.testing.assert_allclose(w.decode_at(0.5, -1.0), w.lift(0.5, -1.0) @ W)
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": None})
    content = frontend.custom_messages()[-1][0]
    assert content["kind"] == "record"
    assert [f["name"] for f in content["features"]] == ["feature 0", "feature 1", "feature 2"]


def test_model_and_functions_together_are_refused():
    with pytest.raises(TypeError, match="either a model or encode=/decode="):
        explore(LatentModel(encode=abs), encode=abs)


def test_a_generator_without_data_maps_seeded_samples_of_its_prior(frontend):
    generator = LatentModel(decode=lambda Z: np.tanh(Z @ np.ones((4, 64))), dim=4, prior=True)
    w = explore(generator, image_shape=(8, 8), n_samples=300, seed=3)
    assert w.latents.shape == (300, 4)
    np.testing.assert_array_equal(w.latents, generator.sample(300, seed=3))
    assert "300 points" in w._status
    frontend.send(w, {"type": "decode", "id": 1, "x": 1.0, "y": 2.0, "index": None})
    assert frontend.custom_messages()[-1][0]["kind"] == "image"


def test_a_generator_takes_latent_codes_as_data(frontend):
    generator = LatentModel(decode=lambda Z: Z @ np.ones((4, 6)), dim=4, prior=True)
    codes = np.arange(40.0).reshape(10, 4)
    w = explore(generator, data=codes)
    np.testing.assert_array_equal(w.latents, codes)
    with pytest.raises(ValueError, match=r"latent codes of shape \(n, 4\)"):
        explore(generator, data=np.zeros((10, 3)))


def test_too_few_samples_are_refused():
    generator = LatentModel(decode=lambda Z: Z, dim=2, prior=True)
    with pytest.raises(ValueError, match="n_samples must be at least 1; got 0"):
        explore(generator, n_samples=0)


WORDS = ["king", "queen", "man", "woman", "apple"]
VECTORS = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 5]], dtype=np.float32)


def test_a_table_maps_its_own_rows_and_decodes_to_nearest_labels(frontend):
    table = LatentModel(
        encode=lambda labels: VECTORS[[WORDS.index(x) for x in labels]],
        kind="text",
        data_kind="text",
        table=(WORDS, VECTORS),
        dim=3,
    )
    w = explore(table)
    np.testing.assert_array_equal(w.latents, VECTORS)
    assert w._decoder["can_decode"] is True
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 0})
    content = frontend.custom_messages()[-1][0]
    assert content["kind"] == "neighbors"
    assert content["title"] == "king · row 0"
    labels = [n["label"] for n in content["neighbors"]]
    assert "king" not in labels  # a point's neighbors are the others
    assert labels[0] in {"man", "queen"}
    assert content["neighbors"][0]["score"] >= content["neighbors"][-1]["score"]


def test_texts_label_themselves_and_previews_list_neighbors(frontend):
    lookup = dict(zip(WORDS, VECTORS, strict=True))
    encoder = LatentModel(
        encode=lambda texts: np.array([lookup[t] for t in texts]), kind="text", data_kind="text"
    )
    w = explore(encoder, data=WORDS)
    assert w._space.labels.tolist() == WORDS
    x, y = w.project(VECTORS[4])[0]
    frontend.send(w, {"type": "decode", "id": 2, "x": float(x), "y": float(y), "index": None})
    content = frontend.custom_messages()[-1][0]
    assert content["title"] == "empty space"
    assert content["neighbors"][0]["label"] == "apple"


def test_texts_must_be_strings():
    encoder = LatentModel(encode=lambda t: np.zeros((len(t), 2)), kind="text", data_kind="text")
    with pytest.raises(ValueError, match=r"every item of data must be a str; items \[1\] are int"):
        explore(encoder, data=["a", 3])


def test_identical_points_still_open_a_map(frontend):
    w = explore(encode=lambda X: X, decode=lambda Z: Z, data=np.ones((5, 3)))
    assert w.points.shape == (5, 2)
    assert w._axes == []
