"""Periods as the language writes them: a year `2025`, a quarter `2025Q3`, a month `2025-07`.

A `Period` is a point on the calendar at the precision it was written: its
`unit` (years, quarters or months) and its absolute number in that unit
(`year * per_year + k`, k the quarter or month of the year counted from 0;
a year's number is the year). The parser makes one of every selector,
range end and map key; the engine's time axis (`engine.axis.TimeAxis`)
decides what it covers on a model's periods (a year on a quarterly axis is
its four quarters) and whether it may stand there at all (a month on a
quarterly axis may not).

The text of a label and its reading are here, once: `label_of` writes it,
`read_quarter` and `read_month` read it, with the errors a mistyped label
deserves (`2025Q5`, `2025-13`, `2025-7`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YEARS, QUARTERS, MONTHS = "years", "quarters", "months"
PER_YEAR = {YEARS: 1, QUARTERS: 4, MONTHS: 12}
UNITS = (YEARS, QUARTERS, MONTHS)
# How a unit's periods are named in messages: "quarter 2025Q3", "the model quarters".
SINGULAR = {YEARS: "year", QUARTERS: "quarter", MONTHS: "month"}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A year, quarter or month as written: its unit and absolute number in that unit."""

    unit: str
    number: int

    @property
    def per_year(self) -> int:
        return PER_YEAR[self.unit]

    @property
    def year(self) -> int:
        """The calendar year the period lies in."""
        return self.number // PER_YEAR[self.unit]

    @property
    def t(self) -> float:
        """Its start as a fractional year (one correctly rounded division, as the axis)."""
        return self.number / PER_YEAR[self.unit]

    @property
    def is_year(self) -> bool:
        return self.unit == YEARS

    def __str__(self) -> str:
        return label_of(self.unit, self.number)


def year(y: int) -> Period:
    """The year `y` as a period; one object per year of the language's (0 to 9999),
    shared: a file names the same few years thousands of times, and a tree sent
    to another process (files.parse_cache) carries each shared object once."""
    p = _YEARS.get(y)
    if p is None:
        p = Period(YEARS, y)
        if type(y) is int and 0 <= y <= 9999:
            _YEARS[y] = p
    return p


_YEARS: dict[int, Period] = {}


def as_period(p: Period | int | None) -> Period | None:
    """An int stands for a year (what version 1's nodes held)."""
    return year(p) if isinstance(p, int) else p


def label_of(unit: str, absolute: int) -> str:
    """`2025`, `2025Q3` or `2025-07` (a quarter's or month's year has four digits, as
    the language reads it back: `0999Q4`; a year alone is written as the number)."""
    if unit == YEARS:
        return str(absolute)
    if unit == QUARTERS:
        return f"{absolute // 4:04d}Q{absolute % 4 + 1}"
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


class BadLabel(ValueError):
    """A period label that names no period (the message says why, the hint what to write)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


QUARTER_TEXT = re.compile(r"([0-9]{4})([Qq])([0-9]+)")


def looks_like_quarter(text: str) -> bool:
    """`2025Q3` (or a mistyped `2025Q5`, `2025q3`): a number token the grammar reads as a label."""
    return QUARTER_TEXT.fullmatch(text) is not None


def read_quarter(text: str) -> Period:
    """`2025Q3` as a quarter; BadLabel for `2025Q0`, `2025Q5`, `2025q3`."""
    m = QUARTER_TEXT.fullmatch(text)
    if m is None:
        raise BadLabel(f"'{text}' is not a quarter", "a quarter is written 2025Q3")
    y, q, k = int(m[1]), m[2], m[3]
    if q == "q":
        raise BadLabel(f"a quarter is written with a capital Q: {m[1]}Q{k}",
                       f"write {m[1]}Q{k}")
    if k not in ("1", "2", "3", "4"):
        raise BadLabel(f"quarter {text} does not exist: a year has quarters Q1 to Q4",
                       f"write {m[1]}Q1 to {m[1]}Q4")
    return Period(QUARTERS, y * 4 + int(k) - 1)


def read_month(year_text: str, month_text: str) -> Period:
    """`2025` and `07` (the tokens of `2025-07`) as a month; BadLabel for `2025-13`, `2025-7`."""
    if not re.fullmatch(r"[0-9]{4}", year_text):
        raise BadLabel(f"'{year_text}-{month_text}' is not a month",
                       "a month is written with a four-digit year: 2025-07")
    if not re.fullmatch(r"[0-9]+", month_text):
        raise BadLabel(f"'{year_text}-{month_text}' is not a month",
                       "a month is written 2025-07")
    k = int(month_text)
    if not 1 <= k <= 12:
        raise BadLabel(f"month {year_text}-{month_text} does not exist: months run 01 to 12",
                       f"write {year_text}-01 to {year_text}-12")
    if len(month_text) != 2:
        raise BadLabel(f"a month is written with two digits: {year_text}-{k:02d}",
                       f"write {year_text}-{k:02d}")
    return Period(MONTHS, int(year_text) * 12 + k - 1)


def months_of(p: Period) -> tuple[int, int]:
    """The first and last month (absolute numbers) a period covers: what orders
    periods of different units (`2025Q3..2025` runs from July to December)."""
    k = 12 // PER_YEAR[p.unit]
    return p.number * k, p.number * k + k - 1
