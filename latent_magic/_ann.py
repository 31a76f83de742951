"""Nearest neighbours at scale with faiss: exact search (a flat index) for small tables, an
inverted-file index (IVF) with an HNSW coarse quantizer past a threshold, trained on a sample
and filled block by block (a Dask table's blocks are read one at a time). Results are row
numbers of the table. :func:`recall_at_k` measures an index against exact search."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

METRICS = ("euclidean", "cosine")
CODES = ("auto", "flat", "sq8")
FLAT_BYTES = 512 << 20  # "auto" stores whole vectors up to this size in the kernel, else 8-bit
EXACT_BELOW = 100_000  # rows up to which a flat index answers exactly in milliseconds
DEFAULT_NPROBE = 32  # lists visited per query; recall@10 ≥ 0.95 on the planted test data
_TRAIN_PER_LIST = 40  # training rows per list (faiss warns under 39)
_HNSW_NEIGHBORS = 32
_EF_ADD = 32  # HNSW breadth when filing rows into lists (faiss's default 16 misfiles more)
_EF_SEARCH = 128  # and when choosing the lists a query visits
_CHUNK_ROWS = 1 << 18
_RERANK = 4  # candidates per wanted neighbour taken from 8-bit codes to re-rank exactly


@dataclass
class AnnIndex:
    """A faiss index over a table's finite rows.

    ``exact``: a flat index (every row compared); otherwise IVF with ``nlist`` lists of which
    ``nprobe`` are visited per query (settable: more is slower and more exact).
    """

    index: Any  # faiss.Index
    metric: str
    exact: bool
    n_rows: int
    nlist: int = 0
    # An in-memory table whose rows re-rank the 8-bit codes' candidates exactly (no copy).
    refine: np.ndarray | None = None

    @property
    def nprobe(self) -> int:
        return int(self.index.nprobe) if not self.exact else 0

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if self.exact:
            raise ValueError("an exact index visits every row: it has no nprobe.")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.nlist:
            raise ValueError(f"nprobe must be an integer from 1 to {self.nlist}; got {value!r}.")
        self.index.nprobe = value

    def search(self, queries: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """``(rows (m, k) int64, scores (m, k) float32)``, best first: squared euclidean
        distances (smaller is nearer) or cosine similarities (larger is nearer). Rows are -1
        where fewer than ``k`` were found."""
        q = _prepared(np.asarray(queries, dtype=np.float32), self.metric, "queries")
        if q.shape[1] != self.index.d:
            raise ValueError(
                f"queries must have {self.index.d} columns (the table's); got shape {q.shape}."
            )
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")
        if self.refine is None:
            scores, rows = self.index.search(q, k)
            return rows.astype(np.int64), scores
        _, candidates = self.index.search(q, min(self.n_rows, _RERANK * k))
        return _reranked(q, candidates.astype(np.int64), self.refine, self.metric, k)


def build_ann_index(
    table: Any,
    metric: str = "euclidean",
    *,
    exact_below: int = EXACT_BELOW,
    nlist: int | None = None,
    nprobe: int = DEFAULT_NPROBE,
    codes: str = "auto",
    seed: int = 0,
    compute: Any = None,
) -> AnnIndex:
    """An index of the finite rows of ``table`` ``(N, d)`` (NumPy or Dask; NaN rows left out).

    Parameters
    ----------
    metric : {"euclidean", "cosine"}
    exact_below : int
        Up to this many rows, a flat index (exact). Past it, IVF.
    nlist : int, optional
        IVF lists; default ``√N`` (at least 16).
    nprobe : int
        Lists visited per query (at most ``nlist``).
    codes : {"auto", "flat", "sq8"}
        How IVF stores vectors (in the kernel): whole float32 (``4·d`` bytes a row) or 8-bit
        scalar quantised (``d`` bytes a row, slightly less exact: for a NumPy table its
        candidates are re-ranked exactly against the table's rows, which are not copied);
        ``"auto"``: whole while the table's vectors take at most 512 MB.
    compute : callable, optional
        Runs Dask work (``_dask_compute.compute``); default ``dask.compute``.
    """
    import faiss

    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
    if codes not in CODES:
        raise ValueError(f"codes must be one of {CODES}; got {codes!r}.")
    n, d = table.shape
    blocks = _blocks(table, compute)  # read once, while adding: one block in memory at a time
    faiss_metric = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
    if n <= exact_below:
        flat = faiss.IndexIDMap2(faiss.IndexFlat(d, faiss_metric))
        return AnnIndex(flat, metric, True, _add(flat, blocks, metric))
    nlist = nlist or max(16, int(math.sqrt(n)))
    quantizer = faiss.IndexHNSWFlat(d, _HNSW_NEIGHBORS, faiss_metric)
    index: Any
    whole = codes == "flat" or (codes == "auto" and 4 * n * d <= FLAT_BYTES)
    if whole:
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss_metric)
    else:
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss_metric
        )
    # k-means on exact assignments; the HNSW graph then answers which lists a query visits.
    index.clustering_index = faiss.IndexFlat(d, faiss_metric)
    index.train(_training_rows(table, min(n, _TRAIN_PER_LIST * nlist), seed, metric, compute))
    # A row filed in the wrong list is never found again: file rows with a wide HNSW search.
    quantizer.hnsw.efSearch = _EF_ADD
    added = _add(index, blocks, metric)
    quantizer.hnsw.efSearch = _EF_SEARCH
    # 8-bit codes blur near ties: an in-memory table re-ranks their candidates exactly.
    refine = table if not whole and isinstance(table, np.ndarray) else None
    result = AnnIndex(index, metric, False, added, nlist, refine)
    result.nprobe = min(nprobe, nlist)
    return result


def _reranked(
    queries: np.ndarray, candidates: np.ndarray, table: np.ndarray, metric: str, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of each query's candidate rows by exact distance to ``table``'s rows."""
    rows = np.full((len(queries), k), -1, np.int64)
    scores = np.full((len(queries), k), np.nan, np.float32)
    for i, (q, found) in enumerate(zip(queries, candidates, strict=True)):
        found = found[found >= 0]
        vectors = _prepared(np.asarray(table[found]), metric, "table")
        if metric == "cosine":
            score = vectors @ q
            order = np.argsort(-score, kind="stable")[:k]
        else:
            score = ((vectors - q) ** 2).sum(axis=1)
            order = np.argsort(score, kind="stable")[:k]
        rows[i, : len(order)] = found[order]
        scores[i, : len(order)] = score[order]
    return rows, scores


def exact_neighbors(
    table: Any, queries: Any, k: int = 10, metric: str = "euclidean", compute: Any = None
) -> np.ndarray:
    """``(m, k)`` int64 rows of the exact ``k`` nearest finite rows (block by block)."""
    import faiss

    q = _prepared(np.asarray(queries, dtype=np.float32), metric, "queries")
    best_scores = np.full((len(q), 0), np.nan, np.float32)
    best_rows = np.zeros((len(q), 0), np.int64)
    larger_is_nearer = metric == "cosine"
    for rows, block in _blocks(table, compute):
        vectors = _prepared(block, metric, "table")
        kind = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
        scores, found = faiss.knn(q, vectors, min(k, len(vectors)), metric=kind)
        best_scores = np.hstack([best_scores, scores])
        best_rows = np.hstack([best_rows, rows[found]])
        order = np.argsort(-best_scores if larger_is_nearer else best_scores, axis=1)[:, :k]
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        best_rows = np.take_along_axis(best_rows, order, axis=1)
    return best_rows


def recall_at_k(index: AnnIndex, table: Any, queries: Any, k: int = 10, compute: Any = None):
    """The share of the exact ``k`` nearest rows the index finds, over ``queries`` (0 to 1)."""
    found, _ = index.search(queries, k)
    truth = exact_neighbors(table, queries, k, index.metric, compute)
    hits = sum(len(np.intersect1d(a[a >= 0], b)) for a, b in zip(found, truth, strict=True))
    return hits / truth.size


# ---------------------------------------------------------------------- reading the table
def _blocks(table: Any, compute: Any):
    """``(rows, vectors)`` of each block's finite rows, one block in memory at a time."""
    if isinstance(table, np.ndarray):
        for start in range(0, len(table), _CHUNK_ROWS):
            yield _finite(np.asarray(table[start : start + _CHUNK_ROWS]), start)
        return
    run = compute or _dask_compute
    start = 0
    for i in range(table.numblocks[0]):
        block = np.asarray(run(table.blocks[i]))
        yield _finite(block, start)
        start += len(block)


def _dask_compute(collection: Any) -> Any:
    import dask

    return dask.compute(collection)[0]


def _finite(block: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(block).all(axis=1)
    return start + np.flatnonzero(keep), np.ascontiguousarray(block[keep], dtype=np.float32)


def _prepared(vectors: np.ndarray, metric: str, what: str) -> np.ndarray:
    if vectors.ndim != 2:
        raise ValueError(f"{what} must be 2-D (m, d); got shape {vectors.shape}.")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-12)
    return vectors


def _add(index: Any, blocks: Any, metric: str) -> int:
    added = 0
    for rows, vectors in blocks:
        if len(rows):
            index.add_with_ids(_prepared(vectors, metric, "table"), rows.astype(np.int64))
            added += len(rows)
    return added


def _training_rows(table: Any, size: int, seed: int, metric: str, compute: Any) -> np.ndarray:
    """A uniform sample of about ``size`` finite rows (sorted row numbers: one read a block)."""
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(table.shape[0], size=size, replace=False))
    rows = table[picked]
    if not isinstance(table, np.ndarray):
        rows = (compute or _dask_compute)(rows)
    rows = np.asarray(rows, dtype=np.float32)
    return _prepared(rows[np.isfinite(rows).all(axis=1)], metric, "table")
