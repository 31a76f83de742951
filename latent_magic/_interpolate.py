"""Latents between two latent vectors: along a great circle (slerp) or a straight line (lerp).

Slerp is the standard formula of GAN practice (Shoemake 1985, brought to generative models by
White, "Sampling Generative Networks", 2016), on the vectors themselves::

    slerp(a, b; t) = sin((1 − t) Ω) / sin Ω · a + sin(t Ω) / sin Ω · b,   cos Ω = â · b̂

Under a standard normal prior in d dimensions, two samples have norms near √d and are nearly
orthogonal; slerp keeps every step near that shell, where lerp's midpoint ``(a + b) / 2`` has
norm about √(d / 2), a norm the prior never gives (its hollow centre, where a generator draws
what it never learned). Without a Gaussian prior nothing says the data live on a shell, and
the straight line is the plain answer.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._prior import typical_norms

if TYPE_CHECKING:
    from ._space import LatentSpace

__all__ = ["Interpolation", "interpolate", "interpolate_in"]

METHODS = ("slerp", "lerp")
# Under this sine of the angle between a and b no one great circle is well defined: a and b
# point the same way (slerp and lerp agree there) or opposite ways (every great circle
# through them would do).
_PARALLEL = 1e-6


@dataclass
class Interpolation:
    """Latents from ``a`` to ``b``, and what the model decodes at each.

    Attributes
    ----------
    latents : (steps, d) float64
        ``latents[0]`` is ``a`` and ``latents[-1]`` is ``b``, exactly.
    t : (steps,) float64
        Evenly spaced from 0 to 1: the share of the way from ``a`` to ``b`` (of the angle,
        for slerp).
    method : {"slerp", "lerp"}
        The method used (lerp where slerp was asked for but ``a`` and ``b`` are parallel).
    note : str
        Why this method, in words.
    outputs : (steps, ...) array or None
        What the model decodes at each step; None when it cannot decode (or none was asked).
    positions : (steps, 2) float64 or None
        The path on the map (a slerp is a curve on a linear map); None without a map.
    """

    latents: np.ndarray
    t: np.ndarray
    method: str
    note: str
    outputs: np.ndarray | None = None
    positions: np.ndarray | None = None


def interpolate(
    a: Any, b: Any, steps: int = 9, method: str | None = None, *, prior: bool = False
) -> Interpolation:
    """Latents from ``a`` to ``b`` in ``steps`` evenly spaced steps.

    Parameters
    ----------
    a, b : (d,) array-like
        The two ends: finite latent vectors of the same size.
    steps : int
        Latents returned, ends included (at least 2).
    method : {"slerp", "lerp"}, optional
        ``"slerp"``: along the great circle from ``a`` to ``b`` (the standard formula above;
        with the ends at equal norms every step keeps that norm, with unequal norms the
        steps' norms bend between the two). ``"lerp"``: ``(1 − t) a + t b``. Default: slerp
        under a Gaussian prior, lerp otherwise.
    prior : bool
        Whether ``a`` and ``b`` are latents of a generator with a standard normal prior (a
        :class:`LatentModel`'s ``prior``): the default method, and what the note says.

    Returns
    -------
    Interpolation
        ``outputs`` and ``positions`` are None: nothing is decoded or mapped here.

    Raises
    ------
    TypeError
        When ``steps`` is not an integer.
    ValueError
        When ``steps`` < 2, ``a`` or ``b`` is not one finite vector, they differ in size, or
        ``method`` is not one of the above.
    """
    a, b = _vector(a, "a"), _vector(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must be latents of the same size; got a of size {a.shape[0]} and b of "
            f"size {b.shape[0]}."
        )
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise TypeError(f"steps must be an integer (at least 2: a and b); got {steps!r}.")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (a and b themselves); got {steps}.")
    if method is not None and method not in METHODS:
        raise ValueError(
            f"method must be one of {', '.join(map(repr, METHODS))} or None (the default for "
            f"the prior); got {method!r}."
        )
    t = np.linspace(0.0, 1.0, int(steps))
    used = method or ("slerp" if prior else "lerp")
    why = f"{used}, as asked" if method else _default_reason(used, a.shape[0])
    if used == "slerp":
        latents, problem, angle = _slerp(a, b, t)
        if problem:
            used, why = "lerp", f"lerp instead of slerp: {problem}"
        elif method:
            why = f"slerp, as asked: along the great circle from a to b, {angle:.1f}° apart"
    else:
        latents = _lerp(a, b, t)
        why = _lerp_reason(why, latents, prior)
    latents[0], latents[-1] = a, b  # exactly: the formulas' ends are only equal to rounding
    return Interpolation(latents=latents, t=t, method=used, note=why)


def interpolate_in(
    space: LatentSpace,
    a: Any,
    b: Any,
    steps: int = 9,
    method: str | None = None,
    *,
    decode: bool = True,
) -> Interpolation:
    """:func:`interpolate` in a map's latent space: the default method from the model's prior,
    the steps decoded in one batch (when the model can decode), and their path on the map.

    Parameters
    ----------
    space : LatentSpace
    a, b : (d,) array-like
        Latent vectors of the space (a row of the data is resolved by the widget).
    steps, method
        As for :func:`interpolate`.
    decode : bool
        Decode the steps (False: only the latents and their path, e.g. when the page is
        shown a few of them).

    Returns
    -------
    Interpolation
        With ``outputs`` ``(steps, ...)`` (None when the model cannot decode) and
        ``positions`` ``(steps, 2)``.
    """
    for name, vector in (("a", a), ("b", b)):
        size = np.shape(vector)
        if size != (space.dim,):
            raise ValueError(
                f"{name} must be a latent vector of this map's space, of shape ({space.dim},); "
                f"got shape {size}."
            )
    found = interpolate(a, b, steps, method, prior=bool(space.model.prior))
    outputs = space.model.decode(found.latents) if decode and space.model.can_decode else None
    positions = np.asarray(space.project(found.latents), dtype=np.float64)
    return dataclasses.replace(found, outputs=outputs, positions=positions)


# ---------------------------------------------------------------------- the two paths
def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (1 - t)[:, None] * a + t[:, None] * b


def _slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, str, float]:
    """Steps along the great circle, or lerp's steps and why no great circle joins a and b;
    and the angle between a and b in degrees."""
    norms = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if min(norms) == 0:
        which = "a" if norms[0] == 0 else "b"
        problem = f"{which} is the zero vector, which has no direction to turn from"
        return _lerp(a, b, t), problem, math.nan
    cos = float(np.clip(a @ b / (norms[0] * norms[1]), -1.0, 1.0))
    omega = math.acos(cos)
    sin = math.sin(omega)
    if sin < _PARALLEL:
        if cos > 0:
            problem = "a and b point the same way, where the two paths are the same"
        else:
            problem = "a and b point in opposite directions, which no one great circle joins"
        return _lerp(a, b, t), problem, math.degrees(omega)
    weights_a = np.sin((1 - t) * omega) / sin
    weights_b = np.sin(t * omega) / sin
    return weights_a[:, None] * a + weights_b[:, None] * b, "", math.degrees(omega)


# ---------------------------------------------------------------------- the note
def _default_reason(method: str, d: int) -> str:
    if method == "lerp":
        return "lerp (the default without a Gaussian prior): straight steps from a to b"
    return (
        f"slerp (the default under a Gaussian prior): its samples lie on a shell of radius "
        f"about √d = {math.sqrt(d):.1f}; lerp would pass through latents of lower norm, "
        f"about √(d/2) = {math.sqrt(d / 2):.1f} midway between two samples, which it never "
        "gives"
    )


def _lerp_reason(why: str, latents: np.ndarray, prior: bool) -> str:
    """Under a Gaussian prior, say where a straight path leaves the norms the prior gives."""
    if not prior:
        return why
    low, high = typical_norms(latents.shape[1])
    norms = np.linalg.norm(latents, axis=1)
    if low <= norms.min() and norms.max() <= high:
        return why
    return (
        f"{why}; the Gaussian prior gives norms {low:.1f}–{high:.1f}, and this path's norms "
        f"run {norms.min():.1f}–{norms.max():.1f} (slerp would keep them on the prior's shell)"
    )


def _vector(vector: Any, name: str) -> np.ndarray:
    """One finite latent ``(d,)`` float64 (a torch tensor is read without importing torch)."""
    if hasattr(vector, "detach") and hasattr(vector, "cpu"):
        vector = vector.detach().cpu().numpy()
    array = np.asarray(vector)
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(
            f"{name} must be one latent vector of shape (d,); got shape {array.shape}."
        )
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be a vector of real numbers; got dtype {array.dtype}.")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values: it is no latent vector.")
    return array
