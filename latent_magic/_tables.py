"""Labelled vectors, read from whatever holds them: the one parser of "a label per vector".

A dict ``{label: vector}``, a ``(labels, vectors)`` pair, a pandas DataFrame indexed by
label, gensim-style ``KeyedVectors`` (``index_to_key`` + ``vectors``) all become
``(labels, vectors)`` here, checked for shape and numbers with messages that say what was
expected. Embedding tables (``_embeddings``) and vector arithmetic (``_arithmetic``) both
read their tables through :func:`labels_and_vectors` and add their own rules about labels;
both name a label they do not hold with :func:`close_label_hint`.

Duck typing only: nothing heavy (torch, pandas, gensim) is imported, and a float table
keeps its dtype (a float64 copy of a million float32 rows would be waste).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

_PEEK = 100  # elements looked at when guessing what a container holds
_SHOWN = 5  # offending labels or columns named in a message


def looks_like_table(obj: Any) -> bool:
    """Whether ``obj`` is an embedding table: a label for each vector.

    Matches ``dict[str, vector]``, a ``(labels, vectors)`` 2-tuple, a pandas DataFrame
    (rows are vectors, the index holds the labels) and gensim-style ``KeyedVectors``
    (``index_to_key`` and ``vectors``).
    """
    if isinstance(obj, Mapping):
        keys = peek(obj.keys())
        values = peek(obj.values())
        return all(isinstance(k, str) for k in keys) and all(_is_vector_like(v) for v in values)
    if isinstance(obj, tuple):
        return len(obj) == 2 and _is_label_sequence(obj[0]) and _is_matrix_like(obj[1])
    return is_dataframe(obj) or is_keyed_vectors(obj)


def labels_and_vectors(obj: Any) -> tuple[list[Any], np.ndarray]:
    """The labels and vectors of a table of labelled vectors, checked.

    Parameters
    ----------
    obj : dict, (labels, vectors) tuple or list, DataFrame or KeyedVectors
        A dict ``{label: (d,) vector}``; a pair of ``n`` labels and ``(n, d)`` vectors; a
        DataFrame with the labels in its index and one numeric column per component; an
        object with ``index_to_key`` and ``vectors``. Torch tensors are read without
        importing torch.

    Returns
    -------
    labels : list
        ``n`` labels as given (not checked: callers differ on what a label may be).
    vectors : (n, d) float ndarray
        At least one row of at least one component, all finite. A float dtype is kept;
        integers and numeric objects become float64.

    Raises
    ------
    TypeError
        For an object that holds no labelled vectors, or vectors that are not numbers.
    ValueError
        For an empty table, ragged rows, a count of labels that differs from the count of
        vectors, vectors with no components, and NaN or infinite values (the message names
        the labels of those rows).
    """
    if isinstance(obj, Mapping):
        labels, vectors = _from_mapping(obj)
    elif isinstance(obj, (tuple, list)):
        labels, vectors = _from_pair(obj)
    elif is_dataframe(obj):
        labels, vectors = _from_dataframe(obj)
    elif is_keyed_vectors(obj):
        labels, vectors = list(obj.index_to_key), _as_matrix(obj.vectors)
    else:
        raise TypeError(
            "Labelled vectors must be a dict {label: vector}, a (labels, vectors) tuple, "
            "a DataFrame indexed by label, or KeyedVectors (index_to_key, vectors); "
            f"got {type(obj).__name__}."
        )
    return labels, _checked_vectors(vectors, labels)


def as_numeric(values: Any, what: str) -> np.ndarray:
    """``values`` as a float array: float dtypes kept, other numbers as float64.

    ``what`` names the values in messages ("the vectors of the table"). Raises ``ValueError``
    for ragged rows and ``TypeError`` for values that are not numbers.
    """
    if hasattr(values, "detach"):  # a torch tensor, without importing torch
        values = values.detach().cpu().numpy()
    what = what[0].upper() + what[1:]
    try:
        array = np.asarray(values)
    except ValueError:  # numpy refuses inhomogeneous nesting
        raise ValueError(f"{what} are ragged: rows have different lengths.") from None
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind == "O":
        if array.ndim == 1 and len(array) and _is_vector_like(array[0]):
            raise ValueError(f"{what} are ragged: rows differ in length.")
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError):
            pass
    example = array.flat[0] if array.size else None
    raise TypeError(
        f"{what} must be numeric; got {array.dtype} values"
        f"{f' such as {example!r}' if example is not None else ''}."
    )


def is_dataframe(obj: Any) -> bool:
    """Whether ``obj`` is a pandas DataFrame (or looks enough like one); never imports pandas."""
    return all(hasattr(obj, a) for a in ("index", "columns", "to_numpy", "iloc"))


def is_keyed_vectors(obj: Any) -> bool:
    """Whether ``obj`` has the two attributes of gensim's KeyedVectors that a table needs."""
    return hasattr(obj, "index_to_key") and hasattr(obj, "vectors")


def numpy_dtype(dtype: Any) -> np.dtype[Any]:
    """The numpy dtype of a DataFrame column, pandas extension dtypes included."""
    try:
        return np.dtype(dtype)
    except TypeError:  # pandas extension dtypes (string, categorical, nullable ints)
        return np.dtype(getattr(dtype, "numpy_dtype", object))


def is_missing(x: Any) -> bool:
    """Whether a label is missing: None, NaN or a blank string."""
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    return isinstance(x, float) and math.isnan(x)


def peek(items: Iterable[Any]) -> list[Any]:
    """The first few items, enough to guess what a (possibly huge) container holds."""
    out = []
    for item in items:
        out.append(item)
        if len(out) >= _PEEK:
            break
    return out


def listed(items: Sequence[Any]) -> str:
    """The first few items as reprs, ``…`` when there are more."""
    return ", ".join(map(repr, items[:_SHOWN])) + (" …" if len(items) > _SHOWN else "")


# ---------------------------------------------------------------------- labels not in a table
def by_folded_case(labels: Iterable[str]) -> dict[str, set[str]]:
    """The labels under their case-folded spelling (``"King"`` and ``"king"`` under ``"king"``)."""
    folded: dict[str, set[str]] = {}
    for label in labels:
        folded.setdefault(label.casefold(), set()).add(label)
    return folded


def close_label_hint(word: str, labels: Collection[str], folded: Mapping[str, set[str]]) -> str:
    """``" (did you mean 'king', 'kings'?)"`` for a ``word`` that is not one of ``labels``:
    the labels spelled like it but for case first, then close spellings; ``""`` if none.

    ``folded`` is :func:`by_folded_case` of ``labels`` (or ``{}`` to skip that step).
    """
    close = sorted(folded.get(word.casefold(), ()))
    close += [c for c in difflib.get_close_matches(word, labels, n=3) if c not in close]
    return f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else ""


# ---------------------------------------------------------------------- the shapes of a table
def _from_mapping(obj: Mapping[Any, Any]) -> tuple[list[Any], np.ndarray]:
    labels = list(obj.keys())
    rows = []
    lengths: dict[int, Any] = {}  # one example label per vector length seen
    for label, value in obj.items():
        row = as_numeric(value, f"the vector of {label!r}")
        if row.ndim != 1:
            raise ValueError(
                f"Each value of a dict {{label: vector}} must be a 1-D vector; {label!r} has "
                f"shape {row.shape}."
            )
        lengths.setdefault(row.shape[0], label)
        rows.append(row)
    if len(lengths) > 1:
        seen = ", ".join(f"{label!r} has {n}" for n, label in list(lengths.items())[:4])
        raise ValueError(
            f"The vectors of a dict {{label: vector}} must all have the same length; they "
            f"differ: {seen}."
        )
    if not rows:
        return labels, np.zeros((0, 0))
    return labels, np.stack(rows)


def _from_pair(obj: tuple[Any, ...] | list[Any]) -> tuple[list[Any], np.ndarray]:
    if len(obj) != 2:
        raise TypeError(
            f"Labelled vectors as a {type(obj).__name__} must be (labels, vectors); got a "
            f"{type(obj).__name__} of {len(obj)} items."
        )
    labels, vectors = obj
    if isinstance(labels, str):
        raise TypeError(
            "A (labels, vectors) pair needs a sequence of labels first; got one string."
        )
    return list(labels), _as_matrix(vectors)


def _from_dataframe(df: Any) -> tuple[list[Any], np.ndarray]:
    dtypes = [numpy_dtype(t) for t in df.dtypes]
    other = [c for c, t in zip(df.columns, dtypes, strict=True) if t.kind not in "biuf"]
    if other:
        raise TypeError(
            "Every column of a DataFrame of labelled vectors must be numeric (one vector "
            f"component each); these are not: {listed(other)}."
        )
    # float32 columns stay float32; anything else (ints, nullable ints with NA) is float64.
    dtype = np.float32 if dtypes and all(t == np.float32 for t in dtypes) else np.float64
    return list(df.index), np.asarray(df.to_numpy(dtype=dtype, na_value=np.nan))


def _as_matrix(vectors: Any) -> np.ndarray:
    return as_numeric(vectors, "the vectors of the table")


def _checked_vectors(vectors: np.ndarray, labels: list[Any]) -> np.ndarray:
    if not labels and vectors.size == 0:
        raise ValueError("The table is empty: it needs at least one labelled vector.")
    if vectors.ndim != 2:
        raise ValueError(
            f"The vectors of a table must form a 2-D array (one row per label); got shape "
            f"{vectors.shape}."
        )
    if vectors.shape[0] != len(labels):
        raise ValueError(
            f"A table needs one label per vector; got {len(labels)} labels for "
            f"{vectors.shape[0]} vectors."
        )
    if vectors.shape[1] == 0:
        raise ValueError("The vectors of the table have no components (shape (n, 0)).")
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        shown = [labels[i] for i in np.flatnonzero(bad)[: _SHOWN + 1]]  # one more draws the …
        raise ValueError(
            f"{int(bad.sum())} vector(s) of the table hold NaN or infinity: {listed(shown)}."
        )
    return vectors


# ---------------------------------------------------------------------- guessing what a thing is
def _is_vector_like(value: Any) -> bool:
    return not isinstance(value, (str, bytes, Mapping)) and (
        hasattr(value, "__len__") or hasattr(value, "shape")
    )


def _is_label_sequence(labels: Any) -> bool:
    if isinstance(labels, (str, bytes, Mapping)) or not isinstance(labels, Iterable):
        return False
    if getattr(labels, "ndim", 1) != 1 or not hasattr(labels, "__len__"):
        return False
    head = peek(labels)
    return any(isinstance(x, str) for x in head) and all(
        isinstance(x, str) or is_missing(x) for x in head
    )


def _is_matrix_like(vectors: Any) -> bool:
    ndim = getattr(vectors, "ndim", None)
    if ndim is not None:
        return bool(
            ndim == 2 or (ndim == 1 and getattr(getattr(vectors, "dtype", None), "kind", "") == "O")
        )
    if isinstance(vectors, (str, bytes, Mapping)) or not isinstance(vectors, Sequence):
        return False
    return all(_is_vector_like(row) for row in peek(vectors))
