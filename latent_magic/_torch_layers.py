"""A PyTorch decoder as a chain of dense layers and activations, for decoding in the browser.

The chain is read from what the decoder actually does: forward hooks record each leaf
module it calls, with its input and output, while it decodes a batch of latents. Between
two recorded modules the tensor may pass through a functional activation
(``F.relu(self.fc1(z))``); it is recognised by comparing one module's output with the next
one's input. A decoder that is not such a chain (convolutions, skip connections, anything
unrecognised) gives None, and keeps decoding in the kernel; whatever is returned is still
checked end to end against ``decode`` before it is used (client_decoder.find_client_layers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._client_decoder import ACTIVATIONS, MAX_WEIGHTS, Layer

if TYPE_CHECKING:  # pragma: no cover
    import torch

_PROBES = 48

# Activations a decoder may apply between its modules, tried in this order (identity first).
_FUNCTIONAL = [
    Layer("identity"),
    Layer("relu"),
    Layer("sigmoid"),
    Layer("tanh"),
    Layer("leaky_relu", param=0.01),
    Layer("leaky_relu", param=0.2),
    Layer("elu", param=1.0),
    Layer("silu"),
    Layer("gelu"),
    Layer("softplus", param=1.0),
]


def record_layers(
    root: torch.nn.Module,
    decode: Callable[[np.ndarray], np.ndarray],
    dim: int,
    scope: Any = None,
) -> list[Layer] | None:
    """The decoder ``decode`` (numpy latents → numpy outputs, running modules of ``root``) as
    a chain of layers, or None. ``scope``: the decoder module when it is one, so a decoder
    with unsupported layers is turned down before running it."""
    leaves = [m for m in (scope if scope is not None else root).modules() if not any(m.children())]
    if scope is not None and (
        any(_translate(m) is None for m in leaves) or sum(_size(m) for m in leaves) > MAX_WEIGHTS
    ):
        return None
    calls: list[tuple[torch.nn.Module, Any, Any]] = []

    def record(module: torch.nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        calls.append((module, inputs[0] if len(inputs) == 1 else None, output))

    rng = np.random.default_rng(1)
    Z = (rng.standard_normal((_PROBES, dim)) * np.linspace(0.5, 3.0, _PROBES)[:, None]).astype(
        np.float32
    )
    handles = [m.register_forward_hook(record) for m in leaves]
    try:
        outputs = np.asarray(decode(Z), dtype=np.float64).reshape(_PROBES, -1)
    finally:
        for handle in handles:
            handle.remove()
    return _chain(calls, Z.astype(np.float64), outputs)


def _chain(
    calls: list[tuple[Any, Any, Any]], Z: np.ndarray, outputs: np.ndarray
) -> list[Layer] | None:
    import torch

    layers: list[Layer] = []
    previous = Z
    for module, given, produced in calls:
        if not (isinstance(given, torch.Tensor) and isinstance(produced, torch.Tensor)):
            return None
        if len(given) != len(Z):  # decoded in several batches, or not one row per latent
            return None
        between = _functional(previous, _flat(given))
        own = _translate(module)
        if between is None or own is None:
            return None
        layers += [between] if between.op != "identity" else []
        if isinstance(module, torch.nn.BatchNorm1d):
            if (
                given.ndim != 2
                or not layers
                or layers[-1].op != "linear"
                or between.op != "identity"
            ):
                return None  # folded into the dense layer before it, or not at all
            layers[-1] = _fold_batch_norm(layers[-1], module)
        else:
            layers += own
        previous = _flat(produced)
    last = _functional(previous, outputs)
    if last is None:
        return None
    return layers + ([last] if last.op != "identity" else [])


def _flat(tensor: torch.Tensor) -> np.ndarray:
    return _float64(tensor).reshape(len(tensor), -1)


def _float64(tensor: torch.Tensor) -> np.ndarray:
    """A tensor's values as float64 numpy (what the layers are compared and sent in)."""
    return tensor.detach().to("cpu").double().numpy()


def _functional(before: np.ndarray, after: np.ndarray) -> Layer | None:
    """The elementwise activation that turns ``before`` into ``after``, or None."""
    if before.shape != after.shape:
        return None
    atol = 1e-4 * max(float(np.abs(after).max()), 1e-6)
    for layer in _FUNCTIONAL:
        got = before if layer.op == "identity" else ACTIVATIONS[layer.op](before, layer.param)
        if np.allclose(got, after, rtol=1e-4, atol=atol):
            return layer
    return None


def _translate(module: torch.nn.Module) -> list[Layer] | None:
    """The layers one leaf module stands for ([] for reshapes and eval-mode dropout), or None
    for modules the page cannot run."""
    from torch import nn

    if isinstance(module, nn.Linear):
        bias = None if module.bias is None else _float64(module.bias)
        return [Layer.linear(_float64(module.weight).T, bias)]
    if isinstance(module, nn.LeakyReLU):
        return [Layer("leaky_relu", param=float(module.negative_slope))]
    if isinstance(module, nn.ELU):
        return [Layer("elu", param=float(module.alpha))]
    if isinstance(module, nn.Softplus):
        return [Layer("softplus", param=float(module.beta))]
    if isinstance(module, nn.GELU):
        return [Layer("gelu_tanh" if module.approximate == "tanh" else "gelu")]
    simple = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.SiLU: "silu"}
    for kind, op in simple.items():
        if isinstance(module, kind):
            return [Layer(op)]
    if isinstance(module, nn.Identity | nn.Flatten | nn.Unflatten | nn.Dropout | nn.AlphaDropout):
        return []  # flat order unchanged; dropout does nothing in eval mode
    if isinstance(module, nn.BatchNorm1d) and module.running_mean is not None:
        return []  # folded into the dense layer before it (see _chain)
    return None


def _fold_batch_norm(linear: Layer, norm: torch.nn.BatchNorm1d) -> Layer:
    """``norm(x @ W + b)`` in eval mode, as one dense layer."""
    assert linear.weight is not None
    assert linear.bias is not None
    assert norm.running_mean is not None
    assert norm.running_var is not None

    def numpy(t: torch.Tensor | None, default: float) -> np.ndarray:
        size = linear.bias.size  # type: ignore[union-attr]
        return np.full(size, default) if t is None else _float64(t)

    scale = numpy(norm.weight, 1.0) / np.sqrt(numpy(norm.running_var, 1.0) + norm.eps)
    shift = numpy(norm.bias, 0.0) - numpy(norm.running_mean, 0.0) * scale
    return Layer.linear(linear.weight * scale, linear.bias * scale + shift)


def _size(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters(recurse=False))
