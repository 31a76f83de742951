"""The words written on the map: which points carry one, the texts the page draws (UTF-8,
one buffer), and the order it places them in. The page places labels greedily in that order
and skips one that would overlap a label already placed, so the order decides who wins where
the map is crowded; zooming in makes room, and more appear."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PRIORITIES = ("isolation", "order")
SEPARATOR = b"\x00"  # between two labels in the page's buffer (no label holds one)
_MAX_BINS = 256  # per axis: how finely "crowded" is told apart on the largest maps
_POINTS_PER_CELL = 4  # on average, in the grid that counts the crowd
_NAMING_SHARE = 0.5  # labels that are this distinct name their items: shown by default


def are_texts(labels: np.ndarray | None) -> bool:
    """Whether the labels are words (strings), which are worth writing on the map; numbers
    such as digit classes colour the map instead (the legend names them)."""
    if labels is None or len(labels) == 0:
        return False
    if labels.dtype.kind == "U":
        return True
    return labels.dtype.kind == "O" and all(isinstance(v, str) for v in labels[:1000])


def names_items(labels: np.ndarray | None) -> bool:
    """Whether the labels name their items (most are distinct: a table's words, the texts
    that were embedded), so the map shows them unless told not to."""
    if not are_texts(labels):
        return False
    assert labels is not None
    sample = labels[:: max(1, len(labels) // 20_000)]
    return len(set(sample.tolist())) >= _NAMING_SHARE * len(sample)


def label_buffer(labels: np.ndarray) -> np.ndarray:
    """The labels as one uint8 buffer of UTF-8, separated by NUL (a NUL in a label becomes
    U+FFFD): the page splits it once, with no JSON list of a million strings."""
    joined = "\x00".join(str(v).replace("\x00", "\ufffd") for v in labels.tolist())
    return np.frombuffer(joined.encode("utf-8"), np.uint8)


def check_priority(priority: Any) -> None:
    """A label priority the options accept: a name, or one number per row (checked for
    length once the rows are known)."""
    if priority is None or (isinstance(priority, str) and priority in PRIORITIES):
        return
    if isinstance(priority, str):
        raise ValueError(
            f"label_priority must be one of {', '.join(map(repr, PRIORITIES))} or one number "
            f"per row (higher first); got {priority!r}."
        )
    values = np.asarray(priority)
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise ValueError(
            "label_priority must be a name or a 1-D array of numbers, one per row (higher "
            f"first); got {values.dtype} values of shape {values.shape}."
        )


def placement_order(
    points: np.ndarray, priority: str | np.ndarray, rows: np.ndarray, n_total: int
) -> np.ndarray:
    """uint32 point indices, the first to be placed first.

    ``"isolation"``: points in the emptiest parts of the map first (where a label is most
    needed to say what is there), ties in row order; ``"order"``: row order (an embedding
    table's, by frequency in word2vec and GloVe files); numbers: one per row of the data,
    higher first."""
    if isinstance(priority, str):
        if priority == "order":
            return np.arange(len(points), dtype=np.uint32)
        return isolation_order(points)
    values = np.asarray(priority, dtype=np.float64)
    if len(values) != n_total:
        raise ValueError(
            f"label_priority must have one number per row of data ({n_total} rows); got "
            f"{len(values)}."
        )
    values = np.nan_to_num(values[rows], nan=-np.inf)
    return np.argsort(-values, kind="stable").astype(np.uint32)


def isolation_order(points: np.ndarray) -> np.ndarray:
    """Point indices from the least crowded to the most: each point's crowd is the number of
    points in its cell of a grid over the map (about four points a cell, at most 256 × 256)
    and the eight cells around it."""
    n = len(points)
    if n == 0:
        return np.zeros(0, np.uint32)
    bins = int(np.clip(math.sqrt(n / _POINTS_PER_CELL), 2, _MAX_BINS))
    finite = np.isfinite(points).all(axis=1)
    cells = np.zeros((n, 2), np.int64)
    if finite.any():
        lo = points[finite].min(axis=0)
        span = np.maximum(points[finite].max(axis=0) - lo, np.finfo(np.float32).tiny)
        scaled = (points[finite] - lo) / span * bins
        cells[finite] = np.clip(scaled.astype(np.int64), 0, bins - 1)
    flat = cells[:, 0] * bins + cells[:, 1]
    counts = np.bincount(flat, minlength=bins**2).reshape(bins, -1)
    padded = np.pad(counts, 1)
    crowd = np.zeros_like(counts)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            crowd += padded[1 + dx : 1 + dx + bins, 1 + dy : 1 + dy + bins]
    per_point = crowd[cells[:, 0], cells[:, 1]]
    per_point[~finite] = np.iinfo(np.int64).max  # not on the map: never first
    return np.argsort(per_point, kind="stable").astype(np.uint32)
