"""``BigTable``: a map of a table too large for the kernel, computed where the table lives.

The kernel holds only what does not grow with N: the principal axes (from one blockwise
pass), the counts, and the lazy (or cluster-persisted) positions. Everything the page and the
Python API ask of the whole table is one call here: the density of a view, a stable sample of
it, the rows inside a polygon, their latents, and directions between groups of rows.
Every computation goes through ``_dask_compute.compute``: a lost worker or a timeout raises
:class:`~latent_magic._dask_compute.ClusterError` and changes nothing here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ._ann import AnnIndex, build_ann_index
from ._dask_axes import (
    axes_from_moments,
    moments_from_sums,
    moments_graph,
    positions_graph,
    reference_row,
)
from ._dask_compute import DEFAULT_TIMEOUT_S, ClusterError, compute, current_client
from ._dask_table import DaskLatents, dask_latents
from ._density import density
from ._direction import Direction
from ._direction_quality import QUALITY_MEASURES
from ._polygon import PolygonSelection, dask_rows_in_polygon
from ._projection import LinearProjection, pca_projection
from ._sample import DEFAULT_MAX_POINTS, ViewSample, view_sample

__all__ = ["BigTable", "ClusterError", "PolygonSelection", "ViewSample"]

# Positions are kept in memory (the cluster's, or the kernel's on the local scheduler) when
# they take at most this share of the cluster's memory / these bytes in the kernel.
_CLUSTER_SHARE = 0.25
_LOCAL_BYTES = 256 << 20


class BigTable:
    """The map of a Dask table of latents ``(N, d)``: principal-axes positions, density,
    samples and selections over all N rows.

    Parameters
    ----------
    source : Dask array, Dask DataFrame, or path to a zarr array / npy stack
        See :func:`latent_magic._dask_table.dask_latents`.
    model : object with ``encode``, optional
        Applied to ``source`` block by block.
    compute_chunks : bool
        Compute unknown chunk sizes (one pass) instead of refusing them.
    timeout : float
        Seconds a request on a cluster (density, sample, selection, directions) may take
        before it is cancelled with a ``ClusterError``; building the map has no limit.

    Attributes
    ----------
    latents : Dask array (N, d)
    n_total : int
        Rows of the table; ``n_rows`` of them are finite, ``n_dropped`` have NaN or inf and
        are left out of the map (a warning says how many, as for in-memory data).
    principal : PrincipalAxes
        Of the finite rows; equal (up to float rounding) to ``_projection.principal_axes`` of
        the same rows in memory.
    projection : LinearProjection
    positions : Dask array (N, 2) float32
        NaN for left-out rows; persisted when there is room (``positions_persisted``).
    anchor : (d,) float64
        The mean of the finite rows (the lift's anchor, as in memory).
    """

    def __init__(
        self,
        source: Any,
        *,
        model: Any = None,
        compute_chunks: bool = True,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.timeout = timeout
        table = source if isinstance(source, DaskLatents) else None
        table = table or dask_latents(source, model=model, compute_chunks=compute_chunks)
        self.table = table
        self.latents = table.latents
        shift = reference_row(self.latents)
        # The building passes read the whole table: no time limit (a cell can be interrupted).
        moments = moments_from_sums(compute(moments_graph(self.latents, shift), None), shift)
        if moments.count == 0:
            raise ValueError(
                f"every row of {table.source} has NaN or inf values ({table.n_total:,} rows); "
                "nothing to map."
            )
        self.n_total = table.n_total
        self.n_rows = moments.count
        if self.n_dropped:
            warnings.warn(
                f"{self.n_dropped:,} of {self.n_total:,} rows of data have NaN or inf values "
                "and are left out of the map.",
                stacklevel=2,
            )
        self.principal = axes_from_moments(moments)
        self.anchor = moments.mean
        self.positions_persisted = False
        self._extent: tuple[float, float, float, float] | None = None
        self._codes: tuple[np.ndarray, Any] | None = None  # NumPy codes and their Dask copy
        self._indexes: dict[str, AnnIndex] = {}
        self.set_projection(pca_projection(np.empty((0, self.dim)), self.principal))

    # ------------------------------------------------------------------ facts
    @property
    def dim(self) -> int:
        return self.table.dim

    @property
    def n_dropped(self) -> int:
        return self.n_total - self.n_rows

    @property
    def feature_names(self) -> list[str] | None:
        return self.table.feature_names

    def __repr__(self) -> str:
        return (
            f"BigTable({self.n_rows:,} of {self.n_total:,} rows × {self.dim}, "
            f"{self.latents.numblocks[0]} blocks, from {self.table.source})"
        )

    # ------------------------------------------------------------------ the map
    def set_projection(self, projection: LinearProjection) -> None:
        """Lay the table out along ``projection`` (positions recomputed, lazily)."""
        self.projection = projection
        self.positions = self._keep(positions_graph(self.latents, projection))
        self._extent = None

    def _keep(self, positions: Any) -> Any:
        """The positions persisted when they fit (the cluster's memory, or a small share of
        the kernel's on the local scheduler), else lazy: recomputed from the latents."""
        size = 8 * self.n_total
        client = current_client()
        if client is None:
            room = size <= _LOCAL_BYTES
        else:
            workers = client.scheduler_info().get("workers", {}).values()
            memory = sum(w.get("memory_limit") or 0 for w in workers)
            room = memory > 0 and size <= _CLUSTER_SHARE * memory
        self.positions_persisted = room
        return positions.persist() if room else positions

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of all finite positions (computed once per projection; the
        first call waits for the positions themselves, so it has no time limit)."""
        if self._extent is None:
            import dask.array as da

            p = self.positions
            low, high = compute(da.stack([da.nanmin(p, axis=0), da.nanmax(p, axis=0)]), None)
            self._extent = (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
        return self._extent

    # ------------------------------------------------------------------ views
    def density(self, bounds: Any, bins: Any = 512, codes: Any = None, n_codes: int = 0):
        """Counts ``(n_codes, ny, nx)`` int64 of all N points inside ``bounds`` (one grid per
        colour code when ``codes`` ``(N,)`` is given: a Dask array chunked like the table, or a
        NumPy array, sent to the workers once and kept there while it is the same array);
        see ``_density.density``."""
        if isinstance(codes, np.ndarray):
            codes = self._codes_on_cluster(codes)
        return self._compute(density(self.positions, bounds, bins, codes, n_codes))

    def _codes_on_cluster(self, codes: np.ndarray) -> Any:
        import dask.array as da

        if codes.shape != (self.n_total,):
            raise ValueError(f"codes must have shape ({self.n_total},); got {codes.shape}.")
        if self._codes is None or self._codes[0] is not codes:
            # Embedded in every density's graph, N codes would travel at each settle.
            kept = da.from_array(codes, chunks=(self.positions.chunks[0],)).persist()
            self._codes = (codes, kept)
        return self._codes[1]

    def sample(self, bounds: Any, max_points: int = DEFAULT_MAX_POINTS) -> ViewSample:
        """At most ``max_points`` rows inside ``bounds``, stable across zoom levels."""
        return view_sample(self.positions, bounds, max_points, compute=self._compute)

    # ------------------------------------------------------------------ selection
    def select_polygon(self, vertices: Any) -> PolygonSelection:
        """The rows inside a polygon of map positions ``(m, 2)``, ``m ≥ 3`` (even-odd, as the
        page's lasso): ``.indices`` lazy row numbers, ``.count`` computed now."""
        return dask_rows_in_polygon(self.positions, vertices, self._compute)

    def vectors(self, indices: Any) -> Any:
        """Lazy latents ``(k, d)`` of rows ``indices`` (row numbers: a NumPy or Dask array,
        or a :class:`PolygonSelection`)."""
        import dask.array as da

        if isinstance(indices, PolygonSelection) and indices.row_chunks == self.latents.chunks[0]:
            return _take_by_block(self.latents, indices.indices)
        rows = self._rows(indices, "indices")
        if isinstance(rows, np.ndarray):
            return self.latents[rows]
        return self.latents[da.asarray(rows)]

    def neighbor_index(self, metric: str = "euclidean") -> AnnIndex:
        """A faiss index of all finite rows (built block by block on first use, then kept):
        exact for small tables, IVF past ``_ann.EXACT_BELOW`` rows; ``search`` answers row
        numbers of the table."""
        if metric not in self._indexes:
            # Reading the whole table: no time limit, as for building the map.
            self._indexes[metric] = build_ann_index(
                self.latents, metric, compute=lambda c: compute(c, None)
            )
        return self._indexes[metric]

    def group_direction(self, rows_a: Any, rows_b: Any, name: str = "A − B") -> Direction:
        """The direction from group B's mean latent to group A's, over all their rows (one
        pass), with Cohen's d as ``_directions.direction`` computes it in memory."""
        import dask.array as da

        va, vb = (
            self.vectors(self._rows(rows_a, "rows_a")),
            self.vectors(self._rows(rows_b, "rows_b")),
        )
        shift = self.anchor
        sums = self._compute(da.stack([moments_graph(va, shift), moments_graph(vb, shift)]))
        a, b = moments_from_sums(sums[0], shift), moments_from_sums(sums[1], shift)
        for side, group in (("A", a), ("B", b)):
            if group.count == 0:
                raise ValueError(f"group {side} has no rows on the map.")
        vector = a.mean - b.mean
        if not np.any(vector):
            raise ValueError(
                f"the two groups of {name!r} have the same mean latent: there is no direction "
                "between them."
            )
        unit = vector / np.linalg.norm(vector)
        quality = _cohens_d(a, b, unit)
        details = {
            "n_positive": a.count,
            "n_negative": b.count,
            "labels": {"positive": ["A"], "negative": ["B"]},
            "quality_measure": QUALITY_MEASURES["mean_difference"],
        }
        return Direction(name, vector, quality, "mean_difference", details)

    def _rows(self, indices: Any, what: str) -> Any:
        if isinstance(indices, PolygonSelection):
            return indices.indices
        if hasattr(indices, "__dask_graph__"):
            if indices.ndim != 1 or indices.dtype.kind not in "iu":
                raise ValueError(
                    f"{what} must be 1-D integer row numbers; got a Dask array of "
                    f"{indices.dtype} with shape {indices.shape}."
                )
            return indices
        rows = np.asarray(indices)
        if rows.ndim != 1 or (rows.size and rows.dtype.kind not in "iu"):
            raise ValueError(
                f"{what} must be 1-D integer row numbers; got {rows.dtype} values of shape "
                f"{rows.shape}."
            )
        rows = rows.astype(np.int64)
        bad = rows[(rows < 0) | (rows >= self.n_total)]
        if bad.size:
            raise ValueError(
                f"{what} holds rows {bad[:5].tolist()} outside the table (0..{self.n_total - 1})."
            )
        return rows

    def _compute(self, collection: Any) -> Any:
        return compute(collection, self.timeout)


def _take_block(block: np.ndarray, rows: np.ndarray, start: np.ndarray) -> np.ndarray:
    return block[rows - start[0]]


def _take_by_block(latents: Any, rows: Any) -> Any:
    """``latents[rows]`` one block against its own block: N/B tasks, not the B² of Dask's
    general indexing by a Dask array."""
    import dask.array as da

    starts = np.cumsum((0, *latents.chunks[0][:-1]))
    return da.blockwise(
        _take_block,
        "ij",
        latents,
        "ij",
        rows,
        "i",
        da.from_array(starts, chunks=1),
        "i",
        dtype=latents.dtype,
        align_arrays=False,
        adjust_chunks={"i": rows.chunks[0]},
    )


def _cohens_d(a: Any, b: Any, unit: np.ndarray) -> float:
    """Cohen's d of the groups' projections on ``unit`` from their moments (pooled SD)."""
    dof = a.count + b.count - 2
    if dof <= 0:
        return math.nan
    pooled = float(unit @ a.scatter @ unit + unit @ b.scatter @ unit) / dof
    gap = float((a.mean - b.mean) @ unit)
    if pooled <= 0:
        return math.inf if gap > 0 else (-math.inf if gap < 0 else math.nan)
    return gap / math.sqrt(pooled)
