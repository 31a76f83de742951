"""Decoders run in the browser: which models are sent there, and that what the page computes
from the sent weights is what the model decodes, wherever the map and anchor are."""

import base64
import json
import os
from pathlib import Path

import client_decoding
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


# ---------------------------------------------------------------------- golden files for the page
# js/tests/client_decoder_golden.test.js runs the page's real decoder (js/client_decoder.js) on
# these files and compares its outputs with the kernel's. The test below rebuilds them from
# the kernel and fails when the committed ones differ; LATENT_MAGIC_WRITE_GOLDEN=1 rewrites
# them (commit the result with the change that needed it).
GOLDEN = Path(__file__).resolve().parents[1] / "js" / "tests" / "golden"
WRITE_GOLDEN = os.environ.get("LATENT_MAGIC_WRITE_GOLDEN") == "1"

# One module per activation the page implements, with a parameter where it takes one.
GOLDEN_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": lambda: nn.Tanh(),
    "sigmoid": lambda: nn.Sigmoid(),
    "elu": lambda: nn.ELU(0.7),
    "silu": lambda: nn.SiLU(),
    "softplus": lambda: nn.Softplus(beta=2.0),
    "gelu": lambda: nn.GELU(),
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
}
GOLDEN_RECORD_FEATURES = 26  # more than the 24 a record shows: the page must choose
_SIGNIFICANT = "{:.9g}"  # float32 values need 9 digits; more is noise in the file


def _fixed_weights(linear, seed):
    """Weights and biases from a formula, exact in float32: the files do not follow torch's
    random initialisation."""
    out, inp = linear.weight.shape
    i, j = np.meshgrid(np.arange(out), np.arange(inp), indexing="ij")
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(((5 * i + 3 * j + seed) % 31 - 15) / 8))
        linear.bias.copy_(torch.tensor(((7 * np.arange(out) + seed) % 5 - 2) / 4))
    return linear


def _golden_widget(decoder, latent_dim=3):
    w = explore(decoder, latent_dim=latent_dim, n_samples=200, lift="affine")
    assert w._client_decoder, "the chain must be decoded in the page"
    return w


def _positions(w, fractions):
    reach = float(np.abs(w.points).max())  # far spots saturate the activations
    return [[float(_SIGNIFICANT.format(f * reach)) for f in pair] for pair in fractions]


def _rounded(values):
    return [float(_SIGNIFICANT.format(v)) for v in np.ravel(values)]


def _golden_case(w, name, positions):
    return {
        "about": "Written by tests/test_client_decoder.py (LATENT_MAGIC_WRITE_GOLDEN=1).",
        "case": name,
        "client_decoder": w._client_decoder,
        "client_weights": base64.b64encode(np.asarray(w._client_weights, "<f4").tobytes()).decode(),
        "positions": positions,
        # The model's own decode (torch, in the kernel), in the page's pixel order.
        "outputs": [_rounded(_page_order(w, w.decode_at(x, y))) for x, y in positions],
        # Three data points' own latents (from `_point_latents`), and what the model decodes.
        "point_latents": [
            _rounded(z) for z in np.asarray(w._point_latents, "<f4").reshape(len(w.latents), -1)[:3]
        ],
        "point_outputs": [
            _rounded(_page_order(w, w._space.model.decode(z[None])[0])) for z in w.latents[:3]
        ],
    }


def _page_order(w, output):
    return arrange_image(output) if w._client_decoder["kind"] == "image" else output


def golden_activation_case(op):
    torch.manual_seed(0)
    shape = (1, 3, 4) if list(GOLDEN_ACTIVATIONS).index(op) % 2 else (3, 2, 2)  # grey, RGB
    decoder = nn.Sequential(
        _fixed_weights(nn.Linear(3, 8), seed=len(op)),
        GOLDEN_ACTIVATIONS[op](),
        _fixed_weights(nn.Linear(8, 12), seed=2 * len(op)),
        GOLDEN_ACTIVATIONS[op](),
        nn.Unflatten(1, shape),
    )
    w = _golden_widget(decoder)
    fractions = [(0, 0), (0.3, -0.2), (-0.7, 0.5), (1.5, 1.1), (-3, -2.5)]
    case = _golden_case(w, op, _positions(w, fractions))
    renderer = w._space.renderer
    previews = [renderer(w.decode_at(x, y)) for x, y in case["positions"]]
    assert all(p.fields["mime"] == "image/x-raw-rgba" for p in previews)
    case["pixels"] = [base64.b64encode(p.buffers[0]).decode() for p in previews]  # RGBA
    return case


def golden_record_case():
    torch.manual_seed(0)
    decoder = nn.Sequential(
        _fixed_weights(nn.Linear(3, 8), seed=3),
        nn.Tanh(),
        _fixed_weights(nn.Linear(8, GOLDEN_RECORD_FEATURES), seed=4),
    )
    w = _golden_widget(decoder)
    case = _golden_case(w, "record", _positions(w, [(0, 0), (0.4, -0.3), (-1.2, 0.9), (2, 2)]))
    renderer = w._space.renderer
    case["mean"], case["std"] = _rounded(renderer.mean), _rounded(renderer.std)
    names = case["client_decoder"]["names"]
    case["shown"] = [
        [names.index(f["name"]) for f in renderer(w.decode_at(x, y)).fields["features"]]
        for x, y in case["positions"]
    ]
    return case


def golden_cases():
    cases = {op: golden_activation_case(op) for op in GOLDEN_ACTIVATIONS}
    cases["record"] = golden_record_case()
    return cases


def _assert_close(committed, fresh, where, rtol=1e-5):
    """Same structure, same strings, numbers equal to float32 precision."""
    if isinstance(fresh, dict):
        assert isinstance(committed, dict), where
        assert sorted(committed) == sorted(fresh), where
        for key in fresh:
            _assert_close(committed[key], fresh[key], f"{where}.{key}", rtol)
    elif isinstance(fresh, list):
        assert isinstance(committed, list), where
        assert len(committed) == len(fresh), where
        if fresh and all(isinstance(v, float) for v in fresh):
            scale = max(float(np.abs(fresh).max()), 1.0)
            np.testing.assert_allclose(
                committed, fresh, rtol=rtol, atol=rtol * scale, err_msg=where
            )
        else:
            for i, (c, f) in enumerate(zip(committed, fresh, strict=True)):
                _assert_close(c, f, f"{where}[{i}]", rtol)
    elif isinstance(fresh, float):
        assert committed == pytest.approx(fresh, rel=rtol, abs=rtol), where
    else:
        assert committed == fresh, where


def _float32s(text):
    return np.frombuffer(base64.b64decode(text), "<f4")


def assert_golden_is_up_to_date(committed, fresh):
    name = fresh["case"]
    plain = {k: v for k, v in fresh.items() if k not in ("client_weights", "pixels")}
    _assert_close({k: committed.get(k) for k in plain}, plain, name)
    assert set(committed) == set(fresh), name
    weights = _float32s(fresh["client_weights"])
    np.testing.assert_allclose(
        _float32s(committed["client_weights"]),
        weights,
        rtol=1e-5,
        atol=1e-6 * np.abs(weights).max(),
        err_msg=f"{name}: weights",
    )
    for c, f in zip(committed.get("pixels", []), fresh.get("pixels", []), strict=True):
        difference = np.frombuffer(base64.b64decode(c), np.uint8).astype(int) - np.frombuffer(
            base64.b64decode(f), np.uint8
        )
        assert np.abs(difference).max() <= 1, f"{name}: pixels"


def _golden_text(case):
    """One key a line: small files whose diffs say which part changed."""
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in case.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def test_the_golden_files_for_the_page_are_the_kernels():
    assert set(GOLDEN_ACTIVATIONS) == set(client.ACTIVATIONS), "a golden file per activation"
    fresh = golden_cases()
    if WRITE_GOLDEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in GOLDEN.glob("*.json"):
            stale.unlink()
        for name, case in fresh.items():
            (GOLDEN / f"{name}.json").write_text(_golden_text(case), encoding="utf-8")
    rewrite = "rewrite them with LATENT_MAGIC_WRITE_GOLDEN=1 if the change is meant"
    committed_names = sorted(p.stem for p in GOLDEN.glob("*.json"))
    assert committed_names == sorted(fresh), f"golden files differ from the cases; {rewrite}"
    for name, case in fresh.items():
        committed = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
        try:
            assert_golden_is_up_to_date(committed, case)
        except AssertionError as error:
            raise AssertionError(
                f"js/tests/golden/{name}.json is out of date; {rewrite}"
            ) from error


@pytest.mark.parametrize("name", [*GOLDEN_ACTIVATIONS, "record"])
def test_the_golden_files_exercise_what_they_claim(name):
    case = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    spec, weights = case["client_decoder"], base64.b64decode(case["client_weights"])
    ops = [layer["op"] for layer in spec["layers"]]
    assert ops[0] == "linear"
    if name != "record":
        assert ops == ["linear", name, "linear", name]
    inputs = []  # what reaches each activation, over every position
    for (x, y), outputs in zip(case["positions"], case["outputs"], strict=True):
        steps = client_decoding.wire_activations(spec, weights, x, y)
        inputs += [steps[i] for i, op in enumerate(ops) if op != "linear"]
        # The wire format read in Python gives the kernel's outputs too.
        scale = max(np.abs(outputs).max(), 1.0)
        np.testing.assert_allclose(steps[-1], outputs, atol=1e-4 * scale)
    seen = np.concatenate(inputs)
    assert seen.min() < -1, "inputs well below zero"
    assert seen.max() > 1, "and well above"
    if name == "softplus":
        param = spec["layers"][1]["param"]
        assert (param * seen > 20).any(), "past softplus's threshold"
        assert (param * seen < 20).any()
    if name == "record":
        assert len(spec["names"]) > 24
        assert all(len(shown) == 24 for shown in case["shown"])
        assert len({tuple(shown) for shown in case["shown"]}) > 1, "the choice moves"
        point = spec["point_layer"]  # its weights follow the mean and std
        after = len(weights) // 4 - point["in"] * point["out"] - point["out"]
        tail = np.frombuffer(weights, "<f4")[after - 2 * len(spec["names"]) : after]
        np.testing.assert_allclose(tail, case["mean"] + case["std"], rtol=1e-6)
        # No near tie at the cut: float32 in the page and float64 here choose alike.
        mean, std = np.array(case["mean"]), np.array(case["std"])
        for outputs in case["outputs"]:
            deviation = np.sort(np.abs(np.array(outputs) - mean) / std)[::-1]
            assert deviation[23] - deviation[24] > 1e-3 * deviation[23]
