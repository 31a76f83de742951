"""Pictures on the map: each point's own image (its data, or a generator's decoded sample),
sent to the page for the points it shows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latent_magic import explore
from latent_magic._renderers import to_uint8_image
from latent_magic._thumbnails import MAX_SIDE, thumbnail_pixels


@pytest.fixture
def digits_map(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, X, labels=y, image_shape=(8, 8))


def test_an_image_map_offers_the_rows_own_pictures(digits_map, digits, frontend):
    X, _ = digits
    assert digits_map._thumbnails == {"width": 8, "height": 8, "source": "data"}
    frontend.send(digits_map, {"type": "thumbnails", "id": 3, "points": [0, 42], "view": "v"})
    content, buffers = frontend.custom_messages()[-1]
    assert content == {
        "type": "thumbnails",
        "id": 3,
        "points": [0, 42],
        "width": 8,
        "height": 8,
        "view": "v",
    }
    rgba = np.frombuffer(bytes(buffers[0]), np.uint8).reshape(2, 8, 8, 4)
    for k, row in enumerate([0, 42]):
        # The item's own pixels, scaled as its preview is (the data's 0..16 range).
        expected = to_uint8_image(X[row], (8, 8), (0.0, 16.0))
        np.testing.assert_array_equal(rgba[k, :, :, 0], expected)
        assert (rgba[k, :, :, 3] == 255).all()


def test_a_generators_pictures_are_its_decoded_samples():
    torch.manual_seed(0)
    G = torch.nn.Sequential(torch.nn.Linear(6, 16 * 16), torch.nn.Tanh())
    w = explore(G, latent_dim=6, image_shape=(16, 16), n_samples=50)
    assert w._thumbnails["source"] == "decoded"
    pixels = thumbnail_pixels(w._space, np.array([3, 7]))
    decoded = G(torch.as_tensor(w.latents[[3, 7]])).detach().numpy()
    for k in range(2):
        np.testing.assert_array_equal(
            pixels[k, :, :, 0], to_uint8_image(decoded[k], (16, 16), (-1.0, 1.0))
        )


def test_large_images_are_shrunk_before_they_travel():
    rng = np.random.default_rng(0)
    from sklearn.decomposition import PCA

    X = rng.random((40, 256 * 256)).astype(np.float32)
    w = explore(PCA(3).fit(X), X, image_shape=(256, 256))
    assert w._thumbnails["width"] == w._thumbnails["height"] == MAX_SIDE
    big = to_uint8_image(X[5], (256, 256), (float(X.min()), float(X.max())))
    small = thumbnail_pixels(w._space, np.array([5]))[0, :, :, 0]
    np.testing.assert_allclose(small, big.reshape(64, 4, 64, 4).mean(axis=(1, 3)), atol=1)


def test_maps_without_pictures_say_so(frontend):
    table = {w: np.eye(4)[i] for i, w in enumerate(["a", "b", "c", "d"])}
    w = explore(table)
    assert w._thumbnails == {}
    frontend.send(w, {"type": "thumbnails", "id": 1, "points": [0]})
    content, _ = frontend.custom_messages()[-2]
    assert content == {"type": "thumbnails", "id": 1, "error": content["error"]}
    assert "no pictures" in content["error"]


@pytest.mark.parametrize(
    "points",
    [[-1], [1797], ["0"], [True], list(range(513)), "0,1", None],
)
def test_bad_thumbnail_requests_are_refused(digits_map, frontend, points):
    frontend.send(digits_map, {"type": "thumbnails", "id": 1, "points": points})
    reply, notice = (c for c, _ in frontend.custom_messages()[-2:])
    assert reply["type"] == "thumbnails"
    assert "points must be a list of at most 512 point indices" in reply["error"]
    assert notice["level"] == "error"
