"""The standard normal prior of a generator, and where its latents live.

In d dimensions a standard normal sample's squared norm follows χ²(d): its mass sits on a
shell of radius about √d, and its mean (0) is not a place the generator ever saw. A latent
whose squared norm falls outside the prior's 0.1 %–99.9 % range is atypical, however near it
is to some sample (in high dimensions the centre is *nearer* every sample than samples are to
each other, so distances alone cannot tell)."""

from __future__ import annotations

import math

import numpy as np

_Z_TAIL = 3.090232306167813  # the standard normal's 99.9 % quantile


def typical_norms(d: int) -> tuple[float, float]:
    """The norms between which 99.8 % of a d-dimensional standard normal's samples lie: the
    square roots of χ²(d)'s 0.1 % and 99.9 % quantiles (Wilson–Hilferty's approximation,
    within 0.1 % of the exact quantiles for d ≥ 10)."""
    c = 2.0 / (9.0 * d)
    low, high = (d * max(1 - c + s * _Z_TAIL * math.sqrt(c), 0.0) ** 3 for s in (-1, 1))
    return math.sqrt(low), math.sqrt(high)


def is_typical(z: np.ndarray) -> bool:
    """Whether latent ``z`` ``(d,)`` has a norm the standard normal prior gives."""
    low, high = typical_norms(z.shape[-1])
    return bool(low <= float(np.linalg.norm(z)) <= high)


def keep_norm(Z: np.ndarray, norm: float) -> np.ndarray:
    """Latents ``(n, d)`` rescaled to ``norm`` (zero rows stay zero): a walk along a direction
    on the prior's shell instead of through its hollow centre."""
    lengths = np.linalg.norm(Z, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lengths > 0, Z * (norm / lengths), Z)
