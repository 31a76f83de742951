"""Turn one decoded model output into a preview the browser can show.

A preview is a small dict (sent as the message content) plus binary buffers (image bytes).
Plain images take a fast path (numpy + zlib); matplotlib is touched only when the user's own
preview function returns a figure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._png import encode_png


@dataclass
class Preview:
    kind: str  # "image" | "record" | "html" | "message"
    fields: dict[str, Any] = field(default_factory=dict)
    buffers: list[bytes] = field(default_factory=list)

    @classmethod
    def message(cls, text: str) -> Preview:
        return cls("message", {"text": text})


class ImageRenderer:
    """Arrays as images: flat with a shape hint, ``(H, W)``, ``(H, W, C)`` or ``(C, H, W)``.

    Parameters
    ----------
    shape : tuple of int, optional
        Image shape for flat outputs, ``(H, W)`` or ``(H, W, C)``.
    value_range : (float, float), optional
        The values shown as black and white. Fixed across previews so brightness is
        comparable; guessed from each output when not given.
    """

    def __init__(
        self, shape: Sequence[int] | None = None, value_range: tuple[float, float] | None = None
    ) -> None:
        self.shape = tuple(int(s) for s in shape) if shape is not None else None
        self.value_range = value_range

    def __call__(self, output: Any) -> Preview:
        return image_preview(to_uint8_image(np.asarray(output), self.shape, self.value_range))


RAW_MAX_PIXELS = 128 * 128  # up to this size raw RGBA is small to send and instant to paint


def image_preview(pixels: np.ndarray) -> Preview:
    """A preview of uint8 pixels: raw RGBA for small images (the browser paints them into a
    canvas at once, where a PNG would wait for an asynchronous decode), PNG for larger ones."""
    height, width = pixels.shape[:2]
    fields = {"width": width, "height": height}
    if height * width > RAW_MAX_PIXELS:
        return Preview("image", {"mime": "image/png", **fields}, [encode_png(pixels)])
    return Preview("image", {"mime": RAW_RGBA, **fields}, [to_rgba(pixels).tobytes()])


RAW_RGBA = "image/x-raw-rgba"


def to_rgba(pixels: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` uint8 of grey, grey + alpha, RGB or RGBA pixels."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    channels = pixels.shape[2]
    alpha = np.full((*pixels.shape[:2], 1), 255, np.uint8)
    if channels == 1:
        return np.concatenate([pixels, pixels, pixels, alpha], axis=2)
    if channels == 2:
        return np.concatenate([pixels[:, :, :1]] * 3 + [pixels[:, :, 1:]], axis=2)
    if channels == 3:
        return np.concatenate([pixels, alpha], axis=2)
    return pixels


def to_uint8_image(
    array: np.ndarray,
    shape: tuple[int, ...] | None = None,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """``(H, W)`` or ``(H, W, C)`` uint8 pixels of an array, or a ValueError saying why not."""
    array = arrange_image(array, shape)
    if array.dtype == np.uint8:
        return array
    values = array.astype(np.float64)
    lo, hi = value_range if value_range is not None else guess_value_range(values)
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    return (np.clip(np.nan_to_num(scaled), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def arrange_image(array: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """An output laid out as ``(H, W)`` or ``(H, W, C)`` (C = 3 or 4), values untouched."""
    if shape is not None:
        if array.size != int(np.prod(shape)):
            raise ValueError(
                f"the decoded output has {array.size} values, but image shape {shape} needs "
                f"{int(np.prod(shape))}; pass the right image_shape, or preview= a function."
            )
        array = array.reshape(shape)
    array = np.squeeze(array) if array.ndim > 3 else array
    if array.ndim == 3 and array.shape[-1] not in (1, 3, 4) and array.shape[0] in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # CHW → HWC
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"cannot show a decoded output of shape {array.shape} as an image: expected "
            "(H, W), (H, W, C) or (C, H, W) with 1, 3 or 4 channels; pass image_shape=(H, W) "
            "for flat outputs, or preview= a function that draws it."
        )
    return array


def guess_value_range(values: np.ndarray) -> tuple[float, float]:
    """The usual range the values fit in ([0, 1], [-1, 1], [0, 255]), else their own."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    for candidate in ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0)):
        if candidate[0] <= lo and hi <= candidate[1]:
            return candidate
    return lo, hi


class RecordRenderer:
    """Tabular outputs: each feature's value against the data's mean and spread.

    Parameters
    ----------
    names : list of str
        Feature names, one per output value.
    mean, std : (f,) arrays
        The data's mean and standard deviation of each feature.
    max_features : int
        Beyond this many features, only those furthest from the mean are listed.
    """

    def __init__(
        self, names: Sequence[str], mean: np.ndarray, std: np.ndarray, max_features: int = 24
    ) -> None:
        self.names = list(names)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.where(np.asarray(std) > 0, std, 1.0).astype(np.float64)
        self.max_features = max_features

    def __call__(self, output: Any) -> Preview:
        values = np.asarray(output, dtype=np.float64).ravel()
        if values.size != len(self.names):
            raise ValueError(
                f"the decoded output has {values.size} values; the data have "
                f"{len(self.names)} features."
            )
        shown = np.arange(values.size)
        if values.size > self.max_features:
            deviation = np.abs(values - self.mean) / self.std
            shown = np.sort(np.argsort(deviation)[::-1][: self.max_features])
        features = [
            {
                "name": self.names[i],
                "value": float(values[i]),
                "mean": float(self.mean[i]),
                "std": float(self.std[i]),
            }
            for i in shown
        ]
        return Preview("record", {"features": features, "total_features": int(values.size)})


class CallableRenderer:
    """A user's ``preview(output)`` returning a PIL image, a matplotlib figure, an array,
    an HTML string, or anything with ``_repr_png_`` / ``_repr_svg_`` / ``_repr_html_``."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, output: Any) -> Preview:
        result = self.function(output)
        return preview_of_object(result)


def preview_of_object(result: Any) -> Preview:
    """A preview of whatever a user's preview function returned."""
    if isinstance(result, str):
        svg = svg_preview(result)
        return svg if svg is not None else Preview("html", {"html": result})
    if isinstance(result, np.ndarray):
        return ImageRenderer()(result)
    if hasattr(result, "savefig"):  # a matplotlib figure
        return _figure_preview(result)
    if hasattr(result, "save") and hasattr(result, "mode"):  # a PIL image
        buffer = io.BytesIO()
        result.save(buffer, format="PNG")
        width, height = result.size
        return Preview(
            "image", {"mime": "image/png", "width": width, "height": height}, [buffer.getvalue()]
        )
    for method, mime in (("_repr_png_", "image/png"), ("_repr_svg_", "image/svg+xml")):
        if hasattr(result, method):
            data = getattr(result, method)()
            data = data.encode() if isinstance(data, str) else data
            return Preview("image", {"mime": mime, "width": 0, "height": 0}, [data])
    if hasattr(result, "_repr_html_"):
        return Preview("html", {"html": result._repr_html_()})
    raise TypeError(
        "a preview function must return a PIL image, a matplotlib figure, a numpy array, "
        f"an HTML string, or an object with _repr_png_/_repr_html_; got {type(result).__name__}."
    )


_SVG_ROOT = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?<svg\b([^>]*)>", re.IGNORECASE)
_SVG_SIZE = r'\b{}\s*=\s*["\']\s*([0-9.]+)\s*(?:px)?\s*["\']'


def svg_preview(text: str) -> Preview | None:
    """A string that is one SVG drawing as an image (shown as a picture, never inserted as
    HTML; tiled by the atlas and the walk's strip), with its size when its root gives one in
    pixels; None for any other text."""
    root = _SVG_ROOT.match(text)
    if root is None or not text.rstrip().lower().endswith("</svg>"):
        return None
    size = []
    for name in ("width", "height"):
        found = re.search(_SVG_SIZE.format(name), root.group(1))
        size.append(round(float(found.group(1))) if found else 0)
    fields = {"mime": "image/svg+xml", "width": size[0], "height": size[1]}
    return Preview("image", fields, [text.encode("utf-8")])


def _figure_preview(figure: Any) -> Preview:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
    width, height = (int(v * 72) for v in figure.get_size_inches())
    # A preview function makes a new figure per call; close it or pyplot keeps them all.
    import matplotlib.pyplot as plt

    plt.close(figure)
    return Preview(
        "image", {"mime": "image/png", "width": width, "height": height}, [buffer.getvalue()]
    )
