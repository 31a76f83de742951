"""The one interface every model is turned into: encode data to latents, decode latents back."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

KINDS = ("image", "record", "text", "custom")
DATA_KINDS = ("table", "array", "text")
DEFAULT_SAMPLES = 2000  # latents drawn from a generator's prior when no data are given
IMAGE_CHANNELS = (1, 3, 4)  # grey, RGB, RGBA: what the page paints


class CannotDecodeError(RuntimeError):
    """Raised by :meth:`LatentModel.decode` when the model has no way back from latent space."""


class LatentModel:
    """A model seen as a latent space.

    Parameters
    ----------
    encode : callable, optional
        ``encode(X) -> Z``: data ``(n, ...)`` to latents ``(n, dim)``.
    decode : callable, optional
        ``decode(Z) -> outputs``: latents ``(n, dim)`` to model outputs ``(n, ...)``.
    dim : int, optional
        Size of the latent space. Found by probing ``encode`` with ``n_features`` zeros
        when not given.
    kind : {"image", "record", "text", "custom"}, optional
        How decoded outputs are best shown; ``None`` lets the explorer decide.
    name : str, optional
        Shown in messages; defaults to "model".
    n_features : int, optional
        Number of input features ``encode`` expects, when known.
    cannot_decode_reason : str, optional
        Why ``decode`` is unavailable; shown in the preview instead of an image.
    data_kind : {"table", "array", "text"}
        What ``encode`` takes: a numeric table ``(n, n_features)`` (columns checked), any
        numeric array ``(n, ...)`` such as images (numpy or torch), or a list of strings.
    table : (labels, vectors), optional
        A model that *is* its data (an embedding table): ``labels`` (n,) and ``vectors``
        ``(n, dim)`` are what the explorer maps when no data are given.
    prior : bool
        Latents of a generator follow a standard normal: with no data, the explorer maps
        ``sample(n)``.
    export_layers : callable, optional
        ``export_layers() -> list[client_decoder.Layer] | None``: the decoder as a chain of
        dense layers and activations, which the browser can run for instant previews (it is
        used only after it reproduced ``decode`` on random latents).
    hints : dict
        Anything a renderer may use: ``image_shape``, ``value_range``, ``feature_names``.
    """

    def __init__(
        self,
        encode: Callable[[Any], Any] | None = None,
        decode: Callable[[Any], Any] | None = None,
        *,
        dim: int | None = None,
        kind: str | None = None,
        name: str = "model",
        n_features: int | None = None,
        cannot_decode_reason: str | None = None,
        data_kind: str = "table",
        table: tuple[Sequence[Any], np.ndarray] | None = None,
        prior: bool = False,
        export_layers: Callable[[], Any] | None = None,
        **hints: Any,
    ) -> None:
        if encode is None and decode is None:
            raise TypeError("LatentModel needs encode=, decode= or both; got neither.")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
        if data_kind not in DATA_KINDS:
            raise ValueError(f"data_kind must be one of {DATA_KINDS}; got {data_kind!r}.")
        self._encode = encode
        self._decode = decode
        self._dim = dim
        self.kind = kind
        self.name = name
        self.n_features = n_features
        self.data_kind = data_kind
        self.table = table
        self.prior = prior
        self.export_layers = export_layers
        # A torch decoder (_torch_runner.Decoder) the page may run as ONNX (_onnx_decoder).
        self.torch_decoder: Any = None
        self.hints = hints
        self.cannot_decode_reason = cannot_decode_reason or (
            None if decode is not None else f"{name} has no decoder."
        )

    # ------------------------------------------------------------------ capabilities
    @property
    def can_encode(self) -> bool:
        return self._encode is not None

    @property
    def can_decode(self) -> bool:
        return self._decode is not None and self.cannot_decode_reason is None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self._probe_dim()
        return self._dim

    def _probe_dim(self) -> int:
        if self._encode is None or self.n_features is None:
            raise ValueError(
                f"The latent size of {self.name} is unknown: pass dim= to LatentModel."
            )
        Z = np.asarray(self._encode(np.zeros((1, self.n_features))))
        return int(Z.reshape(1, -1).shape[1])

    # ------------------------------------------------------------------ operations
    def encode(self, X: Any) -> np.ndarray:
        """Encode data to latents, ``(n, dim)`` float32."""
        if self._encode is None:
            raise TypeError(f"{self.name} cannot encode data: it has no encoder.")
        Z = np.asarray(self._encode(X), dtype=np.float32)
        if Z.ndim != 2:
            Z = Z.reshape(len(Z), -1)
        if self._dim is None:
            self._dim = int(Z.shape[1])
        return Z

    def decode(self, Z: np.ndarray) -> np.ndarray:
        """Decode latents ``(n, dim)`` to model outputs ``(n, ...)``."""
        if self._decode is None or self.cannot_decode_reason is not None:
            raise CannotDecodeError(self.cannot_decode_reason)
        Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
        if Z.shape[1] != self.dim:
            raise ValueError(
                f"{self.name} decodes latent vectors of size {self.dim}; got shape {Z.shape}."
            )
        return np.asarray(self._decode(Z))

    def probe_decode(self, z: np.ndarray) -> np.ndarray | None:
        """Try to decode one latent: its output, or None (on failure, record why, so previews
        can say it)."""
        if not self.can_decode:
            return None
        try:
            return self.decode(np.asarray(z)[None])[0]
        except Exception as error:  # any failure means: no decoding, say why
            self.cannot_decode_reason = f"{self.name} cannot decode: {error}"
            return None

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` latents from a seeded standard normal prior, ``(n, dim)`` float32."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.dim)).astype(np.float32)

    def __repr__(self) -> str:
        parts = [f"name={self.name!r}", f"dim={self._dim}"]
        if self.kind:
            parts.append(f"kind={self.kind!r}")
        parts.append(f"can_decode={self.can_decode}")
        return f"LatentModel({', '.join(parts)})"


def image_shape_problem(shape: tuple[int, ...], size: int, name: str) -> str | None:
    """Why images of ``shape`` cannot show one decoded output of ``size`` values, with a
    shape that could (None when they can): the one wording of every adapter and the map."""
    holds = math.prod(shape)
    if holds == size:
        return None
    fits = _square_shape(size, shape[2] if len(shape) == 3 else 1)
    fix = (
        f" (e.g. image_shape={fits})"
        if fits
        else f"; pass an image_shape that holds {size} values, or preview= a function that "
        "draws one output"
    )
    return (
        f"image_shape {shape} holds {holds} values, but {name} decodes {size} values per "
        f"latent{fix}."
    )


def _square_shape(size: int, channels: int) -> tuple[int, ...] | None:
    """A square image of ``size`` values, with ``channels`` channels if it can."""
    for c in (channels, *(c for c in IMAGE_CHANNELS if c != channels)):
        side = math.isqrt(size // c)
        if size % c == 0 and side * side * c == size and side > 0:
            return (side, side) if c == 1 else (side, side, c)
    return None
