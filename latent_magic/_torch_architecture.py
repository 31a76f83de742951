"""Reading a torch module's structure: its parts, its first layer, its latent size.

Guesses from the architecture alone (no forward pass): the size of the latents a
generator takes, whether it takes them flat ``(n, d)`` or spatial ``(n, d, 1, 1)``, and
where its encoder and decoder are. torch is imported by each function, never at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

_SIZE_ATTRIBUTES = ("latent_dim", "nz", "z_dim")


def part(module: torch.nn.Module, method: str, submodule: str) -> Callable[..., Any] | None:
    """``module.<method>`` (``encode``), else its ``<submodule>`` (``encoder``), else None."""
    function = getattr(module, method, None)
    if callable(function):
        return function
    child = getattr(module, submodule, None)
    return child if callable(child) else None


def is_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` (torch is loaded by then: a module is adapted)."""
    import torch

    return isinstance(obj, torch.nn.Module)


def first_layer(module: Any) -> Any:
    """The first submodule (in definition order) holding parameters of its own."""
    if not is_module(module):
        return None
    for child in module.modules():
        if next(child.parameters(recurse=False), None) is not None:
            return child
    return None


def layer_latent_size(first: Any, module: torch.nn.Module) -> int | None:
    """The latent size a generator's ``first`` layer takes, when it says (else None)."""
    import torch.nn as nn

    if isinstance(first, nn.Linear) and first.in_features > 0:  # LazyLinear says 0
        return int(first.in_features)
    if isinstance(first, nn.ConvTranspose2d) or (
        isinstance(first, nn.Conv2d) and _upsamples(module)
    ):
        return int(first.in_channels) or None
    return None


def _upsamples(module: torch.nn.Module) -> bool:
    """A module that starts with a Conv2d is a generator only if it grows images somewhere;
    otherwise it is more likely an image classifier or encoder."""
    import torch.nn as nn

    growing = (nn.ConvTranspose2d, nn.Upsample, nn.PixelShuffle)
    return any(isinstance(child, growing) for child in module.modules())


def spatial_input(first: Any) -> bool | None:
    """Whether latents enter ``first`` as ``(n, d, 1, 1)`` (True), ``(n, d)`` (False), or
    the layer leaves it open (None: the decoder finds out by trying)."""
    import torch.nn as nn

    if isinstance(first, nn.Linear):
        return False
    if isinstance(first, nn.ConvTranspose2d | nn.Conv2d):
        return True
    return None


def size_attribute(obj: Any) -> int | None:
    """The latent size a module states as ``latent_dim``, ``nz`` or ``z_dim``, if any."""
    for attribute in _SIZE_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0:
            return int(value)
    return None


def describe_layer(layer: Any) -> str:
    """A layer's name for messages."""
    return "none with parameters" if layer is None else type(layer).__name__
