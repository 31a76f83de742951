"""Latent space → 2-D map and back."""

from __future__ import annotations

import numpy as np


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
        if Z.dtype == np.float32:
            # Stay in float32 for the (large) data matrix: a float64 copy doubles memory.
            return (Z - self.origin.astype(np.float32)) @ self.basis.T.astype(np.float32)
        return (Z.astype(np.float64) - self.origin) @ self.basis.T

    def inverse(self, P: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """Latents ``(n, d)`` float64 at positions ``(n, 2)``; off-plane parts from ``anchor``."""
        P = np.asarray(P, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"expected map positions of shape (n, 2); got shape {P.shape}.")
        anchor = np.asarray(anchor, dtype=np.float64)
        p_anchor = (anchor - self.origin) @ self.basis.T
        return anchor + (P - p_anchor) @ self._lift_basis.T


def pca_projection(Z: np.ndarray) -> LinearProjection:
    """The top two principal axes of latents ``(n, d)``, centred on their mean."""
    Z = np.asarray(Z)
    n, d = Z.shape
    mean = Z.mean(axis=0, dtype=np.float64)
    # A d×d covariance is cheap even for a million rows; the SVD of Z would not be.
    centred = Z - mean.astype(Z.dtype)
    cov = (centred.T @ centred).astype(np.float64) / max(n - 1, 1)
    variances, vectors = np.linalg.eigh(cov)
    order = np.argsort(variances)[::-1]
    variances, vectors = variances[order], vectors[:, order]
    if d == 1:
        basis = np.vstack([vectors[:, 0], np.zeros(1)])
        shares = [1.0, 0.0]
    else:
        basis = vectors[:, :2].T.copy()
        total = variances.sum()
        shares = list(variances[:2] / total) if total > 0 else [0.0, 0.0]
    # A deterministic sign: the largest loading of each axis is positive.
    for row in basis:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    titles = (f"PC 1 ({shares[0]:.0%} of variance)", f"PC 2 ({shares[1]:.0%} of variance)")
    return LinearProjection(basis, mean, titles)
