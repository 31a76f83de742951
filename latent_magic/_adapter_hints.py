"""The hints an adapter passes on: ``adapt(obj, **hints)`` keywords bound for :class:`LatentModel`.

Every adapter (embedding tables, text encoders, torch modules) sets some of LatentModel's
arguments from the model itself; a hint naming one of those is a mistake to report, not a
value to pass on twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# LatentModel arguments every adapter sets itself (those that also find the latent size
# add "dim"; torch modules take dim= as another name for latent_dim=).
SET_BY_ADAPTERS = ("encode", "decode", "n_features", "cannot_decode_reason", "data_kind", "table")


def passed_on(hints: dict[str, Any], reserved: Iterable[str]) -> dict[str, Any]:
    """The hints that were given (not None), checked not to name a ``reserved`` argument.

    Raises
    ------
    TypeError
        When a given hint is one of ``reserved``: the adapter sets it from the model.
    """
    given = {k: v for k, v in hints.items() if v is not None}
    clash = sorted(set(given) & set(reserved))
    if clash:
        it = "it" if len(clash) == 1 else "them"
        raise TypeError(
            f"{', '.join(clash)} cannot be given as hints here: the adapter sets {it} from "
            f"the model itself. To set {it} yourself, build LatentModel(encode=..., "
            "decode=...) directly."
        )
    return given
