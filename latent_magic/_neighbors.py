"""Exact k-nearest neighbors by chunked matrix products (cosine or euclidean), and how far
a latent lies from the data (:class:`DataDistance`, the preview's "off the data" line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._data import as_latents
from ._prior import typical_norms

METRICS = ("cosine", "euclidean")
_CHUNK_ROWS = 65536  # rows of the table scored at once: bounded memory for any table size
OFF_DATA_RATIO = 2.0
"""A latent is *off the data* when it is more than this many typical nearest-neighbor
distances away from the nearest fitted latent: twice the usual gap between neighbors is
well outside the spread seen inside the data, yet close enough to flag a pointer that has
just left a cluster."""
_TYPICAL_SAMPLE = 2000  # rows whose nearest-neighbor distance sets the "typical" gap
_TYPICAL_MIN_SAMPLE = 32
_TYPICAL_CANDIDATES = 8
# Work budget for that measurement against a very large table, in query rows × table rows:
# the first hover over a million points must not keep the kernel busy for seconds.
_TYPICAL_PAIRS = 3e7
_QUERY_BATCH = 128  # queries scored at once: nearest() holds a (batch, 65536) score block


class NeighborIndex:
    """Exact nearest neighbors in a fixed table, with the per-row norms computed once.

    Parameters
    ----------
    table : (n, d) array
        Kept by reference when it is already float32 (no copy of a large table).
    metric : {"cosine", "euclidean"}
    """

    def __init__(self, table: Any, metric: str = "cosine") -> None:
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
        table = np.asarray(table, dtype=np.float32)
        if table.ndim != 2:
            raise ValueError(f"the table must be 2-D (n, d); got shape {table.shape}.")
        self.table = table
        self.metric = metric
        # Cosine divides by each row's norm; euclidean subtracts its squared norm.
        squared = np.concatenate(
            [np.einsum("ij,ij->i", c, c) for c in _chunks(table)] or [np.zeros(0, np.float32)]
        )
        self._row_term = (
            1.0 / np.maximum(np.sqrt(squared), 1e-12) if metric == "cosine" else squared
        ).astype(np.float32)

    def search(
        self, queries: Any, k: int = 10, *, exclude: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` rows nearest each query: ``(indices (m, k), scores (m, k))``, best first.

        Cosine scores are similarities; euclidean scores are distances. ``exclude``: rows
        never returned.
        """
        table = self.table
        Q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if Q.shape[1] != table.shape[1]:
            raise ValueError(
                f"queries of shape {Q.shape} and a table of shape {table.shape} do not match: "
                "both need the same number of columns."
            )
        excluded = np.unique(np.asarray(exclude, dtype=np.int64)) if exclude is not None else None
        k = max(0, min(int(k), table.shape[0] - (0 if excluded is None else len(excluded))))
        if self.metric == "cosine":
            Q = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-12)
        best_scores = np.full((len(Q), 0), -np.inf, dtype=np.float32)
        best_index = np.zeros((len(Q), 0), dtype=np.int64)
        for start, chunk in zip(range(0, len(table), _CHUNK_ROWS), _chunks(table), strict=True):
            scores = Q @ chunk.T  # higher is nearer after the row term below
            row_term = self._row_term[start : start + len(chunk)]
            if self.metric == "cosine":
                scores *= row_term
            else:  # -‖q - t‖² + ‖q‖² = 2 q·t - ‖t‖²
                scores *= 2
                scores -= row_term
            if excluded is not None:
                local = excluded[(excluded >= start) & (excluded < start + len(chunk))] - start
                scores[:, local] = -np.inf
            take = min(k, chunk.shape[0])
            if take == 0:
                continue
            top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
            best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
            best_index = np.hstack([best_index, top + start])
            if best_scores.shape[1] > k:  # keep the running top k only
                keep = np.argpartition(-best_scores, k - 1, axis=1)[:, :k]
                best_scores = np.take_along_axis(best_scores, keep, axis=1)
                best_index = np.take_along_axis(best_index, keep, axis=1)
        order = np.argsort(-best_scores, axis=1, kind="stable")
        scores64 = np.take_along_axis(best_scores, order, axis=1).astype(np.float64)
        best_index = np.take_along_axis(best_index, order, axis=1)
        if self.metric == "euclidean":
            scores64 = np.sqrt(
                np.maximum((Q.astype(np.float64) ** 2).sum(1, keepdims=True) - scores64, 0.0)
            )
        return best_index, scores64


def nearest(
    queries: Any,
    table: np.ndarray,
    k: int = 10,
    *,
    metric: str = "cosine",
    exclude: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``table`` nearest to each query.

    Parameters
    ----------
    queries : (m, d) or (d,) array
    table : (n, d) array
    k : int
        Neighbors per query (fewer when the table is smaller).
    metric : {"cosine", "euclidean"}
        Cosine scores are similarities (higher is nearer); euclidean scores are distances.
    exclude : array of int, optional
        Table rows never returned (e.g. the words of an analogy query).

    Returns
    -------
    indices : (m, k) int64
    scores : (m, k) float64, best first

    For many searches in one table, build a :class:`NeighborIndex` once.
    """
    return NeighborIndex(table, metric).search(queries, k, exclude=exclude)


def _chunks(table: np.ndarray) -> Any:
    for start in range(0, len(table), _CHUNK_ROWS):
        yield table[start : start + _CHUNK_ROWS]


class DataDistance:
    """How far latents lie from a fitted set of latents.

    Parameters
    ----------
    Z : (n, d) array
        The fitted latents (kept by reference, not copied).

    Notes
    -----
    The typical gap, the median distance from a fitted latent to its nearest other fitted
    latent, is measured once, on the first call that needs it, for a seeded sample of at
    most 2,000 rows (fewer for very large tables, to bound the work) against the whole
    table, so it is on the same scale as the distances :meth:`measure` reports. Gaps are
    to the nearest *distinct* latent: exact duplicates do not make the typical gap 0.
    """

    def __init__(self, Z: np.ndarray, prior: bool = False) -> None:
        self.latents = as_latents(Z)
        # A standard normal prior: a latent off its typical shell is off the data, however near
        # a sample it is (in high dimensions the hollow centre is near every sample).
        self._norms = typical_norms(self.latents.shape[1]) if prior else None
        self._typical: float | None = None
        self._index: NeighborIndex | None = None

    @property
    def typical(self) -> float:
        """Median nearest-neighbor distance among the fitted latents."""
        if self._typical is None:
            self._typical = _typical_gap(self.latents)
        return self._typical

    def measure(self, z: np.ndarray) -> Distance:
        """How far one latent ``(d,)`` is from the data."""
        z = np.asarray(z, dtype=np.float64)
        d = self.latents.shape[1]
        if z.shape not in ((d,), (1, d)):
            raise ValueError(f"expected one latent vector of shape ({d},); got shape {z.shape}.")
        if not np.isfinite(z).all():
            raise ValueError("the latent vector contains NaN or infinite values.")
        if self._index is None:  # row norms once, not on every hover
            self._index = NeighborIndex(self.latents, "euclidean")
        _, distances = nearest_exact(z.reshape(1, d), self.latents, 1, self._index)
        distance = float(distances[0, 0])
        typical = self.typical
        ratio = distance / typical if typical > 0 else _ratio_to_a_single_point(distance)
        norm = float(np.linalg.norm(z))
        typical_norm = self._norms is None or self._norms[0] <= norm <= self._norms[1]
        return Distance(
            distance, typical, ratio, typical_norm, ratio > OFF_DATA_RATIO or not typical_norm
        )


@dataclass(frozen=True)
class Distance:
    """How far a latent lies from the data."""

    distance: float  # to the nearest fitted latent
    typical: float  # median nearest-neighbor distance among the fitted latents
    ratio: float  # distance / typical
    typical_norm: bool  # under a Gaussian prior: its norm is one the prior gives (else True)
    off_data: bool  # ratio > OFF_DATA_RATIO, or a norm the prior does not give


def nearest_exact(
    Q: np.ndarray, table: np.ndarray, k: int, index: NeighborIndex | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest table rows of each query, with float64 euclidean distances.

    ``nearest`` scores in float32 through ``‖q‖² - 2q·t + ‖t‖²``, which cancels badly for
    near-equal vectors; its candidates are kept and their distances recomputed directly,
    so a query equal to a row is at distance exactly 0.
    """
    Q = np.asarray(Q, dtype=np.float64)
    k = min(k, table.shape[0])
    index = index or NeighborIndex(table, "euclidean")
    indices = np.empty((len(Q), k), dtype=np.int64)
    distances = np.empty((len(Q), k))
    for start in range(0, len(Q), _QUERY_BATCH):
        batch = Q[start : start + _QUERY_BATCH]
        candidates, _ = index.search(batch, k)
        gaps = np.linalg.norm(table[candidates].astype(np.float64) - batch[:, None, :], axis=2)
        order = np.argsort(gaps, axis=1, kind="stable")
        indices[start : start + len(batch)] = np.take_along_axis(candidates, order, axis=1)
        distances[start : start + len(batch)] = np.take_along_axis(gaps, order, axis=1)
    return indices, distances


def _ratio_to_a_single_point(distance: float) -> float:
    # Every fitted latent is the same vector: there is no gap to compare with.
    return 0.0 if distance == 0 else float("inf")


def _typical_gap(Z: np.ndarray) -> float:
    n = Z.shape[0]
    if n < 2:
        return 0.0
    budget = int(_TYPICAL_PAIRS // n)
    size = min(n, _TYPICAL_SAMPLE, max(_TYPICAL_MIN_SAMPLE, budget))
    rows = np.sort(np.random.default_rng(0).choice(n, size=size, replace=False))
    # Several candidates, so that a row with a few exact duplicates still finds its
    # nearest distinct neighbor; a row with more duplicates than that is left out.
    _, distances = nearest_exact(Z[rows], Z, _TYPICAL_CANDIDATES)
    gaps = np.where(distances > 0, distances, np.inf).min(axis=1)
    gaps = gaps[np.isfinite(gaps)]
    return float(np.median(gaps)) if len(gaps) else 0.0
