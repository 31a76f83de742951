"""What the page computes from ``_client_decoder`` and ``_client_weights``, read from the
wire format alone (docs/protocol.md), independently of the kernel's own layer objects."""

import math

import numpy as np

_ACT = {
    "relu": lambda v, p: np.maximum(v, 0),
    "leaky_relu": lambda v, p: np.where(v > 0, v, p * v),
    "tanh": lambda v, p: np.tanh(v),
    "sigmoid": lambda v, p: 1 / (1 + np.exp(-v)),
    "elu": lambda v, p: np.where(v > 0, v, p * (np.exp(np.minimum(v, 0)) - 1)),
    "silu": lambda v, p: v / (1 + np.exp(-v)),
    "softplus": lambda v, p: np.where(p * v > 20, v, np.log1p(np.exp(np.minimum(p * v, 20))) / p),
    "gelu": lambda v, p: np.array([0.5 * t * (1 + math.erf(t / math.sqrt(2))) for t in v]),
    "gelu_tanh": lambda v, p: (
        0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))
    ),
}


def page_decode(widget, x: float, y: float) -> np.ndarray:
    """The flat output (in pixel order for images) the page decodes at map (x, y)."""
    return wire_decode(widget._client_decoder, bytes(widget._client_weights), x, y)


def wire_decode(spec: dict, weight_bytes: bytes, x: float, y: float) -> np.ndarray:
    """The flat output the page decodes at (x, y) from a description and its weight bytes."""
    return wire_activations(spec, weight_bytes, x, y)[-1]


def wire_activations(spec: dict, weight_bytes: bytes, x: float, y: float) -> list[np.ndarray]:
    """The values after each layer of the chain, the input (x, y) first."""
    weights = np.frombuffer(weight_bytes, "<f4").astype(np.float64)
    values, used = np.array([x, y], dtype=np.float64), 0
    steps = [values]
    for layer in spec["layers"]:
        if layer["op"] == "linear":
            n, m = layer["in"], layer["out"]
            W = weights[used : used + n * m].reshape(n, m)
            b = weights[used + n * m : used + n * m + m]
            values, used = values @ W + b, used + n * m + m
        else:
            values = _ACT[layer["op"]](values, layer.get("param", 0.0))
        steps.append(values)
    return steps
