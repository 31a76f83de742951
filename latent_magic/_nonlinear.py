"""Non-linear 2-D maps of latent space (t-SNE, Isomap, UMAP) with approximate lifts back.

A non-linear map has no exact inverse: :class:`NonlinearProjection` places new latents by
the method's own out-of-sample transform (Isomap, UMAP) or by interpolating the map
positions of their nearest fitted latents (t-SNE), and lifts a map position back by
interpolating the latents of the nearest fitted map points. ``exact`` is ``False`` so
callers can say so.

scikit-learn (t-SNE, Isomap), SciPy and umap-learn are imported only when needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._data import as_latents
from ._neighbors import nearest_exact
from ._projection import LinearProjection, pca_projection

__all__ = ["METHODS", "NonlinearProjection", "make_projection"]

METHODS = ("pca", "tsne", "isomap", "umap")
_TITLES = {
    "tsne": ("t-SNE 1", "t-SNE 2"),
    "isomap": ("Isomap 1", "Isomap 2"),
    "umap": ("UMAP 1", "UMAP 2"),
}
_MIN_POINTS = 5  # below this a neighborhood-based map is meaningless (and sklearn may fail)
ISOMAP_MAX_POINTS = 20_000
"""Isomap keeps an (n, n) float64 matrix of geodesic distances, 8·n² bytes: 3.2 GB at this
many points, 80 GB at 100,000. Beyond it the kernel would run out of memory before failing."""


class NonlinearProjection:
    """A fitted non-linear map of latents to 2-D, with approximate lifts back.

    Build one with :func:`make_projection`.

    Parameters
    ----------
    method : {"tsne", "isomap", "umap"}
    latents : (n, d) array
        The fitted latents (kept by reference, not copied).
    fit_points : (n, 2) array
        Their map positions.
    estimator : object, optional
        A fitted estimator whose ``transform`` places new latents (Isomap, UMAP); without
        one, new latents are placed by interpolation.
    k : int
        Neighbors interpolated between, in latent space (``transform``) and on the map
        (``inverse``).

    Attributes
    ----------
    exact : bool
        Always ``False``: lifting a map position to a latent is an interpolation.
    titles : (str, str)
    fit_points : (n, 2) float32
    latents : (n, d) array
    """

    exact = False

    def __init__(
        self,
        method: str,
        latents: np.ndarray,
        fit_points: np.ndarray,
        *,
        estimator: Any = None,
        k: int = 8,
    ) -> None:
        if method not in _TITLES:
            raise ValueError(f"method must be one of {tuple(_TITLES)}; got {method!r}.")
        latents = as_latents(latents)
        fit_points = np.ascontiguousarray(fit_points, dtype=np.float32)
        if fit_points.shape != (latents.shape[0], 2):
            raise ValueError(
                f"fit_points must have shape ({latents.shape[0]}, 2); got {fit_points.shape}."
            )
        if k < 1:
            raise ValueError(f"k must be at least 1; got {k}.")
        self.method = method
        self.titles = _TITLES[method]
        self.latents = latents
        self.fit_points = fit_points
        self.k = int(k)
        self._estimator = estimator
        self._map_tree: Any = None  # a KD-tree of fit_points, built on the first inverse()

    @property
    def dim(self) -> int:
        return int(self.latents.shape[1])

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Map positions of latents ``(n, d)`` → ``(n, 2)`` float32.

        The fitted latents map to :attr:`fit_points` exactly. New latents go through the
        method's own out-of-sample transform where it has one (Isomap, UMAP); otherwise
        (t-SNE) they are placed at the inverse-distance-weighted mean of the map positions
        of their ``k`` nearest fitted latents.
        """
        if Z is self.latents:
            return self.fit_points.copy()
        Z = np.asarray(Z)
        if Z.ndim != 2 or Z.shape[1] != self.dim:
            raise ValueError(
                f"expected latent vectors of shape (n, {self.dim}); got shape {Z.shape}."
            )
        if Z.shape == self.latents.shape and np.array_equal(Z, self.latents):
            return self.fit_points.copy()
        if not np.isfinite(Z).all():
            raise ValueError("the latent vectors contain NaN or infinite values.")
        if len(Z) == 0:
            return np.zeros((0, 2), dtype=np.float32)
        if self._estimator is not None:
            placed = np.asarray(self._estimator.transform(Z), dtype=np.float32)
            return np.ascontiguousarray(placed)
        indices, distances = nearest_exact(Z, self.latents, self.k)
        weights = _idw_weights(distances)
        positions = self.fit_points[indices].astype(np.float64)  # (m, k, 2)
        return np.einsum("mk,mkc->mc", weights, positions).astype(np.float32)

    def inverse(self, P: np.ndarray, anchor: np.ndarray | None = None) -> np.ndarray:
        """Latents ``(n, d)`` float64 at map positions ``(n, 2)``, by interpolation.

        Each position lifts to the inverse-distance-weighted mean (on the map) of the
        latents of its ``k`` nearest fitted map points: a convex combination, so it stays
        within the data's hull. A position exactly on a fitted point returns that point's
        latent.

        ``anchor`` is accepted for the common projection interface and ignored: a
        non-linear map has no plane, so there are no off-plane components to take from it.
        """
        P = np.asarray(P, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"expected map positions of shape (n, 2); got shape {P.shape}.")
        if not np.isfinite(P).all():
            raise ValueError("the map positions contain NaN or infinite values.")
        if len(P) == 0:
            return np.zeros((0, self.dim))
        k = min(self.k, len(self.latents))
        distances, indices = self._tree().query(P, k=k)
        distances = np.asarray(distances, dtype=np.float64).reshape(len(P), k)
        indices = np.asarray(indices, dtype=np.int64).reshape(len(P), k)
        weights = _idw_weights(distances)
        # Gather neighbor by neighbor: never an (n, k, d) block for many positions.
        lifted = np.zeros((len(P), self.dim))
        for j in range(k):
            lifted += weights[:, j : j + 1] * self.latents[indices[:, j]]
        return lifted

    def _tree(self) -> Any:
        if self._map_tree is None:
            from scipy.spatial import cKDTree

            self._map_tree = cKDTree(self.fit_points.astype(np.float64))
        return self._map_tree


def make_projection(
    name: str, Z: np.ndarray, *, random_state: int | None = 0, **params: Any
) -> LinearProjection | NonlinearProjection:
    """Fit a 2-D map of latents ``(n, d)`` by name.

    Parameters
    ----------
    name : {"pca", "tsne", "isomap", "umap"}
        ``"pca"``: the exact linear map of :func:`latent_magic._projection.pca_projection`.
        ``"tsne"``: scikit-learn's t-SNE (``perplexity = min(30, (n - 1) / 3)`` unless
        given, ``init="pca"``); new latents are placed by interpolation.
        ``"isomap"``: scikit-learn's Isomap (``n_neighbors = min(10, n - 1)`` unless
        given); it keeps an (n, n) geodesic distance matrix, so it takes at most
        :data:`ISOMAP_MAX_POINTS` (20,000) points. ``"umap"``: umap-learn, when installed
        (``n_neighbors = min(15, n - 1)`` unless given).
    Z : (n, d) array
        Finite latents; at least 5 rows for the non-linear maps.
    random_state : int or None
        Seed for t-SNE and UMAP (Isomap and PCA are deterministic).
    **params
        Passed to the estimator (e.g. ``perplexity``, ``max_iter``, ``n_neighbors``,
        ``min_dist``). PCA takes none.

    Returns
    -------
    LinearProjection or NonlinearProjection
    """
    if name not in METHODS:
        raise ValueError(f"unknown projection {name!r}; choose one of {', '.join(METHODS)}.")
    Z = as_latents(Z)
    if name == "pca":
        if params:
            raise TypeError(f"the pca projection takes no parameters; got {sorted(params)}.")
        return pca_projection(Z)
    n = Z.shape[0]
    label = {"tsne": "t-SNE", "isomap": "Isomap", "umap": "UMAP"}[name]
    if n < _MIN_POINTS:
        raise ValueError(f"{label} needs at least {_MIN_POINTS} points; got {n}.")
    if name == "tsne":
        return _fit_tsne(Z, random_state, params)
    if name == "isomap":
        return _fit_isomap(Z, params)
    return _fit_umap(Z, random_state, params)


def _fit_tsne(
    Z: np.ndarray, random_state: int | None, params: dict[str, Any]
) -> NonlinearProjection:
    from sklearn.manifold import TSNE

    n = Z.shape[0]
    params.setdefault("perplexity", min(30.0, (n - 1) / 3))
    if not 0 < params["perplexity"] < n:
        raise ValueError(
            f"t-SNE's perplexity must be positive and less than the number of points ({n}); "
            f"got {params['perplexity']}."
        )
    params.setdefault("init", "pca")
    embedding = TSNE(n_components=2, random_state=random_state, **params).fit_transform(Z)
    # t-SNE has no out-of-sample transform: new latents are interpolated.
    return NonlinearProjection("tsne", Z, embedding)


def _fit_isomap(Z: np.ndarray, params: dict[str, Any]) -> NonlinearProjection:
    from sklearn.manifold import Isomap

    n = Z.shape[0]
    if n > ISOMAP_MAX_POINTS:
        raise ValueError(
            f"Isomap keeps an n × n distance matrix ({8 * n * n / 1e9:,.1f} GB for {n:,} "
            f"points); it takes at most {ISOMAP_MAX_POINTS:,} points. Map a sample of the data, "
            "or use projection='umap', 'tsne' or 'pca', which have no such limit."
        )
    if params.get("radius") is not None:
        params.setdefault("n_neighbors", None)  # sklearn takes one neighborhood rule
    else:
        params.setdefault("n_neighbors", min(10, n - 1))
        if not 1 <= params["n_neighbors"] < n:
            raise ValueError(
                f"Isomap's n_neighbors must be at least 1 and less than the number of points "
                f"({n}); got {params['n_neighbors']}."
            )
    estimator = _SignFixed(Isomap(n_components=2, **params))
    return NonlinearProjection("isomap", Z, estimator.fit_transform(Z), estimator=estimator)


def _fit_umap(
    Z: np.ndarray, random_state: int | None, params: dict[str, Any]
) -> NonlinearProjection:
    try:
        import umap
    except ImportError as error:
        available = ", ".join(m for m in METHODS if m != "umap")
        raise ImportError(
            "the 'umap' projection needs umap-learn: pip install umap-learn "
            f"(available without it: {available})."
        ) from error
    n = Z.shape[0]
    params.setdefault("n_neighbors", min(15, n - 1))
    estimator = umap.UMAP(n_components=2, random_state=random_state, **params)
    embedding = estimator.fit_transform(Z)
    return NonlinearProjection("umap", Z, embedding, estimator=estimator)


class _SignFixed:
    """Wraps an estimator whose output axes have arbitrary signs (Isomap's eigenvectors,
    found by ARPACK from a random start) and fixes them: the coordinate of largest magnitude
    on each axis of the fitted embedding is positive, so refits give the same map."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator
        self.signs = np.ones(2)

    def fit_transform(self, Z: np.ndarray) -> np.ndarray:
        embedding = np.asarray(self.estimator.fit_transform(Z), dtype=np.float64)
        extreme = embedding[np.argmax(np.abs(embedding), axis=0), [0, 1]]
        self.signs = np.where(extreme < 0, -1.0, 1.0)
        return embedding * self.signs

    def transform(self, Z: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator.transform(Z), dtype=np.float64) * self.signs


def _idw_weights(distances: np.ndarray) -> np.ndarray:
    """Inverse-square-distance weights ``(m, k)`` summing to 1 along each row; a row with a
    zero distance puts all its weight on that neighbor (the first such, nearest first)."""
    # Relative to the nearest, (d0 / d)² ≤ 1: no overflow however close the nearest is.
    on_point = distances[:, 0] == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = (distances[:, :1] / distances) ** 2
    weights[on_point] = 0.0
    weights[on_point, 0] = 1.0
    return weights / weights.sum(axis=1, keepdims=True)
