"""Text encoders (``.encode(list_of_strings)``, e.g. sentence-transformers) as LatentModels.

Recognised by duck typing only: nothing heavy (torch, sentence-transformers) is imported.
An encoder has no decoder, so the explorer shows the nearest data strings instead of a
decoded preview. Texts are encoded ``_ENCODE_BATCH`` at a time for encoders that do not
batch themselves.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ._adapter_hints import SET_BY_ADAPTERS, passed_on
from ._latent_model import LatentModel
from ._tables import as_numeric, is_dataframe, looks_like_table

_ENCODE_BATCH = 1024  # texts per call for encoders that do not batch themselves


def looks_like_text_encoder(obj: Any) -> bool:
    """Whether ``obj`` turns a list of strings into vectors with ``.encode``.

    Matches sentence-transformers models and any object with ``encode`` but no ``decode``;
    not scikit-learn estimators (``fit`` + ``transform``), strings, dicts, DataFrames or
    embedding tables. A torch module with ``encode`` counts only when it carries a text
    signal (a tokenizer, or comes from sentence-transformers): a VAE's ``encode`` takes
    tensors, not strings.
    """
    if isinstance(obj, (str, bytes, Mapping, tuple, list, np.ndarray)) or is_dataframe(obj):
        return False
    if not callable(getattr(obj, "encode", None)):
        return False
    if callable(getattr(obj, "fit", None)) and callable(getattr(obj, "transform", None)):
        return False
    if looks_like_table(obj):
        return False
    if _has_text_signal(obj):
        return True
    is_torch_module = callable(getattr(obj, "parameters", None)) and callable(
        getattr(obj, "forward", None)
    )
    return not is_torch_module and not callable(getattr(obj, "decode", None))


def adapt_text_encoder(obj: Any, **hints: Any) -> LatentModel:
    """A text encoder as a :class:`LatentModel` that encodes strings and cannot decode.

    ``encode(texts)`` returns ``(n, d)`` float32; the explorer shows the nearest data
    strings instead of a decoded preview.
    """
    name = hints.pop("name", None) or type(obj).__name__
    call = _encode_call(obj)

    def encode(texts: Any) -> np.ndarray:
        texts = as_texts(texts, f"{name} encodes")
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.concatenate(
            [call(texts[i : i + _ENCODE_BATCH]) for i in range(0, len(texts), _ENCODE_BATCH)]
        )

    known = _embedding_size(obj)
    # With no size method, one short text tells the size (and checks the encoder works).
    dim = known if known is not None else int(call(["latent"]).shape[1])
    return LatentModel(
        encode=encode,
        decode=None,
        dim=dim,
        kind=hints.pop("kind", None) or "text",
        name=name,
        data_kind="text",
        cannot_decode_reason=(
            f"{name} is a text encoder: it has no decoder, so the preview shows the nearest "
            "data strings instead."
        ),
        **passed_on(hints, (*SET_BY_ADAPTERS, "dim")),
    )


def as_texts(texts: Any, what: str) -> list[str]:
    """A list of strings from one string, a list, an array of strings or a Series.

    ``what`` starts the message of the ``TypeError`` raised for anything else
    ("letters encodes" → "letters encodes a list of strings; got …").
    """
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, np.ndarray) and texts.dtype.kind not in "UO":
        raise TypeError(
            f"{what} a list of strings; got a {texts.dtype} array of shape {texts.shape}."
        )
    if not isinstance(texts, Iterable):
        raise TypeError(f"{what} a list of strings; got {type(texts).__name__}.")
    out = list(texts)
    wrong = [t for t in out if not isinstance(t, str)]
    if wrong:
        raise TypeError(
            f"{what} a list of strings; got an item of type {type(wrong[0]).__name__} "
            f"({wrong[0]!r})."
        )
    return [str(t) for t in out]


def _encode_call(obj: Any) -> Callable[[list[str]], np.ndarray]:
    """``obj.encode`` with the keywords it accepts, checked to give one row per text."""
    name = type(obj).__name__
    parameters: Mapping[str, Any]
    try:
        parameters = inspect.signature(obj.encode).parameters
    except (TypeError, ValueError):  # builtins and C extensions may hide their signature
        parameters = {}
    options: dict[str, Any] = {}
    if "convert_to_numpy" in parameters:
        options["convert_to_numpy"] = True
    if "show_progress_bar" in parameters:
        options["show_progress_bar"] = False

    def call(texts: list[str]) -> np.ndarray:
        Z = as_numeric(obj.encode(texts, **options), f"what {name}.encode returned")
        Z = Z.astype(np.float32, copy=False)
        if Z.ndim == 1 and len(texts) == 1 and Z.size:  # one text, one flat vector
            Z = Z[None]
        if Z.ndim != 2 or Z.shape[0] != len(texts) or Z.shape[1] == 0:
            raise ValueError(
                f"{name}.encode must return one vector per text, shape ({len(texts)}, d); "
                f"for {len(texts)} texts it returned shape {Z.shape}."
            )
        return Z

    return call


def _embedding_size(obj: Any) -> int | None:
    # sentence-transformers renamed the first to the second (the old name warns).
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        getter = getattr(obj, method, None)
        if callable(getter):
            try:
                size = getter()
            except Exception:  # a size method that cannot answer: probe by encoding instead
                continue
            if isinstance(size, (int, np.integer)) and size > 0:
                return int(size)
    return None


def _has_text_signal(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return (
        module.startswith("sentence_transformers")
        or hasattr(obj, "tokenizer")
        or callable(getattr(obj, "get_sentence_embedding_dimension", None))
    )
