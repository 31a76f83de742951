"""Read back the pixels a preview message carries, as the browser would paint them."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from latent_magic._renderers import RAW_RGBA


def shown_pixels(fields: dict[str, Any], buffer: Any) -> np.ndarray:
    """``(H, W)`` for grey images, ``(H, W, 3|4)`` otherwise, from raw RGBA or PNG bytes."""
    if fields["mime"] != RAW_RGBA:
        return np.asarray(Image.open(io.BytesIO(bytes(buffer))))
    rgba = np.frombuffer(bytes(buffer), np.uint8).reshape(fields["height"], fields["width"], 4)
    opaque = (rgba[:, :, 3] == 255).all()
    grey = (rgba[:, :, 0] == rgba[:, :, 1]).all() and (rgba[:, :, 1] == rgba[:, :, 2]).all()
    if grey and opaque:
        return rgba[:, :, 0]
    return rgba[:, :, :3] if opaque else rgba
