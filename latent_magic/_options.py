"""The options of a map, spelled once: ``explore()``, ``LatentExplorer`` and
``%latent explore`` all take these keywords, check them here, and the magic builds its
flags from the same fields (their metadata: flag, short flag, help, how to read the text)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from ._latent_model import DEFAULT_SAMPLES, IMAGE_CHANNELS
from ._map_labels import check_priority
from ._sample import DEFAULT_MAX_POINTS
from ._suggest import did_you_mean

LIFTS = ("auto", "local", "affine")
MIN_HEIGHT = 50  # CSS pixels: a map any smaller has no room to show points


def _magic(help: str, read: str, *flags: str) -> dict[str, Any]:
    """What the magic needs of a field: its flags (default ``--name-with-dashes``), its help
    and how to read its text (``expression``, ``int``, ``text``, ``shape``, ``axes``,
    ``column``: a notebook variable or else a column's name, ``priority``: a priority's name
    or else an expression)."""
    return {"help": help, "read": read, "flags": flags}


@dataclass(frozen=True)
class ExploreOptions:
    """How to build a map. Every keyword of :func:`latent_magic.explore` but the model, the
    data and ``encode``/``decode``.

    Attributes
    ----------
    labels : array-like (n,), optional
        One label per row: shown on hover and, when they are words, written on the map;
        they colour the map unless ``color`` does.
    color : array-like (n,) or str, optional
        What colours the points, one value per row (categories get a palette, numbers with
        many values a continuous scale), or the name of a column of a DataFrame ``data``.
        The labels keep naming the points.
    label_priority : {"isolation", "order"} or array-like (n,), optional
        Which labels the map writes first where they would overlap: the least crowded
        points (``"isolation"``, the default), the rows in order (``"order"``, the default
        for an embedding table, whose rows are usually by frequency), or one number per row,
        higher first.
    image_shape : (H, W) or (H, W, C), optional
        Show decoded outputs as images of this shape.
    preview : callable, optional
        ``preview(output)`` → PIL image, matplotlib figure, array or HTML string.
    height : int
        Map height in CSS pixels (at least 50).
    n_samples, seed : int
        With no data, a generator's prior is sampled: this many latents, this seed.
    latent_dim : int, optional
        The latent size of a generator that does not say it.
    projection : {"pca", "tsne", "isomap", "umap"}
        The map: the top two principal axes (exact), or a non-linear map (approximate).
    axes : (x, y), optional
        Two directions (Direction objects, vectors, or names such as "PC 3") as the axes.
    max_points : int
        The most points the page draws (default 1,000,000). Data with more rows (or a Dask
        array or DataFrame, or a path to a zarr array or npy stack) are shown as a sample of
        this many rows, stable across zoom levels, over the density of every row, counted
        where the data live; a lasso selects among all rows.
    lift : {"auto", "local", "affine"}
        How a map position becomes a latent. ``"affine"``: the plane coordinates of the
        position, every other component from the anchor. ``"local"``: the plane coordinates,
        the rest from the latents near the position, at their norm (where a generator's
        latents live). ``"auto"``: local for a generator with a Gaussian prior
        (``LatentModel(prior=True)``), affine otherwise.
    """

    labels: Any = field(
        default=None, metadata=_magic("one label per row: colours the map", "expression", "-l")
    )
    color: Any = field(
        default=None,
        metadata=_magic(
            "what colours the points: one value per row, or a column of the data", "column", "-c"
        ),
    )
    label_priority: Any = field(
        default=None,
        metadata=_magic(
            "isolation (default) or order, or one number per row: which labels the map "
            "writes first",
            "priority",
        ),
    )
    image_shape: tuple[int, ...] | None = field(
        default=None, metadata=_magic("show decoded outputs as images: H,W or H,W,C", "shape", "-s")
    )
    preview: Callable[[Any], Any] | None = field(
        default=None,
        metadata=_magic("a function output -> image, figure or HTML", "expression", "-p"),
    )
    height: int = field(default=420, metadata=_magic("map height in pixels (default 420)", "int"))
    n_samples: int = field(
        default=DEFAULT_SAMPLES,
        metadata=_magic(
            f"with no data, latents sampled from a generator's prior (default {DEFAULT_SAMPLES})",
            "int",
            "--samples",
            "-n",
        ),
    )
    seed: int = field(default=0, metadata=_magic("seed of those samples (default 0)", "int"))
    latent_dim: int | None = field(
        default=None, metadata=_magic("latent size of a generator that does not say it", "int")
    )
    projection: str = field(
        default="pca", metadata=_magic("pca (default, exact), tsne, isomap or umap", "text")
    )
    axes: Sequence[Any] | None = field(
        default=None,
        metadata=_magic("two directions as the axes: names (e.g. PC 3) or variables, A,B", "axes"),
    )

    max_points: int = field(
        default=DEFAULT_MAX_POINTS,
        metadata=_magic(
            f"points the page draws at most (default {DEFAULT_MAX_POINTS:,}); a bigger table is "
            "shown as a sample over the density of all its rows",
            "int",
        ),
    )
    lift: str = field(
        default="auto",
        metadata=_magic(
            "auto (default), local or affine: how empty space becomes a latent", "text"
        ),
    )

    def __post_init__(self) -> None:
        if self.lift not in LIFTS:
            raise ValueError(
                f"lift must be one of {', '.join(map(repr, LIFTS))}; got {self.lift!r}."
            )
        _check_int("height", self.height, MIN_HEIGHT)
        check_priority(self.label_priority)
        _check_int("n_samples", self.n_samples, 1)
        _check_int("seed", self.seed, 0)
        _check_int("max_points", self.max_points, 1)
        if self.latent_dim is not None:
            _check_int("latent_dim", self.latent_dim, 1)
        if not isinstance(self.projection, str):
            raise TypeError(
                f"projection must be a name such as 'pca' or 'tsne'; got "
                f"{type(self.projection).__name__}."
            )
        if self.preview is not None and not callable(self.preview):
            raise TypeError(
                f"preview must be a function of one decoded output; got {self.preview!r}."
            )
        object.__setattr__(self, "image_shape", _image_shape(self.image_shape))
        if self.axes is not None and self.projection != "pca":
            raise TypeError(
                f"pass axes= or projection={self.projection!r}, not both: named axes make an "
                "exact linear map."
            )
        if self.axes is not None and (isinstance(self.axes, str) or len(self.axes) != 2):
            given = repr(self.axes) if isinstance(self.axes, str) else f"{len(self.axes)}"
            raise ValueError(f"axes must be two directions (x, y); got {given}.")

    @classmethod
    def of(cls, keywords: Mapping[str, Any], caller: str) -> ExploreOptions:
        """The options from keyword arguments; an unknown keyword is a ``TypeError`` that
        names the closest known one."""
        known = [f.name for f in fields(cls)]
        for name in keywords:
            if name not in known:
                raise TypeError(
                    f"{caller}() got an unexpected keyword argument {name!r}."
                    f"{did_you_mean(name, known)} "
                    f"Known: {', '.join(known)}."
                )
        return cls(**keywords)

    @classmethod
    def parameters(cls) -> list[inspect.Parameter]:
        """The options as keyword-only parameters, for the signatures that take them."""
        return [
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
            for f in fields(cls)
        ]


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer (at least {minimum}); got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}.")


def _image_shape(shape: Any) -> tuple[int, ...] | None:
    if shape is None:
        return None
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"image_shape must be (H, W) or (H, W, C); got {shape!r}.") from None
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"image_shape must be (H, W) or (H, W, C); got {shape}.")
    if len(shape) == 3 and shape[2] not in IMAGE_CHANNELS:
        raise ValueError(
            f"image_shape {shape} has {shape[2]} channels; expected 1, 3 or 4 (grey, RGB, "
            "RGBA) as (H, W, C), or preview= a function that draws one output."
        )
    return shape
