"""The fields of the page's requests, each checked against docs/protocol.md: a value that is
not what the protocol says is a ``RequestError`` naming the request, the field, what was
expected and what came."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from ._data import finite_number

SHOWN = 80  # characters of a value shown in a message


class RequestError(ValueError):
    """A request that does not follow the protocol, or that cannot be carried out."""


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def json_float(value: float) -> float:
    return value if math.isfinite(value) else sys.float_info.max


def field(content: dict[str, Any], name: str, expected: str) -> Any:
    if name not in content:
        raise RequestError(f"{content['type']}: {name} must be {expected}; the field is missing.")
    return content[name]


def number(content: dict[str, Any], name: str) -> float:
    value = field(content, name, "a finite number")
    if not finite_number(value):
        raise RequestError(
            f"{content['type']}: {name} must be a finite number; got {shown(value)}."
        )
    return float(value)


def integer(content: dict[str, Any], name: str) -> int:
    value = field(content, name, "an integer")
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{content['type']}: {name} must be an integer; got {shown(value)}.")
    return value


def text(content: dict[str, Any], name: str) -> str:
    value = field(content, name, "a string")
    if not isinstance(value, str):
        raise RequestError(f"{content['type']}: {name} must be a string; got {shown(value)}.")
    return value


def point(content: dict[str, Any], name: str, n: int) -> int | None:
    expected = f"a point index (valid: 0..{n - 1}) or null"
    value = field(content, name, expected)
    if value is None:
        return None
    # JavaScript has one number type: 3.0 is the point 3 (within the integers it holds).
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{content['type']}: {name} must be {expected}; got {shown(value)}.")
    if not 0 <= value < n:
        raise RequestError(
            f"{content['type']}: {name} must be {expected}; got {value}: there is no point "
            f"{value} on this map."
        )
    return value


def check_sorted(data: bytes) -> None:
    """The protocol's selection: uint32 indices, sorted ascending, unique (the whole number
    of values is the trait's to check)."""
    if len(data) % 4:
        return
    values = np.frombuffer(data, "<u4")
    wrong = np.flatnonzero(values[1:] <= values[:-1])
    if wrong.size:
        i = int(wrong[0]) + 1
        raise RequestError(
            f"selection_part: the indices must be sorted ascending and unique; index {i} "
            f"({values[i]}) follows {values[i - 1]}."
        )
