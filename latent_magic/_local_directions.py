"""Local directions: the principal directions of one region of latent space (a lassoed
selection, a cluster's rows) rather than of all the data.

Global sliders follow the data's largest spreads, which are often *between* regions; inside
one region the ways its members differ from each other are another set of axes (users of
LatentGandr, 2026, found them the more useful sliders). The analysis is
``principal_directions``'s, run on the region alone and named for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._data import as_latents
from ._direction import Direction
from ._directions import principal_directions

__all__ = ["local_directions"]


def local_directions(latents: Any, k: int = 3, name: str = "local") -> list[Direction]:
    """The first ``k`` principal directions of one region's latents.

    Parameters
    ----------
    latents : (n, d) array-like
        The region's latents, ``n ≥ 2`` (a widget's ``w.latents[points]``; float32 is read
        as is, without a float64 copy of the whole map).
    k : int
        Directions wanted; fewer come back when the region spans fewer dimensions (``n − 1``
        at most, fewer when its latents depend on each other).
    name : str
        The directions are named ``"<name> 1"`` … ``"<name> k"``.

    Returns
    -------
    list of Direction
        In decreasing order of the region's variance, orthogonal, each with
        ``method="local principal"``. As for :func:`principal_directions`: ``vector`` is
        the unit component times the region's standard deviation along it (``.unit`` is the
        unit vector); signs are fixed so each component's largest loading (by absolute
        value) is positive; quality is the share of the *region's* variance the direction
        explains (also ``details["explained_variance_ratio"]``). ``details`` holds
        ``component`` (1-based), ``explained_variance``, ``mean`` ``(d,)`` (the region's
        centre) and ``n_samples`` (the region's size).

    Raises
    ------
    ValueError
        For latents that are not 2-D or hold NaN or inf, fewer than 2 latents, a region
        whose latents are all the same point, or ``k`` below 1.
    TypeError
        For a ``k`` that is not an integer or a ``name`` that is not a string.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be a positive integer (directions wanted); got {k!r}.")
    if k < 1:
        raise ValueError(f"k must be a positive integer (directions wanted); got {k}.")
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r}.")
    shape = np.shape(latents)
    empty = len(shape) == 2 and shape[0] == 0  # an empty selection is told as one
    Z = np.zeros((0, 0)) if empty else as_latents(latents, "the region's latents")
    n = Z.shape[0]
    if n < 2:
        raise ValueError(
            f"local directions need a region of at least 2 latents; got {n}. Select more points."
        )
    if not np.ptp(Z, axis=0).any():
        raise ValueError(
            f"the region's {n} latents are all the same point: they vary along no direction."
        )
    return [
        Direction(
            name=f"{name} {i}",
            vector=component.vector,
            quality=component.quality,
            method="local principal",
            details={**component.details, "quality_measure": "share of the region's variance"},
        )
        for i, component in enumerate(principal_directions(Z, int(k)), start=1)
    ]
