"""Previews of data points decoded in the page: the points' latents (``_point_latents``) and
the dense chain's first layer as it takes a latent (``point_layer``), read from the wire."""

import numpy as np
import torch
from client_decoding import _ACT
from test_client_decoder import ImageDecoder
from torch_models import ConvVAE28, DCGANGenerator, DigitVAE

from latent_magic import _client_decoder as client
from latent_magic import explore
from latent_magic._renderers import arrange_image


def wire_point_decode(w, index: int) -> np.ndarray:
    """What the page decodes for point ``index``, from the traits' bytes alone."""
    spec = w._client_decoder
    weights = np.frombuffer(bytes(w._client_weights), "<f4").astype(np.float64)
    d = spec["point_layer"]["in"]
    latents = np.frombuffer(bytes(w._point_latents), "<f4").reshape(-1, d).astype(np.float64)
    chain = [
        (k, layer["in"] * layer["out"] + layer["out"])
        for k, layer in enumerate(spec["layers"])
        if layer["op"] == "linear"
    ]
    used = sum(size for _, size in chain)
    if spec["kind"] == "record":
        used += 2 * len(spec["names"])
    m = spec["point_layer"]["out"]
    values = latents[index] @ weights[used : used + d * m].reshape(d, m)
    values += weights[used + d * m : used + d * m + m]
    offset = chain[0][1]
    for layer in spec["layers"][1:]:
        if layer["op"] == "linear":
            n, m = layer["in"], layer["out"]
            W = weights[offset : offset + n * m].reshape(n, m)
            values = values @ W + weights[offset + n * m : offset + n * m + m]
            offset += n * m + m
        else:
            values = _ACT[layer["op"]](values, layer.get("param", 0.0))
    return values


def kernel_point_decode(w, index: int) -> np.ndarray:
    output = w._space.model.decode(w.latents[index][None])[0]
    return arrange_image(output).reshape(-1) if w._client_decoder["kind"] == "image" else output


def test_an_mlp_decoder_map_sends_its_points_latents_and_the_unlifted_first_layer(frontend):
    torch.manual_seed(0)
    w = explore(ImageDecoder(), n_samples=300)
    assert w._client_decoder["point_layer"] == {"in": 2, "out": 64}
    latents = np.frombuffer(bytes(w._point_latents), "<f4").reshape(300, 2)
    np.testing.assert_allclose(latents, w.latents, rtol=1e-6)
    for i in (0, 7, 299):
        np.testing.assert_allclose(wire_point_decode(w, i), kernel_point_decode(w, i), atol=1e-4)
    # The axes move the map, not the points' latents: their decode is still the same.
    w.set_axes("PC 2", "PC 1")
    np.testing.assert_allclose(wire_point_decode(w, 7), kernel_point_decode(w, 7), atol=1e-4)


def test_a_pca_map_of_records_decodes_its_points_in_the_page(frontend, digits, digits_pca):
    X, _ = digits
    w = explore(digits_pca, data=X[:400])
    assert w._client_decoder["kind"] == "record"
    assert w._client_decoder["point_layer"]["in"] == 16
    assert len(w._point_latents) == 400 * 16
    for i in (0, 123):
        np.testing.assert_allclose(wire_point_decode(w, i), kernel_point_decode(w, i), atol=1e-4)


def test_a_reconstruction_view_stays_in_the_kernel(frontend, digits, digits_pca):
    X, _ = digits
    w = explore(digits_pca, data=X[:400], image_shape=(8, 8))
    assert w._client_decoder, "empty space is still decoded in the page"
    assert "point_layer" not in w._client_decoder
    assert len(w._point_latents) == 0


def test_an_autoencoders_reconstruction_view_stays_in_the_kernel(frontend, digits):
    X, _ = digits
    images = torch.tensor(X[:300] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    w = explore(DigitVAE(latent=4), data=images)
    assert w._client_decoder, "empty space is still decoded in the page"
    assert "point_layer" not in w._client_decoder
    assert len(w._point_latents) == 0


def test_a_text_map_sends_no_latents(frontend):
    words = [f"word{i}" for i in range(30)]
    vectors = np.random.default_rng(0).normal(size=(len(words), 8))
    w = explore((words, vectors))
    assert len(w._point_latents) == 0


def test_latents_above_the_cap_stay_in_the_kernel(monkeypatch, frontend):
    monkeypatch.setattr(client, "MAX_POINT_LATENT_BYTES", 300 * 2 * 4 - 1)
    torch.manual_seed(0)
    w = explore(ImageDecoder(), n_samples=300)
    assert w._client_decoder, "empty space is still decoded in the page"
    assert "point_layer" not in w._client_decoder
    assert len(w._point_latents) == 0


def test_a_conv_generator_run_as_onnx_sends_its_points_latents(frontend):
    torch.manual_seed(0)
    w = explore(DCGANGenerator(nz=4), n_samples=200, lift="affine")
    assert not w._client_decoder, "not a dense chain"
    assert w._onnx_plan is not None, "its decoder is to run in the page as ONNX"
    latents = np.frombuffer(bytes(w._point_latents), "<f4").reshape(200, 4)
    np.testing.assert_allclose(latents, w.latents, rtol=1e-6)


def test_a_conv_vaes_reconstruction_view_keeps_its_latents(frontend):
    torch.manual_seed(0)
    images = torch.rand(100, 1, 28, 28)
    w = explore(ConvVAE28(), data=images, lift="affine")
    assert w._onnx_plan is not None
    assert len(w._point_latents) == 0, "a point shows its input beside its reconstruction"
