"""Numbers for people: `345.0B`, `32.0%`, `n/a`, `+5.0pp`.

A row of values (a variable over the years, in a table, a diff, textconv,
sens, the UI grid) is formatted with one number of decimals across its
years (`row_format`): a spreadsheet gives a row one number format, and a
reader compares digits column by column. Within a row:

- percentages: one decimal (`32.0%`); changes of percentages are in
  percentage points, spelt `pp` everywhere (`+5.0pp`);
- amounts of 1,000 and more take a suffix of their own size (k, M, B, T)
  and one decimal; when any value of the row does, every value of the row
  shows one decimal (`831.8`, `1.1k`);
- otherwise the decimals give the row's largest value three significant
  digits (`0.0500  0.0525  0.0670`, `99.00  119.00`, `150.0`), and a row of
  whole numbers shows none (`16  15  12`, `1  0`); a row whose largest value
  is below 0.0001 is written in scientific notation (`1.00e-05`); zero
  follows its row (`0.00`, `0.0`, `0`).

Changes (`change_format`: a diff's change column, the UI's change rows) add
decimals until the smallest change shows a digit, so a moved cell never
reads as 0 (`+0.062pp` beside `+5.000pp`).

Which variables read as percentages is `display.kinds`.
"""

from __future__ import annotations

import math

from display.kinds import AMOUNT, PERCENT

SCIENTIFIC = 1e15  # from 1,000T on, a number is written 1.0e15: 1e300 is not 300 digits


def format_value(v: float | None, kind: str = AMOUNT) -> str:
    """One value on its own, formatted as a row of one (see `row_format` for rows)."""
    return RowFormat((v,), kind)(v)


MAX_DECIMALS = 6  # a row whose largest value needs more is written as 1.00e-07
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


class RowFormat:
    """Formats every value of one row with the same number of decimals.

    With `changes`, the values are changes: signed (`+1.2B`), percentages in
    points (`+5.0pp`), and with enough decimals that the smallest non-zero
    change shows a digit."""

    def __init__(self, values, kind: str = AMOUNT, changes: bool = False, unit: str = "pp"):
        self.kind, self.changes, self.unit = kind, changes, unit
        finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
        if kind == PERCENT:
            finite = [a * 100 for a in finite]
        self.scaled = kind != PERCENT and any(a >= 1e3 for a in finite)
        largest = max(finite, default=0.0)
        self.scientific = False
        if kind == PERCENT or self.scaled:
            self.decimals = 1
        elif all(float(a).is_integer() for a in finite):
            self.decimals = 0
        elif largest >= 100:
            self.decimals = 1
        elif largest >= 1:
            self.decimals = 2
        else:  # three significant digits of the largest value
            self.decimals = 2 - math.floor(math.log10(largest))
        if changes:  # the smallest change must not read as 0
            small = min((a for a in finite if a != 0 and (kind == PERCENT or a < 1e3)),
                        default=None)
            if small is not None and small < 1:
                self.decimals = max(self.decimals, -math.floor(math.log10(small)))
        if self.decimals > MAX_DECIMALS:
            self.scientific, self.decimals = True, (1 if changes else 2)
        if largest >= SCIENTIFIC:  # 1e300 is not 300 digits
            self.scientific, self.decimals = True, 1

    def __call__(self, v: float | None) -> str:
        if v is None:
            return ""
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return ("+inf" if self.changes else "inf") if v > 0 else "-inf"
        v = v + 0.0  # never -0
        sign = "+" if self.changes else ""
        if self.kind == PERCENT:
            unit = self.unit if self.changes else "%"
            if self.scientific:
                return _scientific(v * 100, self.decimals, sign) + unit
            return f"{v * 100:{sign},.{self.decimals}f}{unit}"
        if self.scientific:
            return _scientific(v, self.decimals, sign)
        a = abs(v)
        for scale, suffix in _SCALES:
            if a >= scale:
                return f"{v / scale:{sign},.{self.decimals}f}{suffix}"
        text = f"{v:{sign}.{self.decimals}f}"
        if float(text) == 0:  # no "-0.00"
            text = ("+" if self.changes else "") + text.lstrip("+-")
        return text


def row_format(values, kind: str = AMOUNT) -> RowFormat:
    """The format of a row: one number of decimals for all of `values`."""
    return RowFormat(values, kind)


def format_row(values, kind: str = AMOUNT) -> list[str]:
    """A row of values (a variable over the years), one number of decimals across it."""
    values = list(values)
    fmt = RowFormat(values, kind)
    return [fmt(v) for v in values]


def change_format(deltas, kind: str = AMOUNT, unit: str = "pp") -> RowFormat:
    """The format of a row of changes: signed, `pp` for percentages (or `unit`:
    `%` for relative changes), every one visible."""
    return RowFormat(deltas, kind, changes=True, unit=unit)


def format_change_value(delta: float | None, kind: str = AMOUNT) -> str:
    """One change on its own: `+5.0pp`, `-1.2B`."""
    return RowFormat((delta,), kind, changes=True)(delta)


def _scientific(v: float, decimals: int, sign: str = "") -> str:
    """1.0e15, -2.5e300, 1.00e-5: no '+' and no leading zero in the exponent."""
    mantissa, exponent = f"{v:{sign}.{decimals}e}".split("e")
    return f"{mantissa}e{int(exponent)}"
