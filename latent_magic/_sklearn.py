"""scikit-learn style transformers: ``transform`` encodes, ``inverse_transform`` decodes."""

from __future__ import annotations

from typing import Any

from ._latent_model import LatentModel


def looks_like_transformer(obj: Any) -> bool:
    return callable(getattr(obj, "transform", None)) and callable(getattr(obj, "fit", None))


def adapt_transformer(model: Any, **hints: Any) -> LatentModel:
    name = type(model).__name__
    _require_fitted(model, name)
    inverse = getattr(model, "inverse_transform", None)
    reason = None
    if not callable(inverse):
        reason = f"{name} has no inverse_transform, so it cannot decode latents."
    elif getattr(model, "fit_inverse_transform", True) is False:
        reason = (
            f"{name} was fitted without fit_inverse_transform=True, so it cannot decode "
            f"latents; refit it as {name}(..., fit_inverse_transform=True)."
        )
    return LatentModel(
        encode=model.transform,
        decode=inverse if callable(inverse) else None,
        dim=_latent_size(model),
        name=name,
        n_features=getattr(model, "n_features_in_", None),
        cannot_decode_reason=reason,
        **{k: v for k, v in hints.items() if v is not None},
    )


def _require_fitted(model: Any, name: str) -> None:
    try:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted
    except ImportError:  # a duck-typed transformer without scikit-learn installed
        return
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ValueError(
            f"{name} is not fitted yet: call .fit(X) on it before exploring its latent space."
        ) from None
    except TypeError:  # not a scikit-learn estimator; trust duck typing
        return


def _latent_size(model: Any) -> int | None:
    for attribute in ("n_components_",):
        value = getattr(model, attribute, None)
        if isinstance(value, int):
            return value
    components = getattr(model, "components_", None)
    if components is not None and getattr(components, "ndim", 0) == 2:
        return int(components.shape[0])
    return None  # found on the first encode
