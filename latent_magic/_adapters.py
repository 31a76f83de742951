"""Turn whatever model the user has into a :class:`LatentModel` (the adapter registry)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ._latent_model import LatentModel

Factory = Callable[..., LatentModel]
Predicate = Callable[[Any], bool]

_user_adapters: list[tuple[Predicate, Factory]] = []


def register_adapter(type_or_predicate: type | Predicate, factory: Factory) -> None:
    """Teach :func:`adapt` (and so ``explore`` and ``%latent``) about a model class.

    Parameters
    ----------
    type_or_predicate : type or callable
        A class (its instances match) or ``predicate(obj) -> bool``.
    factory : callable
        ``factory(obj, **hints) -> LatentModel``.

    Examples
    --------
    >>> register_adapter(MyModel, lambda m, **h: LatentModel(encode=m.to_latent,
    ...                                                       decode=m.from_latent, **h))
    """
    predicate: Predicate
    if isinstance(type_or_predicate, type):
        cls = type_or_predicate

        def predicate(obj: Any) -> bool:
            return isinstance(obj, cls)
    elif callable(type_or_predicate):
        predicate = type_or_predicate
    else:
        raise TypeError(
            f"register_adapter expects a class or a predicate function; "
            f"got {type(type_or_predicate).__name__}."
        )
    if not callable(factory):
        raise TypeError(f"factory must be callable; got {type(factory).__name__}.")
    # Newest first, so a user can override an earlier registration.
    _user_adapters.insert(0, (predicate, factory))


def adapt(obj: Any, **hints: Any) -> LatentModel:
    """Return ``obj`` seen as a :class:`LatentModel`.

    ``hints`` (``image_shape``, ``value_range``, ``feature_names``, …) are handed to the
    adapter and kept on the result for the renderers.
    """
    if isinstance(obj, LatentModel):
        # A copy: hints of one explore() call must not stick to the user's model.
        model = copy.copy(obj)
        model.hints = {**obj.hints, **{k: v for k, v in hints.items() if v is not None}}
        return model
    for predicate, factory in _user_adapters:
        if predicate(obj):
            model = factory(obj, **hints)
            if not isinstance(model, LatentModel):
                raise TypeError(
                    f"The adapter registered for {type(obj).__name__} returned "
                    f"{type(model).__name__}; it must return a LatentModel."
                )
            return model
    from . import _embeddings, _sklearn, _text_encoders, _torch

    # Order matters: a sentence encoder is also a torch module, and tables are plain data.
    if _embeddings.looks_like_table(obj):
        return _embeddings.adapt_table(obj, **hints)
    if _text_encoders.looks_like_text_encoder(obj):
        return _text_encoders.adapt_text_encoder(obj, **hints)
    if _torch.looks_like_torch_module(obj):
        return _torch.adapt_module(obj, **hints)
    if _sklearn.looks_like_transformer(obj):
        return _sklearn.adapt_transformer(obj, **hints)
    raise TypeError(_unsupported_message(obj))


def _unsupported_message(obj: Any) -> str:
    name = type(obj).__name__
    if hasattr(obj, "predict") and not hasattr(obj, "transform"):
        what = f"{name} predicts outputs; it has no latent space to explore"
    else:
        what = f"latent_magic does not know how to explore a {name}"
    return (
        f"{what}. Expected a model with transform() and inverse_transform() (PCA, "
        "TruncatedSVD, KernelPCA(fit_inverse_transform=True), FastICA, NMF, a Pipeline ending "
        "in one), a torch generator, autoencoder or VAE, an embedding table (dict of vectors, "
        "(labels, matrix), a DataFrame indexed by label), a text encoder with "
        ".encode(list_of_str), or LatentModel(encode=..., decode=...); for your own class, "
        "register_adapter(YourClass, factory)."
    )
