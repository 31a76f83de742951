"""The decoded atlas: what the model decodes at a regular grid of map positions, the classic
picture of a latent manifold, as values (:class:`Atlas`) and as tiles the page paints.

Every position of a grid is lifted in one call and decoded in one batch: a grid of 96 tiles
is one decode, not 96.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._data import finite_number, read_only
from ._latent_model import CannotDecodeError
from ._png import encode_png
from ._renderers import ImageRenderer, RecordRenderer, to_uint8_image

if TYPE_CHECKING:
    from ._space import LatentSpace

MAX_SIDE = 64  # rows or columns of one atlas: 4,096 decodes at most
_SHOWN_SIDE = 480  # a mosaic smaller than this is enlarged (whole pixels) when shown

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class ImageLayout:
    """How outputs become pixels: the space's image renderer's shape and value range."""

    shape: tuple[int, ...] | None
    value_range: tuple[float, float] | None


@dataclass(frozen=True, eq=False)
class Atlas:
    """What the model decodes at a ``rows × cols`` grid of map positions.

    Row 0 is the top of the view (largest y), column 0 its left, as on screen.

    Attributes
    ----------
    latents : (rows, cols, d) float64
        The lifted latent at each tile's centre.
    positions : (rows, cols, 2) float64
        The map position of each tile's centre.
    outputs : (rows, cols, ...) array
        What the model decodes there.
    bounds : (x0, x1, y0, y1)
        The map region the grid covers.
    layout : ImageLayout or None
        How the outputs are shown as images (the previews' shape and value range), or None
        when they are not images (records, a preview function's own drawings).
    """

    latents: np.ndarray
    positions: np.ndarray
    outputs: np.ndarray
    bounds: Bounds
    layout: ImageLayout | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return int(self.positions.shape[0])

    @property
    def cols(self) -> int:
        return int(self.positions.shape[1])

    def __repr__(self) -> str:
        x0, x1, y0, y1 = self.bounds
        output = tuple(self.outputs.shape[2:])
        kind = "images" if self.layout is not None else "outputs"
        return (
            f"Atlas({self.rows} × {self.cols} tiles, {kind} of shape {output}, "
            f"latents of size {self.latents.shape[2]}, x {x0:.4g} … {x1:.4g}, "
            f"y {y0:.4g} … {y1:.4g})"
        )

    def image(self, gap: int = 0, scale: int = 1) -> np.ndarray:
        """The tiles as one picture: ``(rows·h, cols·w)`` or ``(rows·h, cols·w, C)`` uint8,
        each tile scaled as its preview is (the renderer's shape and value range), enlarged
        ``scale`` times (whole pixels), with ``gap`` pixels of white between tiles (small
        ones, 8 × 8 digits, would run together)."""
        if self.layout is None:
            raise ValueError(
                "this atlas's outputs are not shown as images (records, or a preview "
                "function's own drawings); read atlas.outputs instead."
            )
        return mosaic(self.outputs, self.layout, gap, scale)

    def _repr_png_(self) -> bytes | None:
        """The mosaic for a notebook, enlarged by whole pixels when small (8 × 8 digits make a
        96 × 64 picture), a white line between tiles; None when the outputs are not images."""
        return None if self.layout is None else mosaic_png(self.outputs, self.layout)


def image_layout(space: LatentSpace) -> ImageLayout | None:
    """How the space's decoded outputs are shown as images, or None when they are not."""
    renderer = space.renderer
    if isinstance(renderer, ImageRenderer):
        return ImageLayout(renderer.shape, renderer.value_range)
    return None


def mosaic(outputs: np.ndarray, layout: ImageLayout, gap: int = 0, scale: int = 1) -> np.ndarray:
    """A grid of decoded outputs ``(rows, cols, ...)`` as one picture, row 0 at the top:
    ``(rows·h, cols·w)`` or ``(rows·h, cols·w, C)`` uint8, each tile scaled as its preview is
    (``layout``), enlarged ``scale`` times (whole pixels), ``gap`` pixels of white between."""
    if gap < 0 or scale < 1:
        raise ValueError(f"gap must be 0 or more and scale 1 or more; got {gap}, {scale}.")
    rows, cols = outputs.shape[:2]
    tiles = [
        to_uint8_image(np.asarray(outputs[i, j]), layout.shape, layout.value_range)
        for i in range(rows)
        for j in range(cols)
    ]
    h, w = tiles[0].shape[0] * scale, tiles[0].shape[1] * scale
    size = (rows * (h + gap) - gap, cols * (w + gap) - gap, *tiles[0].shape[2:])
    picture = np.full(size, 255, np.uint8)
    for k, tile in enumerate(tiles):
        i, j = divmod(k, cols)
        big = np.repeat(np.repeat(tile, scale, axis=0), scale, axis=1)
        picture[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = big
    return picture


def mosaic_png(outputs: np.ndarray, layout: ImageLayout) -> bytes:
    """The mosaic as a notebook shows it: PNG, a white line between tiles, enlarged by whole
    pixels when small (8 × 8 digits in a 12 × 8 grid make a 96 × 64 picture)."""
    rows, cols = outputs.shape[:2]
    first = to_uint8_image(np.asarray(outputs[0, 0]), layout.shape, layout.value_range)
    side = max(first.shape[0] * rows, first.shape[1] * cols)
    return encode_png(mosaic(outputs, layout, gap=1, scale=max(1, _SHOWN_SIDE // side)))


def atlas_positions(bounds: Bounds, rows: int, cols: int) -> np.ndarray:
    """``(rows, cols, 2)`` float64: the centres of a ``rows × cols`` grid over ``bounds``, row
    0 at the top: ``x = x0 + (j + ½)(x1 − x0)/cols``, ``y = y1 − (i + ½)(y1 − y0)/rows``."""
    x0, x1, y0, y1 = bounds
    x = x0 + (np.arange(cols) + 0.5) * ((x1 - x0) / cols)
    y = y1 - (np.arange(rows) + 0.5) * ((y1 - y0) / rows)
    positions = np.empty((rows, cols, 2))
    positions[:, :, 0] = x[None, :]
    positions[:, :, 1] = y[:, None]
    return positions


def decode_grid(space: LatentSpace, rows: int, cols: int, bounds: Any) -> Atlas:
    """What ``space``'s model decodes at the centres of a ``rows × cols`` grid over ``bounds``
    ``(x0, x1, y0, y1)``: one lift and one batched decode for the whole grid."""
    rows, cols = _side(rows, "rows"), _side(cols, "cols")
    checked = check_bounds(bounds)
    positions = atlas_positions(checked, rows, cols)
    why = cannot_tile_reason(space)
    if why:
        raise CannotDecodeError(why)
    with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
        latents = space.lift_many(positions.reshape(-1, 2))
    if not np.isfinite(latents).all():
        raise ValueError(
            f"the region x {checked[0]:g} … {checked[1]:g}, y {checked[2]:g} … {checked[3]:g} "
            "lifts to latents with inf or NaN values: it is too far out on this map."
        )
    outputs = decode_latents(space, latents)
    return Atlas(
        read_only(latents.reshape(rows, cols, -1)),
        read_only(positions),
        read_only(outputs.reshape(rows, cols, *outputs.shape[1:])),
        checked,
        image_layout(space),
    )


def cannot_tile_reason(space: LatentSpace) -> str:
    """Why the space's model cannot make tiles ("" when it can)."""
    if space.shows_neighbors:
        return (
            f"{space.model.name} decodes a spot to the labels nearest to it, not to a "
            "picture, so there is nothing to tile; hover a spot to see its neighbors."
        )
    if not space.can_preview or space.renderer is None:
        reason = space.cannot_preview_reason or f"{space.model.name} has no decoder."
        return f"tiles need a model that decodes: {reason}"
    return ""


def decode_latents(space: LatentSpace, latents: np.ndarray) -> np.ndarray:
    """``(m, ...)``: what the model decodes for ``(m, d)`` latents, in one batch."""
    why = cannot_tile_reason(space)
    if why:
        raise CannotDecodeError(why)
    outputs = np.asarray(space.model.decode(latents))
    if outputs.ndim == 0 or len(outputs) != len(latents):
        got = "a scalar" if outputs.ndim == 0 else f"{len(outputs)} outputs"
        raise ValueError(f"{space.model.name} decoded {len(latents)} latents to {got}.")
    return outputs


class Tiles(NamedTuple):
    """What the page needs to paint decoded outputs, one tile each (docs/protocol.md).

    ``tiles[k]`` is ``{"kind": "image", "mime", "width", "height"}`` (``buffers[k]``: raw RGBA
    or PNG bytes, as a preview's) or ``{"kind": "record", "count"}`` (``buffers[k]``: ``count``
    little-endian float32 values, the output's ``(value − mean) / std`` for each of
    ``features``, the same features for every tile)."""

    tiles: list[dict[str, Any]]
    buffers: list[bytes]
    features: list[str]


def atlas_tiles(space: LatentSpace, atlas: Atlas) -> Tiles:
    """The atlas's tiles, row-major (row 0, the top, first)."""
    outputs = atlas.outputs.reshape(atlas.rows * atlas.cols, *atlas.outputs.shape[2:])
    return render_tiles(space, outputs)


def render_tiles(space: LatentSpace, outputs: np.ndarray) -> Tiles:
    """Tiles of decoded ``outputs`` ``(m, ...)``: images as the previews show them, records as
    standardised values for bar glyphs. HTML (a preview function's) cannot be tiled."""
    renderer = space.renderer
    if renderer is None:
        raise CannotDecodeError(cannot_tile_reason(space) or "this map has no previews.")
    if isinstance(renderer, RecordRenderer):
        return _record_tiles(renderer, outputs)
    tiles: list[dict[str, Any]] = []
    buffers: list[bytes] = []
    for k, output in enumerate(outputs):
        try:
            preview = renderer(output)
        except Exception as error:  # a user's preview function: said, with the tile it hit
            raise ValueError(
                f"the preview of tile {k} failed: {type(error).__name__}: {error}"
            ) from error
        if preview.kind != "image" or len(preview.buffers) != 1:
            raise ValueError(
                f"tiles are pictures, but the preview of tile {k} is {preview.kind!r}; a "
                "preview function that returns an image (array, PIL image, figure) can be "
                "tiled."
            )
        fields = preview.fields
        tiles.append(
            {
                "kind": "image",
                "mime": fields["mime"],
                "width": int(fields.get("width", 0)),
                "height": int(fields.get("height", 0)),
            }
        )
        buffers.append(bytes(preview.buffers[0]))
    return Tiles(tiles, buffers, [])


def _record_tiles(renderer: RecordRenderer, outputs: np.ndarray) -> Tiles:
    """Records as glyphs: one set of features for all tiles (so glyphs compare), all of them
    or the ``max_features`` furthest from the mean on average over the tiles, in feature
    order."""
    values = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    if values.shape[1] != len(renderer.names):
        raise ValueError(
            f"the decoded outputs have {values.shape[1]} values; the data have "
            f"{len(renderer.names)} features."
        )
    z = (values - renderer.mean) / renderer.std
    shown = np.arange(values.shape[1])
    if len(shown) > renderer.max_features:
        score = np.nan_to_num(np.abs(z)).mean(axis=0)
        shown = np.sort(np.argsort(-score, kind="stable")[: renderer.max_features])
    chosen = np.ascontiguousarray(z[:, shown], dtype="<f4")
    tiles = [{"kind": "record", "count": len(shown)} for _ in range(len(chosen))]
    return Tiles(tiles, [row.tobytes() for row in chosen], [renderer.names[i] for i in shown])


def check_bounds(bounds: Any) -> Bounds:
    """``(x0, x1, y0, y1)``: four finite numbers with ``x0 < x1`` and ``y0 < y1``."""
    expected = "(x0, x1, y0, y1), four finite numbers with x0 < x1 and y0 < y1"
    try:
        values = tuple(bounds)
    except TypeError:
        raise TypeError(f"bounds must be {expected}; got {bounds!r}.") from None
    if len(values) != 4 or not all(map(finite_number, values)):
        raise ValueError(f"bounds must be {expected}; got {bounds!r}.")
    x0, x1, y0, y1 = (float(v) for v in values)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"bounds must be {expected}; got x {x0:g} … {x1:g}, y {y0:g} … {y1:g}.")
    return x0, x1, y0, y1


def _side(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a positive integer (at most {MAX_SIDE}); got {value!r}.")
    if not 1 <= value <= MAX_SIDE:
        raise ValueError(f"{name} must be a positive integer (at most {MAX_SIDE}); got {value}.")
    return int(value)
