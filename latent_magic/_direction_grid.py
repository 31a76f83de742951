"""Two-direction grids: what the model decodes over the plane through the anchor that two
directions span, each measured in the data's standard deviations along it as a walk is.

The figure of the article's "BMI × zoom" kind: one direction across (columns, low to high,
left to right), the other up (rows, high at the top). A grid is a walk in two directions at
once, so it follows the walk's rules (:meth:`LatentSpace.walk_latents`): steps in the data's
standard deviations along each direction, and on a Gaussian prior's shell each latent at the
anchor's norm. Its middle row is the walk along the first direction, its middle column the
walk along the second. All the latents are decoded in one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._atlas import (
    MAX_SIDE,
    ImageLayout,
    cannot_tile_reason,
    decode_latents,
    image_layout,
    mosaic,
    mosaic_png,
)
from ._data import finite_number, read_only, two_values
from ._direction import Direction
from ._latent_model import CannotDecodeError
from ._prior import keep_norm

if TYPE_CHECKING:
    from ._space import LatentSpace

__all__ = ["DirectionGrid", "direction_grid", "plane_latents"]

Span = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class DirectionGrid:
    """What the model decodes at ``anchor + s·SD₁·unit(d₁) + t·SD₂·unit(d₂)`` over a grid.

    Laid out as a figure with d₁ on x and d₂ on y: column 0 is the lowest ``s`` (left), row
    0 the highest ``t`` (top).

    Attributes
    ----------
    directions : (str, str)
        The names of d₁ (across, the columns) and d₂ (up, the rows).
    s : (cols,) float64
        Each column's step along d₁, in standard deviations of the data along it; increasing.
    t : (rows,) float64
        Each row's step along d₂, in standard deviations of the data along it; decreasing
        (row 0 is the top).
    latents : (rows, cols, d) float64
        ``latents[i, j]`` is the latent at ``(s[j], t[i])``.
    outputs : (rows, cols, ...) array
        What the model decodes there.
    spreads : (float, float)
        SD₁ and SD₂: the data's standard deviations along d₁ and d₂ (the units of s and t).
    anchor : (d,) float64
        The latent at ``s = t = 0``.
    note : str
        How the steps were made, in words (a walk's note).
    layout : ImageLayout or None
        How the outputs are shown as images, or None when they are not images (records, a
        preview function's own drawings).
    """

    directions: tuple[str, str]
    s: np.ndarray
    t: np.ndarray
    latents: np.ndarray
    outputs: np.ndarray
    spreads: tuple[float, float]
    anchor: np.ndarray = field(repr=False)
    note: str = ""
    layout: ImageLayout | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return int(self.latents.shape[0])

    @property
    def cols(self) -> int:
        return int(self.latents.shape[1])

    def __repr__(self) -> str:
        across, up = self.directions
        output = tuple(self.outputs.shape[2:])
        kind = "images" if self.layout is not None else "outputs"
        return (
            f"DirectionGrid({self.rows} × {self.cols} tiles, {kind} of shape {output}, "
            f"latents of size {self.latents.shape[2]}, across {across!r} "
            f"{self.s[0]:.4g} … {self.s[-1]:.4g} SD, up {up!r} "
            f"{self.t[-1]:.4g} … {self.t[0]:.4g} SD)"
        )

    def image(self, gap: int = 0, scale: int = 1) -> np.ndarray:
        """The tiles as one picture, d₁ across and d₂ up: ``(rows·h, cols·w)`` or
        ``(rows·h, cols·w, C)`` uint8, each tile scaled as its preview is, enlarged ``scale``
        times (whole pixels), ``gap`` pixels of white between tiles (as ``Atlas.image``)."""
        if self.layout is None:
            raise ValueError(
                "this grid's outputs are not shown as images (records, or a preview "
                "function's own drawings); read grid.outputs instead."
            )
        return mosaic(self.outputs, self.layout, gap, scale)

    def _repr_png_(self) -> bytes | None:
        """The mosaic for a notebook (as an atlas shows itself); None when not images."""
        return None if self.layout is None else mosaic_png(self.outputs, self.layout)


def direction_grid(
    space: LatentSpace,
    d1: Direction,
    d2: Direction,
    steps: Any = (7, 7),
    span: Any = ((-2.0, 2.0), (-2.0, 2.0)),
) -> DirectionGrid:
    """What ``space``'s model decodes over a grid of the plane through the anchor that two
    directions span, in one batched decode.

    Parameters
    ----------
    space : LatentSpace
    d1, d2 : Direction
        The direction across (columns) and the direction up (rows). They need not be
        orthogonal, only not along the same line.
    steps : (int, int)
        Values of ``s`` along d1 (the columns) and of ``t`` along d2 (the rows), 1 to 64 each.
    span : ((s0, s1), (t0, t1))
        The range of ``s`` and of ``t``, in the data's standard deviations along d1 and d2
        (as a walk's span), each low < high; the values are evenly spaced, ends included
        (one step is the middle: ``steps=(9, 1)`` over a symmetric span is the walk along d1
        through the anchor).

    Returns
    -------
    DirectionGrid
        ``latents[i, j] = anchor + s[j]·SD₁·unit(d1) + t[i]·SD₂·unit(d2)`` (on a Gaussian
        prior's shell, rescaled to the anchor's norm, as walks are), shape
        ``(steps[1], steps[0], d)``; ``t`` runs from high (row 0, the top) to low.

    Raises
    ------
    CannotDecodeError
        When the model cannot decode, or decodes to labels rather than outputs to tile.
    ValueError
        For bad steps or span, directions of another dimension, along one line, or along
        which the data do not vary, and a grid that leaves the range of float64 numbers.
    TypeError
        For directions that are not :class:`Direction` objects, or steps that are not
        integers.
    """
    cols, rows = _steps(steps)
    (s0, s1), (t0, t1) = _span(span)
    why = cannot_tile_reason(space)
    if why:
        raise CannotDecodeError(why)
    s = _evenly(s0, s1, cols)
    t = _evenly(t1, t0, rows)  # row 0 is the top: the highest t
    latents = plane_latents(space, d1, d2, s, t)
    outputs = decode_latents(space, latents.reshape(rows * cols, -1))
    spreads = (space.spread_along(d1), space.spread_along(d2))
    return DirectionGrid(
        directions=(d1.name, d2.name),
        s=read_only(s),
        t=read_only(t),
        latents=read_only(latents),
        outputs=read_only(outputs.reshape(rows, cols, *outputs.shape[1:])),
        spreads=spreads,
        anchor=read_only(space.anchor),
        note=space.walk_note(),
        layout=image_layout(space),
    )


def plane_latents(
    space: LatentSpace, d1: Direction, d2: Direction, s: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """``(len(t), len(s), d)`` float64: ``anchor + s[j]·SD₁·unit(d1) + t[i]·SD₂·unit(d2)``,
    the walk's rule in two directions (``s = 0`` gives ``space.walk_latents(d2, t)``, ``t = 0``
    gives ``space.walk_latents(d1, s)``)."""
    for which, d in (("d1", d1), ("d2", d2)):
        if not isinstance(d, Direction):
            raise TypeError(f"{which} must be a Direction; got {type(d).__name__}.")
        if d.dim != space.dim:
            raise ValueError(
                f"direction {d.name!r} has dimension {d.dim}; this space has {space.dim}."
            )
    u1, u2 = d1.unit, d2.unit
    if abs(float(u1 @ u2)) > 1 - 1e-9:
        raise ValueError(
            f"{d1.name!r} and {d2.name!r} point along the same line: a grid needs two "
            "directions that differ."
        )
    spreads = (space.spread_along(d1), space.spread_along(d2))
    for d, spread in zip((d1, d2), spreads, strict=True):
        if spread == 0:
            raise ValueError(
                f"the data do not vary along {d.name!r}: its steps (in standard deviations "
                "of the data along it) would all be the anchor."
            )
    anchor = space.anchor
    s, t = np.asarray(s, dtype=np.float64), np.asarray(t, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
        Z = anchor + s[None, :, None] * (spreads[0] * u1) + t[:, None, None] * (spreads[1] * u2)
        # The walk's own rule (walk_latents): on a Gaussian prior's shell, keep its norm.
        if space._walks_on_shell():
            Z = keep_norm(Z.reshape(-1, space.dim), float(np.linalg.norm(anchor)))
            Z = Z.reshape(len(t), len(s), space.dim)
    if not np.isfinite(Z).all():
        far = max(float(np.max(np.abs(s))), float(np.max(np.abs(t))))
        raise ValueError(
            f"the grid leaves the range of float64 numbers: {far:g} standard deviations along "
            f"{d1.name!r} or {d2.name!r} is too far; use a smaller span."
        )
    return Z


def _evenly(start: float, stop: float, n: int) -> np.ndarray:
    """``n`` values from ``start`` to ``stop``, ends included; one value is the middle."""
    return np.linspace(start, stop, n) if n > 1 else np.array([(start + stop) / 2])


def _steps(steps: Any) -> tuple[int, int]:
    expected = f"steps must be two positive integers (along d1, along d2), at most {MAX_SIDE}"
    pair = two_values(steps)
    if pair is None:
        raise TypeError(f"{expected}; got {steps!r}.")
    for value in pair:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{expected}; got {steps!r}.")
        if not 1 <= value <= MAX_SIDE:
            raise ValueError(f"{expected}; got {steps!r}.")
    return int(pair[0]), int(pair[1])


def _span(span: Any) -> Span:
    expected = (
        "span must be ((s0, s1), (t0, t1)): for d1 and for d2, two finite numbers, low < high"
    )
    pairs = two_values(span)
    if pairs is None:
        raise ValueError(f"{expected}; got {span!r}.")
    checked = []
    for which, pair in zip(("d1", "d2"), pairs, strict=True):
        values = two_values(pair)
        if values is None or not all(map(finite_number, values)):
            raise ValueError(f"{expected}; got {span!r}.")
        low, high = float(values[0]), float(values[1])
        if not low < high:
            raise ValueError(f"{expected}; got {low:g} … {high:g} for {which}.")
        if not math.isfinite(high - low):
            raise ValueError(
                f"the span {low:g} … {high:g} for {which} is wider than float64 numbers reach; "
                "use a smaller span."
            )
        checked.append((low, high))
    return checked[0], checked[1]
