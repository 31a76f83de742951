"""Validate the user's data before it reaches the model: shape, feature count, non-finite rows."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class CheckedData:
    """The rows of the user's data that can be explored.

    ``rows`` are the kept row numbers of the user's data; ``data`` holds just those rows, in
    the user's own container (a DataFrame stays a DataFrame, so a model fitted on named
    columns sees them); ``values`` is the same as a float array.
    """

    data: Any
    values: np.ndarray  # (k, f) float64
    rows: np.ndarray  # (k,) int64
    n_total: int
    feature_names: list[str] | None

    @property
    def n_dropped(self) -> int:
        return self.n_total - len(self.rows)


def check_data(data: Any, n_features: int | None, model_name: str) -> CheckedData:
    """Check ``data`` against what the model expects and leave out non-finite rows.

    Raises
    ------
    ValueError
        Empty data, data that are not a 2-D numeric table, the wrong number of features,
        or no finite row at all.
    """
    feature_names = _column_names(data)
    try:
        values = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"data must be a numeric table (n_samples, n_features); {model_name} cannot "
            f"take {type(data).__name__} ({error})."
        ) from None
    if values.ndim != 2:
        hint = " (one sample? use X.reshape(1, -1))" if values.ndim == 1 else ""
        raise ValueError(
            f"data must be 2-D (n_samples, n_features); got shape {values.shape}{hint}."
        )
    if values.shape[0] == 0:
        raise ValueError(f"data is empty: expected at least one row; got shape {values.shape}.")
    if n_features is not None and values.shape[1] != n_features:
        raise ValueError(
            f"{model_name} was fitted on {n_features} features, but data has "
            f"{values.shape[1]} columns (shape {values.shape})."
        )
    finite = np.isfinite(values).all(axis=1)
    rows = np.flatnonzero(finite)
    if len(rows) == 0:
        raise ValueError(
            f"every row of data has NaN or inf values ({values.shape[0]} rows); nothing to map."
        )
    n_dropped = values.shape[0] - len(rows)
    if n_dropped:
        warnings.warn(
            f"{n_dropped} of {values.shape[0]} rows of data have NaN or inf values and are "
            "left out of the map.",
            stacklevel=3,
        )
        values = values[rows]
        data = _take_rows(data, rows)
    return CheckedData(data, values, rows, int(finite.shape[0]), feature_names)


def _column_names(data: Any) -> list[str] | None:
    columns = getattr(data, "columns", None)
    return [str(c) for c in columns] if columns is not None else None


def _take_rows(data: Any, rows: np.ndarray) -> Any:
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    return np.asarray(data)[rows]
