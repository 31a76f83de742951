"""Decoding in the browser. When the model's decoder is a small chain of dense layers and
elementwise activations (an affine map such as PCA's, or a PyTorch MLP) and the map is
exact, the kernel sends the chain once, with the map's lift folded into its first layer:
every hover preview is then computed in the page from (x, y), with no kernel round trip.

A chain is only sent after it reproduced ``model.decode`` on random latents; anything it
cannot reproduce keeps decoding in the kernel."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._projection import LinearProjection
from ._renderers import ImageRenderer, RecordRenderer, arrange_image

if TYPE_CHECKING:
    from ._space import LatentSpace

MAX_OUTPUTS = 1 << 16  # values per decoded output; beyond, a kernel round trip sends less
MAX_WEIGHTS = 1 << 21  # 2M float32 values (8 MB): a few ms per hover in the page, one message
MAX_DIM = 1024  # probing an affine decoder costs dim + 1 decodes
# The points' latents travel to the page (float32) only up to this size: sent once with the
# first comm message and embedded in a saved page, 16 MB is a few seconds' load at most;
# above it the kernel keeps answering a data point's preview.
MAX_POINT_LATENT_BYTES = 16 << 20
_CHECKS = 32  # random latents a chain must reproduce


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


_erf = np.vectorize(math.erf, otypes=[np.float64])

# Elementwise activations the page implements too (js/client_decoder.js): name → f(x, param).
ACTIVATIONS = {
    "relu": lambda x, p: np.maximum(x, 0.0),
    "leaky_relu": lambda x, p: np.where(x > 0, x, p * x),
    "tanh": lambda x, p: np.tanh(x),
    "sigmoid": lambda x, p: _sigmoid(x),
    "elu": lambda x, p: np.where(x > 0, x, p * np.expm1(np.minimum(x, 0.0))),
    "silu": lambda x, p: x * _sigmoid(x),
    "softplus": lambda x, p: np.where(p * x > 20, x, np.log1p(np.exp(np.minimum(p * x, 20.0))) / p),
    "gelu": lambda x, p: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "gelu_tanh": lambda x, p: 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3))),
}


@dataclass(frozen=True)
class Layer:
    """One step of a decoder chain: ``linear`` (``x @ weight + bias``, weight ``(in, out)``)
    or an elementwise activation named in :data:`ACTIVATIONS` with its ``param`` (leaky
    slope, ELU alpha, softplus beta)."""

    op: str
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    param: float = 0.0

    @staticmethod
    def linear(weight: np.ndarray, bias: np.ndarray | None = None) -> Layer:
        weight = np.asarray(weight, dtype=np.float64)
        bias = np.zeros(weight.shape[1]) if bias is None else np.asarray(bias, dtype=np.float64)
        return Layer("linear", weight, bias)

    def arrays(self) -> list[np.ndarray]:
        """Its weights and biases, in the order the page reads them (none for activations)."""
        if self.weight is None or self.bias is None:
            return []
        return [self.weight, self.bias]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.op == "linear":
            assert self.weight is not None
            assert self.bias is not None
            return x @ self.weight + self.bias
        return ACTIVATIONS[self.op](x, self.param)


@dataclass(frozen=True)
class DecoderChain:
    """Layers that reproduce a model's decoder, and the shape of one decoded output."""

    layers: list[Layer]
    output_shape: tuple[int, ...]


def run_layers(layers: list[Layer], Z: np.ndarray) -> np.ndarray:
    """The chain's outputs for latents ``Z`` (n, d), flat ``(n, f)``, in float64."""
    x = np.asarray(Z, dtype=np.float64)
    for layer in layers:
        x = layer(x)
    return x


def find_client_layers(model: Any, dim: int) -> DecoderChain | None:
    """A chain of layers equal to ``model.decode``, small enough for the page, or None.

    A model that describes its decoder (``LatentModel.export_layers``: a PyTorch module) is
    read from that description; any other is probed for being affine, by decoding the origin
    and the unit vectors. Either way the chain must reproduce ``decode`` on random latents.
    """
    if not model.can_decode or dim > MAX_DIM:
        return None
    rng = np.random.default_rng(0)
    # Latents at the prior's scale and three times it: a wrong guess shows far out first.
    probes = rng.normal(size=(_CHECKS, dim)) * np.repeat([1.0, 3.0], _CHECKS // 2)[:, None]
    try:
        # Two probes first: a large output or a failing decoder costs only those.
        expected = np.asarray(model.decode(probes[:2]), dtype=np.float64)
    except Exception:  # a decoder that cannot take these probes simply stays in the kernel
        return None
    if expected[0].size > MAX_OUTPUTS:
        return None
    # A model that describes its decoder (a torch module) is taken at its word, or not at
    # all: a convolutional generator is not probed for being affine (dim + 1 decodes).
    if getattr(model, "export_layers", None) is not None:
        layers = _exported_layers(model)
    else:
        layers = _affine_layers(model, dim)
    if layers is None or sum(_weight_count(layer) for layer in layers) > MAX_WEIGHTS:
        return None
    try:
        expected = np.concatenate([expected, np.asarray(model.decode(probes[2:]), np.float64)])
    except Exception:  # as above
        return None
    got = run_layers(layers, probes)
    flat = expected.reshape(_CHECKS, -1)
    scale = max(float(np.abs(flat).max()), 1e-12)
    if got.shape != flat.shape or not np.allclose(got, flat, rtol=0, atol=1e-4 * scale):
        return None
    return DecoderChain(layers, tuple(expected.shape[1:]))


def _exported_layers(model: Any) -> list[Layer] | None:
    try:
        layers = model.export_layers()
    except Exception:  # a model it cannot describe still decodes in the kernel
        return None
    if not layers or layers[0].op != "linear":
        return None  # the map's lift is folded into a first dense layer
    return list(layers)


def _affine_layers(model: Any, dim: int) -> list[Layer] | None:
    """``[linear(A, b)]`` from decoding the origin and the unit vectors (checked later)."""
    try:
        outputs = np.asarray(model.decode(np.vstack([np.zeros(dim), np.eye(dim)])), np.float64)
    except Exception:  # same as above: the kernel keeps decoding
        return None
    outputs = outputs.reshape(dim + 1, -1)
    return [Layer.linear(outputs[1:] - outputs[0], outputs[0])]


def _weight_count(layer: Layer) -> int:
    return 0 if layer.weight is None else layer.weight.size + layer.weight.shape[1]


def page_can_render(renderer: Any) -> bool:
    """Whether the page can draw this renderer's previews itself (images with a fixed value
    range, record bars); anything else (a user's preview function) needs the kernel."""
    image = isinstance(renderer, ImageRenderer) and renderer.value_range is not None
    return image or isinstance(renderer, RecordRenderer)


def client_decoder(
    found: DecoderChain | None, space: LatentSpace
) -> tuple[dict[str, Any], np.ndarray]:
    """The ``_client_decoder`` description and ``_client_weights`` bytes for the current map
    and anchor; empty when previews cannot be computed in the browser."""
    projection, renderer = space.projection, space.renderer
    none = np.zeros(0, np.float32)
    if (
        found is None
        or not isinstance(projection, LinearProjection)
        or not space.lift_is_affine  # the local lift is not one affine map
        or space.shows_neighbors
    ):
        return {}, none
    layers = found.layers
    first = layers[0]
    assert first.weight is not None
    assert first.bias is not None
    lift = projection.affine_lift(space.anchor)  # z = at_origin + lift @ (x, y)
    chain = [Layer.linear(lift.lift.T @ first.weight, lift.at_origin @ first.weight + first.bias)]
    chain += layers[1:]
    # The same chain without the lift takes a point's own latent (see point_latents).
    latent_chain = list(layers)
    size = chain[_last_linear(chain)].arrays()[1].size
    if isinstance(renderer, ImageRenderer) and renderer.value_range is not None:
        # Put the outputs in pixel order (H, W[, C]) exactly as the kernel's renderer would.
        try:
            order = arrange_image(np.arange(size).reshape(found.output_shape), renderer.shape)
        except ValueError:
            return {}, none
        chain = _reorder_outputs(chain, order.reshape(-1).astype(np.intp))
        latent_chain = _reorder_outputs(latent_chain, order.reshape(-1).astype(np.intp))
        meta: dict[str, Any] = {
            "kind": "image",
            "shape": list(order.shape),
            "value_range": [float(v) for v in renderer.value_range],
        }
        extra: list[np.ndarray] = []
    elif isinstance(renderer, RecordRenderer) and size == len(renderer.names):
        meta = {"kind": "record", "names": renderer.names}
        extra = [renderer.mean, renderer.std]
    else:
        return {}, none
    meta["layers"] = [_describe(layer) for layer in chain]
    meta["exact"] = True
    parts = [array for layer in chain for array in layer.arrays()]
    if points_decode_in_page(space):
        # Last in the buffer: the first dense layer as it takes a latent (no lift folded in).
        point_first = latent_chain[0]
        assert point_first.weight is not None
        meta["point_layer"] = {
            "in": point_first.weight.shape[0],
            "out": point_first.weight.shape[1],
        }
        extra = [*extra, *point_first.arrays()]
    return meta, np.concatenate([np.ravel(p) for p in parts + extra]).astype("<f4")


def points_decode_in_page(space: LatentSpace) -> bool:
    """Whether a data point's kernel preview is a plain decode of its latent (not the
    autoencoder's input | reconstruction view, not neighbours) and its latents are small
    enough to send (:data:`MAX_POINT_LATENT_BYTES`)."""
    if space.items is not None and isinstance(space.renderer, ImageRenderer):
        return False  # the preview puts the input beside its reconstruction
    if space.shows_neighbors:
        return False
    n, d = np.shape(space.latents)
    return n * d * 4 <= MAX_POINT_LATENT_BYTES


def point_latents(
    found: DecoderChain | None, space: LatentSpace, onnx_planned: bool = False
) -> np.ndarray:
    """``_point_latents``: the points' latents, flat float32 (n × d), when a dense chain was
    found or the decoder is to run in the page as ONNX, and points decode plainly; else
    empty. They do not change with the map (the page uses them while ``_client_decoder`` has
    its ``point_layer``, or once its ONNX decoder is ready)."""
    if (found is None and not onnx_planned) or not points_decode_in_page(space):
        return np.zeros(0, np.float32)
    return np.ascontiguousarray(space.latents, dtype="<f4").reshape(-1)


def _last_linear(chain: list[Layer]) -> int:
    return max(i for i, layer in enumerate(chain) if layer.op == "linear")


def _reorder_outputs(chain: list[Layer], order: np.ndarray) -> list[Layer]:
    """The chain with its outputs permuted: only activations follow the last dense layer,
    so permuting that layer's outputs permutes the chain's."""
    k = _last_linear(chain)
    last = chain[k]
    assert last.weight is not None
    assert last.bias is not None
    return [*chain[:k], Layer.linear(last.weight[:, order], last.bias[order]), *chain[k + 1 :]]


def _describe(layer: Layer) -> dict[str, Any]:
    if layer.op == "linear":
        assert layer.weight is not None
        return {"op": "linear", "in": layer.weight.shape[0], "out": layer.weight.shape[1]}
    return {"op": layer.op, "param": layer.param}
