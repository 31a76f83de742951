"""The local lift: a map position → a latent where the model's own latents live.

The plain (affine) lift keeps the map-plane coordinates of the cursor and takes every other
component from one fixed anchor. For a generator with a Gaussian prior that anchor is the
mean of its samples, near 0, while the prior's mass lies on a shell of radius about √d: in
100-d the whole map plane through the mean decodes to textures the generator never saw.

This lift keeps the plane coordinates exactly (``transform(lift(p)) == p``) and takes the rest
from the data near the cursor: a Gaussian-weighted blend (on the map) of the nearest latents'
off-plane parts, rescaled so the latent's norm is the blend of their norms. It is continuous
(weights taper to zero at the edge of the neighbourhood they are drawn from) and a point's own
position lifts to that point (a small disc around each point blends into it). Lifting one
position costs a k-d tree query and a (k, d) blend: tens of microseconds.
"""

from __future__ import annotations

import numpy as np

from ._projection import LinearProjection

BANDWIDTH = 0.5
"""Width of the Gaussian weights, in standard deviations of the map positions. Measured on a
100-d face GAN: 0.25 changes the face within a few pixels of cursor travel, 1.0 blurs whole
regions into one dark average face; 0.5 gives every spot a face that changes smoothly."""
SNAP = 0.25
"""Each point owns a disc of this share of the distance to its nearest other point: inside it the
lift blends into the point itself (so a point's position lifts to that point), and since the
share is under a half no two discs meet. The face changes fast inside a disc; a small share
keeps that to a few percent of the map, mostly under the pointer's pick radius."""
NEIGHBOURS = 512
"""Latents blended at most; weights taper to 0 at the farthest of them. On a map so dense that
the 512 nearest all lie well within the bandwidth, the taper, not the bandwidth, sets the
neighbourhood's width (smaller than BANDWIDTH says): still continuous, less smooth."""
_BLOCK_BYTES = 64 << 20  # positions are lifted in chunks whose (chunk, k, d) block fits this


class LocalLift:
    """Lifts map positions of an exact linear map to latents near the data.

    Parameters
    ----------
    latents : (n, d) array
        The map's latents.
    points : (n, 2) array
        Their map positions under ``projection``.
    projection : LinearProjection
        The map.
    """

    def __init__(
        self, latents: np.ndarray, points: np.ndarray, projection: LinearProjection
    ) -> None:
        from scipy.spatial import cKDTree

        self.latents = latents
        self.projection = projection
        points = np.asarray(points, dtype=np.float64)
        self._tree = cKDTree(points)
        # Row norms in float64 without a float64 copy of the table (n × d can be gigabytes).
        self._norms = np.sqrt(np.einsum("ij,ij->i", latents, latents, dtype=np.float64))
        spread = float(np.mean(points.std(axis=0))) if len(points) > 1 else 1.0
        self.bandwidth = BANDWIDTH * (spread if spread > 0 else 1.0)
        self._k = min(NEIGHBOURS, len(points))
        if len(points) > 1:
            gaps, _ = self._tree.query(points, k=2)
            self._snap = np.minimum(SNAP * gaps[:, 1], self.bandwidth)
        else:
            self._snap = np.zeros(len(points))
        # The map plane through latent 0: its orthonormal basis (d, 2).
        self._plane = np.linalg.qr(projection.basis.T)[0]
        self._lift_basis = projection.affine_lift(np.zeros(latents.shape[1])).lift  # (d, 2)

    def __call__(self, P: np.ndarray) -> np.ndarray:
        """Latents ``(m, d)`` float64 at map positions ``(m, 2)``."""
        P = np.asarray(P, dtype=np.float64).reshape(-1, 2)
        d = self.latents.shape[1]
        out = np.empty((len(P), d))
        chunk = max(1, _BLOCK_BYTES // (self.latents.itemsize * self._k * d))
        for start in range(0, len(P), chunk):
            out[start : start + chunk] = self._lift(P[start : start + chunk])
        return out

    def _lift(self, P: np.ndarray) -> np.ndarray:
        distances, index = self._tree.query(P, k=self._k)
        distances = distances.reshape(len(P), self._k)
        index = index.reshape(len(P), self._k)
        h = self.bandwidth
        weights = np.exp(-0.5 * (distances / h) ** 2)
        if self._k < len(self.latents):  # taper to 0 at the farthest: no jump when it changes
            weights -= weights[:, -1:]
        total = weights.sum(axis=1, keepdims=True)
        lonely = total[:, 0] <= 1e-300  # far from everything: the nearest latent alone
        weights[lonely] = 0.0
        weights[lonely, 0] = 1.0
        weights /= weights.sum(axis=1, keepdims=True)
        anchor = np.einsum("mk,mkd->md", weights, self.latents[index], dtype=np.float64)
        target = (weights * self._norms[index]).sum(axis=1)
        # Near a point, blend into the point itself (1 at its position, 0 at its disc's edge).
        nearest = index[:, 0]
        radius = self._snap[nearest]
        with np.errstate(divide="ignore", invalid="ignore"):
            snap = np.where(radius > 0, np.clip(1 - distances[:, 0] / radius, 0, 1), 0.0) ** 2
        snap[distances[:, 0] == 0] = 1.0
        own = self.latents[nearest].astype(np.float64)
        anchor += snap[:, None] * (own - anchor)
        target += snap * (self._norms[nearest] - target)
        # The affine lift through each row's own anchor: the plane part is the cursor's.
        p_anchor = (anchor - self.projection.origin) @ self.projection.basis.T
        z = anchor + (P - p_anchor) @ self._lift_basis.T
        # Rescale what the map cannot see so that the norm is the neighbours'.
        inside = (z @ self._plane) @ self._plane.T
        off = z - inside
        off_norm = np.linalg.norm(off, axis=1)
        wanted = np.sqrt(np.maximum(target**2 - (inside**2).sum(axis=1), 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(off_norm > 0, wanted / off_norm, 1.0)
        return inside + scale[:, None] * off
