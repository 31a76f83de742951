"""Arithmetic expressions over labels: ``king - man + woman`` read as a linear combination.

An expression is a linear combination of labels: words, or quoted labels (``'new york'``,
``"ice cream"``) for labels with spaces or operator characters, with numeric coefficients
(``0.5*a``, ``a * 2``, ``a / 2``), ``+`` and ``-``, a leading sign and parentheses
(``(king + queen) / 2``, nested at most ``MAX_DEPTH`` deep). A bare word that reads as a
number is a coefficient: quote labels such as ``'7'``. Mistakes raise
:class:`ExpressionError`, a ``ValueError`` whose message shows the expression with a caret
under the offending column.

Only text is read here; what the labels stand for is ``_arithmetic``'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ExpressionError", "parse", "parse_with_columns"]

_OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "/": "/", "(": "(", ")": ")"}
_QUOTES = "'\""
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Each level of parentheses is a few Python frames deep: a bound keeps a pasted or generated
# expression from exhausting the interpreter's stack, far beyond anything typed by hand.
MAX_DEPTH = 100


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
        shown, column = _window(shown, position)
        super().__init__(f"{problem}\n    {shown}\n    {' ' * column}^")


_SHOWN = 72  # characters of a long expression shown around the offending column


def _window(text: str, position: int) -> tuple[str, int]:
    """``text`` cut to about ``_SHOWN`` characters around ``position``, and the position's
    column in what is shown: a pasted expression of thousands of characters stays readable."""
    if len(text) <= _SHOWN:
        return text, position
    start = max(0, min(position - _SHOWN // 2, len(text) - _SHOWN))
    before = "…" if start > 0 else ""
    after = "…" if start + _SHOWN < len(text) else ""
    return before + text[start : start + _SHOWN] + after, position - start + len(before)


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
    return [(coefficient, label) for coefficient, label, _ in parse_with_columns(expression)]


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


def parse_with_columns(expression: str) -> list[tuple[float, str, int]]:
    """:func:`parse`, each term with the column where its label first appears."""
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
        self.depth = 0  # parentheses open around the current token

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
            if self.depth == MAX_DEPTH:
                raise self.fail(f"parentheses nested deeper than {MAX_DEPTH}", token)
            self.at += 1
            self.depth += 1
            value = self.expression()
            self.depth -= 1
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
