"""Exact k-nearest neighbours by chunked matrix products (cosine or euclidean)."""

from __future__ import annotations

from typing import Any

import numpy as np

METRICS = ("cosine", "euclidean")
_CHUNK_ROWS = 65536  # rows of the table scored at once: bounded memory for any table size


class NeighbourIndex:
    """Exact nearest neighbours in a fixed table, with the per-row norms computed once.

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
        Neighbours per query (fewer when the table is smaller).
    metric : {"cosine", "euclidean"}
        Cosine scores are similarities (higher is nearer); euclidean scores are distances.
    exclude : array of int, optional
        Table rows never returned (e.g. the words of an analogy query).

    Returns
    -------
    indices : (m, k) int64
    scores : (m, k) float64, best first

    For many searches in one table, build a :class:`NeighbourIndex` once.
    """
    return NeighbourIndex(table, metric).search(queries, k, exclude=exclude)


def _chunks(table: np.ndarray) -> Any:
    for start in range(0, len(table), _CHUNK_ROWS):
        yield table[start : start + _CHUNK_ROWS]
