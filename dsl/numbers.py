"""Number literals: `12`, `1.5`, `.5`, `1e9`, `1_000_000`, with suffixes % k M B T."""

from __future__ import annotations

import math
import re
from decimal import Decimal, DecimalException

MAX_DIGITS = 9  # a year or a year offset: a longer digit string is none (and int() of one is slow)
MAX_PERIODS = 1000  # years in a model: a century of quarters fits

SUFFIXES = {"": 1, "%": Decimal("0.01"), "k": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_NUMBER = re.compile(r"(\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)([eE][+-]?\d+)?(.*)", re.S)


class BadNumber(ValueError):
    """A literal with a suffix the language does not know; carries the offset of it."""

    def __init__(self, message: str, offset: int, hint: str):
        super().__init__(message)
        self.offset = offset
        self.hint = hint


def parse_number(text: str) -> float:
    """The value of a literal, computed exactly and rounded once (`0.1%` is 0.001)."""
    m = _NUMBER.fullmatch(text)
    if m is None:  # the grammar's regex only hands us numbers
        raise BadNumber(f"'{text}' is not a number", 0, "write a number such as 12, 1.5 or 30%")
    mantissa, exponent, suffix = m.group(1), m.group(2) or "", m.group(3)
    if "__" in mantissa or mantissa.endswith("_") or "_." in mantissa or "._" in mantissa:
        raise BadNumber(f"misplaced '_' in number '{text}'", 0,
                        "'_' may only separate digits, as in 1_000_000")
    if suffix not in SUFFIXES:
        offset = len(mantissa) + len(exponent)
        raise BadNumber(
            f"unknown number suffix '{suffix}' in '{text}'", offset,
            "a number may end in % (x 0.01), k (x 1e3), M (x 1e6), B (x 1e9) or T (x 1e12)",
        )
    try:
        value = float(Decimal(mantissa.replace("_", "") + exponent) * SUFFIXES[suffix])
    except DecimalException:  # an exponent beyond what decimal can hold
        value = math.inf
    if math.isinf(value):  # a literal is a number; inf only ever comes out of a computation
        raise BadNumber(f"the number '{_clip(text)}' is out of range", 0,
                        "numbers reach about 1.8e308 in either direction")
    return value


def whole_number(text: str) -> int | None:
    """A year or offset written as digits (at most MAX_DIGITS of them), else None."""
    if text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


def _clip(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."
