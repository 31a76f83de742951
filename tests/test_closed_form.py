"""Closed-form directions (SeFa) of real torch generators: the top eigenvectors of AᵀA of the
first layer that takes the latent, checked against numpy's own eigen-decomposition of the
layer's weights and against running the layer itself; on the real face GAN, the top direction
changes faces more than random directions do."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from faces import face_generator
from torch import nn
from torch_models import (
    DCGANGenerator,
    DigitVAE,
    MLPGenerator,
    SubmoduleAutoencoder,
    one_thread,
)

from latent_magic import Direction, LatentModel, adapt, closed_form_directions, explore


def _eigen(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (decreasing) and eigenvectors (as rows) of a symmetric matrix, by eigh."""
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T


def _weights(layer: nn.Module) -> np.ndarray:
    return layer.weight.detach().double().numpy()


def _assert_match(directions: list[Direction], values: np.ndarray, vectors: np.ndarray) -> None:
    assert [d.name for d in directions] == [f"SeFa {i + 1}" for i in range(len(directions))]
    total = values.sum()
    for i, d in enumerate(directions):
        assert d.method == "closed form"
        assert d.norm == pytest.approx(1.0, abs=1e-12)  # unit vectors
        assert abs(d.unit @ vectors[i]) == pytest.approx(1.0, abs=1e-9)  # the same, up to sign
        assert d.vector[np.argmax(np.abs(d.vector))] > 0  # the sign convention
        assert d.quality == pytest.approx(values[i], rel=1e-9)
        assert d.details["eigenvalue"] == d.quality
        assert d.details["eigenvalue_share"] == pytest.approx(values[i] / total, rel=1e-9)
        assert d.details["component"] == i + 1
    qualities = [d.quality for d in directions]
    assert qualities == sorted(qualities, reverse=True)
    U = np.vstack([d.vector for d in directions])
    np.testing.assert_allclose(U @ U.T, np.eye(len(directions)), atol=1e-12)


def test_a_linear_first_generator_gives_the_eigenvectors_of_w_transpose_w():
    torch.manual_seed(0)
    G = MLPGenerator(latent=6)
    W = _weights(G.net[0])  # (out, in) = (32, 6)
    values, vectors = _eigen(W.T @ W)
    directions = closed_form_directions(G, k=4)
    assert len(directions) == 4
    _assert_match(directions, values, vectors)
    assert "Linear (weight 32×6)" in directions[0].details["layer"]
    assert "eigenvalue" in repr(directions[0])


def test_a_dcgan_generator_gives_the_eigenvectors_of_its_reshaped_transposed_convolution():
    torch.manual_seed(1)
    G = DCGANGenerator(nz=8, width=32)
    layer = G.main[0]  # ConvTranspose2d: weight (in, out, kh, kw) = (8, 32, 4, 4)
    W = _weights(layer).reshape(8, -1)
    values, vectors = _eigen(W @ W.T)
    directions = closed_form_directions(G)  # k=10 > 8: all eight
    assert len(directions) == 8
    _assert_match(directions, values, vectors)

    # What the eigenvalue means, measured on the layer itself: a unit step along a direction
    # changes the layer's output by the square root of its eigenvalue, and the top direction
    # changes it more than any other unit step does.
    def change(v: np.ndarray) -> float:
        with torch.no_grad():
            step = layer(torch.from_numpy(v).float().reshape(1, 8, 1, 1)) - layer(
                torch.zeros(1, 8, 1, 1)
            )
        return float(step.double().pow(2).sum())

    for d in directions:
        assert change(d.unit) == pytest.approx(d.quality, rel=1e-5)
    rng = np.random.default_rng(0)
    for v in rng.standard_normal((20, 8)):
        assert change(v / np.linalg.norm(v)) <= directions[0].quality * (1 + 1e-5)


def test_a_conv_taking_the_latent_as_channels_reads_its_weights_transposed():
    torch.manual_seed(2)
    first = nn.Conv2d(5, 12, 1)  # weight (out, in, 1, 1)
    G = nn.Sequential(first, nn.Upsample(scale_factor=2), nn.Conv2d(12, 1, 3, padding=1))
    A = _weights(first)[:, :, 0, 0]  # (12, 5): the map from the latent to the output
    values, vectors = _eigen(A.T @ A)
    _assert_match(closed_form_directions(G, k=5), values, vectors)


def test_the_adapted_model_and_a_widget_give_the_generators_directions():
    torch.manual_seed(3)
    G = DCGANGenerator(nz=8)
    expected = closed_form_directions(G, k=3)
    model = adapt(G)
    w = explore(G, n_samples=60, axes=(expected[0], expected[1]))  # usable as map axes
    for source in (model, w):
        found = closed_form_directions(source, k=3)
        assert [d.name for d in found] == ["SeFa 1", "SeFa 2", "SeFa 3"]
        for d, e in zip(found, expected, strict=True):
            np.testing.assert_array_equal(d.vector, e.vector)
    # An autoencoder's decoder submodule is what takes its latents.
    torch.manual_seed(4)
    autoencoder = SubmoduleAutoencoder(latent=3)
    W = _weights(autoencoder.decoder[0])  # Linear(3, 64)
    values, vectors = _eigen(W.T @ W)
    _assert_match(closed_form_directions(autoencoder), values, vectors)
    _assert_match(closed_form_directions(adapt(autoencoder)), values, vectors)


def test_the_real_face_gan_top_direction_changes_faces_more_than_random_directions():
    G = face_generator()  # DCGAN on faces: ConvTranspose2d(100, 512, 4) first
    W = _weights(G.main[0]).reshape(100, -1)
    values, vectors = _eigen(W @ W.T)
    directions = closed_form_directions(G, k=5)
    _assert_match(directions, values, vectors)
    model = adapt(G)
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((8, 100))  # prior samples: faces
    with one_thread():
        faces = model.decode(Z)

        def change(unit: np.ndarray, length: float = 3.0) -> float:
            return float(np.abs(model.decode(Z + length * unit) - faces).mean())

        top = change(directions[0].unit)
        random = [change(v / np.linalg.norm(v)) for v in rng.standard_normal((8, 100))]
    # Measured: the top direction changes pixels by 0.31 on average, random ones 0.08–0.16.
    assert top > 1.5 * max(random), (top, random)


# ---------------------------------------------------------------------- k
def test_k_beyond_the_latent_size_or_the_layers_rank_gives_the_directions_there_are():
    torch.manual_seed(5)
    assert len(closed_form_directions(MLPGenerator(latent=6), k=50)) == 6
    # Three outputs for six latent values: the other three directions change nothing.
    narrow = nn.Sequential(nn.Linear(6, 3), nn.Tanh())
    found = closed_form_directions(narrow, k=6)
    assert len(found) == 3
    W = _weights(narrow[0])
    values, vectors = _eigen(W.T @ W)
    _assert_match(found, values[:3], vectors[:3])
    assert sum(d.details["eigenvalue_share"] for d in found) == pytest.approx(1.0)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(ValueError, match=r"k must be a positive integer"):
        closed_form_directions(MLPGenerator(), k=k)


# ---------------------------------------------------------------------- what it refuses
class _EmbeddingFirst(nn.Module):
    """Class-conditional: a label embedding is its first layer, not the latent's."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.norm = nn.BatchNorm1d(4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.norm(z)


@pytest.mark.parametrize(
    ("G", "named"),
    [
        (nn.Sequential(nn.BatchNorm1d(8), nn.Linear(8, 16)), "BatchNorm1d"),
        (_EmbeddingFirst(), "Embedding"),
        (nn.Sequential(nn.Tanh()), "none with parameters"),
    ],
)
def test_a_first_layer_of_another_kind_is_refused_by_name(G, named):
    with pytest.raises(
        ValueError, match=rf"to be Linear, ConvTranspose.*first layer with parameters is {named}"
    ):
        closed_form_directions(G)


def test_layers_it_cannot_read_are_refused_and_say_why():
    with pytest.raises(ValueError, match=r"LazyLinear\) has no weights yet"):
        closed_form_directions(nn.Sequential(nn.LazyLinear(8)))
    grouped = nn.Sequential(nn.ConvTranspose2d(8, 16, 4, groups=2))
    with pytest.raises(ValueError, match=r"grouped convolution \(groups=2\)"):
        closed_form_directions(grouped)
    zero = nn.Linear(4, 8)
    nn.init.zeros_(zero.weight)
    with pytest.raises(ValueError, match="all-zero weights"):
        closed_form_directions(zero)


def test_a_first_layer_that_does_not_take_the_latent_is_refused():
    class Stated(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.nz = 10  # says 10, but its first layer takes 6
            self.net = nn.Linear(6, 16)

    with pytest.raises(ValueError, match=r"takes 6 values, but its latents have 10"):
        closed_form_directions(Stated())
    # An autoencoder that decodes by a method: its first layer is the encoder's.
    with pytest.raises(ValueError, match=r"decoder is a method.*Pass that layer itself"):
        closed_form_directions(DigitVAE(latent=4))
    torch.manual_seed(6)
    vae = DigitVAE(latent=4)
    W = _weights(vae.expand)  # the layer that does take the latent, passed itself
    values, vectors = _eigen(W.T @ W)
    _assert_match(closed_form_directions(vae.expand), values, vectors)


def test_what_is_no_torch_generator_is_refused():
    with pytest.raises(TypeError, match="does not decode through a torch module"):
        closed_form_directions(LatentModel(decode=lambda Z: Z, dim=3, name="identity"))
    with pytest.raises(TypeError, match=r"pass a torch\.nn\.Module.*got ndarray"):
        closed_form_directions(np.eye(3))


def test_a_layer_that_stretches_one_axis_most_gives_that_axis_first():
    layer = nn.Linear(3, 5)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 1], layer.weight[1, 0], layer.weight[2, 2] = -3.0, 2.0, 1.0
    found = closed_form_directions(layer)
    np.testing.assert_allclose(np.vstack([d.vector for d in found]), np.eye(3)[[1, 0, 2]])
    assert [d.quality for d in found] == pytest.approx([9.0, 4.0, 1.0])
    assert [d.details["eigenvalue_share"] for d in found] == pytest.approx([9 / 14, 4 / 14, 1 / 14])
