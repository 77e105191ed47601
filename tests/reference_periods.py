"""Periods for the reference evaluator (LANGUAGE-2.md section 2), written the
slow and obvious way, without the engine's time axis.

A model's periods are numbered absolutely in its unit: the year (years), or
`year * 4 + quarter - 1` (quarters), or `year * 12 + month - 1` (months);
the parser's `Period` nodes carry such a number in the unit they were
written in. Here:

- `Calendar(unit)`: periods per year, `t` of a period (its number over the
  periods per year, one division), its calendar year, quarter and month,
  its label;
- `covers(cal, period)`: the periods of the model a written period stands
  for: itself in the model's unit, every period of a year, nothing for a
  finer or other sub-annual unit (ReferenceInvalid).
"""

from __future__ import annotations

PER_YEAR = {"years": 1, "quarters": 4, "months": 12}


class ReferenceInvalid(Exception):
    """The model is not valid per the language (found before evaluation)."""


class Calendar:
    def __init__(self, unit: str):
        self.unit = unit
        self.k = PER_YEAR[unit]

    def t(self, p: int) -> float:
        return p / self.k

    def year(self, p: int) -> int:
        return p // self.k

    def month(self, p: int) -> int:
        """The period's first month, 1-12 (a year starts in January)."""
        if self.unit == "years":
            return 1
        if self.unit == "quarters":
            return 3 * (p % 4) + 1
        return p % 12 + 1

    def quarter(self, p: int) -> int:
        return (self.month(p) - 1) // 3 + 1

    def year_start(self, p: int) -> int:
        """The first period of p's calendar year."""
        return self.year(p) * self.k

    def label(self, p: int) -> str:
        if self.unit == "years":
            return str(p)
        if self.unit == "quarters":
            return f"{p // 4:04d}Q{p % 4 + 1}"
        return f"{p // 12:04d}-{p % 12 + 1:02d}"


def covers(cal: Calendar, period) -> tuple[int, int]:
    """(first, last) period of the model a written period stands for."""
    if period.unit == cal.unit:
        return period.number, period.number
    if period.unit == "years":
        return period.number * cal.k, period.number * cal.k + cal.k - 1
    raise ReferenceInvalid(f"a {period.unit} period in a model of {cal.unit}")


def key_t(period) -> float:
    """t of an interp/step key: where the period written starts (a year at January)."""
    return period.number / PER_YEAR[period.unit]
