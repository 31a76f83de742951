"""A table too big for the page, on the map: the page draws a stable sample of at most
``max_points`` rows (an ordinary :class:`LatentSpace` over their latents, laid out along the
whole table's principal axes, so hovering, pins and directions work as on any map) over the
density of all N rows, counted on the cluster for the settled view; a lasso selects among all
N rows, kept lazily where the table lives.

Used when the data are a Dask array or DataFrame, a zarr array or npy stack on disk, or an
in-memory array of more rows than the page should hold (``max_points``, default 1,000,000: the
size at which docs/benchmarks.md measures display, pan and lasso well inside their targets;
beyond it the page's memory, the first message and every full redraw grow with N).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._adapters import adapt
from ._big_map import BigTable
from ._colors import LabelColors, label_colors
from ._dask_compute import compute
from ._dask_table import is_dask_table
from ._data import CheckedData, check_labels
from ._options import ExploreOptions
from ._polygon import PolygonSelection, as_polygon, points_in_polygon, with_known_sizes
from ._projection import LinearProjection, Projection
from ._sample import ViewSample
from ._space import LatentSpace, choose_renderer

#: Bins across the wider side of a view's density (the page paints one pixel or more a bin).
DENSITY_BINS = 512
#: A bin no colour dominates (the page paints it in the theme's ink).
NO_CODE = 0xFFFF
#: Rows per chunk when an in-memory array is split for the blockwise passes.
_IN_MEMORY_CHUNK_ROWS = 1 << 20


def is_big_data(data: Any, max_points: int) -> bool:
    """Whether ``data`` goes the big-table way: a Dask collection, a path to a table on disk,
    or an in-memory array of more than ``max_points`` rows."""
    if is_dask_table(data):
        return True
    if isinstance(data, str | os.PathLike):
        return Path(data).exists()
    return isinstance(data, np.ndarray) and data.ndim >= 2 and len(data) > max_points


@dataclass
class BigSelection:
    """Rows of the whole table a lasso (or ``select_polygon``) chose: ``indices`` lazy row
    numbers (a Dask array), ``count`` computed, ``polygons`` the shapes drawn."""

    found: PolygonSelection
    polygons: list[np.ndarray]

    @property
    def count(self) -> int:
        return self.found.count


class BigView:
    """The big table behind a map: its sample on the page, densities, selections.

    Build it with :func:`build_big_space`. ``sample_colors`` colours the sampled points with
    the codes the density uses, so the two agree.
    """

    def __init__(
        self,
        table: BigTable,
        sample: ViewSample,
        colors: LabelColors | None,
        max_points: int,
    ) -> None:
        self.table = table
        self.sample = sample
        self.max_points = max_points
        self.colors = colors
        self.selection: BigSelection | None = None
        self.groups: dict[str, BigSelection] = {}  # groups A and B chosen by a lasso
        self._seq = 0

    # ------------------------------------------------------------------ facts
    @property
    def n_shown(self) -> int:
        return len(self.sample.rows)

    @property
    def n_rows(self) -> int:
        """Rows on the map (finite), all of which the density counts."""
        return self.table.n_rows

    def follow(self, projection: Projection) -> None:
        """Lay every row out along the map's new axes (lazily; the extent is counted again)."""
        if not isinstance(projection, LinearProjection):
            raise ValueError(
                f"a big table is mapped along linear axes (principal axes or directions); got "
                f"{type(projection).__name__}."
            )
        self.table.set_projection(projection)

    def initial_view(self) -> list[float]:
        """``[x0, x1, y0, y1]``: every row with a margin (as the page first shows the map)."""
        x0, y0, x1, y1 = self.table.extent
        mx, my = 0.05 * ((x1 - x0) or 1.0), 0.05 * ((y1 - y0) or 1.0)
        return [x0 - mx, x1 + mx, y0 - my, y1 + my]

    def status_words(self) -> str:
        """What the page shows of the table, and what works on the sample only (said, never
        silently limited): picking a point, its label and picture, search and arithmetic."""
        n = self.n_rows
        return (
            f"showing {self.n_shown:,} of {n:,} points · density of all {n:,} · lasso over all "
            "rows; clicks, search and arithmetic over the points shown"
        )

    def sample_colors(self) -> LabelColors | None:
        if self.colors is None:
            return None
        codes = self.colors.codes[self.sample.rows]
        return LabelColors(codes, self.colors.palette, self.colors.legend)

    # ------------------------------------------------------------------ density
    def density_state(self, view: list[float] | tuple[float, ...]) -> dict[str, Any]:
        """The density traits for a view ``[x0, x1, y0, y1]``: all rows counted in bins about
        square on screen, rows of the grid from the top (as the page paints them), each bin's
        most frequent colour code when the map is coloured."""
        x0, x1, y0, y1 = (float(v) for v in view)
        aspect = (y1 - y0) / (x1 - x0)
        if aspect <= 1:
            nx, ny = DENSITY_BINS, max(1, round(DENSITY_BINS * aspect))
        else:
            nx, ny = max(1, round(DENSITY_BINS / aspect)), DENSITY_BINS
        colors = self.colors if self._coloured() else None
        n_codes = len(colors.palette) if colors is not None else 0
        codes = colors.codes if colors is not None else None
        counts = self.table.density((x0, y0, x1, y1), (nx, ny), codes=codes, n_codes=n_codes)
        total = counts.sum(axis=0)
        if n_codes:
            dominant = counts.argmax(axis=0).astype(np.uint16)
            dominant[total == 0] = NO_CODE
            codes = dominant[::-1].astype("<u2")
        else:
            codes = np.zeros(0, dtype="<u2")
        self._seq += 1
        meta = {
            "id": self._seq,
            "bounds": [x0, x1, y0, y1],
            "rows": int(ny),
            "cols": int(nx),
            "in_view": int(total.sum()),
            "total": self.n_rows,
            "shown": self.n_shown,
        }
        return {
            "_density": np.ascontiguousarray(total[::-1]).astype("<u4").ravel(),
            "_density_codes": np.ascontiguousarray(codes).ravel(),
            "_density_meta": meta,
        }

    def _coloured(self) -> bool:
        c = self.colors
        return c is not None and len(c.palette) > 0 and len(c.codes) == self.table.n_total

    # ------------------------------------------------------------------ selection
    def select_polygon(self, vertices: Any, add: bool) -> BigSelection:
        """Rows of the whole table inside the polygon (added to the current selection when
        ``add``); the count is computed now, the rows stay lazy."""
        polygon = as_polygon(vertices)
        found = self.table.select_polygon(polygon)
        if add and self.selection is not None:
            found = _union(self.selection.found, found, self.table.timeout)
            polygons = [*self.selection.polygons, polygon]
        else:
            polygons = [polygon]
        self.selection = BigSelection(found, polygons)
        return self.selection

    def sample_points_in(self, points: np.ndarray) -> np.ndarray:
        """The sampled points inside the current selection's polygons (what the page rings)."""
        if self.selection is None:
            return np.zeros(0, dtype=np.uint32)
        inside = [points_in_polygon(points, p) for p in self.selection.polygons]
        return np.unique(np.concatenate(inside)).astype(np.uint32)


def _union(a: PolygonSelection, b: PolygonSelection, timeout: float) -> PolygonSelection:
    """Rows in either selection, block against block (both were found in the same blocks of
    positions, so block i of each names rows of block i only)."""
    import dask.array as da

    blocks = (np.nan,) * a.indices.numblocks[0]
    merged = da.map_blocks(np.union1d, a.indices, b.indices, dtype=np.int64, chunks=(blocks,))
    return with_known_sizes(merged, a.row_chunks, lambda work: compute(work, timeout))


def build_big_space(
    model: Any, data: Any, options: ExploreOptions, max_points: int
) -> tuple[LatentSpace, BigView]:
    """The map of a big table: a :class:`LatentSpace` over its sample (the page's points)
    along the whole table's principal axes, and the :class:`BigView` behind it."""
    import dask.array as da

    if options.projection != "pca" and options.axes is None:
        raise ValueError(
            f"projection={options.projection!r} needs every point in the kernel's memory; a table "
            f"of more than max_points={max_points:,} rows is mapped along linear axes: the "
            "principal axes (projection='pca', the default) or directions (axes=)."
        )
    latent_model = adapt(
        model,
        image_shape=options.image_shape,
        preview=options.preview,
        latent_dim=options.latent_dim,
    )
    source = data
    if isinstance(data, np.ndarray):
        source = da.from_array(data, chunks=(_IN_MEMORY_CHUNK_ROWS, *data.shape[1:]))
    table = BigTable(source, model=latent_model if latent_model.can_encode else None)
    x0, y0, x1, y1 = table.extent
    sample = table.sample((x0, y0, x1, y1), max_points)
    latents = np.asarray(compute(table.vectors(sample.rows), table.timeout), dtype=np.float32)
    labels = _per_row(options.labels, "labels", data, table.n_total)
    colors_by = _per_row(options.color, "color", data, table.n_total)
    title = _title(options.color if colors_by is not None else options.labels, "label")
    colors = label_colors(colors_by if colors_by is not None else labels, table.n_total, title)
    checked = CheckedData(None, None, sample.rows, table.n_total, table.feature_names)
    renderer = choose_renderer(latent_model, checked, options.image_shape, options.preview, latents)
    space = LatentSpace(
        latent_model,
        latents,
        rows=sample.rows,
        n_total=table.n_total,
        labels=None if labels is None else labels[sample.rows],
        renderer=renderer,
    )
    space.label_title = _title(options.labels, "label")
    # The whole table's axes and centre, not the sample's: the map is the table's map.
    space.principal = table.principal
    space.set_projection(table.projection)
    space.anchor = table.anchor
    coloured = len(colors.codes) == table.n_total and len(colors.palette) > 0
    return space, BigView(table, sample, colors if coloured else None, max_points)


def _per_row(values: Any, what: str, data: Any, n: int) -> np.ndarray | None:
    """``labels=`` or ``color=`` for all n rows, in memory (a column's name picks a column of
    a DataFrame ``data``; Dask values are computed: one value a row, not N × d)."""
    if values is None:
        return None
    if isinstance(values, str):
        columns = list(getattr(data, "columns", []))
        if values not in columns:
            raise ValueError(
                f"{what}={values!r} names no column of the data (columns: "
                f"{', '.join(map(repr, columns[:20])) or 'none'})."
            )
        values = data[values]
    if is_dask_table(values):
        values = compute(values)
    found = len(values) if hasattr(values, "__len__") else None
    if found != n:
        raise ValueError(
            f"{what} must have one value per row of data ({n:,} rows); got "
            f"{found if found is not None else type(values).__name__}."
        )
    return check_labels(values, what)


def _title(values: Any, default: str) -> str:
    if isinstance(values, str):
        return values
    if type(values).__name__ != "Series":  # a Dask array's name is its graph key, not a title
        return default
    return str(getattr(values, "name", None) or default)
