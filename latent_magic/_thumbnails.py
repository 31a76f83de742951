"""Pictures on the map: each point's own image, drawn at the point once the page is zoomed in
far enough to tell points apart. The image is the item's own data when the rows are images
(what an autoencoder or PCA of images maps), or what a generator decodes from its sample."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._renderers import ImageRenderer, to_rgba, to_uint8_image

if TYPE_CHECKING:
    from ._space import LatentSpace

MAX_SIDE = 64  # pixels: larger images are shrunk (by whole factors) before they travel
MAX_PER_REQUEST = 512  # thumbnails one request may ask for (the page asks for what is in view)


def thumbnail_spec(space: LatentSpace) -> dict[str, Any]:
    """What the page needs to know before asking: ``{}`` when the map has no pictures, else
    ``{"width", "height", "source": "data" | "decoded"}`` of every thumbnail."""
    if not isinstance(space.renderer, ImageRenderer) or len(space.rows) == 0:
        return {}
    if space.items is None and not space.model.can_decode:
        return {}
    try:
        first = thumbnail_pixels(space, np.array([0]))
    except (ValueError, TypeError):  # an output the renderer cannot show as an image
        return {}
    source = "data" if space.items is not None else "decoded"
    return {"width": int(first.shape[2]), "height": int(first.shape[1]), "source": source}


def thumbnail_pixels(space: LatentSpace, points: np.ndarray) -> np.ndarray:
    """``(m, h, w, 4)`` uint8 RGBA thumbnails of the points (map indices), scaled as the
    previews are (the renderer's shape and value range)."""
    renderer = space.renderer
    assert isinstance(renderer, ImageRenderer)
    if space.items is not None:
        outputs = np.asarray(space.items[points])
    else:  # a generator's samples: what it decodes from each, in one batch
        outputs = np.asarray(space.model.decode(space.latents[points]))
    pictures = [
        _shrink(to_rgba(to_uint8_image(np.asarray(o), renderer.shape, renderer.value_range)))
        for o in outputs
    ]
    return np.stack(pictures) if pictures else np.zeros((0, 1, 1, 4), np.uint8)


def _shrink(rgba: np.ndarray) -> np.ndarray:
    """An image no larger than MAX_SIDE a side: the mean of each k × k block."""
    k = -(-max(rgba.shape[:2]) // MAX_SIDE)
    if k <= 1:
        return rgba
    h, w = (rgba.shape[0] // k) * k, (rgba.shape[1] // k) * k
    blocks = rgba[:h, :w].reshape(h // k, k, w // k, k, 4).astype(np.float32)
    return (blocks.mean(axis=(1, 3)) + 0.5).astype(np.uint8)
