"""Vector arithmetic on labelled latents: ``king - man + woman`` and its nearest neighbors.

The expression is read by ``_expression``; here its labels are found in a table of
labelled vectors (read by ``_tables``, or taken from a model's or a map's own labels and
latents), combined, and the labels nearest the result are looked up. A label shared by
several rows stands for their mean. A float32 table stays float32: every query runs over
all of it, and a float64 copy of a million rows per query would be waste.

Two sums come out of one expression. Under the cosine metric the neighbours are searched
with each term scaled to unit length first, as word2vec and gensim's ``most_similar`` do:
with raw vectors a long vector outweighs the shorter ones and the answers differ from the
field's. The raw sum is kept as well: it is a point among the latents (where the
map marks the result, and what a decoder decodes); the euclidean metric searches with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._expression import ExpressionError, parse_with_columns
from ._neighbors import METRICS, nearest
from ._tables import (
    by_folded_case,
    close_label_hint,
    is_dataframe,
    is_keyed_vectors,
    labels_and_vectors,
)

__all__ = ["ArithmeticResult", "arithmetic", "example_expression"]

_SHOWN_NEIGHBOURS = 5  # in the repr
_HINT_LABEL_CHARS = 24  # a placeholder shows short labels when the map has enough of them


@dataclass(eq=False)
class ArithmeticResult:
    """The vector an expression stands for and the labels nearest to it.

    Attributes
    ----------
    expression : str
    vector : (d,) float64
        ``Σ coefficient × vector(label)``, the raw vectors: a point among the latents, at
        their scale. The widget marks this vector on the map and a decoder decodes it.
    terms : list of (float, str)
        The expression's coefficients and labels, as found in the table.
    neighbors : list of (str, float)
        The nearest labels to ``query``, best first, with their score: cosine similarity
        (higher is nearer) or euclidean distance (lower is nearer).
    metric : {"cosine", "euclidean"}
    unit_terms : bool
        Whether each term was scaled to unit length before the sum that found the
        neighbours: true under the cosine metric (as gensim's ``most_similar`` and
        word2vec do), false under the euclidean one.
    query : (d,) float64
        The vector the neighbours were searched with: ``Σ coefficient × vector(label) /
        ‖vector(label)‖`` when ``unit_terms``, else ``vector`` itself.
    indices : (k,) int64
        The table row of each neighbour, in the order of ``neighbors``: which point a label
        names when several share it (the digits' ``3, 3, 3``). For a map's arithmetic
        (``w.arithmetic``), the row of the data, as ``w.selected_indices`` are.
    """

    expression: str
    vector: np.ndarray
    terms: list[tuple[float, str]]
    neighbors: list[tuple[str, float]]
    metric: str
    unit_terms: bool
    query: np.ndarray
    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __repr__(self) -> str:
        shown = ", ".join(f"({label!r}, {score:.3f})" for label, score in self.neighbors[:5])
        more = ", …" if len(self.neighbors) > _SHOWN_NEIGHBOURS else ""
        return (
            f"ArithmeticResult({self.expression!r}, dim={self.vector.shape[0]}, "
            f"metric={self.metric!r}, unit_terms={self.unit_terms}, "
            f"neighbors=[{shown}{more}])"
        )


def arithmetic(
    space: Any,
    expression: str,
    k: int = 10,
    *,
    include_terms: bool = False,
    metric: str = "cosine",
) -> ArithmeticResult:
    """Evaluate ``expression`` over labelled vectors and find the labels nearest the result.

    Parameters
    ----------
    space : labelled vectors
        One of: a ``(labels, vectors)`` pair; a dict ``{label: vector}``; a DataFrame
        (index = labels); an object with ``.table = (labels, vectors)`` (a
        :class:`~latent_magic.LatentModel` of an embedding table); an object with
        ``.labels`` and ``.latents`` or ``.vectors`` (gensim-style ``index_to_key`` +
        ``vectors`` too). An object may also offer ``vector_of(label) -> vector or None``,
        asked first for every label (``None`` falls back to the table), and
        ``encode_text(list_of_str) -> (m, d)``: labels found nowhere else are encoded with
        it instead of failing.
    expression : str
        See :func:`parse`. Labels match exactly first, then case-insensitively when only
        one label of the table matches. A label shared by several rows (data points with
        a class label) stands for the mean of those rows.
    k : int
        Neighbors returned.
    include_terms : bool
        Whether the expression's own labels may be returned as neighbors (by default
        they are left out: ``king - man + woman`` is nearest ``king`` more often than not).
    metric : {"cosine", "euclidean"}
        Under ``"cosine"`` each term is scaled to unit length before the terms are added
        (``king - man + woman`` gives the neighbours and scores of gensim's
        ``kv.most_similar(positive=["king", "woman"], negative=["man"])``); under
        ``"euclidean"`` the raw vectors are added. Either way ``result.vector`` is the sum
        of the raw vectors and ``result.query`` the vector that was searched with.

    Returns
    -------
    ArithmeticResult

    Raises
    ------
    ValueError
        For an empty or malformed expression (:class:`ExpressionError`, with a caret under
        the offending column), a label the table does not hold (with close spellings), a
        query that is the zero vector under the cosine metric.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be a non-negative integer; got {k!r}.")
    parsed = parse_with_columns(expression)
    table = _Table.of(space)
    vectors, rows, names = table.resolve(parsed, expression)
    coefficients = np.array([c for c, _, _ in parsed], dtype=np.float64)
    vector = coefficients @ vectors
    unit_terms = metric == "cosine"
    query = coefficients @ _unit_rows(vectors.astype(np.float64)) if unit_terms else vector
    if unit_terms and not np.any(query):
        raise ValueError(
            f"{expression!r} adds up to the zero vector (each term at unit length), "
            "which has no cosine neighbors."
        )
    exclude = None if include_terms else np.array(sorted({r for term in rows for r in term}))
    index, scores = nearest(query, table.vectors, int(k), metric=metric, exclude=exclude)
    return ArithmeticResult(
        expression=expression,
        vector=vector,
        terms=[(float(c), name) for c, name in zip(coefficients, names, strict=True)],
        neighbors=[(table.labels[i], float(s)) for i, s in zip(index[0], scores[0], strict=True)],
        metric=metric,
        unit_terms=unit_terms,
        query=query,
        indices=np.asarray(index[0], dtype=np.int64),
    )


def example_expression(labels: Iterable[Any]) -> str:
    """An expression over a map's own labels, to suggest what the arithmetic box takes.

    Three distinct labels, the most frequent first (ties in order of first appearance),
    written ``a - b + c`` as the parser reads them: a label that reads as a number or holds
    spaces, operators or quotes is quoted (``'3' - '8' + '1'`` for digits). Among labels as
    frequent, short ones come first (a map of sentences suggests its shortest);
    ``king - man + woman`` when the map has those three.

    Parameters
    ----------
    labels : iterable
        One label per point (repeats welcome); anything but ``str`` is formatted with ``str``.

    Returns
    -------
    str
        ``a - b + c``, ``a - b`` with only two distinct labels, ``""`` with fewer (nothing
        worth suggesting: the box keeps its own placeholder).
    """
    counts = Counter(str(label) for label in labels)
    if {"king", "man", "woman"} <= counts.keys():
        return "king - man + woman"
    # Counter keeps the order of first appearance; the sort is stable, so ties keep it.
    ranked = sorted(counts, key=lambda label: (-counts[label], len(label) > _HINT_LABEL_CHARS))
    chosen: list[str] = []
    for label in ranked:
        written = _written(label)
        if written is not None:
            chosen.append(written)
        if len(chosen) == 3:
            break
    if len(chosen) < 2:
        return ""
    return " + ".join([" - ".join(chosen[:2]), *chosen[2:]])


def _written(label: str) -> str | None:
    """``label`` as an expression writes it (bare, or quoted when it must be); ``None`` when
    no quoting reads back as the label (both quote characters in it, or no text at all)."""
    for text in (label, f"'{label}'", f'"{label}"'):
        try:
            parsed = parse_with_columns(text)
        except ValueError:
            continue
        if [(c, name) for c, name, _ in parsed] == [(1.0, label)]:
            return text
    return None


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row at unit length; a zero row stays zero (it has no direction to keep)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class _Table:
    """Labels and their vectors, with the ways of finding a label's vector."""

    def __init__(
        self,
        labels: list[str],
        vectors: np.ndarray,
        vector_of: Callable[[str], Any] | None,
        encode_text: Callable[[list[str]], Any] | None,
    ) -> None:
        self.labels = labels
        self.vectors = vectors
        self.vector_of = vector_of
        self.encode_text = encode_text
        self.rows: dict[str, list[int]] = {}
        for i, label in enumerate(labels):
            self.rows.setdefault(label, []).append(i)
        self.folded = by_folded_case(self.rows)

    @classmethod
    def of(cls, space: Any) -> _Table:
        labels, vectors = _labels_and_vectors(space)
        # Labels may repeat (a class label per data point) and need not be strings.
        return cls(
            [str(label) for label in labels],
            vectors,
            _method(space, "vector_of"),
            _method(space, "encode_text"),
        )

    def resolve(
        self, parsed: list[tuple[float, str, int]], expression: str
    ) -> tuple[np.ndarray, list[list[int]], list[str]]:
        """The vector ``(len(parsed), d)``, table rows and table name of each term."""
        found: list[np.ndarray | None] = []
        rows: list[list[int]] = []
        names: list[str] = []
        for _, label, _ in parsed:
            name = label if label in self.rows else self._unique_folded(label)
            # The space's own lookup comes first: it knows best what a label stands for.
            given = self.vector_of(label) if self.vector_of is not None else None
            if given is not None:
                found.append(self._check(given, label))
            elif name is not None:
                found.append(self.vectors[self.rows[name]].mean(axis=0))
            else:
                found.append(None)
            rows.append(self.rows[name] if name is not None else [])
            names.append(name if name is not None else label)
        missing = [i for i, v in enumerate(found) if v is None]
        if missing and self.encode_text is not None:
            encoded = np.asarray(self.encode_text([parsed[i][1] for i in missing]))
            if encoded.ndim != 2 or len(encoded) != len(missing):
                raise ValueError(
                    f"encode_text must return one vector per text, shape ({len(missing)}, "
                    f"{self.vectors.shape[1]}); got shape {encoded.shape}."
                )
            for i, vector in zip(missing, encoded, strict=True):
                found[i] = self._check(vector, parsed[i][1])
            missing = []
        if missing:
            raise self._unknown([parsed[i] for i in missing], expression)
        return np.vstack([v for v in found if v is not None]), rows, names

    def _unique_folded(self, label: str) -> str | None:
        matches = self.folded.get(label.casefold(), set())
        return next(iter(matches)) if len(matches) == 1 else None

    def _check(self, vector: Any, label: str) -> np.ndarray:
        array = np.asarray(vector, dtype=np.float64).reshape(-1)
        if array.shape[0] != self.vectors.shape[1] or not np.isfinite(array).all():
            raise ValueError(
                f"the vector found for {label!r} must be finite with {self.vectors.shape[1]} "
                f"components; got shape {np.shape(vector)}."
            )
        return array

    def _unknown(self, missing: list[tuple[float, str, int]], expression: str) -> ValueError:
        parts = [
            f"{label!r}{close_label_hint(label, self.rows, self.folded)}" for _, label, _ in missing
        ]
        noun = "label is" if len(missing) == 1 else "labels are"
        return ExpressionError(
            f"{len(missing)} {noun} not in the table of {len(self.rows)} labels: "
            f"{'; '.join(parts)}",
            expression,
            missing[0][2],
        )


def _labels_and_vectors(space: Any) -> tuple[list[Any], np.ndarray]:
    """``(labels, vectors)`` from any of the shapes :func:`arithmetic` accepts."""
    if isinstance(space, (tuple, list, Mapping)) or is_dataframe(space):
        return labels_and_vectors(space)
    table = getattr(space, "table", None)
    if table is not None:
        return _labels_and_vectors(table)
    if is_keyed_vectors(space):
        return labels_and_vectors(space)
    labels = getattr(space, "labels", None)
    for attribute in ("latents", "vectors"):
        vectors = getattr(space, attribute, None)
        if labels is not None and vectors is not None:
            return labels_and_vectors((labels, vectors))
    raise TypeError(
        "arithmetic needs labelled vectors: a (labels, vectors) pair, a dict {label: vector}, "
        "a DataFrame indexed by label, or an object with .table or .labels and .latents; "
        f"got {type(space).__name__}."
    )


def _method(space: Any, name: str) -> Callable[..., Any] | None:
    if isinstance(space, (tuple, list, Mapping)):
        return None
    method = getattr(space, name, None)
    return method if callable(method) else None
