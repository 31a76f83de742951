"""A model's latent space with data mapped into it: everything the widget shows, no widget."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._data import CheckedData, check_data
from .adapters import adapt
from .latent_model import CannotDecodeError, LatentModel
from .projection import LinearProjection, pca_projection
from .renderers import CallableRenderer, ImageRenderer, Preview, RecordRenderer

Renderer = Callable[[Any], Preview]


class LatentSpace:
    """Data encoded by a model, laid out on a 2-D map, with a way back from the map.

    Parameters
    ----------
    model : LatentModel
        The adapted model.
    checked : CheckedData
        The validated data.
    image_shape : tuple of int, optional
        Shape of one decoded output as an image.
    preview : callable, optional
        ``preview(output)`` returning something to show (see ``renderers``).
    labels : array-like, optional
        One label per row of the user's data.
    """

    def __init__(
        self,
        model: LatentModel,
        checked: CheckedData,
        *,
        image_shape: tuple[int, ...] | None = None,
        preview: Callable[[Any], Any] | None = None,
        labels: Any = None,
    ) -> None:
        self.model = model
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
            latents, checked = latents[finite], _keep(checked, finite)
        latents.setflags(write=False)
        self.latents = latents  # (n, d) float32
        self.rows = checked.rows  # (n,) row numbers in the user's data
        self.n_total = checked.n_total
        self.labels = None if labels is None else np.asarray(labels)[self.rows]
        self.projection: LinearProjection = pca_projection(latents)
        self.points = self.projection.transform(latents).astype(np.float32)
        self.points.setflags(write=False)
        self._anchor = latents.mean(axis=0, dtype=np.float64)
        model.probe_decode(self._anchor)
        self.renderer = _choose_renderer(model, checked, image_shape, preview)

    # ------------------------------------------------------------------ anchor
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

    # ------------------------------------------------------------------ map ⇄ latent
    def project(self, Z: Any) -> np.ndarray:
        Z = np.asarray(Z)
        if Z.ndim == 1:
            Z = Z[None]
        return self.projection.transform(Z)

    def lift(self, x: float, y: float) -> np.ndarray:
        return self.projection.inverse(np.array([[x, y]], dtype=np.float64), self._anchor)[0]

    def lift_many(self, P: np.ndarray) -> np.ndarray:
        return self.projection.inverse(P, self._anchor)

    def decode_at(self, x: float, y: float) -> np.ndarray:
        return self.model.decode(self.lift(x, y)[None])[0]

    # ------------------------------------------------------------------ previews
    def preview(self, x: float, y: float, index: int | None) -> tuple[dict[str, Any], list[bytes]]:
        """The preview message (content, buffers) of point ``index`` or the spot ``(x, y)``."""
        if index is not None and not 0 <= index < len(self.latents):
            return {"kind": "message", "text": f"there is no point {index} on this map."}, []
        if index is None:
            z, title, exact = self.lift(x, y), "empty space", self.projection.exact
        else:
            z, title, exact = self.latents[index], self.point_title(index), True
        try:
            output = self.model.decode(z[None])[0]
            result = self.renderer(output)
        except CannotDecodeError as error:
            result = Preview.message(str(error))
        except Exception as error:  # shown in the preview, not swallowed: the user's code failed
            result = Preview.message(f"preview failed: {type(error).__name__}: {error}")
        content: dict[str, Any] = {"title": title, "exact": exact, "kind": result.kind}
        content.update(result.fields)
        return content, result.buffers

    def point_title(self, index: int) -> str:
        row = int(self.rows[index])
        if self.labels is None:
            return f"row {row}"
        value = self.labels[index]
        text = f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)
        return f"{text} · row {row}"


def build_space(
    model: Any,
    data: Any,
    *,
    labels: Any = None,
    image_shape: Sequence[int] | None = None,
    preview: Callable[[Any], Any] | None = None,
) -> LatentSpace:
    """Adapt ``model``, check ``data`` and ``labels``, and lay the data out on a map."""
    if preview is not None and not callable(preview):
        raise TypeError(f"preview must be a function of one decoded output; got {preview!r}.")
    shape = _check_image_shape(image_shape)
    latent_model = adapt(model, image_shape=shape)
    if data is None:
        raise ValueError(
            f"explore({latent_model.name}) needs data= to place on the map: the rows to "
            "encode, e.g. explore(model, data=X)."
        )
    checked = check_data(data, latent_model.n_features, latent_model.name)
    if labels is not None:
        n_labels = len(labels) if hasattr(labels, "__len__") else None
        if n_labels != checked.n_total:
            raise ValueError(
                f"labels must have one value per row of data ({checked.n_total} rows); "
                f"got {n_labels if n_labels is not None else type(labels).__name__}."
            )
    return LatentSpace(latent_model, checked, image_shape=shape, preview=preview, labels=labels)


def _check_image_shape(shape: Any) -> tuple[int, ...] | None:
    if shape is None:
        return None
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"image_shape must be (H, W) or (H, W, C); got {shape!r}.") from None
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"image_shape must be (H, W) or (H, W, C); got {shape}.")
    return shape


def _keep(checked: CheckedData, mask: np.ndarray) -> CheckedData:
    return CheckedData(
        checked.data,
        checked.values[mask],
        checked.rows[mask],
        checked.n_total,
        checked.feature_names,
    )


def _choose_renderer(
    model: LatentModel,
    checked: CheckedData,
    image_shape: tuple[int, ...] | None,
    preview: Callable[[Any], Any] | None,
) -> Renderer:
    if preview is not None:
        return CallableRenderer(preview)
    image_shape = image_shape or model.hints.get("image_shape")
    if image_shape is not None or model.kind == "image":
        value_range = model.hints.get("value_range") or (
            float(checked.values.min()),
            float(checked.values.max()),
        )
        return ImageRenderer(image_shape, value_range)
    names = checked.feature_names or [f"feature {i}" for i in range(checked.values.shape[1])]
    return RecordRenderer(names, checked.values.mean(axis=0), checked.values.std(axis=0))
