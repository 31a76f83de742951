"""PyTorch models as LatentModels: GAN generators, autoencoders and VAEs, embedding tables.

This module decides what a module is and builds the LatentModel; running it for inference
(batches, device, dtype, eval mode) is ``_torch_runner``'s job, guessing sizes from its
layers ``_torch_architecture``'s, and reading a decoder as dense layers for the browser
``_torch_layers``'s. torch is imported only when a torch object is adapted: if it has not
been imported yet, the object cannot be a torch module, so :func:`looks_like_torch_module`
answers without it. Adapting decodes ``PROBE_SAMPLES`` prior samples once, to learn the
outputs' shape and value range.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._adapter_hints import SET_BY_ADAPTERS, passed_on
from ._latent_model import LatentModel, image_shape_problem
from ._renderers import guess_value_range, to_uint8_image
from ._torch_architecture import (
    describe_layer,
    first_layer,
    is_module,
    layer_latent_size,
    part,
    size_attribute,
    spatial_input,
)
from ._torch_layers import record_layers
from ._torch_runner import Decoder, Runner, as_batches, require_weights, to_numpy

if TYPE_CHECKING:
    import torch

    from ._client_decoder import Layer

BATCH_SIZE = 256  # rows per forward pass when encoding or decoding
PROBE_SAMPLES = 64  # prior samples decoded at adapt time to learn the outputs' shape and range


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
    # dim= is another name for latent_dim= here, so the adapter does not reserve it.
    hints = passed_on(hints, SET_BY_ADAPTERS)
    latent_dim = hints.pop("latent_dim", hints.pop("dim", None))
    latent_dim = None if latent_dim is None else _positive_int(latent_dim, "latent_dim")
    batch_size = _positive_int(hints.pop("batch_size", BATCH_SIZE), "batch_size")
    name = str(hints.pop("name", type(module).__name__))
    require_weights(module, name)
    if isinstance(module, torch.nn.Embedding):
        return _adapt_embedding(module, name, hints)
    encoder = part(module, "encode", "encoder")
    decoder = part(module, "decode", "decoder")
    runner = Runner(module, batch_size, name)
    if encoder is not None:
        return _adapt_autoencoder(module, runner, encoder, decoder, latent_dim, name, hints)
    return _adapt_generator(module, runner, decoder or module, latent_dim, name, hints)


# ---------------------------------------------------------------------- generators
def _adapt_generator(
    module: torch.nn.Module,
    runner: Runner,
    forward: Callable[..., Any],
    latent_dim: int | None,
    name: str,
    hints: dict[str, Any],
) -> LatentModel:
    first = first_layer(forward if is_module(forward) else module)
    dim = latent_dim or size_attribute(module) or layer_latent_size(first, module)
    if dim is None:
        raise ValueError(
            f"cannot tell the latent size of {name}: it has no latent_dim, nz or z_dim "
            f"attribute, and its first layer ({describe_layer(first)}) does not say it; pass "
            "latent_dim=, e.g. adapt(generator, latent_dim=100)."
        )
    decoder = Decoder(runner, forward, spatial_input(first))
    try:
        outputs = decoder.probe(_prior(dim))
    except Exception as error:
        # Trusted until it fails (the first layer defined need not be the first one run);
        # then the size the first layer takes says what went wrong better than torch can.
        takes = layer_latent_size(first, module)
        if latent_dim is None or takes is None or takes == latent_dim:
            raise
        raise ValueError(
            f"latent_dim={latent_dim} was given, but {name}'s first layer "
            f"({describe_layer(first)}) takes {takes} values per latent; pass "
            f"latent_dim={takes}, or leave latent_dim out ({name} says its size)."
        ) from error
    kind = hints.pop("kind", None) or _output_kind(outputs, name, hints)
    scope = forward if is_module(forward) else None
    model = LatentModel(
        decode=decoder,
        dim=dim,
        kind=kind,
        name=name,
        data_kind="array",
        prior=True,
        export_layers=lambda: record_layers(module, decoder, dim, scope),
        **hints,
    )
    model.torch_decoder = decoder
    return model


# ---------------------------------------------------------------------- autoencoders
def _adapt_autoencoder(
    module: torch.nn.Module,
    runner: Runner,
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
        or size_attribute(module)
        or (size_attribute(decoder) if is_module(decoder) else None)
        or autoencoder.probe_size(first_layer(encoder if is_module(encoder) else module))
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
    model.torch_decoder = autoencoder.decoder
    if dim is not None:
        autoencoder.describe_outputs(_prior(dim))
    return model


class _Autoencoder:
    """Encodes and decodes through the runner; learns its outputs' kind at adapt time, or at
    the first encode when the latent size could not be found before."""

    def __init__(
        self,
        runner: Runner,
        encoder: Callable[..., Any],
        decoder: Callable[..., Any] | None,
        name: str,
        user_kind: str | None,
    ) -> None:
        self.runner = runner
        self.encoder = encoder
        self.name = name
        self.user_kind = user_kind
        self.decoder: Decoder | None = None
        if decoder is not None:
            spatial = spatial_input(first_layer(decoder)) if is_module(decoder) else None
            self.decoder = Decoder(runner, decoder, spatial)
        self.model: LatentModel | None = None
        self.described = False

    def encode(self, X: Any) -> np.ndarray:
        Z = self.runner.run(self.encoder, as_batches(X, self.name), "encoder")
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
        scope = self.decoder.function if self.decoder and is_module(self.decoder.function) else None
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
    weight = to_numpy(module.weight.detach().float()).astype(np.float32, copy=True)
    # From here on it is an embedding table like any other: the same checks and lookups.
    from ._embeddings import adapt_table

    return adapt_table(([str(label) for label in labels], weight), name=name, **hints)


# ---------------------------------------------------------------------- helpers
def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _prior(dim: int) -> np.ndarray:
    # The same draws as LatentModel.sample(PROBE_SAMPLES, seed=0).
    rng = np.random.default_rng(0)
    return rng.standard_normal((PROBE_SAMPLES, dim)).astype(np.float32)


def _output_kind(outputs: np.ndarray, name: str, hints: dict[str, Any]) -> str:
    """How decoded ``outputs`` ``(n, ...)`` are shown; sets ``hints["value_range"]`` for
    images unless the user gave one. Raises when no renderer can show them."""
    if hints.get("preview") is not None:
        return "custom"
    image_shape = hints.get("image_shape")
    if image_shape is None and outputs.ndim == 2:
        return "record"
    if image_shape is not None:
        size = int(np.prod(outputs.shape[1:]))
        problem = image_shape_problem(tuple(image_shape), size, name)
        if problem is not None:
            raise ValueError(problem)
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
