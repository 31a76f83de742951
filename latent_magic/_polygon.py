"""Point-in-polygon on map positions (the even-odd rule of the page's lasso, js/lasso.js):
NumPy positions give the selected point numbers at once; Dask positions give their row
numbers lazily, block by block, with the count computed at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

_CHUNK_ROWS = 1 << 20  # points tested at once: a few MB of temporaries whatever N is


def as_polygon(vertices: Any) -> np.ndarray:
    """The polygon's vertices as ``(m, 2)`` float64, checked: at least 3 finite ``(x, y)``.

    Raises
    ------
    ValueError
        Not a list of ``(x, y)`` pairs, fewer than 3 vertices, or a non-finite number.
    """
    try:
        polygon = np.asarray(vertices, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "a polygon must be a list of (x, y) map positions; got "
            f"{type(vertices).__name__} that is not a list of number pairs."
        ) from None
    if polygon.ndim != 2 or polygon.shape[1] != 2:
        raise ValueError(
            f"a polygon must be a list of (x, y) map positions, shape (m, 2); got shape "
            f"{polygon.shape}."
        )
    if len(polygon) < 3:
        raise ValueError(f"a polygon needs at least 3 vertices; got {len(polygon)}.")
    if not np.isfinite(polygon).all():
        bad = np.flatnonzero(~np.isfinite(polygon).all(axis=1))
        raise ValueError(
            f"a polygon's vertices must be finite numbers; vertices {bad[:5].tolist()} are not."
        )
    return polygon


def inside_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: which positions ``(n, 2)`` are inside ``polygon`` ``(m, 2)``.

    The even-odd rule exactly as the page's lasso computes it (``pointInPolygon`` in
    js/lasso.js, float64 arithmetic in the same order), so a point on an edge falls on the
    same side in Python and in the page. NaN positions are outside.
    """
    xy = np.asarray(xy)
    inside = np.zeros(len(xy), dtype=bool)
    (x0, y0), (x1, y1) = polygon.min(axis=0), polygon.max(axis=0)
    for start in range(0, len(xy), _CHUNK_ROWS):
        part = xy[start : start + _CHUNK_ROWS]
        px = part[:, 0].astype(np.float64)
        py = part[:, 1].astype(np.float64)
        # Only points in the bounding box are tested (the page does the same).
        box = np.flatnonzero((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))
        px, py = px[box], py[box]
        parity = np.zeros(len(box), dtype=bool)
        m = len(polygon)
        for k in range(m):
            xa, ya = polygon[k]
            xb, yb = polygon[k - 1]  # the page pairs vertex k with vertex k - 1 (j = m - 1 first)
            if ya == yb:
                continue  # a horizontal edge is never crossed: (ya > py) == (yb > py)
            crosses = ((ya > py) != (yb > py)) & (px < (xb - xa) * (py - ya) / (yb - ya) + xa)
            parity ^= crosses
        inside[start + box[parity]] = True
    return inside


def points_in_polygon(xy: np.ndarray, polygon: Any) -> np.ndarray:
    """Sorted ``(k,)`` int64 indices of the positions ``(n, 2)`` inside ``polygon``."""
    return np.flatnonzero(inside_polygon(xy, as_polygon(polygon)))


@dataclass(frozen=True)
class PolygonSelection:
    """The rows of a Dask table inside a polygon.

    ``indices`` is a lazy 1-D int64 Dask array of row numbers, ascending (``.compute()`` it,
    or write it out); ``count`` was computed at once.
    """

    indices: Any  # dask.array.Array (k,) int64
    count: int
    # The row blocks of the positions it was found in: block i of ``indices`` names rows of
    # block i only (so the latents of those rows are read block against block).
    row_chunks: tuple[int, ...] = ()


def _rows_inside(xy: np.ndarray, polygon: np.ndarray, block_info: Any = None) -> np.ndarray:
    first_row = block_info[0]["array-location"][0][0]
    return np.flatnonzero(inside_polygon(xy, polygon)) + first_row


def dask_rows_in_polygon(positions: Any, polygon: Any, compute: Any) -> PolygonSelection:
    """The row numbers of Dask positions ``(n, 2)`` inside ``polygon``, block by block.

    The selection is kept (persisted) where the positions live, so its count and the later
    ``.compute()`` do not test the points twice. ``compute`` is the caller's way of running a
    Dask computation (timeouts, cluster errors); it is given the lazy count.
    """
    import dask.array as da

    polygon = as_polygon(polygon)
    positions = positions.rechunk({1: 2})
    found = da.map_blocks(
        _rows_inside,
        positions,
        polygon,
        drop_axis=1,
        dtype=np.int64,
        chunks=((np.nan,) * positions.numblocks[0],),
    )
    return with_known_sizes(found, tuple(positions.chunks[0]), compute)


def with_known_sizes(found: Any, row_chunks: tuple[int, ...], compute: Any) -> PolygonSelection:
    """Lazy row numbers (blocks of unknown size) persisted, their sizes counted, as a
    :class:`PolygonSelection`: later indexing by them needs no extra pass."""
    import dask.array as da

    found = found.persist()
    sizes = compute(
        da.map_blocks(_length, found, dtype=np.int64, chunks=((1,) * found.numblocks[0],))
    )
    known = da.Array(found.dask, found.name, (tuple(int(s) for s in sizes),), dtype=np.int64)
    return PolygonSelection(known, int(np.sum(sizes)), row_chunks)


def _length(block: np.ndarray) -> np.ndarray:
    return np.array([len(block)], dtype=np.int64)
