"""Decoders run in the browser: which models are sent there, and that what the page computes
from the sent weights is what the model decodes, wherever the map and anchor are."""

import numpy as np
import pytest
import torch
from client_decoding import page_decode
from torch import nn
from torch.nn import functional
from torch_models import DCGANGenerator, DigitVAE, MLPGenerator, SubmoduleAutoencoder

from latent_magic import LatentModel, explore
from latent_magic import _client_decoder as client
from latent_magic._renderers import arrange_image

SPOTS = [(0.0, 0.0), (2.5, -1.0), (-4.0, 3.0), (7.0, 6.0)]


def assert_page_decodes_like_the_kernel(w, atol=1e-4):
    assert w._client_decoder, "the decoder was not sent to the page"
    for x, y in SPOTS:
        expected = arrange_image(w.decode_at(x, y)).reshape(-1)  # pixel order
        np.testing.assert_allclose(page_decode(w, x, y), expected, atol=atol)


class ImageDecoder(nn.Module):
    """The benchmark's small MLP decoder: 2-d latents to 32 × 32 images in [-1, 1]."""

    nz = 2

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, 64),
            nn.ReLU(),
            nn.Linear(64, 128),
            nn.ReLU(),
            nn.Linear(128, 1024),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z.reshape(len(z), -1)).reshape(len(z), 1, 32, 32)


def test_an_mlp_generator_is_decoded_in_the_page(frontend):
    torch.manual_seed(0)
    w = explore(ImageDecoder(), n_samples=300)
    ops = [layer["op"] for layer in w._client_decoder["layers"]]
    assert ops == ["linear", "relu", "linear", "relu", "linear", "tanh"]
    assert w._client_decoder["shape"] == [32, 32]
    assert w._client_decoder["value_range"] == [-1.0, 1.0]
    assert_page_decodes_like_the_kernel(w)
    # The map and the anchor are folded into the first layer: both are followed.
    w.anchor = w.latents[7]
    assert_page_decodes_like_the_kernel(w)
    w.set_axes("PC 2", "PC 1")
    assert_page_decodes_like_the_kernel(w)


class ColourDecoder(nn.Module):
    """Functional activations between layers, a batch norm, and CHW colour outputs."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 24)
        self.norm = nn.BatchNorm1d(24)
        self.fc2 = nn.Linear(24, 3 * 4 * 6)

    def forward(self, z):
        h = functional.leaky_relu(self.norm(self.fc1(z)), 0.2)
        return torch.sigmoid(self.fc2(h)).reshape(len(z), 3, 4, 6)


def test_functional_activations_batch_norm_and_colour_images_run_in_the_page(frontend):
    torch.manual_seed(1)
    G = ColourDecoder()
    G.norm.running_mean.normal_()
    G.norm.running_var.uniform_(0.5, 2.0)
    G.train()  # decoding puts it in eval mode: the running statistics are what is sent
    w = explore(G, latent_dim=5, n_samples=300, lift="affine")  # the lift the page computes
    ops = [layer["op"] for layer in w._client_decoder["layers"]]
    assert ops == ["linear", "leaky_relu", "linear", "sigmoid"], "batch norm folded away"
    assert w._client_decoder["shape"] == [4, 6, 3]
    assert_page_decodes_like_the_kernel(w)
    assert G.training, "the user's training mode is left as it was"


def test_autoencoders_send_only_their_decoder(frontend, digits):
    X, _ = digits
    images = torch.tensor(X[:300] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    for model in (DigitVAE(latent=4), SubmoduleAutoencoder(latent=3), MLPGenerator()):
        # A generator's default (local) lift is not one affine map; its affine lift is.
        data = {"lift": "affine"} if isinstance(model, MLPGenerator) else {"data": images}
        w = explore(model, n_samples=300, **data)
        assert_page_decodes_like_the_kernel(w)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 16), nn.Linear(16, 16)

    def forward(self, z):
        h = torch.relu(self.a(z))
        return (h + self.b(h)).reshape(len(z), 4, 4)  # a skip connection: not a chain


class Wavy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 16)

    def forward(self, z):
        return torch.sin(self.a(z)).reshape(len(z), 4, 4)  # an activation the page lacks


@pytest.mark.parametrize("make", [Residual, Wavy, lambda: DCGANGenerator(nz=4)])
def test_decoders_the_page_cannot_run_stay_in_the_kernel(make, frontend):
    torch.manual_seed(0)
    w = explore(make(), latent_dim=4, n_samples=200)
    assert w._client_decoder == {}
    assert w._client_weights.size == 0
    assert np.isfinite(w.decode_at(1.0, 2.0)).all(), "it still decodes, in the kernel"


def test_large_decoders_stay_in_the_kernel(monkeypatch, frontend):
    torch.manual_seed(0)
    monkeypatch.setattr(client, "MAX_WEIGHTS", 10_000)  # the decoder has ~75k weights
    w = explore(ImageDecoder(), n_samples=200)
    assert w._client_decoder == {}


def test_a_wrong_description_of_the_decoder_is_not_trusted(frontend):
    X = np.random.default_rng(0).normal(size=(200, 3))
    wrong = [client.Layer.linear(np.eye(3))]  # says identity; the decoder is tanh
    model = LatentModel(encode=lambda X: X, decode=np.tanh, dim=3, export_layers=lambda: wrong)
    w = explore(model, data=X)
    assert w._client_decoder == {}


def test_a_layers_chain_reproduces_numpy_activations():
    x = np.linspace(-6, 6, 101)
    torch_x = torch.tensor(x)
    expected = {
        "relu": torch.relu(torch_x),
        "sigmoid": torch.sigmoid(torch_x),
        "tanh": torch.tanh(torch_x),
        "silu": functional.silu(torch_x),
        "gelu": functional.gelu(torch_x),
        "gelu_tanh": functional.gelu(torch_x, approximate="tanh"),
    }
    for op, want in expected.items():
        np.testing.assert_allclose(client.Layer(op)(x), want.numpy(), atol=1e-12, err_msg=op)
    np.testing.assert_allclose(
        client.Layer("elu", param=0.7)(x), functional.elu(torch_x, 0.7).numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        client.Layer("softplus", param=2.0)(x),
        functional.softplus(torch_x, beta=2.0).numpy(),
        atol=1e-12,
    )


def test_a_preview_function_of_the_users_is_not_probed_for_the_page(frontend):
    X = np.random.default_rng(0).normal(size=(200, 6))
    calls = []

    def decode(Z):
        calls.append(len(Z))
        return Z @ np.ones((6, 4))

    model = LatentModel(encode=lambda X: X, decode=decode, dim=6)
    w = explore(model, data=X, preview=lambda out: "<b>custom</b>")
    assert w._client_decoder == {}
    assert sum(calls) < 10, f"{sum(calls)} latents decoded to probe a decoder no page can use"
    calls.clear()
    explore(model, data=X)
    assert sum(calls) >= 6 + 1, "an affine decoder is probed when the page can draw it"
