"""``LatentExplorer``: the anywidget that shows a :class:`LatentSpace`. It holds the state the
page draws (traits) and the Python API; the page's requests are read by ``_messages``."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from ._arithmetic import ArithmeticResult, arithmetic, example_expression
from ._atlas import Atlas, check_bounds, decode_grid
from ._big_view import BigView, build_big_space, is_big_data
from ._binary_traits import BinaryArray
from ._client_decoder import client_decoder, find_client_layers, page_can_render, point_latents
from ._closed_form import closed_form_directions
from ._colors import label_colors
from ._data import finite_number, two_values
from ._density import density as count_density
from ._direction import Direction
from ._direction_grid import DirectionGrid, direction_grid
from ._directions import direction, directions_of_axes
from ._interpolate import Interpolation, interpolate_in
from ._latest_wins import LatestWins
from ._local_directions import local_directions as region_directions
from ._map_labels import are_texts, label_buffer, names_items, placement_order
from ._messages import PageRequests
from ._nonlinear import make_projection
from ._onnx_decoder import OnnxDecoder
from ._onnx_decoder import export as onnx_export
from ._onnx_decoder import page_state as onnx_page_state
from ._onnx_decoder import plan as onnx_plan
from ._options import ExploreOptions
from ._polygon import points_in_polygon
from ._search import LabelSearch, SearchResult, search
from ._snapshot import picture_file, png_bytes, widget_scene
from ._space import LatentSpace, Walk, build_space
from ._standalone import save_html
from ._thumbnails import thumbnail_spec

_STATIC = Path(__file__).parent / "static"
_log = logging.getLogger("latent_magic")


def _bundle(name: str) -> Path:
    path = _STATIC / name
    if not path.exists():
        raise ImportError(
            f"latent_magic's front end is not built ({path} is missing): run `npm install && "
            "npm run build` in the source tree, or reinstall the package."
        )
    return path


def _span(span: Any) -> tuple[float, float]:
    """A walk's ``(t0, t1)``: two finite numbers."""
    pair = two_values(span)
    if pair is None or not all(map(finite_number, pair)):
        raise ValueError(f"span must be two finite numbers (t0, t1); got {span!r}.")
    return float(pair[0]), float(pair[1])


# The synced traits the page writes too: what is selected, whether the map writes its labels
# and draws its pictures, and the range it shows (the default region of w.atlas()).
PAGE_WRITES = frozenset({"_selection", "show_labels", "show_thumbnails", "_view"})


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    """Runs ``method`` holding the widget's lock: JupyterLab 4 sends the page's requests to a
    kernel subshell, whose thread may act on the widget while a cell does."""

    @functools.wraps(method)
    def run(self: LatentExplorer, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return run


@functools.cache
def _kernel_owned() -> frozenset[str]:
    """The synced traits of LatentExplorer that only the kernel writes."""
    own = LatentExplorer.class_traits(sync=True)
    base = anywidget.AnyWidget.class_traits(sync=True)
    return frozenset(name for name in own if name not in base and name not in PAGE_WRITES)


def direction_cosines(directions: Mapping[str, Direction]) -> dict[str, Any]:
    """The cosine between every two directions (the page says how entangled those in use are);
    at most the first 64 directions."""
    names = list(directions)[:64]
    if not names:
        return {"names": [], "matrix": []}
    units = np.stack([directions[n].unit for n in names])
    matrix = np.clip(units @ units.T, -1.0, 1.0).round(4)
    return {"names": names, "matrix": matrix.tolist()}


def _closed_form_axes(space: LatentSpace) -> dict[str, Direction]:
    """SeFa's directions of a torch generator (its first layer's weights; no data needed),
    offered beside the principal axes; none for any other model."""
    if not space.model.prior or space.model.can_encode:
        return {}
    try:
        found = closed_form_directions(space.model, k=min(space.dim, 10))
    except (TypeError, ValueError):  # not a torch generator, or a first layer SeFa cannot read
        return {}
    return {d.name: d for d in found}


def _principal_axes(space: LatentSpace) -> dict[str, Direction]:
    try:
        found = directions_of_axes(space.principal, k=min(space.dim, 10))
    except ValueError:  # every point is the same: there is no axis to offer
        return {}
    return {d.name: d for d in found}


class LatentExplorer(anywidget.AnyWidget):
    """A map of a model's latent space with a live decoded preview of any spot.

    Build it with :func:`latent_magic.explore` or ``%latent explore``. See
    ``docs/protocol.md`` for the state and messages shared with the browser.

    Parameters
    ----------
    model : object
        A fitted model :func:`latent_magic.adapt` understands, or a ``LatentModel``.
    data : array-like (n, f)
        The rows to encode and place on the map (a DataFrame keeps its column names).
    **options
        The keywords of :class:`ExploreOptions`: ``labels``, ``image_shape``, ``preview``,
        ``height``, ``n_samples``, ``seed``, ``latent_dim``, ``projection``, ``axes``, ``lift``.
    """

    _esm = _bundle("widget.js")
    _css = _bundle("widget.css")

    _points = BinaryArray("<f4", 2).tag(sync=True)
    _codes = BinaryArray(("<u1", "<u2")).tag(sync=True)
    _code_width = traitlets.Int(1).tag(sync=True)
    _palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _legend = traitlets.Dict().tag(sync=True)
    _selection = BinaryArray("<u4").tag(sync=True)
    # Groups A and B and the pins are the kernel's: the page asks, Python writes.
    _group_a = BinaryArray("<u4").tag(sync=True)
    _group_b = BinaryArray("<u4").tag(sync=True)
    _pins = BinaryArray("<f8", 2).tag(sync=True)
    _anchor_xy = traitlets.List(traitlets.Float()).tag(sync=True)
    _axis_titles = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _decoder = traitlets.Dict().tag(sync=True)
    _status = traitlets.Unicode("").tag(sync=True)
    _axis_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _axes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _projection = traitlets.Unicode("pca").tag(sync=True)
    _walk_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _marks = traitlets.List(traitlets.Dict()).tag(sync=True)
    _client_decoder = traitlets.Dict().tag(sync=True)
    _client_weights = BinaryArray("<f4").tag(sync=True)
    # The points' own latents (n × d, flat) for previews of data points decoded in the page.
    _point_latents = BinaryArray("<f4").tag(sync=True)
    # A conv decoder the page runs as ONNX (page, reason, lift: _onnx_decoder.page_state).
    _onnx_decoder = traitlets.Dict().tag(sync=True)
    # The labels written on the map: UTF-8, NUL between two; the order they are placed in.
    _label_text = BinaryArray("<u1").tag(sync=True)
    _label_order = BinaryArray("<u4").tag(sync=True)
    _view = traitlets.List(traitlets.Float()).tag(sync=True)
    _arithmetic_hint = traitlets.Unicode("").tag(sync=True)
    _thumbnails = traitlets.Dict().tag(sync=True)
    # The way between two joined pins, on the map: [[x, y], …] (empty: none).
    _path = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    # How entangled the directions are: {"names": [...], "matrix": cosines between them}.
    _direction_cosines = traitlets.Dict().tag(sync=True)
    # A table too big for the page (docs/protocol.md, "Density and sample"): the density of
    # all its rows in the settled view, counts row-major from the top row, each bin's most
    # frequent colour code (empty when uncoloured), and what they cover.
    _density = BinaryArray("<u4").tag(sync=True)
    _density_codes = BinaryArray("<u2").tag(sync=True)
    _density_meta = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    show_labels = traitlets.Bool(False, help="whether the map writes its points' labels").tag(
        sync=True
    )
    show_thumbnails = traitlets.Bool(
        True, help="whether the map draws each point's picture once zoomed in (image maps)"
    ).tag(sync=True)

    def __init__(self, model: Any, data: Any = None, **options: Any) -> None:
        # One at a time: a cell's calls and the page's requests (a subshell's thread).
        self._lock = threading.RLock()
        opts = ExploreOptions.of(options, "LatentExplorer")
        self._big: BigView | None = None
        if is_big_data(data, opts.max_points):
            space, self._big = build_big_space(model, data, opts, opts.max_points)
        else:
            space = build_space(model, data, opts)
        if opts.lift != "auto":
            space.lift_mode = opts.lift
        sampled = self._big.sample_colors() if self._big is not None else None
        if sampled is not None:  # the density's codes: the sample and the density agree
            colors = sampled
        elif space.colors is not None:
            colors = label_colors(space.colors, len(space.rows), title=space.color_title)
        else:
            colors = label_colors(space.labels, len(space.rows), title=space.label_title)
        self._space = space
        self._directions = {**_principal_axes(space), **_closed_form_axes(space)}
        axes_names = ["PC 1", "PC 2"] if "PC 2" in self._directions else []
        if opts.axes is not None:
            x_axis, y_axis = (self._direction(a) for a in opts.axes)
            space.set_projection(space.direction_axes(x_axis, y_axis))
            axes_names = [x_axis.name, y_axis.name]
            for axis in (x_axis, y_axis):  # axes given as directions are walks and choices too
                self._directions.setdefault(axis.name, axis)
        elif opts.projection != "pca":
            space.set_projection(make_projection(opts.projection, space.latents))
            axes_names = []
        if self._big is not None and opts.axes is not None:
            self._big.follow(space.projection)  # the whole table along the chosen axes
        self._mark_latents: list[tuple[str, np.ndarray]] = []
        # Probing the decoder costs decodes: only when the page could draw what it finds.
        can = page_can_render(space.renderer) and not space.shows_neighbors
        self._client_chain = find_client_layers(space.model, space.dim) if can else None
        # Not a dense chain: a torch decoder may still run in the page as ONNX, exported
        # once the page asks (after drawing the map); its cost is measured now.
        chain = self._client_chain is None and can
        self._onnx_plan = onnx_plan(space.model, space.dim, space.renderer) if chain else None
        self._onnx_failure = ""  # why the export failed, once it did
        projection = "directions" if opts.axes is not None else opts.projection
        self._label_texts: list[str] | None = None
        self._label_search: LabelSearch | None = None
        # Measured numbers (a BMI) name no point an expression could use.
        named = space.labels is not None and space.labels.dtype.kind != "f"
        hint = example_expression(self._labelled_latents()[0]) if named else ""
        # All state goes into the first comm message: the map draws once, with everything.
        super().__init__(
            _arithmetic_hint=hint,
            _thumbnails=thumbnail_spec(space),
            _codes=colors.codes,
            _code_width=colors.codes.dtype.itemsize,
            _palette=colors.palette,
            _legend=colors.legend,
            height=opts.height,
            _label_text=label_buffer(space.labels)
            if space.labels is not None and are_texts(space.labels)
            else [],
            show_labels=names_items(space.labels),
            _point_latents=point_latents(self._client_chain, space, self._onnx_plan is not None),
            **self._map_state(axes_names, projection),
            **self._direction_state(),
            **(self._big.density_state(self._big.initial_view()) if self._big else {}),
        )
        self._pinned = np.zeros((0, space.dim))
        self._path_latents = np.zeros((0, space.dim))
        self._select_callbacks: list[Callable[[np.ndarray], Any]] = []
        self._callback_error = ""
        self._update_status()
        self.observe(self._on_selection_change, names="_selection")
        self._requests = PageRequests(self)
        self.on_msg(self._requests.handle)
        if self._big is not None:
            # Each settled view's density is counted off the request thread, newest first.
            self._density_worker = LatestWins(
                self._big.density_state, self._density_done, self._density_failed
            )
            self.observe(self._on_view_settled, names="_view")

    @_locked
    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A state update from the page. Of this widget's own traits the page writes only
        ``PAGE_WRITES``; the rest have one writer, the kernel, and a page that writes them (a
        stale or foreign front end) is refused with a notice and changes nothing."""
        owned = _kernel_owned()
        refused = sorted(name for name in sync_data if name in owned)
        if refused:
            _log.warning("latent_magic: the page tried to write %s", ", ".join(refused))
            self._requests.refuse_writes(refused)
        allowed = {name: value for name, value in sync_data.items() if name not in owned}
        if allowed:
            try:
                super().set_state(allowed)
            except traitlets.TraitError as error:  # a value of the wrong kind changes nothing
                _log.warning("latent_magic: the page wrote a bad value: %s", error)
                self._requests.notice(str(error), "error")

    @traitlets.validate("_view")
    def _check_view(self, proposal: dict[str, Any]) -> list[float]:
        value = list(proposal["value"])
        if value and not (
            len(value) == 4
            and all(map(finite_number, value))
            and value[0] < value[1]
            and value[2] < value[3]
        ):
            raise traitlets.TraitError(
                f"_view must be [x0, x1, y0, y1], finite with x0 < x1 and y0 < y1; got {value}."
            )
        return value

    def _on_view_settled(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._density_worker.submit(list(change["new"]))

    def _density_done(self, _view: list[float], state: dict[str, Any]) -> None:
        with self._lock, self.hold_sync():
            for name, value in state.items():
                self.set_trait(name, value)

    def _density_failed(self, view: list[float], error: BaseException) -> None:
        _log.warning("latent_magic: the density of %s failed: %s", view, error)
        with self._lock:
            self._requests.notice(
                f"the density of this view could not be counted ({error}); the old one stays.",
                "error",
            )

    @property
    def view(self) -> tuple[float, float, float, float] | None:
        """``(x0, x1, y0, y1)``: the map range the page shows now (the last view to settle),
        or None before any page has shown the map."""
        if not self._view:
            return None
        x0, x1, y0, y1 = self._view
        return (x0, x1, y0, y1)

    # ------------------------------------------------------------------ data
    @property
    def model(self) -> Any:
        """The adapted model (a :class:`LatentModel`)."""
        return self._space.model

    @property
    def latents(self) -> np.ndarray:
        """``(n, d)`` float32: the encoded data (rows with NaN or inf left out; see ``rows``)."""
        return self._space.latents

    @property
    def points(self) -> np.ndarray:
        """``(n, 2)`` float32: the map position of each latent."""
        return self._space.points

    @property
    def rows(self) -> np.ndarray:
        """``(n,)`` int: the row of the user's data behind each point."""
        return self._space.rows

    @property
    def n_rows(self) -> int:
        """Rows of the user's data, including those left out of the map (NaN or inf)."""
        return self._space.n_total

    @property
    def labels(self) -> np.ndarray | None:
        """``(n,)`` the label of each point, or None."""
        return self._space.labels

    @property
    def legend(self) -> dict[str, Any]:
        """What the colours mean, as the widget's legend shows it: ``{"kind": "category",
        "title", "names"}``, ``{"kind": "continuous", "title", "min", "max"}`` or
        ``{"kind": "none"}``."""
        return dict(self._legend)

    @property
    def point_colors(self) -> np.ndarray:
        """``(n,)`` the ``"#rrggbb"`` colour each point is drawn in (the same as in the map:
        matplotlib takes these as ``c=``)."""
        palette = np.asarray(self._palette)
        codes = self._codes if len(self._codes) else np.zeros(len(self._space.rows), np.uint8)
        return palette[np.asarray(codes, dtype=np.intp)]

    @property
    def reconstruction_errors(self) -> np.ndarray | None:
        """``(n,)`` float64: each point's mean squared error between its data and what the
        model makes of it (encode, then decode), or None when the data are not what the model
        decodes to. ``explore(..., color="reconstruction error")`` colours the map by it."""
        return self._space.reconstruction_errors()

    @property
    def projection_exact(self) -> bool:
        """Whether lifting a map position back to latent space is exact."""
        return self._space.projection.exact

    @_locked
    def save_html(self, path: str | os.PathLike[str], title: str | None = None) -> Path:
        """Saves the map as one HTML file that opens offline in any browser, with no kernel.

        The file holds the map, its colours, labels and legend, and the front end itself
        (nothing is fetched). There, points can be selected (and the selection downloaded as
        CSV) and, where the decoder runs in the page (affine, dense MLP), hover previews and
        the atlas work; what needs Python (pins, walks, axes, arithmetic, search, pictures) is
        disabled with a note. ``%latent save w map.html`` is its twin.

        Parameters
        ----------
        path : str or os.PathLike
            A file name ending in ``.html`` or ``.htm``, in a folder that exists; an existing
            file is replaced once the new one is written.
        title : str, optional
            The page's title (default "latent map").

        Returns
        -------
        pathlib.Path
            The file written.
        """
        return save_html(self, path, title)

    # ------------------------------------------------------------------ selection
    @property
    def selected_indices(self) -> np.ndarray:
        """1-D int array: the selected rows of the data (settable; the map follows).

        On a map of a big table (``max_points``) a lasso selects among all its rows: then
        this is a lazy Dask array of their row numbers (``.compute()`` it, or write it out).
        """
        if self._big is not None and self._big.selection is not None:
            return self._big.selection.found.indices
        return self._space.rows[self._points_in(self._selection)]

    @selected_indices.setter
    @_locked
    def selected_indices(self, indices: Any) -> None:
        self._selection = self._points_of_rows(indices)

    @property
    def selected_vectors(self) -> np.ndarray:
        """``(k, d)`` float32: the latent vectors of the selected points (lazy, a Dask array,
        when a lasso selected among all rows of a big table)."""
        if self._big is not None and self._big.selection is not None:
            return self._big.table.vectors(self._big.selection.found)
        return self._space.latents[self._points_in(self._selection)]

    @_locked
    def select_polygon(self, vertices: Any, add: bool = False) -> int:
        """Select the points inside a polygon of map positions, as a lasso in the page does
        (even-odd rule, the same edges): ``vertices`` ``[(x, y), …]``, at least 3 finite.

        ``add=True`` adds them to the selection (a shift-lasso); otherwise they replace it.
        Returns the number of selected rows (``len(w.selected_indices)``).
        """
        if not isinstance(add, bool):
            raise TypeError(f"add must be True or False; got {add!r}.")
        if self._big is not None:
            return self._select_big_polygon(vertices, add)
        inside = points_in_polygon(self._space.points, vertices).astype(np.uint32)
        self._selection = np.union1d(self._selection, inside) if add else inside
        return len(self._selection)

    def on_select(self, callback: Callable[[np.ndarray], Any]) -> Callable[[], None]:
        """Call ``callback(selected_indices)`` after every selection change.

        Returns a function that removes the callback.
        """
        if not callable(callback):
            raise TypeError(f"on_select expects a function; got {type(callback).__name__}.")
        self._select_callbacks.append(callback)
        return lambda: self._select_callbacks.remove(callback)

    def _points_in(self, points: np.ndarray) -> np.ndarray:
        # A stale front end (points replaced meanwhile) may name points that no longer exist.
        return points[points < len(self._space.rows)].astype(np.intp)

    def _points_of_rows(self, indices: Any, what: str = "selected_indices") -> np.ndarray:
        wanted = np.asarray(indices)
        if wanted.size == 0:
            return np.zeros(0, np.uint32)
        if wanted.ndim != 1 or wanted.dtype.kind not in "iu":
            raise ValueError(
                f"{what} must be a 1-D array of integer row numbers; got "
                f"{wanted.dtype} values of shape {wanted.shape}."
            )
        rows = self._space.rows
        positions = np.clip(np.searchsorted(rows, wanted), 0, len(rows) - 1)
        missing = wanted[rows[positions] != wanted]
        if missing.size:
            last = self._space.n_total - 1
            raise ValueError(
                f"rows {missing[:10].tolist()} are not on the map (valid: 0..{last}, "
                "except rows left out for NaN or inf)."
            )
        return np.unique(positions).astype(np.uint32)

    def _select_big_polygon(self, vertices: Any, add: bool) -> int:
        """A lasso over all rows of a big table (on the cluster): the rows stay lazy, the page
        rings the sampled points inside."""
        assert self._big is not None
        chosen = self._big.select_polygon(vertices, add)
        inside = self._big.sample_points_in(self._space.points)
        self._selecting_big = True
        try:
            if np.array_equal(inside, self._selection):
                self._on_selection_change({})  # the rows changed, the sampled points did not
            else:
                self._selection = inside
        finally:
            self._selecting_big = False
        return chosen.count

    _selecting_big = False

    def _on_selection_change(self, _change: dict[str, Any]) -> None:
        if self._big is not None and not self._selecting_big:
            self._big.selection = None  # a click or Python chose sampled points: just those
        indices = self.selected_indices
        self._callback_error = ""
        for callback in list(self._select_callbacks):
            try:
                callback(indices)
            except Exception as error:  # shown in the widget: comm handlers hide tracebacks
                _log.exception("on_select callback %r failed", callback)
                self._callback_error = f"on_select callback failed: {type(error).__name__}: {error}"
        self._update_status()

    # ------------------------------------------------------------------ pins
    @property
    def pins(self) -> np.ndarray:
        """``(m, 2)`` float64: map positions of the pinned synthetic points."""
        return self._pins.copy()

    @property
    def pinned_vectors(self) -> np.ndarray:
        """``(m, d)`` float64: latent vectors of the pinned points, lifted when pinned."""
        return self._pinned.copy()

    @_locked
    def pin(self, x: float, y: float) -> np.ndarray:
        """Pin the spot ``(x, y)``: its lifted latent joins ``pinned_vectors`` and keeps that
        vector whatever happens to the anchor or the axes later. Returns the vector."""
        z = self._space.lift(x, y)
        self._pinned = np.vstack([self._pinned, z[None]])
        self._pins = np.vstack([self._pins, [[x, y]]])
        return z.copy()

    @_locked
    def clear_pins(self) -> None:
        """Remove every pin (and the way joining two of them)."""
        self._pinned = np.zeros((0, self._space.dim))
        self._pins = np.zeros((0, 2))
        self._path_latents = np.zeros((0, self._space.dim))
        self._path = []

    @_locked
    def _add_pins(self, latents: np.ndarray) -> None:
        """Pin latents exactly (no lift): their vectors are what they are."""
        self._pinned = np.vstack([self._pinned, latents])
        self._pins = np.vstack([self._pins, self._space.project(latents)])

    # ------------------------------------------------------------------ map ⇄ latent
    @property
    def anchor(self) -> np.ndarray:
        """``(d,)`` float64: the latent vector that fills in what the map plane cannot show."""
        return self._space.anchor

    @anchor.setter
    @_locked
    def anchor(self, vector: Any) -> None:
        """Setting the anchor makes it fill in what the map plane cannot show: the lift
        becomes ``"affine"`` (``w.lift_mode = "local"`` goes back). Walks start from it."""
        self._space.anchor = vector
        with self.hold_sync():
            self.lift_mode = "affine"  # the page's decoder follows the new anchor there too
            self._anchor_xy = [float(v) for v in self._space.project(self._space.anchor)[0]]

    @property
    def lift_mode(self) -> str:
        """How a map position becomes a latent (``lift``, ``decode_at``, hover, pins):
        ``"local"``, its plane coordinates and the rest from the latents near it at their norm
        (where a generator's latents live); ``"affine"``, the rest from the anchor."""
        return self._space.lift_mode

    @lift_mode.setter
    @_locked
    def lift_mode(self, mode: str) -> None:
        self._space.lift_mode = mode
        with self.hold_sync():
            for name, value in self._client_decoder_state().items():
                self.set_trait(name, value)
            self._decoder = {**self._decoder, "lift": self._space.lift_mode}
            self._update_status()

    @_locked
    def lift(self, x: float, y: float) -> np.ndarray:
        """``(d,)`` float64: the latent vector at map position ``(x, y)``."""
        return self._space.lift(x, y)

    @_locked
    def decode_at(self, x: float, y: float) -> np.ndarray:
        """What the model decodes at map position ``(x, y)``."""
        return self._space.decode_at(x, y)

    @_locked
    def project(self, Z: Any) -> np.ndarray:
        """``(n, 2)``: map positions of latent vectors ``(n, d)`` or ``(d,)``."""
        return self._space.project(Z)

    # ------------------------------------------------------------------ directions and axes
    @property
    def directions(self) -> dict[str, Direction]:
        """Named directions: the principal axes ``"PC 1"``… and every one added or made in
        the widget (lasso group A, group B, *make direction*)."""
        return dict(self._directions)

    @_locked
    def add_direction(self, d: Direction | Any, name: str | None = None) -> Direction:
        """Make a direction (or a plain ``(d,)`` vector) available as an axis and to walk."""
        if not isinstance(d, Direction):
            d = Direction.from_vector(np.asarray(d, dtype=np.float64), name or "direction")
        elif name is not None:
            d = Direction(name, d.vector, d.quality, d.method, d.details)
        if d.dim != self._space.dim:
            raise ValueError(
                f"direction {d.name!r} has dimension {d.dim}; this space has {self._space.dim}."
            )
        self._directions[d.name] = d
        for trait, value in self._direction_state().items():
            self.set_trait(trait, value)
        if d.name in self._axes:  # an axis on display was redefined: the map follows
            x_axis, y_axis = (self._directions[name] for name in self._axes)
            self._space.set_projection(self._space.direction_axes(x_axis, y_axis))
            self._refresh_map(list(self._axes), "directions")
        return d

    @_locked
    def direction(self, labels: Any, **how: Any) -> Direction:
        """:func:`latent_magic.direction` of this map's latents, added to ``directions``.

        ``labels`` has one value per point, or one per row of the data (rows left out of the
        map drop theirs); ``how`` is ``positive=``, ``negative=``, ``ordered=``, ``bins=``,
        ``method=`` and ``name=`` as there."""
        if hasattr(labels, "__len__") and len(labels) == self.n_rows != len(self.rows):
            rows = self.rows
            labels = labels.iloc[rows] if hasattr(labels, "iloc") else [labels[i] for i in rows]
        return self.add_direction(direction(self.latents, labels, **how))

    @_locked
    def set_axes(self, x: Direction | str | Any, y: Direction | str | Any) -> None:
        """Make the map's axes these directions (names in ``directions``, Direction objects or
        vectors). The map stays exact: ``project(lift(x, y)) == (x, y)``."""
        x_axis, y_axis = self._direction(x), self._direction(y)
        self._space.set_projection(self._space.direction_axes(x_axis, y_axis))
        self._refresh_map([x_axis.name, y_axis.name], "directions")

    @_locked
    def walk(
        self, d: Direction | str | Any, steps: int = 9, span: tuple[float, float] = (-3.0, 3.0)
    ) -> Walk:
        """Walk from the anchor along ``d``: ``anchor + t · SD · unit(d)`` for ``steps`` values of
        ``t`` evenly spaced over ``span`` (in the data's standard deviations along ``d``),
        with what the model decodes at each step."""
        strip = self._walk_latents(d, steps, span)
        model = self._space.model
        outputs = model.decode(strip.latents) if model.can_decode else None
        return Walk(strip.direction, strip.t, strip.latents, outputs, strip.note)

    def _walk_latents(self, d: Direction | str | Any, steps: int, span: Any) -> Walk:
        """A walk's steps without decoding them (``outputs`` is None)."""
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
            raise TypeError(f"steps must be a positive integer; got {steps!r}.")
        if steps < 1:
            raise ValueError(f"steps must be a positive integer; got {steps}.")
        t0, t1 = _span(span)
        axis = self._direction(d)
        t = np.linspace(t0, t1, int(steps))
        return Walk(axis.name, t, self._space.walk_latents(axis, t), None, self._space.walk_note())

    def _direction(self, d: Direction | str | Any) -> Direction:
        if isinstance(d, Direction):
            return d
        if isinstance(d, str):
            if d not in self._directions:
                known = ", ".join(repr(k) for k in self._directions)
                raise KeyError(f"no direction named {d!r}; known: {known}.")
            return self._directions[d]
        vector = np.asarray(d, dtype=np.float64)
        if vector.shape != (self._space.dim,):
            raise ValueError(
                f"a direction must be a name, a Direction or a vector of shape "
                f"({self._space.dim},); got shape {vector.shape}."
            )
        return Direction.from_vector(vector, "custom")

    # ------------------------------------------------------------------ groups
    @property
    def groups(self) -> dict[str, np.ndarray]:
        """The rows in groups A and B: set in the widget (*A = selection*, *B = selection*)
        or here, ``w.groups = {"A": rows, "B": rows}``. *Make direction* goes from B to A."""
        rows = self._space.rows
        groups = {
            "A": rows[self._points_in(self._group_a)],
            "B": rows[self._points_in(self._group_b)],
        }
        if self._big is not None:  # a lasso's group holds all its rows (lazy row numbers)
            for key, chosen in self._big.groups.items():
                groups[key] = chosen.found.indices
        return groups

    @groups.setter
    @_locked
    def groups(self, groups: Any) -> None:
        if not isinstance(groups, Mapping) or not set(groups) <= {"A", "B"}:
            keys = (
                sorted(map(str, groups)) if isinstance(groups, Mapping) else type(groups).__name__
            )
            raise ValueError(f"groups must be a dict with keys 'A' and/or 'B'; got {keys}.")
        # Every group is checked before any is set: a bad one changes nothing.
        points = {k: self._points_of_rows(v, f"groups[{k!r}]") for k, v in groups.items()}
        for key, value in points.items():
            self.set_trait(f"_group_{key.lower()}", value)
            if self._big is not None:
                self._big.groups.pop(key, None)

    def _remember_group(self, group: str) -> None:
        """*A = selection*: on a big table's map a lasso's group keeps all its rows."""
        if self._big is not None:
            if self._big.selection is not None:
                self._big.groups[group] = self._big.selection
            else:
                self._big.groups.pop(group, None)

    @_locked
    def direction_between(self, group_a: Any, group_b: Any, name: str) -> Direction:
        """A direction from group B's mean to group A's (rows of the data), added to
        ``directions``. On a big table's map, groups of all rows (``w.groups`` after a lasso)
        are averaged where the table lives."""
        if self._big is not None and any(hasattr(g, "__dask_graph__") for g in (group_a, group_b)):
            return self.add_direction(self._big.table.group_direction(group_a, group_b, name))
        a, b = self._points_of_rows(group_a), self._points_of_rows(group_b)
        Z = np.vstack([self._space.latents[a], self._space.latents[b]])
        labels = np.array(["A"] * len(a) + ["B"] * len(b))
        return self.add_direction(direction(Z, labels, positive="A", negative="B", name=name))

    # ------------------------------------------------------------------ arithmetic
    @_locked
    def arithmetic(self, expression: str, k: int = 10, **how: Any) -> ArithmeticResult:
        """:func:`latent_magic.arithmetic` over this map's labels and latents. The widget marks
        ``result.vector``, the raw sum, on the map: a latent at the data's own scale."""
        result = arithmetic(self._labelled_latents(), expression, k, **how)
        # Rows of the data, as everywhere on the widget (the table's rows are its points).
        return dataclasses.replace(result, indices=self._space.rows[result.indices])

    # ------------------------------------------------------------------ generator tools
    @_locked
    def interpolate(
        self, a: int | Any, b: int | Any, steps: int = 9, method: str | None = None
    ) -> Interpolation:
        """Latents from ``a`` to ``b`` (each a row of the data, as ``selected_indices`` are,
        or a latent vector ``(d,)``, e.g. ``w.pinned_vectors[0]``) in ``steps`` steps, ends
        included: ``"slerp"`` (along the great circle; the default for a generator with a
        Gaussian prior) or ``"lerp"``; decoded in one batch, with their path on the map
        (``positions``) and the choice in words (``note``)."""
        return interpolate_in(
            self._space, self._latent_of(a, "a"), self._latent_of(b, "b"), steps, method
        )

    @_locked
    def join_pins(
        self, steps: int = 9, method: str | None = None, *, decode: bool = True
    ) -> Interpolation:
        """:meth:`interpolate` between the last two pins' vectors, its path drawn on the map
        (it follows the map when the axes change; clearing the pins removes it); ``decode``
        False leaves ``outputs`` None."""
        if len(self._pinned) < 2:
            raise ValueError(f"join_pins needs two pins; there are {len(self._pinned)}.")
        a, b = self._pinned[-2], self._pinned[-1]
        path = interpolate_in(self._space, a, b, steps, method, decode=decode)
        self._path_latents = path.latents
        self._path = self._space.project(path.latents).tolist()
        return path

    def _latent_of(self, end: Any, name: str) -> Any:
        if isinstance(end, int | np.integer) and not isinstance(end, bool):
            point = self._points_of_rows(np.array([end]), name)[0]
            return self._space.latents[point].astype(np.float64)
        return end

    @_locked
    def local_directions(
        self, rows: Any = None, k: int = 3, name: str = "local"
    ) -> list[Direction]:
        """The principal directions of one region (rows of the data; default the selection),
        added to ``directions`` as ``"<name> 1"`` …: the ways the region's members differ from
        each other, in decreasing order of the region's variance (``quality``: its share)."""
        selected = self._selection if rows is None else self._points_of_rows(rows, "rows")
        found = region_directions(self._space.latents[self._points_in(selected)], k, name)
        for d in found:
            self.add_direction(d)
        return found

    @_locked
    def grid(
        self,
        d1: Direction | str | Any,
        d2: Direction | str | Any,
        steps: Any = (7, 7),
        span: Any = ((-2.0, 2.0), (-2.0, 2.0)),
    ) -> DirectionGrid:
        """What the model decodes over the plane through the anchor that ``d1`` (across) and
        ``d2`` (up) span: ``anchor + s·SD₁·unit(d1) + t·SD₂·unit(d2)`` with ``s``, ``t`` in the
        data's standard deviations along each, as a walk's; ``steps`` (columns, rows); one
        batched decode. ``.image()`` is the picture (it shows itself in a notebook)."""
        grid = direction_grid(self._space, self._direction(d1), self._direction(d2), steps, span)
        self._requests.show_grid(grid)  # every view shows it, as one picture
        return grid

    # ------------------------------------------------------------------ atlas
    @_locked
    def atlas(self, rows: int = 8, cols: int = 12, bounds: Any = None) -> Atlas:
        """What the model decodes at a ``rows × cols`` grid of tile centres over ``bounds``
        ``(x0, x1, y0, y1)`` (default: the view the page shows, else the whole map): the
        classic picture of a latent manifold, the same grid the widget's *Atlas* tiles. One
        lift and one batched decode; ``.latents`` ``(rows, cols, d)``, ``.positions``
        ``(rows, cols, 2)``, ``.outputs`` ``(rows, cols, ...)``; ``.image()`` is the mosaic
        (an image-like atlas shows itself in a notebook)."""
        if bounds is None:
            bounds = self.view if self.view is not None else self.extent
        return decode_grid(self._space, rows, cols, bounds)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x0, x1, y0, y1)``: the whole map with a 5 % margin, as the page first fits it
        (``w.atlas(bounds=w.extent)`` reads the same with or without a page showing it); on a
        big table's map, every row's."""
        if self._big is not None:
            x0, x1, y0, y1 = self._big.initial_view()
            return (x0, x1, y0, y1)
        points = self._space.points[np.isfinite(self._space.points).all(axis=1)]
        if len(points) == 0:
            return (-1.0, 1.0, -1.0, 1.0)
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        mx, my = 0.05 * (float(x1 - x0) or 1.0), 0.05 * (float(y1 - y0) or 1.0)
        return (float(x0) - mx, float(x1) + mx, float(y0) - my, float(y1) + my)

    @_locked
    def density(self, bounds: Any = None, bins: int | tuple[int, int] = 512) -> np.ndarray:
        """``(ny, nx)`` int64: how many rows of the data lie in each bin of ``bounds``
        ``(x0, x1, y0, y1)`` (default: the page's view, else ``extent``), row 0 at ``y0``
        (``plt.imshow(counts, origin="lower")``). On a big table's map every row is counted
        where the table lives, not just the points the page draws."""
        x0, x1, y0, y1 = (self.view or self.extent) if bounds is None else check_bounds(bounds)
        if self._big is not None:
            counts = self._big.table.density((x0, y0, x1, y1), bins)
        else:
            counts = count_density(self._space.points, (x0, y0, x1, y1), bins)
        return counts.sum(axis=0)

    # ------------------------------------------------------------------ search
    @_locked
    def search(self, query: str, k: int = 10) -> SearchResult:
        """Find points by their labels: those containing ``query`` (case-insensitive), or
        matching it when it is written ``/regex/``. For a model that encodes text, a query no
        label contains is encoded and its ``k`` nearest points found (``.latent`` is its
        vector). ``.indices`` are rows of the data, as ``selected_indices`` are."""
        if self._label_search is None:
            self._label_search = LabelSearch(self._labelled_latents()[0])
        space = self._space
        return search(
            self._label_search,
            query,
            rows=space.rows,
            encode=space.encode_text,
            nearest=space.nearest,
            k=k,
        )

    def _labelled_latents(self) -> tuple[list[str], np.ndarray]:
        space = self._space
        if self._label_texts is None:  # labels never change: format them once, not per query
            labels = space.labels
            if labels is not None and labels.dtype.kind in "UO" and are_texts(labels):
                self._label_texts = labels.astype(str).tolist()  # words are their own text
            else:
                self._label_texts = [space.label_text(i) for i in range(len(space.rows))]
        return self._label_texts, space.latents

    def _mark(self, label: str, z: np.ndarray) -> dict[str, Any]:
        x, y = self._space.project(z)[0]
        return {"x": float(x), "y": float(y), "label": label}

    def _add_mark(self, label: str, z: np.ndarray) -> dict[str, Any]:
        """Draw ``z`` on the map with ``label`` (it follows the map when the axes change)."""
        self._mark_latents.append((label, z))
        mark = self._mark(label, z)
        self._marks = [*self._marks, mark]
        return mark

    # ------------------------------------------------------------------ state for the page
    def _map_state(self, axes: list[str], projection: str) -> dict[str, Any]:
        space = self._space
        return {
            **self._client_decoder_state(),
            "_points": space.points,
            "_label_order": self._label_order_of(space),
            "_anchor_xy": [float(v) for v in space.project(space.anchor)[0]],
            "_axis_titles": list(space.projection.titles),
            "_axes": axes,
            "_projection": projection,
            "_decoder": {
                "can_decode": space.can_preview,
                "exact": space.projection.exact,
                "reason": space.cannot_preview_reason,
                "lift": space.lift_mode,
                "neighbors": space.shows_neighbors,
            },
        }

    @staticmethod
    def _label_order_of(space: LatentSpace) -> np.ndarray:
        if not are_texts(space.labels):
            return np.zeros(0, np.uint32)
        return placement_order(space.points, space.label_priority, space.rows, space.n_total)

    def _client_decoder_state(self) -> dict[str, Any]:
        meta, weights = client_decoder(self._client_chain, self._space)
        onnx = onnx_page_state(self._onnx_plan, self._space, self._onnx_failure)
        return {"_client_decoder": meta, "_client_weights": weights, "_onnx_decoder": onnx}

    def _onnx_export(self) -> OnnxDecoder | str:
        """The decoder exported for the page (cached), or why it stays in the kernel; a
        failure is kept in ``_onnx_decoder`` so the page says it once."""
        if self._onnx_plan is None:
            return "this model has no torch decoder the page could run."
        found = onnx_export(self._space.model, self._onnx_plan)
        if isinstance(found, str) and found != self._onnx_failure:
            self._onnx_failure = found
            self._onnx_decoder = onnx_page_state(self._onnx_plan, self._space, found)
        return found

    def _direction_state(self) -> dict[str, Any]:
        names = list(self._directions)
        return {
            "_axis_options": names,
            "_walk_options": names,
            "_direction_cosines": direction_cosines(self._directions),
        }

    def _refresh_map(self, axes: list[str], projection: str) -> None:
        """After the projection changed: every position on the map moves; vectors stay."""
        with self.hold_sync():
            for name, value in self._map_state(axes, projection).items():
                self.set_trait(name, value)
            self._pins = (
                self._space.project(self._pinned) if len(self._pinned) else np.zeros((0, 2))
            )
            self._marks = [self._mark(label, z) for label, z in self._mark_latents]
            self._view = []  # the page's range was on the old map: w.atlas() uses the extent
            if self._big is not None:  # every row of the table moves: its density too
                self._big.follow(self._space.projection)
                for name, value in self._big.density_state(self._big.initial_view()).items():
                    self.set_trait(name, value)
            if len(self._path_latents):
                self._path = self._space.project(self._path_latents).tolist()
            self._update_status()  # a non-linear map switched to axes lifts differently

    def _update_status(self) -> None:
        space = self._space
        big = self._big
        parts = [big.status_words() if big is not None else f"{len(space.rows):,} points"]
        if big is not None and big.selection is not None:
            parts.append(f"{big.selection.count:,} of {big.n_rows:,} rows selected")
        dropped = big.table.n_dropped if big is not None else space.n_total - len(space.rows)
        if dropped:
            parts.append(f"{dropped:,} rows left out (NaN or inf)")
        parts.append(f"{space.dim}-d latents of {space.model.name}")
        if space.can_preview and not space.shows_neighbors:
            parts.append(space.lift_words())
        if self._callback_error:
            parts.append(self._callback_error)
        self._status = " · ".join(parts)

    # ------------------------------------------------------------------ display
    _shown_in_execution: int | None = None

    @_locked
    def save_png(self, path: str | os.PathLike[str], scale: float = 2) -> Path:
        """Saves the map as shown (the page's view, else the whole map; points in their
        colours, the selection, groups, pins, the anchor, marks, joined pins and, when
        ``show_labels`` is on, the labels) as a PNG of ``scale`` × the map's size in pixels.
        The points' pictures and the atlas are drawn by the page only: the toolbar's PNG
        button includes them. ``%latent save w map.png`` is its twin.

        Parameters
        ----------
        path : str or os.PathLike
            A file name ending in ``.png``, in a folder that exists; an existing file is
            replaced once the new one is written.
        scale : float
            Pixels per CSS pixel of the map (2: sharp on a high-density screen or in print).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        return picture_file(path, widget_scene(self), scale)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        # The live widget where a widget front end runs; elsewhere (GitHub, nbviewer,
        # nbconvert's HTML and PDF) a picture of the map and a line of text instead of a repr.
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = {**data, "text/plain": f"LatentExplorer: {self._status}"}
        try:
            with self._lock:
                scene = widget_scene(self)
            data["image/png"] = png_bytes(scene)
            size = {"width": scene.width, "height": scene.height}
            metadata = {**metadata, "image/png": size}
        except Exception:  # the live widget still shows; the picture's failure is logged
            _log.exception("latent_magic: the map's picture for static viewers failed")
        return data, metadata

    def _ipython_display_(self, **kwargs: Any) -> None:
        # `w = %latent explore ...` must show the widget although it is assigned, so the magic
        # displays it; the same cell's displayhook then must not show it a second time.
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        count = getattr(shell, "execution_count", None)
        if self._shown_in_execution is not None and self._shown_in_execution == count:
            self._shown_in_execution = None
            return
        bundle = self._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        display(data, metadata=metadata, raw=True)

    def _mark_shown_by_magic(self) -> None:
        from IPython import get_ipython

        self._shown_in_execution = getattr(get_ipython(), "execution_count", None)
