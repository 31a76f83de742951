"""A sample of at most S points of a view that stays put across zoom levels.

Every row has a random rank: a hash of its row number with a fixed seed, the same on every
worker and in every run. A view shows the S rows inside it of smallest rank (all of them when
it holds at most S): the rows under a rank threshold. Zooming into a view can only raise the
threshold, so a point shown stays shown. The threshold is found from a histogram of the view's
ranks (one pass), then the rows under it are collected (a second pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._density import DensityGrid, density_grid

SEED = 0x5EED_1A7E
_BUCKET_BITS = 16  # ranks are compared by their top 16 bits: 65,536 thresholds to choose from
_BUCKETS = 1 << _BUCKET_BITS
_CHUNK_ROWS = 1 << 21
DEFAULT_MAX_POINTS = 1_000_000


def row_ranks(rows: np.ndarray, seed: int = SEED) -> np.ndarray:
    """``(n,)`` uint32 ranks of row numbers: splitmix64 of ``row + seed`` (a fixed bijection of
    64-bit integers that scatters neighbouring rows), its top 32 bits."""
    with np.errstate(over="ignore"):
        z = np.asarray(rows, dtype=np.uint64) + np.uint64(seed)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class ViewSample:
    """The sample of one view.

    ``rows`` ``(k,)`` int64 row numbers, ascending; ``positions`` ``(k, 2)`` float32;
    ``n_in_view`` every point inside the bounds; ``complete`` whether the sample is all of
    them (deep zoom); ``threshold`` the share of rank space shown (1.0 when complete): the
    sample is the rows in view with ``row_ranks(row) < threshold · 2³²``.
    """

    rows: np.ndarray
    positions: np.ndarray
    n_in_view: int
    threshold: float

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.n_in_view


def _in_view(xy: np.ndarray, grid: DensityGrid) -> np.ndarray:
    x0, y0, x1, y1 = grid.bounds
    x, y = xy[:, 0], xy[:, 1]
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _bucket_counts(xy: np.ndarray, rows: np.ndarray, grid: DensityGrid) -> np.ndarray:
    ranks = row_ranks(rows[_in_view(xy, grid)])
    return np.bincount(ranks >> np.uint32(32 - _BUCKET_BITS), minlength=_BUCKETS)


def _sampled(xy: np.ndarray, rows: np.ndarray, grid: DensityGrid, limit: int) -> np.ndarray:
    """Positions in ``xy`` (not rows) inside the view with a rank bucket up to ``limit`` (the
    last, partly shown bucket included: :func:`_smallest_ranks` trims it)."""
    inside = np.flatnonzero(_in_view(xy, grid))
    buckets = row_ranks(rows[inside]) >> np.uint32(32 - _BUCKET_BITS)
    return inside[buckets <= limit]


def _limit(counts: np.ndarray, max_points: int) -> int:
    """The number of rank buckets shown in full: the most whose points add up to at most S."""
    return int(np.searchsorted(np.cumsum(counts), max_points, side="right"))


def _smallest_ranks(
    rows: np.ndarray, positions: np.ndarray, n_in_view: int, max_points: int
) -> ViewSample:
    """The at most ``max_points`` candidates of smallest rank, in row order: a rank threshold
    at full 32-bit precision (so a view always shows min(S, points in view) points)."""
    if len(rows) <= max_points:
        return ViewSample(rows, positions, n_in_view, 1.0)
    ranks = row_ranks(rows)
    keep = np.sort(np.argpartition(ranks, max_points - 1)[:max_points])
    cutoff = (int(ranks[keep].max()) + 1) / 2**32
    return ViewSample(rows[keep], positions[keep], n_in_view, cutoff)


def view_sample(
    positions: Any,
    bounds: Any,
    max_points: int = DEFAULT_MAX_POINTS,
    rows: np.ndarray | None = None,
    compute: Any = None,
) -> ViewSample:
    """At most ``max_points`` of the positions inside ``bounds`` ``(x0, y0, x1, y1)``.

    Parameters
    ----------
    positions : (N, 2) NumPy or Dask array
        NaN positions are never in a view.
    rows : (N,) int, optional
        The row number of each NumPy position (the map's ``rows``, whose ranks decide);
        default ``arange(N)``. Dask positions are numbered by their place in the table.
    compute : callable, optional
        Runs a Dask computation (``_dask_compute.compute``); needed for Dask positions.
    """
    if isinstance(max_points, bool) or not isinstance(max_points, int | np.integer):
        raise ValueError(f"max_points must be a positive integer; got {max_points!r}.")
    if max_points < 1:
        raise ValueError(f"max_points must be a positive integer; got {max_points!r}.")
    grid = density_grid(bounds, 1)
    if isinstance(positions, np.ndarray):
        return _numpy_sample(positions, grid, int(max_points), rows)
    if compute is None:
        raise ValueError("a sample of Dask positions needs compute= (how to run the work).")
    return _dask_sample(positions, grid, int(max_points), compute)


def _numpy_sample(
    positions: np.ndarray, grid: DensityGrid, max_points: int, rows: np.ndarray | None
) -> ViewSample:
    rows = np.arange(len(positions)) if rows is None else np.asarray(rows)
    if rows.shape != (len(positions),):
        raise ValueError(f"rows must have shape ({len(positions)},); got {rows.shape}.")
    chunks = range(0, len(positions), _CHUNK_ROWS)
    counts = sum(
        (
            _bucket_counts(positions[s : s + _CHUNK_ROWS], rows[s : s + _CHUNK_ROWS], grid)
            for s in chunks
        ),
        np.zeros(_BUCKETS, np.int64),
    )
    limit = _limit(counts, max_points)
    picked = np.concatenate(
        [
            s + _sampled(positions[s : s + _CHUNK_ROWS], rows[s : s + _CHUNK_ROWS], grid, limit)
            for s in chunks
        ]
        or [np.zeros(0, np.int64)]
    )
    return _smallest_ranks(
        rows[picked].astype(np.int64),
        positions[picked].astype(np.float32),
        int(counts.sum()),
        max_points,
    )


def _block_rows(xy: np.ndarray, block_info: Any = None) -> np.ndarray:
    start = block_info[0]["array-location"][0][0]
    return np.arange(start, start + len(xy))


def _block_bucket_counts(xy: np.ndarray, grid: DensityGrid, block_info: Any = None) -> np.ndarray:
    return _bucket_counts(xy, _block_rows(xy, block_info), grid).astype(np.uint32)[None]


def _block_sample(
    xy: np.ndarray, grid: DensityGrid, limit: int, block_info: Any = None
) -> np.ndarray:
    """``(k, 3)`` float64: each sampled point's row number, x and y."""
    rows = _block_rows(xy, block_info)
    picked = _sampled(xy, rows, grid, limit)
    return np.column_stack([rows[picked], xy[picked].astype(np.float64)])


def _dask_sample(positions: Any, grid: DensityGrid, max_points: int, compute: Any) -> ViewSample:
    import dask.array as da

    blocks = positions.numblocks[0]
    counts = compute(
        da.map_blocks(
            _block_bucket_counts,
            positions,
            grid,
            dtype=np.uint32,
            chunks=((1,) * blocks, (_BUCKETS,)),
        ).sum(axis=0, dtype=np.int64)
    )
    limit = _limit(counts, max_points)
    found = compute(
        da.map_blocks(
            _block_sample,
            positions,
            grid,
            limit,
            dtype=np.float64,
            chunks=((np.nan,) * blocks, (3,)),
        )
    )
    # Row numbers below 2**53 are exact in float64 (a table of 9 quadrillion rows).
    return _smallest_ranks(
        found[:, 0].astype(np.int64),
        found[:, 1:].astype(np.float32),
        int(counts.sum()),
        max_points,
    )
