"""Number literals: `12`, `1.5`, `.5`, `1e9`, `1_000_000`, with suffixes % k M B T;
and the limits on years and periods every part of scn shares.

Digits are ASCII only: `١٢` or full-width digits are not numbers (Python's
`\\d`, `str.isdigit` and `int` would all take them).
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

SUFFIXES = {"": 1, "%": Decimal("0.01"), "k": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_NUMBER = re.compile(r"([0-9][0-9_]*(?:\.[0-9][0-9_]*)?|\.[0-9][0-9_]*)([eE][+-]?[0-9]+)?(.*)",
                     re.S)

# A year is a plain integer of at most four digits; a model has at most MAX_PERIODS
# periods (ten thousand years; with months, still over 800 years): no input can ask
# for a table of billions of rows.
MIN_YEAR, MAX_YEAR = 0, 9999
MAX_PERIODS = 10_000
_YEAR_HINT = f"a year is a whole number from {MIN_YEAR} to {MAX_YEAR}, such as 2026"


_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class BadNumber(ValueError):
    """A literal with a suffix the language does not know; carries the offset of it."""

    def __init__(self, message: str, offset: int, hint: str):
        super().__init__(message)
        self.offset = offset
        self.hint = hint


_KNOWN: dict[str, float] = {}  # literals with a suffix or an exponent, computed before
_KNOWN_LIMIT = 20_000


def parse_number(text: str) -> float:
    """The value of a literal, computed exactly and rounded once (`0.1%` is 0.001)."""
    if len(text) < 20 and _PLAIN_DECIMAL.fullmatch(text):
        return float(text)  # digits and a point: float() rounds once too, and 5x quicker
    # The exact way (Decimal) is 4x slower; a file writes the same few literals many
    # times (`7.5%`, `12B`): the 10,000-variable file's 7,140 suffixed numbers are 1,961 texts.
    value = _KNOWN.get(text)
    if value is None:
        value = _exact(text)
        if len(_KNOWN) >= _KNOWN_LIMIT:
            _KNOWN.clear()
        _KNOWN[text] = value
    return value


def _exact(text: str) -> float:
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
    except DecimalException:  # an exponent beyond what Decimal can hold, even for 0e...
        raise BadNumber(f"the exponent of '{shorten(text)}' is out of range", len(mantissa),
                        "numbers run from about 2.2e-308 to 1.8e308 (1.8e296T)") from None
    if value in (float("inf"), 0.0) and any(c in "123456789" for c in mantissa):
        size = "large" if value else "small"
        raise BadNumber(f"number '{shorten(text)}' is too {size}", 0,
                        "numbers run from about 2.2e-308 to 1.8e308 (1.8e296T)")
    return value


def shorten(text: str, limit: int = 24) -> str:
    """A literal for a message: a 5,000-digit one is shown by its start."""
    return text if len(text) <= limit else text[:limit] + "…"


def is_plain_integer(text: str) -> bool:
    """ASCII digits only (`str.isdigit` also takes `١٢`, superscripts and full-width digits)."""
    return text.isascii() and text.isdigit()


def parse_year(text: str) -> int:
    """A year written as a plain integer; raises BadNumber for anything else."""
    if not is_plain_integer(text):
        raise BadNumber(f"expected a year, found '{shorten(text)}'", 0, _YEAR_HINT)
    digits = text.lstrip("0") or "0"
    if len(digits) > 4 or not MIN_YEAR <= int(digits) <= MAX_YEAR:
        raise BadNumber(f"year {shorten(text)} is out of range", 0, _YEAR_HINT)
    return int(digits)


def parse_offset(text: str) -> int:
    """The k of `x[t-k]`: a plain integer below the longest model's number of periods."""
    if not is_plain_integer(text):
        raise BadNumber(f"a year offset must be a whole number, found '{shorten(text)}'", 0,
                        "write x[t-1] or x[t+2]")
    digits = text.lstrip("0") or "0"
    if len(digits) > 5 or int(digits) >= MAX_PERIODS:
        raise BadNumber(f"year offset {shorten(text)} is larger than any model "
                        f"(at most {MAX_PERIODS:,} periods)", 0, "write x[t-1] or x[t+2]")
    return int(digits)
