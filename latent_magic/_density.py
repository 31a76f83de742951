"""The density of all points in a view: counts on a grid of bins, one grid per colour code
when the map is coloured. NumPy positions are counted in row chunks, Dask positions block by
block on the workers (each block's grid summed); the same counting rule either way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._data import finite_number

_CHUNK_ROWS = 1 << 21  # rows counted at once in memory: bounded temporaries


@dataclass(frozen=True)
class DensityGrid:
    """What to count: ``bounds`` ``(x0, y0, x1, y1)`` (closed: a point on the far edge is in
    the last bin) cut into ``bins`` ``(nx, ny)``; ``n_codes`` grids when coloured."""

    bounds: tuple[float, float, float, float]
    bins: tuple[int, int]
    n_codes: int = 1

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_codes, ny, nx)``: row ``iy`` counts ``y0 + iy·Δy ≤ y < y0 + (iy + 1)·Δy``."""
        return (self.n_codes, self.bins[1], self.bins[0])


def density_grid(bounds: Any, bins: Any, n_codes: int = 1) -> DensityGrid:
    """A checked :class:`DensityGrid`.

    Raises
    ------
    ValueError
        Bounds that are not four finite numbers with ``x0 < x1`` and ``y0 < y1``; bins that
        are not one or two positive integers up to 4096.
    """
    values = list(bounds) if isinstance(bounds, list | tuple | np.ndarray) else None
    if values is None or len(values) != 4 or not all(map(finite_number, values)):
        raise ValueError(f"bounds must be four finite numbers (x0, y0, x1, y1); got {bounds!r}.")
    x0, y0, x1, y1 = (float(v) for v in values)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"bounds must have x0 < x1 and y0 < y1; got {bounds!r}.")
    pair = (bins, bins) if isinstance(bins, int | np.integer) else tuple(bins)
    if len(pair) != 2 or not all(
        isinstance(b, int | np.integer) and not isinstance(b, bool) and 1 <= b <= 4096 for b in pair
    ):
        raise ValueError(f"bins must be an integer or (nx, ny), each 1 to 4096; got {bins!r}.")
    if int(n_codes) < 1:
        raise ValueError(f"n_codes must be at least 1; got {n_codes!r}.")
    return DensityGrid((x0, y0, x1, y1), (int(pair[0]), int(pair[1])), int(n_codes))


def count_points(xy: np.ndarray, grid: DensityGrid, codes: np.ndarray | None = None) -> np.ndarray:
    """Counts ``grid.shape`` int64 of positions ``(n, 2)`` (and their codes ``(n,)``) inside
    the grid's bounds; NaN positions and codes outside ``0..n_codes-1`` are not counted."""
    x0, y0, x1, y1 = grid.bounds
    nx, ny = grid.bins
    x = np.asarray(xy[:, 0], dtype=np.float64)
    y = np.asarray(xy[:, 1], dtype=np.float64)
    keep = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    if codes is not None:
        codes = np.asarray(codes)
        keep &= (codes >= 0) & (codes < grid.n_codes)
    x, y = x[keep], y[keep]
    ix = np.minimum(((x - x0) * (nx / (x1 - x0))).astype(np.int64), nx - 1)
    iy = np.minimum(((y - y0) * (ny / (y1 - y0))).astype(np.int64), ny - 1)
    cell = iy * nx + ix
    if codes is not None:
        cell += codes[keep].astype(np.int64) * (nx * ny)
    return np.bincount(cell, minlength=grid.n_codes * nx * ny).reshape(grid.shape)


def density(positions: Any, bounds: Any, bins: Any = 512, codes: Any = None, n_codes: int = 0):
    """Counts of all positions in a view: ``(n_codes, ny, nx)`` int64 (``(1, ny, nx)`` when
    not coloured); they sum to the number of points inside the closed ``bounds``.

    Parameters
    ----------
    positions : (N, 2) NumPy or Dask array
    bounds : (x0, y0, x1, y1)
    bins : int or (nx, ny)
    codes : (N,) int array (NumPy or Dask, chunked like ``positions``), optional
        Each point's colour code: one grid per code.
    n_codes : int
        Codes ``0..n_codes-1`` (default: ``codes.max() + 1`` for NumPy codes).

    Returns
    -------
    NumPy counts for NumPy positions; a lazy Dask array for Dask positions (compute it with
    ``_dask_compute.compute`` for cluster errors and timeouts).
    """
    if codes is not None and not n_codes:
        if not isinstance(codes, np.ndarray):
            raise ValueError("n_codes must be given with Dask codes (the number of colours).")
        n_codes = int(codes.max()) + 1 if len(codes) else 1
    grid = density_grid(bounds, bins, max(int(n_codes), 1))
    if isinstance(positions, np.ndarray):
        total = np.zeros(grid.shape, dtype=np.int64)
        for start in range(0, len(positions), _CHUNK_ROWS):
            part = None if codes is None else codes[start : start + _CHUNK_ROWS]
            total += count_points(positions[start : start + _CHUNK_ROWS], grid, part)
        return total
    return _dask_density(positions, grid, codes)


def _block_counts(xy: np.ndarray, *rest: Any) -> np.ndarray:
    if len(rest) == 2:
        codes, grid = rest
        codes = codes.ravel()
    else:
        codes, (grid,) = None, rest
    # uint32 per block (a block has fewer than 2**32 rows): half the bytes to send and add.
    return count_points(xy, grid, codes).astype(np.uint32)[None]


def _dask_density(positions: Any, grid: DensityGrid, codes: Any) -> Any:
    import dask.array as da

    blocks = positions.numblocks[0]
    chunks = ((1,) * blocks, (grid.n_codes,), (grid.bins[1],), (grid.bins[0],))
    if codes is None:
        parts = da.map_blocks(
            _block_counts, positions, grid, dtype=np.uint32, chunks=chunks, new_axis=[2, 3]
        )
    else:
        codes = da.asarray(codes).rechunk((positions.chunks[0],))
        parts = da.map_blocks(
            _block_counts,
            positions,
            codes[:, None],
            grid,
            dtype=np.uint32,
            chunks=chunks,
            new_axis=[2, 3],
        )
    return parts.sum(axis=0, dtype=np.int64)
