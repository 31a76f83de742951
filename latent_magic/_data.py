"""Validate the user's data before it reaches the model: shape, feature count, non-finite rows,
labels."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class CheckedData:
    """The rows of the user's data that can be explored.

    ``rows`` are the kept row numbers of the user's data; ``data`` holds just those rows, in
    the user's own container where that matters (a DataFrame stays a DataFrame, so a model
    fitted on named columns sees them; texts stay a list of str); ``values`` is the numeric
    content as a float array, ``None`` for texts.
    """

    data: Any
    values: np.ndarray | None  # (k, ...) float
    rows: np.ndarray  # (k,) int64
    n_total: int
    feature_names: list[str] | None

    @property
    def n_dropped(self) -> int:
        return self.n_total - len(self.rows)

    def keep(self, mask: np.ndarray) -> CheckedData:
        """These data with only the rows where ``mask`` is true."""
        return CheckedData(
            _take_rows(self.data, np.flatnonzero(mask)),
            None if self.values is None else self.values[mask],
            self.rows[mask],
            self.n_total,
            self.feature_names,
        )


def check_data(
    data: Any, n_features: int | None, model_name: str, *, data_kind: str = "table"
) -> CheckedData:
    """Check ``data`` against what the model takes and leave out non-finite rows.

    ``data_kind`` is ``"table"`` (numeric ``(n, n_features)``), ``"array"`` (numeric
    ``(n, ...)``, e.g. images, numpy or torch) or ``"text"`` (a sequence of str).

    Raises
    ------
    ValueError
        Empty data, data of the wrong kind or shape, or no finite row at all.
    """
    if data_kind == "text":
        return _check_texts(data, model_name)
    feature_names = _column_names(data)
    values = _numeric(data, model_name)
    wanted = "2-D (n_samples, n_features)" if data_kind == "table" else "(n_samples, ...)"
    if values.ndim < 2 or (data_kind == "table" and values.ndim != 2):
        hint = " (one sample? use X.reshape(1, -1))" if values.ndim == 1 else ""
        raise ValueError(f"data must be {wanted}; got shape {values.shape}{hint}.")
    if values.shape[0] == 0:
        raise ValueError(f"data is empty: expected at least one row; got shape {values.shape}.")
    if n_features is not None and data_kind == "table" and values.shape[1] != n_features:
        raise ValueError(
            f"{model_name} was fitted on {n_features} features, but data has "
            f"{values.shape[1]} columns (shape {values.shape})."
        )
    finite = np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if not finite.any():
        raise ValueError(
            f"every row of data has NaN or inf values ({values.shape[0]} rows); nothing to map."
        )
    checked = CheckedData(data, values, np.arange(len(values)), len(values), feature_names)
    if not finite.all():
        warnings.warn(
            f"{int((~finite).sum())} of {len(values)} rows of data have NaN or inf values and "
            "are left out of the map.",
            stacklevel=4,
        )
        checked = checked.keep(finite)
    return checked


def check_latents(data: Any, dim: int, model_name: str) -> CheckedData:
    """Latent codes the user already has, ``(n, dim)``, for a model that cannot encode."""
    try:
        return check_data(data, dim, model_name, data_kind="table")
    except ValueError as error:
        raise ValueError(
            f"{model_name} cannot encode data, so data= must be latent codes of shape "
            f"(n, {dim}): {error}"
        ) from None


def as_latents(Z: Any, what: str = "the latent vectors") -> np.ndarray:
    """Latents ``(n, d)`` for computing with: real numbers, at least one row of at least one
    value, every one finite (no row is dropped here, unlike :func:`check_latents`). A torch
    tensor is read without importing torch; float dtypes are kept (no float64 copy)."""
    if hasattr(Z, "detach") and hasattr(Z, "cpu"):
        Z = Z.detach().cpu().numpy()
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array of shape (n, d); got shape {Z.shape}.")
    if not np.issubdtype(Z.dtype, np.number) or np.issubdtype(Z.dtype, np.complexfloating):
        raise ValueError(f"{what} must be real numbers; got dtype {Z.dtype}.")
    if Z.shape[0] == 0 or Z.shape[1] == 0:
        raise ValueError(
            f"{what} must hold at least one vector of at least one value; got shape {Z.shape}."
        )
    finite = np.isfinite(Z).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        rows = ", ".join(str(i) for i in bad[:5]) + (", …" if len(bad) > 5 else "")
        raise ValueError(f"{what} hold NaN or infinite values ({len(bad)} rows: {rows}).")
    return Z if Z.dtype.kind == "f" else Z.astype(np.float64)


def check_labels(labels: Any, what: str = "labels") -> np.ndarray:
    """Labels as a 1-D array of one number or string per row, or a ``ValueError`` naming the
    first row whose label is not one (a tuple, a list, an array)."""
    try:
        values: np.ndarray | None = np.asarray(labels)
    except ValueError:  # ragged: numpy's "inhomogeneous shape"
        values = None
    if values is not None and values.ndim == 1:
        return values
    for row, label in enumerate(labels):
        if not _is_scalar(label):
            kind = "NumPy array" if isinstance(label, np.ndarray) else type(label).__name__
            article = "an" if kind[:1].lower() in "aeiou" else "a"
            shown = repr(label)
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            item = "label" if what == "labels" else what
            raise ValueError(
                f"{what} must be one number or string per row; the {item} of row {row} is "
                f"{article} {kind}, {shown}."
            )
    shape = None if values is None else values.shape
    raise ValueError(f"{what} must be one number or string per row (1-D); got shape {shape}.")


def _is_scalar(value: Any) -> bool:
    if isinstance(value, str | bytes):
        return True
    try:
        return bool(np.ndim(value) == 0)
    except ValueError:  # a ragged sequence
        return False


def as_vector(vector: Any, what: str) -> np.ndarray:
    """One finite vector ``(d,)`` float64."""
    array = np.asarray(vector, dtype=np.float64)
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(f"{what} must be one vector of shape (d,); got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds NaN or infinite values.")
    return array


def _check_texts(data: Any, model_name: str) -> CheckedData:
    if isinstance(data, str) or not hasattr(data, "__len__"):
        raise ValueError(
            f"{model_name} embeds texts: data must be a list of strings; got {type(data).__name__}."
        )
    texts = list(data)
    if not texts:
        raise ValueError("data is empty: expected at least one string.")
    wrong = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if wrong:
        raise ValueError(
            f"{model_name} embeds texts: every item of data must be a str; items {wrong[:5]} "
            f"are {type(texts[wrong[0]]).__name__}."
        )
    return CheckedData(texts, None, np.arange(len(texts)), len(texts), None)


def _numeric(data: Any, model_name: str) -> np.ndarray:
    if hasattr(data, "detach") and hasattr(data, "cpu"):  # a torch tensor
        data = data.detach().cpu().numpy()
    try:
        array = np.asarray(data)
        # float32 stays float32: a float64 copy of a million rows doubles the memory.
        return array if array.dtype.kind == "f" else array.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"data must be numeric (n_samples, ...); {model_name} cannot take "
            f"{type(data).__name__} ({error})."
        ) from None


def _column_names(data: Any) -> list[str] | None:
    columns = getattr(data, "columns", None)
    return [str(c) for c in columns] if columns is not None else None


def _take_rows(data: Any, rows: np.ndarray) -> Any:
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    if isinstance(data, list):
        return [data[i] for i in rows]
    if hasattr(data, "detach"):  # torch tensors index like arrays
        return data[rows]
    return np.asarray(data)[rows]


def finite_number(value: Any) -> bool:
    """Whether ``value`` is one finite real number (a Python or NumPy one; not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def two_values(values: Any) -> tuple[Any, Any] | None:
    """``values`` as a pair, or None when it is not exactly two (a string is not a pair)."""
    if isinstance(values, str | bytes | dict):
        return None
    try:
        first, second = values
    except (TypeError, ValueError):  # not two values
        return None
    return first, second


def read_only(array: np.ndarray) -> np.ndarray:
    """The array, made read-only (a result's arrays are not to be changed in place)."""
    array.setflags(write=False)
    return array
