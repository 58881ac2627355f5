"""Whole numbers as people type them, read one way by every parser.

str.isdigit() is true for "²" and "٣", which int() refuses or reads as another number, and
int() refuses more than 4,300 digits: a parser that checks isdigit() and then calls int() can
fail on what it has just accepted. These read ASCII digits only, of a bounded length.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str, max_digits: int = 9) -> int | None:
    """The number `text` is (ASCII digits, at most max_digits of them), or None."""
    if len(text) > max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)
