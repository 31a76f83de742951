"""A model's latent space with data mapped into it: everything the widget shows, no widget."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._adapters import adapt
from ._data import CheckedData, check_data, check_labels, check_latents
from ._direction import Direction
from ._latent_model import CannotDecodeError, LatentModel, image_shape_problem
from ._local_lift import LocalLift
from ._neighbors import DataDistance, Distance, NeighborIndex
from ._options import LIFTS, ExploreOptions
from ._prior import keep_norm
from ._projection import (
    LinearProjection,
    Projection,
    axis_title,
    pca_projection,
    principal_axes,
    variance_share,
)
from ._reconstruction import COLOR_NAMES, reconstruction_errors, reconstruction_preview
from ._renderers import CallableRenderer, ImageRenderer, Preview, RecordRenderer

Renderer = Callable[[Any], Preview]


@dataclass
class Walk:
    """Steps along a direction from the anchor, and what the model decodes at each."""

    direction: str
    t: np.ndarray  # (steps,) in standard deviations of the data along the direction
    latents: np.ndarray  # (steps, d) float64
    outputs: np.ndarray | None  # (steps, ...) decoded, or None for a model that cannot decode
    note: str = ""  # how the steps were made, in words


class LatentSpace:
    """Latent vectors laid out on a 2-D map, with a way back from the map to the model.

    Parameters
    ----------
    model : LatentModel
        The adapted model.
    latents : (n, d) float32
        The points of the map.
    rows : (n,) int
        The row of the user's data behind each latent.
    n_total : int
        Rows in the user's data, including those left out.
    labels : (n,) array, optional
        One label per latent.
    renderer : callable
        Turns one decoded output into a :class:`Preview`.
    """

    def __init__(
        self,
        model: LatentModel,
        latents: np.ndarray,
        *,
        rows: np.ndarray,
        n_total: int,
        labels: np.ndarray | None,
        renderer: Renderer | None,
    ) -> None:
        self.model = model
        latents = latents.view()  # read-only for us; the caller's own array stays writable
        latents.setflags(write=False)
        self.latents = latents
        self.rows = rows
        self.n_total = n_total
        self.labels = labels
        self.principal = principal_axes(latents)
        self.projection: Projection = pca_projection(latents, self.principal)
        self.points = self._map(self.projection)
        self._distance: DataDistance | None = None
        self._local: LocalLift | None = None
        self._norm_range: tuple[float, float] | None = None
        # Set by build_space when the latents are samples of a Gaussian prior: then a norm the
        # prior does not give is off the data.
        self.sampled_from_prior = False
        # A Gaussian prior's latents lie on a shell, not on a plane through its centre; with
        # two dimensions or fewer the map plane is the whole space and the lifts agree.
        self._lift_mode = "local" if model.prior and self.dim > 2 else "affine"
        self._index: NeighborIndex | None = None
        self._spreads: dict[bytes, float] = {}
        self._anchor = self._default_anchor()
        probed = model.probe_decode(self._anchor)
        if probed is not None and isinstance(renderer, ImageRenderer) and renderer.shape:
            # Refused here, once, rather than as "preview failed" on every hover.
            problem = image_shape_problem(renderer.shape, int(probed.size), model.name)
            if problem is not None:
                raise ValueError(problem)
        # Texts and items decode to their nearest neighbors among the map's own points.
        self.renderer = renderer
        self.shows_neighbors = model.kind == "text"
        self.label_title = "label"
        # What colours the points when not the labels (explore's color=), and its legend title.
        self.colors: np.ndarray | None = None
        self.color_title = "color"
        self.label_priority: str | np.ndarray = "isolation"
        # The rows' own data when they are what the model decodes to (images an autoencoder
        # or PCA maps): each point's picture on the map, and the input beside its
        # reconstruction in a point's preview.
        self.items: Any = None
        self._errors: np.ndarray | None = None

    @property
    def can_preview(self) -> bool:
        return self.shows_neighbors or self.model.can_decode

    @property
    def cannot_preview_reason(self) -> str:
        return "" if self.can_preview else (self.model.cannot_decode_reason or "")

    # ------------------------------------------------------------------ anchor and lift
    def _default_anchor(self) -> np.ndarray:
        """The mean latent; for a generator with a Gaussian prior, the sample drawn nearest the
        map's centre (the mean lies in the prior's hollow centre, where nothing was sampled)."""
        mean = self.latents.mean(axis=0, dtype=np.float64)
        if not self.model.prior:
            return mean
        centre = self.project(mean)[0]
        nearest = int(np.argmin(((self.points - centre) ** 2).sum(axis=1)))
        return self.latents[nearest].astype(np.float64)

    @property
    def lift_mode(self) -> str:
        """``"local"``: plane coordinates from the cursor, the rest from the latents near it at
        their norm; ``"affine"``: the rest from the anchor. A non-linear map interpolates."""
        return self._lift_mode

    @lift_mode.setter
    def lift_mode(self, mode: str) -> None:
        if mode not in LIFTS[1:]:
            raise ValueError(f"the lift is one of {', '.join(map(repr, LIFTS[1:]))}; got {mode!r}.")
        self._lift_mode = mode

    def lift_words(self) -> str:
        """How empty space becomes a latent, for the status line."""
        if not isinstance(self.projection, LinearProjection):
            return "empty space interpolated from the nearest points' latents"
        if self._lift_mode == "local":
            return "empty space lifted from the latents near it, at their norm"
        return "empty space lifted through the anchor"

    @property
    def lift_is_affine(self) -> bool:
        """Whether a map position lifts by one affine map (what the page can compute)."""
        return isinstance(self.projection, LinearProjection) and self._lift_mode == "affine"

    @property
    def anchor(self) -> np.ndarray:
        return self._anchor.copy()

    @anchor.setter
    def anchor(self, vector: Any) -> None:
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.dim,):
            raise ValueError(
                f"the anchor must be one latent vector of shape ({self.dim},); "
                f"got shape {vector.shape}."
            )
        if not np.isfinite(vector).all():
            raise ValueError("the anchor must be finite; got NaN or inf values.")
        self._anchor = vector.copy()

    @property
    def dim(self) -> int:
        return self.latents.shape[1]

    # ------------------------------------------------------------------ the map
    def set_projection(self, projection: Projection) -> None:
        """Lay the latents out anew; everything else (anchor, model) stays."""
        self.points = self._map(projection)
        self.projection = projection
        self._local = None  # built on the old positions

    def _map(self, projection: Projection) -> np.ndarray:
        points = np.asarray(projection.transform(self.latents), dtype=np.float32)
        points.setflags(write=False)
        return points

    def direction_axes(self, x: Direction, y: Direction) -> LinearProjection:
        """An exact map whose axes are two directions (unit length; need not be orthogonal)."""
        for axis in (x, y):
            if axis.dim != self.dim:
                raise ValueError(
                    f"direction {axis.name!r} has dimension {axis.dim}; this space has {self.dim}."
                )
        basis = np.vstack([x.unit, y.unit])
        if abs(float(basis[0] @ basis[1])) > 1 - 1e-9:
            raise ValueError(
                f"axes {x.name!r} and {y.name!r} point along the same line; pick two "
                "directions that differ."
            )
        titles = (self._axis_title(x), self._axis_title(y))
        return LinearProjection(basis, self.principal.mean, titles)

    def _axis_title(self, axis: Direction) -> str:
        """A principal axis says its share of the latents' variance, as the PCA map's do."""
        share = variance_share(self.principal, axis.unit) if axis.method == "principal" else None
        return axis_title(axis.name, share)

    def spread_along(self, direction: Direction) -> float:
        """The data's standard deviation along a direction (the unit of a walk)."""
        key = direction.unit.tobytes()  # a walk slider asks on every tick: compute once
        if key not in self._spreads:
            self._spreads[key] = float(np.std(self.latents @ direction.unit.astype(np.float32)))
        return self._spreads[key]

    def walk_latents(self, direction: Direction, t: np.ndarray) -> np.ndarray:
        """``anchor + t · SD · unit(direction)`` for each ``t``: ``(len(t), d)`` float64; for a
        generator with a Gaussian prior, each step at the anchor's norm (on the prior's shell,
        not through its hollow centre)."""
        t = np.asarray(t, dtype=np.float64)
        step = self.spread_along(direction) * direction.unit
        with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
            Z = self._anchor + t[:, None] * step
            Z = keep_norm(Z, float(np.linalg.norm(self._anchor))) if self._walks_on_shell() else Z
        if not np.isfinite(Z).all():
            far = float(np.max(np.abs(t)))
            raise ValueError(
                f"the walk leaves the range of float64 numbers: {far:g} standard deviations "
                f"along {direction.name!r} is too far; walk a shorter span."
            )
        return Z

    def _walks_on_shell(self) -> bool:
        """Whether walks keep the anchor's norm: on a Gaussian prior, when the anchor's norm is
        one the map's own latents have (a walk from the hollow centre stays straight)."""
        if not self.model.prior:
            return False
        if self._norm_range is None:
            norms = np.sqrt(np.einsum("ij,ij->i", self.latents, self.latents, dtype=np.float64))
            self._norm_range = tuple(np.quantile(norms, [0.005, 0.995]))
        low, high = self._norm_range
        return bool(low <= np.linalg.norm(self._anchor) <= high)

    def walk_note(self) -> str:
        """How :meth:`walk_latents` makes its steps, in words."""
        norm = float(np.linalg.norm(self._anchor))
        if self._walks_on_shell():
            return f"from the anchor, each step rescaled to the anchor's norm ({norm:.2f})"
        if self.model.prior:
            return (
                f"from the anchor, in straight steps (its norm, {norm:.2f}, is not one the "
                "map's latents have, so it is not kept)"
            )
        return "from the anchor, in straight steps"

    def distance_from_data(self, z: np.ndarray) -> Distance:
        """How far ``z`` is from the data, relative to the typical spacing of the data."""
        if self._distance is None:
            self._distance = DataDistance(self.latents, prior=self.sampled_from_prior)
        with np.errstate(over="ignore", invalid="ignore"):  # far out: an infinite ratio says so
            return self._distance.measure(z)

    # ------------------------------------------------------------------ map ⇄ latent
    def project(self, Z: Any) -> np.ndarray:
        Z = np.asarray(Z)
        if Z.ndim == 1:
            Z = Z[None]
        return self.projection.transform(Z)

    def lift(self, x: float, y: float) -> np.ndarray:
        for name, value in (("x", x), ("y", y)):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise TypeError(f"{name} must be a number (a map position); got {value!r}.")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite map position; got {value}.")
        with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
            z = self.lift_many(np.array([[x, y]], dtype=np.float64))[0]
        if not np.isfinite(z).all():
            raise ValueError(
                f"the map position ({x!r}, {y!r}) lifts to a latent with inf or NaN values: "
                "it is too far out on this map."
            )
        return z

    def lift_many(self, P: np.ndarray) -> np.ndarray:
        """Latents ``(m, d)`` float64 at map positions ``(m, 2)``, by the space's lift."""
        projection = self.projection
        if self._lift_mode == "local" and isinstance(projection, LinearProjection):
            if self._local is None:
                self._local = LocalLift(self.latents, self.points, projection)
            return self._local(P)
        return projection.inverse(P, self._anchor)

    def decode_at(self, x: float, y: float) -> np.ndarray:
        return self.model.decode(self.lift(x, y)[None])[0]

    # ------------------------------------------------------------------ previews
    def preview_spot(self, x: float, y: float) -> tuple[Preview, Distance]:
        """What the model decodes at the spot ``(x, y)``, and how far it is from the data."""
        return self.preview_latent(self.lift(x, y))

    def preview_point(self, index: int) -> Preview:
        """The preview of point ``index`` (its own latent: it is on the data); when the rows
        are what the model decodes to (an autoencoder's images), its input beside it."""
        if self.items is not None and isinstance(self.renderer, ImageRenderer):
            try:
                output = self.model.decode(self.latents[index][None])[0]
                shown = reconstruction_preview(self.items[index], output, self.renderer)
            except Exception as error:  # shown in the preview, as any decoding failure is
                return Preview.message(f"preview failed: {type(error).__name__}: {error}")
            if shown is not None:
                return shown
        return self._preview(self.latents[index], exclude=index)

    def reconstruction_errors(self) -> np.ndarray | None:
        """``(n,)``: each point's mean squared error between its data and what the model makes
        of it (encode, decode), or None when the data are not the model's outputs."""
        if self.items is None or not self.model.can_decode:
            return None
        if self._errors is None:
            self._errors = reconstruction_errors(self.model, self.latents, self.items)
        return self._errors

    def preview_latent(self, z: np.ndarray) -> tuple[Preview, Distance]:
        """The preview of any latent ``z`` ``(d,)``, and how far it is from the data."""
        return self._preview(z), self.distance_from_data(z)

    def _preview(self, z: np.ndarray, exclude: int | None = None) -> Preview:
        try:
            if self.shows_neighbors:
                return self.neighbor_preview(z, exclude=exclude)
            if self.renderer is None:
                raise CannotDecodeError(self.model.cannot_decode_reason)
            return self.renderer(self.model.decode(z[None])[0])
        except CannotDecodeError as error:
            return Preview.message(str(error))
        except Exception as error:  # shown in the preview, not swallowed: the user's code failed
            return Preview.message(f"preview failed: {type(error).__name__}: {error}")

    def neighbor_preview(self, z: np.ndarray, exclude: int | None = None, k: int = 10) -> Preview:
        """The labels of the points nearest to ``z`` (cosine), best first."""
        if self._index is None:
            self._index = NeighborIndex(self.latents)
        index, scores = self._index.search(z, k, exclude=None if exclude is None else [exclude])
        neighbors = [
            {"label": self.label_text(int(i)), "score": float(s)}
            for i, s in zip(index[0], scores[0], strict=True)
        ]
        return Preview("neighbors", {"neighbors": neighbors})

    def nearest(self, z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` points nearest ``z`` (cosine): point indices and scores, best first."""
        if self._index is None:
            self._index = NeighborIndex(self.latents)
        index, scores = self._index.search(z, k)
        return index[0], scores[0]

    def encode_text(self, text: str) -> np.ndarray | None:
        """``text`` encoded by a model that embeds texts, or None: the model takes no text,
        or (an embedding table) has no vector for it."""
        model = self.model
        if not model.can_encode or model.data_kind != "text":
            return None
        try:
            return np.asarray(model.encode([text]), dtype=np.float64)[0]
        except KeyError:  # a table's lookup of a label it does not hold
            return None

    def label_text(self, index: int) -> str:
        if self.labels is None:
            return f"row {int(self.rows[index])}"
        value = self.labels[index]
        return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)

    def point_title(self, index: int) -> str:
        row = int(self.rows[index])
        return f"row {row}" if self.labels is None else f"{self.label_text(index)} · row {row}"


def build_space(model: Any, data: Any, options: ExploreOptions) -> LatentSpace:
    """Adapt ``model``, find the latents to map (encoded data, latent codes, the model's own
    table, or samples of its prior), check the labels, and lay it all out on a map."""
    shape, labels = options.image_shape, options.labels
    latent_model = adapt(
        model,
        image_shape=shape,
        labels=labels,
        preview=options.preview,
        latent_dim=options.latent_dim,
    )
    latents, checked = _latents_of(latent_model, data, options.n_samples, options.seed)
    label_title = str(getattr(labels, "name", None) or "label")  # a Series names its legend
    if labels is None:
        labels = _default_labels(latent_model, data, checked)
    if labels is not None:
        n_labels = len(labels) if hasattr(labels, "__len__") else None
        if n_labels != checked.n_total:
            raise ValueError(
                f"labels must have one value per row of data ({checked.n_total} rows); "
                f"got {n_labels if n_labels is not None else type(labels).__name__}."
            )
        labels = check_labels(labels)[checked.rows]
    renderer = choose_renderer(latent_model, checked, shape, options.preview, latents)
    space = LatentSpace(
        latent_model,
        latents,
        rows=checked.rows,
        n_total=checked.n_total,
        labels=labels,
        renderer=renderer,
    )
    space.label_title = label_title
    if (
        isinstance(renderer, ImageRenderer)
        and checked.values is not None
        and latent_model.can_encode
    ):
        space.items = checked.data if isinstance(checked.data, np.ndarray) else checked.values
    if (
        isinstance(options.color, str)
        and options.color in COLOR_NAMES
        and options.color not in list(getattr(data, "columns", []))
    ):
        errors = space.reconstruction_errors()
        if errors is None:
            raise ValueError(
                f"color={options.color!r} needs data the model reconstructs (an autoencoder's "
                f"inputs); {latent_model.name} maps these data without decoding back to them."
            )
        space.colors, space.color_title = errors, "reconstruction error"
    elif options.color is not None:
        space.colors, space.color_title = _colors_of(options.color, data, checked)
    if options.label_priority is not None:
        space.label_priority = options.label_priority
    elif data is None and latent_model.table is not None:
        space.label_priority = "order"  # a table's rows: by frequency in word2vec and GloVe
    # With no data and no table, the latents were drawn from a standard normal (model.sample).
    space.sampled_from_prior = data is None and latent_model.table is None
    return space


def _latents_of(
    model: LatentModel, data: Any, n_samples: int, seed: int
) -> tuple[np.ndarray, CheckedData]:
    """The latents to map and the data rows behind them."""
    if data is None:
        if model.table is not None:
            vectors = np.asarray(model.table[1], dtype=np.float32)
            return vectors, CheckedData(None, None, np.arange(len(vectors)), len(vectors), None)
        if model.prior or not model.can_encode:
            if n_samples < 1:
                raise ValueError(f"n_samples must be at least 1; got {n_samples}.")
            Z = model.sample(n_samples, seed=seed)
            return Z, CheckedData(None, None, np.arange(len(Z)), len(Z), None)
        raise ValueError(
            f"explore({model.name}) needs data= to place on the map: the rows to "
            "encode, e.g. explore(model, data=X)."
        )
    if not model.can_encode:
        checked = check_latents(data, model.dim, model.name)
        assert checked.values is not None  # numeric by check_latents
        return checked.values.astype(np.float32), checked
    checked = check_data(data, model.n_features, model.name, data_kind=model.data_kind)
    latents = model.encode(checked.data)
    if len(latents) != len(checked.rows):
        raise ValueError(
            f"{model.name} returned {len(latents)} latent vectors for "
            f"{len(checked.rows)} rows of data."
        )
    finite = np.isfinite(latents).all(axis=1)
    if not finite.all():
        warnings.warn(
            f"{model.name} encoded {int((~finite).sum())} rows to NaN or inf; they are "
            "left out of the map.",
            stacklevel=4,
        )
        latents, checked = latents[finite], checked.keep(finite)
    return latents, checked


def _colors_of(color: Any, data: Any, checked: CheckedData) -> tuple[np.ndarray, str]:
    """The values that colour the map (one per kept row) and their legend title: ``color``
    itself, or the column of a DataFrame ``data`` it names."""
    if isinstance(color, str):
        columns = list(getattr(data, "columns", []))
        if color not in columns:
            where = (
                f"the data's columns are {', '.join(map(repr, columns[:20]))}"
                if columns
                else f"the data are {type(data).__name__}, not a DataFrame"
            )
            raise ValueError(
                f"color={color!r} names no column of the data ({where}); pass a column's "
                "name or one value per row."
            )
        return check_labels(data[color], "color")[checked.rows], color
    n = len(color) if hasattr(color, "__len__") else None
    if n != checked.n_total:
        raise ValueError(
            f"color must have one value per row of data ({checked.n_total} rows), or name a "
            f"column of a DataFrame; got {n if n is not None else type(color).__name__}."
        )
    return check_labels(color, "color")[checked.rows], str(getattr(color, "name", None) or "color")


def _default_labels(model: LatentModel, data: Any, checked: CheckedData) -> Any:
    """Items label themselves: a table's keys, or the texts that were embedded."""
    if data is None and model.table is not None:
        return np.asarray([str(label) for label in model.table[0]])
    if model.data_kind == "text" and data is not None:
        return np.asarray(list(data), dtype=object)
    return None


def choose_renderer(
    model: LatentModel,
    checked: CheckedData,
    image_shape: tuple[int, ...] | None,
    preview: Callable[[Any], Any] | None,
    latents: np.ndarray,
) -> Renderer | None:
    if preview is not None:
        return CallableRenderer(preview)
    if not model.can_decode or model.kind == "text":
        return None
    image_shape = image_shape or model.hints.get("image_shape")
    value_range = model.hints.get("value_range")
    data_is_output = checked.values is not None and model.can_encode
    if image_shape is not None or model.kind == "image":
        if value_range is None and data_is_output:
            assert checked.values is not None
            value_range = (float(np.min(checked.values)), float(np.max(checked.values)))
        return ImageRenderer(image_shape, value_range)
    # Records: each feature against the data's spread (or, without data, the decoded samples').
    outputs = checked.values if data_is_output else model.decode(latents[:256])
    assert outputs is not None
    # The bars' reference: mean and spread of ~20k evenly spaced rows is plenty, and keeps
    # this work small against the latent matrix (a few MB, whatever n is).
    outputs = np.asarray(outputs[:: max(1, len(outputs) // 20_000)])
    outputs = outputs.reshape(len(outputs), -1)
    names = checked.feature_names or model.hints.get("feature_names")
    names = names or [f"feature {i}" for i in range(outputs.shape[1])]
    mean = outputs.mean(axis=0, dtype=np.float64)
    return RecordRenderer(names, mean, outputs.std(axis=0, dtype=np.float64))
