"""Close spellings for error messages: a name the user mistyped gets the nearest known one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, known: Iterable[str], n: int = 1) -> str:
    """``" Did you mean 'x'?"`` (up to ``n`` close names), or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(known), n=n)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
