"""Exact k-nearest neighbours by chunked matrix products (cosine or euclidean)."""

from __future__ import annotations

from typing import Any

import numpy as np

METRICS = ("cosine", "euclidean")
_CHUNK_ROWS = 65536  # rows of the table scored at once: bounded memory for any table size


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
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
    Q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    table = np.asarray(table)
    if table.ndim != 2 or Q.shape[1] != table.shape[1]:
        raise ValueError(
            f"queries of shape {Q.shape} and a table of shape {table.shape} do not match: "
            "both need the same number of columns."
        )
    excluded = np.unique(np.asarray(exclude, dtype=np.int64)) if exclude is not None else None
    k = max(0, min(int(k), table.shape[0] - (0 if excluded is None else len(excluded))))
    if metric == "cosine":
        Q = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-12)
    best_scores = np.full((len(Q), 0), -np.inf, dtype=np.float32)
    best_index = np.zeros((len(Q), 0), dtype=np.int64)
    for start in range(0, table.shape[0], _CHUNK_ROWS):
        chunk = np.asarray(table[start : start + _CHUNK_ROWS], dtype=np.float32)
        scores = _scores(Q, chunk, metric)  # higher is nearer
        if excluded is not None:
            local = excluded[(excluded >= start) & (excluded < start + len(chunk))] - start
            scores[:, local] = -np.inf
        take = min(k, chunk.shape[0])
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take] if take else scores[:, :0]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        best_index = np.hstack([best_index, top + start])
        if best_scores.shape[1] > k:  # keep the running top k only
            keep = np.argpartition(-best_scores, k - 1, axis=1)[:, :k]
            best_scores = np.take_along_axis(best_scores, keep, axis=1)
            best_index = np.take_along_axis(best_index, keep, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    best_scores = np.take_along_axis(best_scores, order, axis=1).astype(np.float64)
    best_index = np.take_along_axis(best_index, order, axis=1)
    if metric == "euclidean":
        best_scores = np.sqrt(np.maximum(-best_scores, 0.0))
    return best_index, best_scores


def _scores(Q: np.ndarray, chunk: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        norms = np.maximum(np.linalg.norm(chunk, axis=1), 1e-12)
        return (Q @ chunk.T) / norms
    # -‖q - t‖² = 2 q·t - ‖t‖² - ‖q‖²; the ‖q‖² term is the same along a row but kept so the
    # score turns back into a distance.
    return 2 * (Q @ chunk.T) - (chunk * chunk).sum(1) - (Q * Q).sum(1, keepdims=True)
