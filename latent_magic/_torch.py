"""PyTorch models: GAN generators, autoencoders and VAEs, embedding tables.

torch is imported only when a torch object is adapted: if it has not been imported yet, the
object cannot be a torch module, so :func:`looks_like_torch_module` answers without it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from ._latent_model import LatentModel
from ._renderers import guess_value_range, to_uint8_image
from ._torch_layers import record_layers

if TYPE_CHECKING:
    import torch

    from ._client_decoder import Layer

BATCH_SIZE = 256  # rows per forward pass when encoding or decoding
PROBE_SAMPLES = 64  # prior samples decoded at adapt time to learn the outputs' shape and range
_PROBE_VALUES = 1 << 24  # at most this many output values per probe (large GAN images)
_SIZE_ATTRIBUTES = ("latent_dim", "nz", "z_dim")
_MEAN_KEYS = ("mu", "mean", "loc", "z")
_NEIGHBOURS = 10
# LatentModel's own arguments: a hint of the same name would clash with what the adapter sets.
_RESERVED = ("encode", "decode", "n_features", "cannot_decode_reason", "data_kind", "table")


def looks_like_torch_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module``; never imports torch."""
    if "torch" not in sys.modules:
        return False
    import torch

    return isinstance(obj, torch.nn.Module)


def adapt_module(module: Any, **hints: Any) -> LatentModel:
    """A ``torch.nn.Module`` seen as a :class:`LatentModel`.

    * ``nn.Embedding`` with ``labels=`` (one per row): a table of vectors, encoded by label
      and decoded to the nearest labels.
    * A module with ``encode`` / ``decode`` methods or ``encoder`` / ``decoder`` submodules:
      an autoencoder or VAE (an encoder's ``(mu, logvar)``, dict or distribution is reduced
      to its mean).
    * Any other module: a generator, ``forward(z)`` from latents to outputs, with latents
      drawn from a standard normal prior.

    Parameters
    ----------
    module : torch.nn.Module
    **hints
        ``latent_dim`` (or ``dim``): the latent size when the module does not say it;
        ``labels``: the rows of an embedding table; ``batch_size``: rows per forward pass;
        ``value_range``: the values shown as black and white (found by decoding prior samples
        otherwise); ``preview``: a user's preview function (outputs of any shape are then
        accepted); ``name``, ``kind``: override the model's. Other hints that are not None
        are kept on the result for the renderers.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"adapt_module expects a torch.nn.Module; got {type(module).__name__}.")
    hints = {k: v for k, v in hints.items() if v is not None}
    clashing = sorted(set(hints) & set(_RESERVED))
    if clashing:
        raise TypeError(
            f"{', '.join(clashing)} cannot be given when adapting a torch module; to set "
            "them yourself, build LatentModel(encode=..., decode=...) directly."
        )
    latent_dim = _check_latent_dim(hints.pop("latent_dim", hints.pop("dim", None)))
    batch_size = _check_batch_size(hints.pop("batch_size", BATCH_SIZE))
    name = str(hints.pop("name", type(module).__name__))
    if isinstance(module, torch.nn.Embedding):
        return _adapt_embedding(module, name, hints)
    encoder = _part(module, "encode", "encoder")
    decoder = _part(module, "decode", "decoder")
    runner = _Runner(module, batch_size, name)
    if encoder is not None:
        return _adapt_autoencoder(module, runner, encoder, decoder, latent_dim, name, hints)
    return _adapt_generator(module, runner, decoder or module, latent_dim, name, hints)


# ---------------------------------------------------------------------- generators
def _adapt_generator(
    module: torch.nn.Module,
    runner: _Runner,
    forward: Callable[..., Any],
    latent_dim: int | None,
    name: str,
    hints: dict[str, Any],
) -> LatentModel:
    first = _first_layer(forward if _is_module(forward) else module)
    dim = latent_dim or _size_attribute(module) or _layer_latent_size(first, module)
    if dim is None:
        raise ValueError(
            f"cannot tell the latent size of {name}: it has no latent_dim, nz or z_dim "
            f"attribute, and its first layer ({_describe(first)}) does not say it; pass "
            "latent_dim=, e.g. adapt(generator, latent_dim=100)."
        )
    decoder = _Decoder(runner, forward, _spatial_input(first))
    outputs = decoder.probe(_prior(dim))
    kind = hints.pop("kind", None) or _output_kind(outputs, name, hints)
    scope = forward if _is_module(forward) else None
    return LatentModel(
        decode=decoder,
        dim=dim,
        kind=kind,
        name=name,
        data_kind="array",
        prior=True,
        export_layers=lambda: record_layers(module, decoder, dim, scope),
        **hints,
    )


# ---------------------------------------------------------------------- autoencoders
def _adapt_autoencoder(
    module: torch.nn.Module,
    runner: _Runner,
    encoder: Callable[..., Any],
    decoder: Callable[..., Any] | None,
    latent_dim: int | None,
    name: str,
    hints: dict[str, Any],
) -> LatentModel:
    kind = hints.pop("kind", None)
    autoencoder = _Autoencoder(runner, encoder, decoder, name, kind)
    dim = (
        latent_dim
        or _size_attribute(module)
        or (_size_attribute(decoder) if _is_module(decoder) else None)
        or autoencoder.probe_size(_first_layer(encoder if _is_module(encoder) else module))
    )
    model = LatentModel(
        encode=autoencoder.encode,
        decode=autoencoder.decode if decoder is not None else None,
        dim=dim,
        kind=kind,
        name=name,
        data_kind="array",
        cannot_decode_reason=None if decoder is not None else f"{name} has no decode/decoder.",
        export_layers=autoencoder.layers if decoder is not None else None,
        **hints,
    )
    autoencoder.model = model
    if dim is not None:
        autoencoder.describe_outputs(_prior(dim))
    return model


class _Autoencoder:
    """Encodes and decodes through the runner; learns its outputs' kind at adapt time, or at
    the first encode when the latent size could not be found before."""

    def __init__(
        self,
        runner: _Runner,
        encoder: Callable[..., Any],
        decoder: Callable[..., Any] | None,
        name: str,
        user_kind: str | None,
    ) -> None:
        self.runner = runner
        self.encoder = encoder
        self.name = name
        self.user_kind = user_kind
        self.decoder: _Decoder | None = None
        if decoder is not None:
            spatial = _spatial_input(_first_layer(decoder)) if _is_module(decoder) else None
            self.decoder = _Decoder(runner, decoder, spatial)
        self.model: LatentModel | None = None
        self.described = False

    def encode(self, X: Any) -> np.ndarray:
        Z = self.runner.run(self.encoder, _as_batches(X, self.name), "encoder")
        Z = Z.reshape(len(Z), -1)
        if not self.described and self.model is not None and len(Z):
            self.describe_outputs(Z[:PROBE_SAMPLES])
        return Z

    def decode(self, Z: np.ndarray) -> np.ndarray:
        if self.decoder is None:  # pragma: no cover - LatentModel never calls it then
            raise TypeError(f"{self.name} has no decoder.")
        return self.decoder(Z)

    def layers(self) -> list[Layer] | None:
        """The decoder as dense layers and activations, for decoding in the browser."""
        if self.model is None:  # pragma: no cover - set right after the LatentModel is made
            return None
        scope = (
            self.decoder.function if self.decoder and _is_module(self.decoder.function) else None
        )
        return record_layers(self.runner.module, self.decode, self.model.dim, scope)

    def probe_size(self, first: Any) -> int | None:
        """The latent size from encoding zeros, when the encoder starts with a Linear layer."""
        import torch

        if not isinstance(first, torch.nn.Linear) or first.in_features < 1:
            return None
        try:
            Z = self.encode(np.zeros((2, first.in_features), dtype=np.float32))
        except Exception:  # the zeros were only a guess at the input's shape
            return None
        return int(Z.shape[1])

    def describe_outputs(self, Z: np.ndarray) -> None:
        """Decode a few latents: check the outputs can be shown and set kind / value_range."""
        self.described = True
        model = self.model
        if model is None or self.decoder is None or self.user_kind is not None:
            return
        try:
            outputs = self.decoder.probe(np.asarray(Z, dtype=np.float32))
        except Exception as error:  # the map still works; the preview says why it cannot decode
            model.cannot_decode_reason = f"{self.name} cannot decode: {error}"
            return
        model.kind = _output_kind(outputs, self.name, model.hints)


# ---------------------------------------------------------------------- running a module
class _Runner:
    """Runs a module's functions on numpy or torch batches the way inference should run:
    under ``no_grad``, in eval mode (each submodule's mode restored afterwards), on the
    module's own device and dtype, ``batch_size`` rows at a time."""

    def __init__(self, module: torch.nn.Module, batch_size: int, name: str) -> None:
        self.module = module
        self.batch_size = batch_size
        self.name = name

    def placement(self) -> tuple[torch.device, torch.dtype]:
        """Device and floating dtype of the module's first parameter (or buffer), read at
        every call so a module moved after adapting still works."""
        import torch

        for tensor in chain(self.module.parameters(), self.module.buffers()):
            if tensor.is_floating_point():
                return tensor.device, tensor.dtype
        return torch.device("cpu"), torch.get_default_dtype()

    def run(
        self,
        function: Callable[..., Any],
        X: np.ndarray | torch.Tensor,
        role: str,
        reshape: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> np.ndarray:
        """``function`` over the rows of ``X`` in batches; outputs reduced to a mean tensor
        and returned as one numpy array ``(n, ...)``."""
        import torch

        device, dtype = self.placement()
        parts = []
        with _inference(self.module):
            for start in range(0, len(X), self.batch_size):
                part = X[start : start + self.batch_size]
                # np.array copies: torch warns about (and may write to) read-only arrays.
                batch = part if isinstance(part, torch.Tensor) else torch.from_numpy(np.array(part))
                batch = batch.to(device=device, dtype=dtype)
                if reshape is not None:
                    batch = reshape(batch)
                parts.append(_to_numpy(_mean_of(function(batch), role, self.name)))
        if not parts:
            raise ValueError(f"{self.name} was given no rows to run its {role} on.")
        return np.concatenate(parts)


@contextmanager
def _inference(module: torch.nn.Module) -> Iterator[None]:
    import torch

    # Each submodule's own flag, not module.train(mode): a user may keep parts in eval mode
    # (frozen batch norm) while the rest trains.
    modes = [(part, part.training) for part in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for part, training in modes:
            part.training = training


class _Decoder:
    """Latents ``(n, d)`` to outputs ``(n, ...)``, as ``(n, d)`` or DCGAN-style
    ``(n, d, 1, 1)`` inputs; the style is found by trying when the first layer leaves it open."""

    def __init__(self, runner: _Runner, function: Callable[..., Any], spatial: bool | None) -> None:
        self.runner = runner
        self.function = function
        self.spatial = spatial

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        Z = np.asarray(Z)
        if self.spatial is None:
            self._settle(Z[:1])
        reshape = _as_spatial if self.spatial else None
        return self.runner.run(self.function, Z, "decoder", reshape)

    def probe(self, Z: np.ndarray) -> np.ndarray:
        """Decode (some of) ``Z`` to learn what the outputs look like: a few rows first, then
        as many more as fit in the probe's budget (1024² RGB GANs)."""
        outputs = self._settle(Z[:8]) if self.spatial is None else self(Z[:8])
        per_sample = max(1, int(np.prod(outputs.shape[1:])))
        more = min(len(Z), max(8, _PROBE_VALUES // per_sample)) - 8
        if more > 0:
            outputs = np.concatenate([outputs, self(Z[8 : 8 + more])])
        return outputs

    def _settle(self, Z: np.ndarray) -> np.ndarray:
        """Decode ``Z`` as ``(n, d)``, else as ``(n, d, 1, 1)``, keeping the style that works."""
        errors = []
        for spatial in (False, True):
            try:
                outputs = self.runner.run(
                    self.function, Z, "decoder", _as_spatial if spatial else None
                )
            except Exception as error:  # the other input style may work; say both if not
                errors.append(f"as {'(n, d, 1, 1)' if spatial else '(n, d)'}: {error}")
            else:
                self.spatial = spatial
                return outputs
        raise ValueError(
            f"{self.runner.name} could not decode latents of size {Z.shape[1]}; tried them "
            + "; ".join(errors)
            + ". If the latent size is wrong, pass latent_dim=."
        )


def _as_spatial(batch: torch.Tensor) -> torch.Tensor:
    return batch.reshape(*batch.shape, 1, 1)


# ---------------------------------------------------------------------- embedding tables
def _adapt_embedding(module: torch.nn.Embedding, name: str, hints: dict[str, Any]) -> LatentModel:
    n_rows = int(module.num_embeddings)
    labels = hints.pop("labels", None)
    if labels is None:
        raise ValueError(
            f"{name} is an embedding table of {n_rows} rows: pass labels= with one label per "
            f"row (e.g. the vocabulary, {n_rows} strings)."
        )
    if isinstance(labels, str) or not hasattr(labels, "__len__"):
        raise ValueError(
            f"labels= must be a sequence of {n_rows} labels, one per row of {name}; "
            f"got {type(labels).__name__}."
        )
    labels = list(labels)
    if len(labels) != n_rows:
        raise ValueError(
            f"{name} has {n_rows} rows, so labels= must have {n_rows} labels; "
            f"expected {n_rows} labels, got {len(labels)}."
        )
    weight = _to_numpy(module.weight.detach().float()).astype(np.float32, copy=True)
    # From here on it is an embedding table like any other: the same checks and lookups.
    from ._embeddings import adapt_table

    return adapt_table(([str(label) for label in labels], weight), name=name, **hints)


# ---------------------------------------------------------------------- helpers
def _part(module: torch.nn.Module, method: str, submodule: str) -> Callable[..., Any] | None:
    function = getattr(module, method, None)
    if callable(function):
        return function
    part = getattr(module, submodule, None)
    return part if callable(part) else None


def _is_module(obj: Any) -> bool:
    return looks_like_torch_module(obj)


def _first_layer(module: Any) -> Any:
    """The first submodule (in definition order) holding parameters of its own."""
    if not _is_module(module):
        return None
    for part in module.modules():
        if next(part.parameters(recurse=False), None) is not None:
            return part
    return None


def _layer_latent_size(first: Any, module: torch.nn.Module) -> int | None:
    import torch.nn as nn

    if isinstance(first, nn.Linear) and first.in_features > 0:  # LazyLinear says 0
        return int(first.in_features)
    if isinstance(first, nn.ConvTranspose2d) or (
        isinstance(first, nn.Conv2d) and _upsamples(module)
    ):
        return int(first.in_channels) or None
    return None


def _upsamples(module: torch.nn.Module) -> bool:
    """A module that starts with a Conv2d is a generator only if it grows images somewhere;
    otherwise it is more likely an image classifier or encoder."""
    import torch.nn as nn

    growing = (nn.ConvTranspose2d, nn.Upsample, nn.PixelShuffle)
    return any(isinstance(part, growing) for part in module.modules())


def _spatial_input(first: Any) -> bool | None:
    import torch.nn as nn

    if isinstance(first, nn.Linear):
        return False
    if isinstance(first, nn.ConvTranspose2d | nn.Conv2d):
        return True
    return None


def _size_attribute(obj: Any) -> int | None:
    for attribute in _SIZE_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0:
            return int(value)
    return None


def _describe(layer: Any) -> str:
    return "none with parameters" if layer is None else type(layer).__name__


def _check_latent_dim(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"latent_dim must be a positive integer; got {value!r}.")
    return int(value)


def _check_batch_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"batch_size must be a positive integer; got {value!r}.")
    return int(value)


def _prior(dim: int) -> np.ndarray:
    # The same draws as LatentModel.sample(PROBE_SAMPLES, seed=0).
    rng = np.random.default_rng(0)
    return rng.standard_normal((PROBE_SAMPLES, dim)).astype(np.float32)


def _as_batches(X: Any, name: str) -> np.ndarray | torch.Tensor:
    """Data as something sliceable into batches: a torch tensor stays one (no copy)."""
    import torch

    if isinstance(X, torch.Tensor):
        if X.is_complex():
            raise ValueError(f"{name} encodes real-valued arrays; got a complex tensor.")
        return X.detach()
    try:
        array = np.asarray(X)
        if array.dtype.kind not in "biuf":
            array = array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} encodes numeric arrays (n, ...) such as images, as numpy arrays, torch "
            f"tensors or nested lists; got {type(X).__name__} that is not numeric."
        ) from None
    if array.ndim == 0:
        raise ValueError(
            f"{name} encodes arrays of samples (n, ...); got a single number. For one sample, "
            "pass X[None]."
        )
    return array


def _mean_of(output: Any, role: str, name: str) -> torch.Tensor:
    """A tensor from what an encoder or decoder returned: a tensor as is; a ``(mu, logvar)``
    tuple's first element; a dict's ``mu``/``mean``/``loc``/``z``; a distribution's mean."""
    import torch

    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, tuple | list) and output:
        return _mean_of(output[0], role, name)
    if isinstance(output, dict):
        for key in _MEAN_KEYS:
            if key in output:
                return _mean_of(output[key], role, name)
        raise ValueError(
            f"{name}'s {role} returned a dict with keys {sorted(map(str, output))}; expected "
            f"one of {', '.join(map(repr, _MEAN_KEYS))} (in that order) holding the mean."
        )
    if isinstance(output, torch.distributions.Distribution):
        return output.mean
    raise TypeError(
        f"{name}'s {role} returned {type(output).__name__}; expected a tensor, a tuple such "
        "as (mu, logvar), a dict with 'mu', 'mean', 'loc' or 'z', or a "
        "torch.distributions.Distribution."
    )


def _to_numpy(tensor: torch.Tensor) -> np.ndarray:
    import torch

    tensor = tensor.detach()
    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16
        tensor = tensor.float()
    return tensor.cpu().numpy()


def _output_kind(outputs: np.ndarray, name: str, hints: dict[str, Any]) -> str:
    """How decoded ``outputs`` ``(n, ...)`` are shown; sets ``hints["value_range"]`` for
    images unless the user gave one. Raises when no renderer can show them."""
    if hints.get("preview") is not None:
        return "custom"
    image_shape = hints.get("image_shape")
    if image_shape is None and outputs.ndim == 2:
        return "record"
    try:
        to_uint8_image(outputs[0], image_shape, (0.0, 1.0))
    except ValueError:
        raise ValueError(
            f"{name} decodes latents to outputs of shape {outputs.shape}, which no renderer "
            "shows: expected images (n, C, H, W), (n, H, W, C) with 1, 3 or 4 channels or "
            "(n, H, W), or feature vectors (n, features); pass preview= a function that "
            "draws one output (or image_shape= for flat images)."
        ) from None
    if hints.get("value_range") is None:
        hints["value_range"] = _value_range(outputs)
    return "image"


def _value_range(outputs: np.ndarray) -> tuple[float, float]:
    return guess_value_range(np.asarray(outputs))
