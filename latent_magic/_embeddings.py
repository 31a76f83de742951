"""Embedding tables (a label per vector) as LatentModels: encode looks labels up, decode
names the nearest labels.

The table is read by :func:`~latent_magic._tables.labels_and_vectors`; here it must also
have unique, non-missing string labels, and is stored as ``(n, d)`` float32 (the
explorer maps it with no data). Nothing heavy (pandas, gensim) is imported.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ._adapter_hints import SET_BY_ADAPTERS, passed_on
from ._latent_model import LatentModel
from ._neighbors import nearest
from ._tables import (
    by_folded_case,
    close_label_hint,
    is_dataframe,
    is_keyed_vectors,
    is_missing,
    labels_and_vectors,
    listed,
    looks_like_table,
    numpy_dtype,
    peek,
)
from ._text_encoders import as_texts

__all__ = [
    "TOP_K",
    "UnknownLabelError",
    "adapt_table",
    "looks_like_table",
]

TOP_K = 10  # labels returned per decoded latent


class UnknownLabelError(KeyError, ValueError):
    """A label asked of an embedding table that is not in it (suggests close spellings)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


def adapt_table(obj: Any, **hints: Any) -> LatentModel:
    """An embedding table as a :class:`LatentModel` of kind ``"text"``.

    ``encode(labels)`` looks rows up by label, ``(n, d)`` float32; ``decode(Z)`` gives, for
    each latent, the ``TOP_K`` nearest labels by cosine similarity as ``(label, score)``
    pairs (an object array of lists, one list per row of ``Z``). The table itself is kept
    in ``model.table`` as ``(labels, vectors)`` so the explorer can map it with no data.
    """
    name = hints.pop("name", None)
    if is_dataframe(obj):
        _check_dataframe_index(obj)
    labels, vectors = labels_and_vectors(obj)
    default_name = type(obj).__name__ if is_keyed_vectors(obj) else "embedding table"
    return _table_model(
        _check_labels(labels),
        np.ascontiguousarray(vectors, dtype=np.float32),
        name or default_name,
        hints,
    )


def _table_model(
    labels: list[str], vectors: np.ndarray, name: str, hints: dict[str, Any]
) -> LatentModel:
    row_of = {label: i for i, label in enumerate(labels)}

    def lookup(wanted: Any) -> np.ndarray:
        wanted = as_texts(wanted, f"{name} looks up")
        missing = [w for w in wanted if w not in row_of]
        if missing:
            raise UnknownLabelError(_unknown_message(missing, labels, name))
        return vectors[[row_of[w] for w in wanted]]

    def nearest_labels(Z: np.ndarray) -> np.ndarray:
        indices, scores = nearest(Z, vectors, TOP_K, metric="cosine")
        out = np.empty(len(indices), dtype=object)  # one list per row, kept whole
        for i, (row, row_scores) in enumerate(zip(indices, scores, strict=True)):
            out[i] = [(labels[j], float(s)) for j, s in zip(row, row_scores, strict=True)]
        return out

    return LatentModel(
        encode=lookup,
        decode=nearest_labels,
        dim=int(vectors.shape[1]),
        kind=hints.pop("kind", None) or "text",
        name=name,
        data_kind="text",
        table=(labels, vectors),
        **passed_on(hints, (*SET_BY_ADAPTERS, "dim")),
    )


def _check_dataframe_index(df: Any) -> None:
    """A DataFrame's labels are its index: one with no strings there likely holds them in a
    column instead (say which one to make the index)."""
    labels = peek(df.index)
    if labels and not any(isinstance(x, str) for x in labels):
        text_columns = [c for c, t in df.dtypes.items() if numpy_dtype(t).kind in "OUS"]
        fix = (
            f'df.set_index("{text_columns[0]}")'
            if text_columns
            else "df.set_index(<the label column>)"
        )
        raise TypeError(
            f"A DataFrame embedding table needs its labels in the index; the index holds "
            f"{type(labels[0]).__name__} values ({labels[0]!r}, …). Use {fix}, or "
            "df.index = df.index.astype(str) if those values are the labels."
        )


def _check_labels(labels: list[Any]) -> list[str]:
    missing = [i for i, x in enumerate(labels) if is_missing(x)]
    if missing:
        raise ValueError(
            f"{len(missing)} label(s) of the embedding table are missing (None, NaN or empty), "
            f"at position(s) {listed(missing)}; every vector needs a label."
        )
    wrong = [x for x in labels if not isinstance(x, str)]
    if wrong:
        raise TypeError(
            f"Labels of an embedding table must be strings; got {type(wrong[0]).__name__} "
            f"({wrong[0]!r}). Convert them first, e.g. [str(x) for x in labels]."
        )
    counts = Counter(labels)
    if len(counts) < len(labels):
        repeated = [f"{x!r} ×{n}" for x, n in counts.most_common(5) if n > 1]
        raise ValueError(
            f"Labels of an embedding table must be unique; "
            f"{len(labels) - len(counts)} are repeated: {', '.join(repeated)}."
        )
    return [str(x) for x in labels]  # np.str_ → str


def _unknown_message(missing: list[str], labels: list[str], name: str) -> str:
    # Folding the case of a huge vocabulary takes longer than the mistake is worth.
    folded = by_folded_case(labels) if len(labels) <= 2_000_000 else {}
    parts = [f"{word!r}{close_label_hint(word, labels, folded)}" for word in missing[:5]]
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return f"{len(missing)} label(s) are not in {name}: {'; '.join(parts)}{more}."
