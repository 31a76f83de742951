"""Vector arithmetic on labelled latents: ``king - man + woman`` and its nearest neighbors.

An expression is a linear combination of labels: words, or quoted labels (``'new york'``,
``"ice cream"``) for labels with spaces or operator characters, with numeric coefficients
(``0.5*a``, ``a * 2``, ``a / 2``), ``+`` and ``-``, a leading sign and parentheses
(``(king + queen) / 2``). A bare word that reads as a number is a coefficient: quote labels
such as ``'7'``. Mistakes raise :class:`ExpressionError`, a ``ValueError`` whose
message shows the expression with a caret under the offending column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._neighbors import METRICS, nearest

__all__ = ["ArithmeticResult", "ExpressionError", "arithmetic", "parse"]

_OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "/": "/", "(": "(", ")": ")"}
_QUOTES = "'\""
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SHOWN_NEIGHBOURS = 5  # in the repr


class ExpressionError(ValueError):
    """A malformed arithmetic expression, with the column where it goes wrong.

    Attributes
    ----------
    expression : str
    position : int
        0-based column of the offending character (``len(expression)`` for an unexpected
        end); the message draws a caret under it.
    """

    def __init__(self, problem: str, expression: str, position: int) -> None:
        self.problem = problem
        self.expression = expression
        self.position = position
        shown = re.sub(r"\s", " ", expression)  # tabs and newlines would shift the caret
        super().__init__(f"{problem}\n    {shown}\n    {' ' * position}^")


@dataclass(eq=False)
class ArithmeticResult:
    """The vector an expression stands for and the labels nearest to it.

    Attributes
    ----------
    expression : str
    vector : (d,) float64
        ``Σ coefficient × vector(label)``.
    terms : list of (float, str)
        The expression's coefficients and labels, as found in the table.
    neighbors : list of (str, float)
        The nearest labels, best first, with their score: cosine similarity (higher is
        nearer) or euclidean distance (lower is nearer).
    """

    expression: str
    vector: np.ndarray
    terms: list[tuple[float, str]]
    neighbors: list[tuple[str, float]]

    def __repr__(self) -> str:
        shown = ", ".join(f"({label!r}, {score:.3f})" for label, score in self.neighbors[:5])
        more = ", …" if len(self.neighbors) > _SHOWN_NEIGHBOURS else ""
        return (
            f"ArithmeticResult({self.expression!r}, dim={self.vector.shape[0]}, "
            f"neighbors=[{shown}{more}])"
        )


# ---------------------------------------------------------------------- parsing
def parse(expression: str) -> list[tuple[float, str]]:
    """The linear combination an expression stands for.

    Parameters
    ----------
    expression : str
        E.g. ``"king - man + woman"``, ``"0.5*a + b"``, ``"2 * 'new york' - b"``,
        ``"-a + b"``, ``"(a + b) / 2"``.

    Returns
    -------
    list of (float, str)
        ``(coefficient, label)`` in order of first appearance; a label written twice
        appears once with its coefficients added.

    Raises
    ------
    ExpressionError
        (a ``ValueError``) for an empty or malformed expression; the message points at the
        column where it goes wrong.
    """
    return [(coefficient, label) for coefficient, label, _ in _parse(expression)]


@dataclass
class _Token:
    kind: str  # "number" | "label" | an operator character | "end"
    text: str
    position: int
    value: float = 0.0


@dataclass
class _Value:
    """A number, or a linear combination of labels (``terms`` maps label → coefficient)."""

    number: float = 0.0
    terms: dict[str, float] | None = None
    positions: dict[str, int] | None = None


def _parse(expression: str) -> list[tuple[float, str, int]]:
    if not isinstance(expression, str):
        raise TypeError(f"an expression must be a string; got {type(expression).__name__}.")
    if not expression.strip():
        raise ValueError("the expression is empty: write one like 'king - man + woman'.")
    parser = _Parser(expression)
    value = parser.expression(top=True)
    if value.terms is None:
        raise ExpressionError("the expression has no labels, only numbers", expression, 0)
    assert value.positions is not None
    return [(c, label, value.positions[label]) for label, c in value.terms.items()]


def _tokens(expression: str) -> list[_Token]:
    tokens, i, n = [], 0, len(expression)
    while i < n:
        char = expression[i]
        if char.isspace():
            i += 1
        elif char in _OPERATORS:
            tokens.append(_Token(_OPERATORS[char], char, i))
            i += 1
        elif char in _QUOTES:
            end = expression.find(char, i + 1)
            if end < 0:
                raise ExpressionError(f"this {char} is never closed", expression, i)
            if end == i + 1:
                raise ExpressionError("an empty quoted label", expression, i)
            tokens.append(_Token("label", expression[i + 1 : end], i))
            i = end + 1
        else:  # a bare word or number runs to the next space, operator or parenthesis
            end = i
            while end < n and not expression[end].isspace() and expression[end] not in _OPERATORS:
                end += 1
            text = expression[i:end]
            number = _NUMBER.fullmatch(text)
            if number is None and _NUMBER.fullmatch(text + "0") and text[-1] in "eE":
                # "1e-5": the exponent's sign was read as an operator; take it back
                match = _NUMBER.match(expression, i)
                if match is not None and match.end() > end:
                    text, end, number = match.group(), match.end(), match
            if number is not None:
                tokens.append(_Token("number", text, i, float(text)))
            else:
                tokens.append(_Token("label", text, i))
            i = end
    tokens.append(_Token("end", "", n))
    return tokens


class _Parser:
    """Recursive descent over ``sum := [sign] product (('+'|'-') product)*``,
    ``product := factor (('*'|'/') factor)*``, ``factor := number | label | '(' sum ')'``.

    Signs are allowed only at the start of a sum, so ``king - + man`` is an error rather
    than a quiet ``king - (+man)``.
    """

    def __init__(self, expression: str) -> None:
        self.text = expression
        self.tokens = _tokens(expression)
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def fail(self, problem: str, token: _Token | None = None) -> ExpressionError:
        return ExpressionError(problem, self.text, (token or self.token).position)

    def expression(self, top: bool = False) -> _Value:
        sign = 1.0
        if self.token.kind in ("+", "-"):
            sign = -1.0 if self.token.kind == "-" else 1.0
            self.at += 1
        value = _scale(self.product(), sign)
        while self.token.kind in ("+", "-"):
            operator = self.token
            self.at += 1
            right = self.product()
            if (value.terms is None) != (right.terms is None):
                raise self.fail(
                    f"cannot {'add' if operator.kind == '+' else 'subtract'} a number and a "
                    "label: give numbers as coefficients, like 0.5 * label",
                    operator,
                )
            value = _add(value, _scale(right, 1.0 if operator.kind == "+" else -1.0))
        if top and self.token.kind != "end":
            token = self.token
            if token.kind == ")":
                raise self.fail("this ')' has no matching '('")
            previous = self.tokens[self.at - 1]
            raise self.fail(
                f"missing operator (+, -, *) between {previous.text!r} and {token.text!r}"
            )
        return value

    def product(self) -> _Value:
        value = self.factor()
        while self.token.kind in ("*", "/"):
            operator = self.token
            self.at += 1
            right = self.factor()
            if operator.kind == "/":
                if right.terms is not None:
                    raise self.fail("can only divide by a number", operator)
                if right.number == 0:
                    raise self.fail("division by zero", operator)
                value = _scale(value, 1.0 / right.number)
            elif value.terms is not None and right.terms is not None:
                raise self.fail(
                    "cannot multiply two labels: one side of '*' must be a number", operator
                )
            else:
                value = (
                    _scale(right, value.number)
                    if value.terms is None
                    else _scale(value, right.number)
                )
        return value

    def factor(self) -> _Value:
        token = self.token
        if token.kind == "number":
            self.at += 1
            return _Value(number=token.value)
        if token.kind == "label":
            self.at += 1
            return _Value(terms={token.text: 1.0}, positions={token.text: token.position})
        if token.kind == "(":
            self.at += 1
            value = self.expression()
            if self.token.kind != ")":
                if self.token.kind == "end":
                    raise self.fail("this '(' is never closed", token)
                previous = self.tokens[self.at - 1]
                raise self.fail(
                    f"missing operator (+, -, *) between {previous.text!r} and {self.token.text!r}"
                )
            self.at += 1
            return value
        before = self.tokens[self.at - 1].text if self.at else ""
        if token.kind == "end":
            raise self.fail(
                f"unexpected end of the expression: a label or number must follow {before!r}"
            )
        after = f" after {before!r}" if before else ""
        raise self.fail(f"expected a label or a number{after}; found {token.text!r}")


def _scale(value: _Value, factor: float) -> _Value:
    if value.terms is None:
        return _Value(number=value.number * factor)
    return _Value(
        terms={label: c * factor for label, c in value.terms.items()},
        positions=value.positions,
    )


def _add(left: _Value, right: _Value) -> _Value:
    if left.terms is None or right.terms is None:
        return _Value(number=left.number + right.number)
    terms, positions = dict(left.terms), dict(left.positions or {})
    for label, c in right.terms.items():
        terms[label] = terms.get(label, 0.0) + c
        positions.setdefault(label, (right.positions or {})[label])
    return _Value(terms=terms, positions=positions)


# ---------------------------------------------------------------------- evaluation
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

    Returns
    -------
    ArithmeticResult

    Raises
    ------
    ValueError
        For an empty or malformed expression (:class:`ExpressionError`, with a caret under
        the offending column), a label the table does not hold (with close spellings), a
        result that is the zero vector under the cosine metric.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be a non-negative integer; got {k!r}.")
    parsed = _parse(expression)
    table = _Table.of(space)
    vectors, rows, names = table.resolve(parsed, expression)
    coefficients = np.array([c for c, _, _ in parsed], dtype=np.float64)
    vector = coefficients @ vectors
    if metric == "cosine" and not np.any(vector):
        raise ValueError(
            f"{expression!r} adds up to the zero vector, which has no cosine neighbors."
        )
    exclude = None if include_terms else np.array(sorted({r for term in rows for r in term}))
    index, scores = nearest(vector, table.vectors, int(k), metric=metric, exclude=exclude)
    return ArithmeticResult(
        expression=expression,
        vector=vector,
        terms=[(float(c), name) for c, name in zip(coefficients, names, strict=True)],
        neighbors=[(table.labels[i], float(s)) for i, s in zip(index[0], scores[0], strict=True)],
    )


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
        self.folded: dict[str, set[str]] = {}
        for label in self.rows:
            self.folded.setdefault(label.casefold(), set()).add(label)

    @classmethod
    def of(cls, space: Any) -> _Table:
        labels, vectors = _labels_and_vectors(space)
        labels = [str(label) for label in labels]
        try:
            vectors = np.asarray(vectors)
            # A float32 table stays float32: a float64 copy of a million rows per query is waste.
            if vectors.dtype.kind != "f":
                vectors = vectors.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"the table's vectors must be numeric, one row per label; got "
                f"{type(vectors).__name__}."
            ) from None
        if vectors.ndim != 2:
            raise ValueError(
                f"the vectors must form a 2-D array (one row per label); got shape {vectors.shape}."
            )
        if len(labels) != len(vectors):
            raise ValueError(
                f"the table has {len(labels)} labels for {len(vectors)} vectors; it needs "
                "one label per vector."
            )
        if not np.isfinite(vectors).all():
            raise ValueError("the table's vectors hold NaN or infinite values.")
        return cls(
            labels,
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
        parts = []
        for _, label, _ in missing:
            close = sorted(self.folded.get(label.casefold(), ()))
            close += [c for c in difflib.get_close_matches(label, self.rows, n=3) if c not in close]
            hint = f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else ""
            parts.append(f"{label!r}{hint}")
        noun = "label is" if len(missing) == 1 else "labels are"
        return ExpressionError(
            f"{len(missing)} {noun} not in the table of {len(self.rows)} labels: "
            f"{'; '.join(parts)}",
            expression,
            missing[0][2],
        )


def _labels_and_vectors(space: Any) -> tuple[Sequence[Any], Any]:
    """``(labels, vectors)`` from any of the shapes :func:`arithmetic` accepts."""
    if isinstance(space, (tuple, list)) and len(space) == 2:
        labels, vectors = space
        if isinstance(labels, str):
            raise ValueError(
                "a (labels, vectors) pair needs a sequence of labels first; got one string."
            )
        return list(labels), vectors
    if isinstance(space, Mapping):
        if not space:
            raise ValueError("the table is empty: it needs at least one labelled vector.")
        return list(space.keys()), np.vstack([np.asarray(v).reshape(-1) for v in space.values()])
    if hasattr(space, "index") and callable(getattr(space, "to_numpy", None)):  # a DataFrame
        return list(space.index), space.to_numpy()
    table = getattr(space, "table", None)
    if table is not None:
        return _labels_and_vectors(table)
    if hasattr(space, "index_to_key") and hasattr(space, "vectors"):  # gensim KeyedVectors
        return list(space.index_to_key), space.vectors
    labels = getattr(space, "labels", None)
    for attribute in ("latents", "vectors"):
        vectors = getattr(space, attribute, None)
        if labels is not None and vectors is not None:
            return list(labels), vectors
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
