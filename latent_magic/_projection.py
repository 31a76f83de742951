"""Latent space → 2-D map and back: the :class:`Projection` interface every map follows, the
exact linear map (principal axes, named directions) and the principal axes themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Projection(Protocol):
    """A 2-D map of latents with a way back. ``exact``: whether ``transform(inverse(P, a))``
    gives ``P`` back (linear maps) or only approximately (non-linear maps interpolate)."""

    exact: bool
    titles: tuple[str, str]

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Map positions ``(n, 2)`` of latents ``(n, d)``."""
        ...

    def inverse(self, P: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """Latents ``(n, d)`` float64 at map positions ``(n, 2)``; what the map cannot show
        comes from ``anchor`` ``(d,)`` (a non-linear map may ignore it)."""
        ...


@dataclass(frozen=True)
class AffineLift:
    """The lift of a linear map for one anchor: ``z = at_origin + lift @ p``."""

    lift: np.ndarray  # (d, 2): a map offset → the latent offset that moves only that
    at_origin: np.ndarray  # (d,): the latent lifted from map position (0, 0)


class LinearProjection:
    """A linear map ``p = (z - origin) @ basis.T`` with an exact lift back to latent space.

    The map sees only the plane spanned by ``basis``; every other latent component of a
    lifted point comes from an *anchor* vector, so lifting is exact:
    ``transform(inverse(p, anchor)) == p`` for any anchor.

    Parameters
    ----------
    basis : (2, d) array
        The latent directions of the x and y axes (need not be orthogonal or unit length,
        only linearly independent).
    origin : (d,) array
        The latent vector drawn at map position (0, 0).
    titles : (str, str)
        Axis titles.
    """

    exact = True

    def __init__(self, basis: np.ndarray, origin: np.ndarray, titles: tuple[str, str]) -> None:
        basis = np.asarray(basis, dtype=np.float64)
        origin = np.asarray(origin, dtype=np.float64)
        if basis.ndim != 2 or basis.shape[0] != 2:
            raise ValueError(f"basis must have shape (2, d); got {basis.shape}.")
        if origin.shape != (basis.shape[1],):
            raise ValueError(f"origin must have shape ({basis.shape[1]},); got {origin.shape}.")
        self.basis = basis
        self.origin = origin
        self.titles = titles
        # The dual basis: lifting adds pinv(basis) @ Δp, which moves the map position by
        # exactly Δp and changes nothing the map cannot see.
        self._lift_basis = np.linalg.pinv(basis)  # (d, 2)

    @property
    def dim(self) -> int:
        return self.basis.shape[1]

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Map positions of latents ``(n, d)`` → ``(n, 2)`` float64."""
        Z = np.asarray(Z)
        if Z.ndim != 2 or Z.shape[1] != self.dim:
            raise ValueError(
                f"expected latent vectors of shape (n, {self.dim}); got shape {Z.shape}."
            )
        offset = self.origin @ self.basis.T  # (2,): subtract after projecting, no (n, d) copy
        if Z.dtype == np.float32:
            # A float32 (large) data matrix stays float32: a float64 copy doubles memory.
            return Z @ self.basis.T.astype(np.float32) - offset.astype(np.float32)
        return (Z.astype(np.float64) - self.origin) @ self.basis.T

    def affine_lift(self, anchor: np.ndarray) -> AffineLift:
        """The lift for ``anchor`` as one affine map (the page folds it into its decoder)."""
        anchor = np.asarray(anchor, dtype=np.float64)
        p_anchor = (anchor - self.origin) @ self.basis.T
        return AffineLift(self._lift_basis, anchor - self._lift_basis @ p_anchor)

    def inverse(self, P: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """Latents ``(n, d)`` float64 at positions ``(n, 2)``; off-plane parts from ``anchor``."""
        P = np.asarray(P, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"expected map positions of shape (n, 2); got shape {P.shape}.")
        lift = self.affine_lift(anchor)
        return lift.at_origin + P @ lift.lift.T


@dataclass(frozen=True)
class PrincipalAxes:
    """The principal axes of latents: computed once, shared by the map and the directions."""

    mean: np.ndarray  # (d,) float64
    variances: np.ndarray  # (d,) float64, decreasing
    components: np.ndarray  # (d, d) float64, unit rows, largest loading of each positive
    n_samples: int


_CHUNK_BYTES = 8 << 20  # one float64 chunk of rows at a time: a few MB whatever n and d are


def principal_axes(Z: np.ndarray) -> PrincipalAxes:
    """Principal axes of ``(n, d)`` latents from their d × d covariance.

    The covariance is accumulated in float64 over row chunks: no centred copy of a large
    float32 ``Z`` is ever made, and a million rows cost one pass.
    """
    Z = np.asarray(Z)
    n, d = Z.shape
    mean = Z.mean(axis=0, dtype=np.float64)
    cov = np.zeros((d, d))
    rows = max(256, _CHUNK_BYTES // (8 * max(d, 1)))
    for start in range(0, n, rows):
        chunk = Z[start : start + rows].astype(np.float64)
        chunk -= mean
        cov += chunk.T @ chunk
    cov /= max(n - 1, 1)
    variances, vectors = np.linalg.eigh(cov)
    order = np.argsort(variances)[::-1]
    variances = np.maximum(variances[order], 0.0)
    components = fix_signs(vectors[:, order].T.copy())
    return PrincipalAxes(mean, variances, components, n)


def fix_signs(components: np.ndarray) -> np.ndarray:
    """Rows flipped in place so each one's largest loading is positive: deterministic axes."""
    for row in components:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return components


def pca_projection(Z: np.ndarray, axes: PrincipalAxes | None = None) -> LinearProjection:
    """The top two principal axes of latents ``(n, d)``, centred on their mean."""
    axes = axes or principal_axes(Z)
    one = len(axes.mean) == 1
    basis = np.vstack([axes.components[0], np.zeros(1)]) if one else axes.components[:2].copy()
    # The same sum a map of named principal axes takes (LatentSpace.direction_axes).
    x_title, y_title = (axis_title(f"PC {k + 1}", variance_share(axes, basis[k])) for k in (0, 1))
    return LinearProjection(basis, axes.mean, (x_title, y_title))


def axis_title(name: str, share: float | None = None) -> str:
    """An axis title; with ``share`` (0 to 1, see :func:`variance_share`) it says how much of
    the latents' variance lies along the axis: ``"PC 1 (23% of variance)"``."""
    if share is None:
        return name
    return f"{name} ({share:.0%} of variance)"


def variance_share(axes: PrincipalAxes, direction: np.ndarray) -> float:
    """The share of the latents' variance along ``direction`` ``(d,)`` (any length): 0 to 1.

    From the principal axes, ``Σ variance_k (component_k · u)² / Σ variance_k`` with ``u`` the
    unit direction: no pass over the latents, and exactly ``variance_k / Σ variance`` for a
    principal axis itself, so a map of "PC 3" and "PC 2" titles them as the PCA map does.
    """
    u = np.asarray(direction, dtype=np.float64)
    norm = float(np.linalg.norm(u))
    total = float(axes.variances.sum())
    if norm == 0 or total <= 0:
        return 0.0
    along = axes.components @ (u / norm)
    return float(axes.variances @ along**2 / total)
