"""Closed-form directions of a torch generator (SeFa): read from its weights, no data needed.

Shen & Zhou, "Closed-Form Factorization of Latent Semantics in GANs" (CVPR 2021): the first
layer that takes the latent is an affine map ``y = A z + b``; the unit directions ``n`` that
change its output most, ``max ‖A n‖²``, are the top eigenvectors of ``AᵀA``, and whatever the
rest of the generator does with ``y``, it starts from the largest changes there.

``A`` is read from the layer's weight:

* ``Linear``: weight ``(out, in)`` is ``A`` itself, so ``AᵀA = WᵀW`` ``(in × in)``;
* ``ConvTranspose1d/2d/3d`` on a DCGAN latent ``(n, d, 1, …)``: weight ``(in, out, *k)``;
  each latent value scales one ``(out, *k)`` slice, so ``AᵀA = W Wᵀ`` with ``W`` reshaped to
  ``(in, out·k…)``;
* ``Conv1d/2d/3d`` with the latent as its channels: weight ``(out, in, *k)``, transposed to
  ``(in, out·k…)`` the same way (every tap counted: exact for a 1 × 1 kernel).

torch is imported by the functions that need it, never at import.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._direction import Direction
from ._latent_model import LatentModel
from ._projection import fix_signs
from ._torch_architecture import describe_layer, first_layer, is_module, part, size_attribute

__all__ = ["closed_form_directions"]

METHOD = "closed form"
QUALITY_MEASURE = "eigenvalue of AᵀA"
_LAYERS = "Linear, ConvTranspose1d/2d/3d, or Conv1d/2d/3d with the latent as its channels"
# Singular values below this share of the largest are float32 rounding of a rank-deficient
# layer (fewer outputs than latent values): directions it does not respond to.
_RANK_TOLERANCE = 1e-6


def closed_form_directions(G: Any, k: int = 10) -> list[Direction]:
    """The ``k`` directions a generator's first layer is most sensitive to (SeFa).

    Parameters
    ----------
    G : torch.nn.Module, LatentModel or LatentExplorer
        A torch generator (latent → output), the :class:`LatentModel` that ``adapt`` made of
        one, or a widget exploring one. For an autoencoder, its ``decoder`` submodule is
        read. A module whose first layer (with parameters) is not the one that takes the
        latent can be skipped by passing that layer, e.g. ``closed_form_directions(G.fc)``.
    k : int
        Directions wanted (default 10). More than the latent size, or than the layer's rank,
        gives all there are: a direction the layer does not respond to (eigenvalue 0) is no
        direction of change.

    Returns
    -------
    list of Direction
        Named ``"SeFa 1"`` … ``"SeFa k"`` in decreasing order of eigenvalue; ``vector`` is a
        unit eigenvector ``(d,)`` float64 of ``AᵀA``, its sign fixed so that its largest
        component (by absolute value) is positive; ``quality`` the eigenvalue (how much a unit
        step changes the layer's output, squared); ``method`` ``"closed form"``. ``details``
        holds ``component`` (1-based), ``eigenvalue``, ``eigenvalue_share`` (of the sum of
        all eigenvalues), ``layer`` (its type and weight shape), ``quality_measure``.

    Raises
    ------
    TypeError
        When ``G`` is no torch generator (nor a model or widget of one).
    ValueError
        When the first layer is another kind than those above, has no weights yet, is a
        grouped convolution, or does not take as many values as the latent has; when ``k``
        is not a positive integer.

    Examples
    --------
    >>> axes = closed_form_directions(G, k=5)
    >>> w = explore(G, axes=axes[:2])
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer number of directions; got {k!r}.")
    module, name, dim = _generator_of(G)
    layer = first_layer(module)
    M = _latent_map(layer, name)  # (d, m) = Aᵀ: row i is what latent coordinate i adds
    if dim is not None and M.shape[0] != dim:
        raise ValueError(
            f"{name}'s first layer ({describe_layer(layer)}) takes {M.shape[0]} values, but "
            f"its latents have {dim}: it is not the layer that takes the latent. Pass that "
            "layer itself, e.g. closed_form_directions(G.fc)."
        )
    # M's left singular vectors are the eigenvectors of M Mᵀ = AᵀA, its squared singular
    # values their eigenvalues (SVD, not eigh of AᵀA: the small ones stay accurate).
    vectors, singular, _ = np.linalg.svd(M, full_matrices=False)
    eigenvalues = singular**2
    total = float(eigenvalues.sum())
    if total == 0:
        raise ValueError(
            f"{name}'s first layer ({describe_layer(layer)}) has all-zero weights: every "
            "direction changes its output equally (not at all). Train or load it first."
        )
    rank = int((singular > singular[0] * _RANK_TOLERANCE).sum())
    components = fix_signs(vectors[:, : min(int(k), rank)].T.copy())
    shape = "×".join(str(s) for s in _weight(layer).shape)
    return [
        Direction(
            name=f"SeFa {i + 1}",
            vector=component,
            quality=float(eigenvalues[i]),
            method=METHOD,
            details={
                "component": i + 1,
                "eigenvalue": float(eigenvalues[i]),
                "eigenvalue_share": float(eigenvalues[i]) / total,
                "layer": f"{describe_layer(layer)} (weight {shape})",
                "quality_measure": QUALITY_MEASURE,
            },
        )
        for i, component in enumerate(components)
    ]


# ---------------------------------------------------------------------- finding the generator
def _generator_of(G: Any) -> tuple[Any, str, int | None]:
    """The torch module whose first layer takes the latent, its name, and the latent size
    when known (a LatentModel's, or the module's ``latent_dim`` / ``nz`` / ``z_dim``)."""
    if _is_torch_module(G):
        return _decoder_part(G, type(G).__name__), type(G).__name__, size_attribute(G)
    model = G if isinstance(G, LatentModel) else getattr(G, "model", None)  # a widget's model
    if not isinstance(model, LatentModel):
        raise TypeError(
            "closed_form_directions reads the weights of a torch generator: pass a "
            "torch.nn.Module, the LatentModel adapt() made of one, or a widget exploring one; "
            f"got {type(G).__name__}."
        )
    root = _torch_module_of(model)
    if root is None:
        raise TypeError(
            f"closed_form_directions reads the weights of a torch generator, but {model.name} "
            "does not decode through a torch module; for directions found in data, use "
            "principal_directions(Z) or direction(Z, labels, ...)."
        )
    return _decoder_part(root, model.name), model.name, model.dim


def _is_torch_module(obj: Any) -> bool:
    # Without torch imported, nothing can be a torch module: no need to import it to say so.
    return "torch" in sys.modules and is_module(obj)


def _torch_module_of(model: LatentModel) -> Any:
    """The torch module behind an adapted model: ``_torch`` decodes through a runner that
    holds it (a generator's ``Decoder``, or an autoencoder whose bound ``decode`` has one)."""
    decode = model._decode  # the adapter's decoder, which holds the module it runs
    if _is_torch_module(decode):  # LatentModel(decode=G)
        return decode
    runner = getattr(decode, "runner", None) or getattr(
        getattr(decode, "__self__", None), "runner", None
    )
    module = getattr(runner, "module", None)
    return module if _is_torch_module(module) else None


def _decoder_part(module: Any, name: str) -> Any:
    """The part of ``module`` that takes latents, as the adapter sees it: an autoencoder's
    ``decoder`` submodule, else the module (a generator)."""
    if part(module, "encode", "encoder") is None:
        return module
    decoder = part(module, "decode", "decoder")
    if is_module(decoder):
        return decoder
    raise ValueError(
        f"{name} is an autoencoder whose decoder is a method, not a submodule: which of its "
        "layers takes the latent cannot be read from its structure. Pass that layer itself, "
        "e.g. closed_form_directions(model.fc_decode)."
    )


# ---------------------------------------------------------------------- the layer's map
def _weight(layer: Any) -> Any:
    return getattr(layer, "weight", None)


def _latent_map(layer: Any, name: str) -> np.ndarray:
    """``(d, m)`` float64: row ``i`` is the change in the layer's output (flattened) when
    latent coordinate ``i`` grows by one."""
    import torch
    from torch import nn

    transposed = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
    convolutions = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    if not isinstance(layer, (nn.Linear, *transposed, *convolutions)):
        raise ValueError(
            f"closed-form directions (SeFa) need the first layer that takes the latent to be "
            f"{_LAYERS}; {name}'s first layer with parameters is {describe_layer(layer)}. "
            "Pass the layer that takes the latent, if it is one of these."
        )
    weight = _weight(layer)
    if isinstance(weight, nn.parameter.UninitializedParameter) or weight.is_meta:
        raise ValueError(
            f"{name}'s first layer ({describe_layer(layer)}) has no weights yet (lazy or on "
            "the meta device): run or load the generator first."
        )
    if not isinstance(layer, nn.Linear) and layer.groups != 1:
        raise ValueError(
            f"{name}'s first layer ({describe_layer(layer)}) is a grouped convolution "
            f"(groups={layer.groups}); closed-form directions read ungrouped layers only."
        )
    W = weight.detach().to(device="cpu", dtype=torch.float64).numpy()
    if isinstance(layer, nn.Linear):  # (out, in)
        return W.T.copy()
    if isinstance(layer, transposed):  # (in, out, *kernel)
        return W.reshape(W.shape[0], -1)
    return np.swapaxes(W, 0, 1).reshape(W.shape[1], -1)  # (out, in, *kernel)
