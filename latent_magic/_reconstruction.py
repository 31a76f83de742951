"""An autoencoder's view of its own data: a point's input beside what the model makes of it
(encode, then decode), and how far apart they are."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._renderers import ImageRenderer, Preview, image_preview, to_rgba, to_uint8_image

# explore(color=...) with this name (and no column of that name) colours by the error.
COLOR_NAMES = ("reconstruction error", "reconstruction_error")
_BATCH = 4096  # rows decoded at once when measuring every row's error


def squared_error(item: Any, output: Any) -> float | None:
    """The mean squared difference of an input and its reconstruction (None when their
    sizes differ: the model's output is not the input's kind)."""
    a = np.asarray(item, dtype=np.float64).ravel()
    b = np.asarray(output, dtype=np.float64).ravel()
    if a.size != b.size:
        return None
    return float(np.mean((a - b) ** 2))


def reconstruction_preview(item: Any, output: Any, renderer: ImageRenderer) -> Preview | None:
    """The input (left) and its reconstruction (right), scaled alike, a transparent gap
    between them, with the error in the caption; None when they cannot be shown side by side."""
    error = squared_error(item, output)
    if error is None:
        return None
    shape, value_range = renderer.shape, renderer.value_range
    left = to_rgba(to_uint8_image(np.asarray(item), shape, value_range))
    right = to_rgba(to_uint8_image(np.asarray(output), shape, value_range))
    if left.shape != right.shape:
        return None
    gap = np.zeros((left.shape[0], max(1, left.shape[1] // 16), 4), np.uint8)
    preview = image_preview(np.concatenate([left, gap, right], axis=1))
    preview.fields["note"] = f"input | reconstruction · mean squared error {error:.4g}"
    preview.fields["reconstruction_error"] = error
    return preview


def reconstruction_errors(model: Any, latents: np.ndarray, items: Any) -> np.ndarray:
    """``(n,)`` float64: each row's mean squared error between its data and the decoding of
    its latent, decoded in batches."""
    errors = np.empty(len(latents))
    for start in range(0, len(latents), _BATCH):
        stop = min(start + _BATCH, len(latents))
        outputs = np.asarray(model.decode(latents[start:stop]), dtype=np.float64)
        inputs = np.asarray(items[start:stop], dtype=np.float64)
        if outputs.size != inputs.size:
            raise ValueError(
                f"cannot colour by reconstruction error: {model.name} decodes to "
                f"{outputs[0].size} values per row, the data have {inputs[0].size}."
            )
        diff = outputs.reshape(len(outputs), -1) - inputs.reshape(len(inputs), -1)
        errors[start:stop] = np.mean(diff**2, axis=1)
    return errors
