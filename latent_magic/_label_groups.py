"""The two groups of rows a direction runs between, picked by label, mask or row index.

Labels are matched exactly (``==``); a label no row has is named with the labels the data
do hold and close spellings. Costs one pass over the labels per wanted label.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Groups:
    """The rows of the group a direction points toward and of the one it points away from.

    ``positive`` and ``negative`` are boolean masks ``(n,)`` over the rows of ``Z`` (disjoint,
    neither empty); ``*_name`` describe the groups in a direction's default name and
    ``*_labels`` are the labels asked for (None for a mask, or for "every other row").
    """

    positive: np.ndarray
    negative: np.ndarray
    positive_name: str
    negative_name: str
    positive_labels: list[Any] | None
    negative_labels: list[Any] | None

    def mean_gap(self, Z: np.ndarray) -> np.ndarray:
        """Mean of the positive rows of ``Z`` minus mean of the negative rows, ``(d,)``."""
        return Z[self.positive].mean(axis=0) - Z[self.negative].mean(axis=0)


def find_groups(Z: np.ndarray, labels: Any, positive: Any, negative: Any) -> Groups:
    """The positive and negative rows of ``Z`` (see ``direction`` for the arguments)."""
    n = len(Z)
    if labels is None:
        if positive is None:
            raise ValueError(
                "direction needs labels= (one per row of Z) with positive=, or positive= as "
                "a boolean mask or row indices; got neither."
            )
        in_positive = _rows(positive, n, "positive")
        in_negative = ~in_positive if negative is None else _rows(negative, n, "negative")
        names = ("selection", "rest" if negative is None else "other selection")
        wanted_positive = wanted_negative = None
    else:
        values = labels_array(labels, n)
        if positive is None:
            if values.dtype.kind != "b":
                raise ValueError(
                    "direction needs positive=: the label of the group it points toward; "
                    f"the labels hold {_list_labels(_distinct(values))}."
                )
            positive, negative = True, False  # boolean labels: toward True
        wanted_positive = _as_label_list(positive)
        wanted_negative = None if negative is None else _as_label_list(negative)
        shared = [p for p in wanted_positive if wanted_negative and p in wanted_negative]
        if shared:
            raise ValueError(
                f"positive and negative must be different groups; both hold {shared[0]!r}."
            )
        as_objects = values.astype(object)
        in_positive = _match(as_objects, wanted_positive, "positive")
        if wanted_negative is None:
            in_negative = ~in_positive
        else:
            in_negative = _match(as_objects, wanted_negative, "negative")
        names = (
            ", ".join(map(str, wanted_positive)),
            "rest" if wanted_negative is None else ", ".join(map(str, wanted_negative)),
        )
    if (in_positive & in_negative).any():
        raise ValueError(
            f"positive and negative must be different groups; {(in_positive & in_negative).sum()}"
            " row(s) are in both."
        )
    for side, mask in (("positive", in_positive), ("negative", in_negative)):
        if not mask.any():
            raise ValueError(f"the {side} group has no rows: every row is in the other group.")
    return Groups(in_positive, in_negative, *names, wanted_positive, wanted_negative)


def _match(values: np.ndarray, wanted: list[Any], side: str) -> np.ndarray:
    mask = np.zeros(len(values), dtype=bool)
    for label in wanted:
        hits = np.asarray(values == label, dtype=bool)
        if not np.any(hits):
            raise ValueError(_missing_label_message(label, values, side))
        mask |= hits
    return mask


def _missing_label_message(label: Any, values: np.ndarray, side: str) -> str:
    distinct = _distinct(values)
    as_text = {str(v): v for v in distinct}
    close = difflib.get_close_matches(str(label), list(as_text), n=3)
    hint = f" Did you mean {', '.join(repr(as_text[c]) for c in close)}?" if close else ""
    return f"no row has the {side} label {label!r}; the labels hold {_list_labels(distinct)}.{hint}"


def _rows(selection: Any, n: int, side: str) -> np.ndarray:
    """A boolean mask ``(n,)`` from a mask or from row indices."""
    array = np.asarray(selection)
    if array.dtype.kind == "b":
        if array.shape != (n,):
            raise ValueError(
                f"{side} as a boolean mask needs one value per row of Z ({n}); got shape "
                f"{array.shape}."
            )
        return array.copy()
    if array.dtype.kind not in "iu" or array.ndim > 1:
        raise ValueError(
            f"without labels, {side} must be a boolean mask or row indices; got "
            f"{array.dtype} values of shape {array.shape}."
        )
    indices = array.reshape(-1).astype(np.int64)
    if indices.size and (indices.min() < -n or indices.max() >= n):
        raise ValueError(f"{side} holds row indices outside Z's {n} rows.")
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _as_label_list(wanted: Any) -> list[Any]:
    if isinstance(wanted, (list, tuple, set, frozenset, np.ndarray)):
        items = list(wanted)
        if not items:
            raise ValueError("a group needs at least one label; got an empty list.")
        return items
    return [wanted]


def _distinct(values: np.ndarray) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values.tolist():
        seen.setdefault(v, None)
    try:
        return sorted(seen)
    except TypeError:  # labels of mixed types keep their order of appearance
        return list(seen)


def _list_labels(distinct: Sequence[Any], limit: int = 20) -> str:
    shown = ", ".join(repr(v) for v in distinct[:limit])
    more = f" and {len(distinct) - limit} more" if len(distinct) > limit else ""
    return f"{len(distinct)} distinct value(s): {shown}{more}"


# ---------------------------------------------------------------------- checks and statistics
def labels_array(labels: Any, n: int) -> np.ndarray:
    values = np.asarray(labels)
    if values.ndim == 2 and values.shape[1] == 1:  # a one-column frame or array
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"labels must be one label per row of Z, shape ({n},); got shape {values.shape}."
        )
    if len(values) != n:
        raise ValueError(
            f"labels has {len(values)} values for {n} rows of Z; give one label per row."
        )
    return values
