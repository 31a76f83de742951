"""Search a map: its labels by substring or ``/regex/`` (case-insensitive), or, for a model
that encodes text, the query itself encoded and its nearest points."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_QUERY = 1000  # characters: a query is typed, not pasted in bulk


@dataclass(frozen=True)
class SearchResult:
    """What a search found.

    Attributes
    ----------
    query : str
    kind : {"label", "regex", "encoded", "none"}
        Labels containing the query, labels matching a ``/regex/``, the points nearest the
        encoded query (no label contained it), or nothing.
    indices : (m,) int
        The rows of the data found: every matching label's row in map order, or the
        nearest rows to the encoded query, nearest first.
    latent : (d,) float64 or None
        The encoded query, or None for a label match.
    scores : (m,) float or None
        Cosine similarity of each nearest row to the encoded query.
    note : str
        Why nothing was found, or how the query was read.
    points : (m,) int
        The same finds as the map's point indices (``w.rows[points]`` is ``indices``).
    """

    query: str
    kind: str
    indices: np.ndarray
    latent: np.ndarray | None = None
    scores: np.ndarray | None = None
    note: str = ""
    points: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    def __repr__(self) -> str:
        shown = ", ".join(map(str, self.indices[:8].tolist()))
        more = ", …" if len(self.indices) > 8 else ""
        return (
            f"SearchResult({self.query!r}, {self.kind}, {len(self.indices)} rows: "
            f"[{shown}{more}]{', ' + self.note if self.note else ''})"
        )


def read_query(query: object) -> tuple[str, re.Pattern[str] | None]:
    """The query's text, and its compiled pattern when it is written ``/regex/``."""
    if not isinstance(query, str):
        raise TypeError(f"a search query must be a string; got {type(query).__name__}.")
    text = query.strip()
    if not text:
        raise ValueError("a search query must not be empty.")
    if len(text) > MAX_QUERY:
        raise ValueError(f"a search query is at most {MAX_QUERY} characters; got {len(text)}.")
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        try:
            return text, re.compile(text[1:-1], re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"the regular expression {text} is not valid: {error}.") from None
    return text, None


class LabelSearch:
    """Labels searched case-insensitively; their lower-case copy is made once."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._lowered: list[str] | None = None

    def matches(self, text: str, pattern: re.Pattern[str] | None) -> np.ndarray:
        """Point indices whose label contains ``text`` (or matches ``pattern``), in order."""
        if pattern is not None:
            found = [i for i, t in enumerate(self.texts) if pattern.search(t)]
        else:
            if self._lowered is None:
                self._lowered = [t.casefold() for t in self.texts]
            wanted = text.casefold()
            found = [i for i, t in enumerate(self._lowered) if wanted in t]
        return np.asarray(found, dtype=np.int64)


def search(
    labels: LabelSearch,
    query: object,
    *,
    rows: np.ndarray,
    encode: Callable[[str], np.ndarray | None],
    nearest: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    k: int = 10,
) -> SearchResult:
    """Labels first; a query no label contains is encoded (``encode`` returns None when the
    model cannot) and its ``k`` nearest points found (``nearest(z, k)``: point indices and
    cosine scores)."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    text, pattern = read_query(query)
    points = labels.matches(text, pattern)
    if len(points) or pattern is not None:
        kind = "regex" if pattern is not None else "label"
        note = "" if len(points) else f"no label matches {text}"
        return SearchResult(text, kind, rows[points], note=note, points=points)
    z = encode(text)
    if z is None:
        return SearchResult(
            text,
            "none",
            np.zeros(0, np.int64),
            note=f"no label contains {text!r}, and this model cannot encode new text",
        )
    points, scores = nearest(z, int(k))
    return SearchResult(
        text,
        "encoded",
        rows[points],
        latent=np.asarray(z, dtype=np.float64),
        scores=scores,
        note=f"no label contains {text!r}: the {len(points)} points nearest the encoded query",
        points=points,
    )
