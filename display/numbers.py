"""Numbers for people: `345.0B`, `32.0%`, `3.80x`, `12,345`, `n/a`, `+5.0pp`.

A row of values (a variable over the years, in a table, a diff, textconv,
sens, the UI grid) is formatted with one number of decimals across its
years (`row_format`): a spreadsheet gives a row one number format, and a
reader compares digits column by column. How a row reads is its variable's
display style (`display.styles`, from its unit); within a row:

- percent (`%`): one decimal (`32.0%`); changes of percentages are in
  percentage points, spelt `pp` everywhere (`+5.0pp`);
- multiple (`x`): two decimals (`3.80x`), one when the row's largest value
  is 100 or more (`150.0x`); changes `+0.20x`;
- count (`count`): whole numbers with thousands separators (`12,345`, never
  `72.45`; changes `+72`); a row whose largest value is a million or more
  scales as amounts do (`1.2M`);
- currency, any other unit, and plain numbers (`1` or unknown): amounts.
  Values of 1,000 and more take a suffix of their own size (k, M, B, T)
  and one decimal; when any value of the row does, every value of the row
  shows one decimal (`831.8`, `1.1k`); otherwise the decimals give the
  row's largest value three significant digits (`0.0500  0.0525  0.0670`,
  `99.00  119.00`, `150.0`), and a row of whole numbers shows none (`16  15
  12`, `1  0`); a row whose largest value is below 0.0001 is written in
  scientific notation (`1.00e-05`); zero follows its row (`0.00`, `0.0`, `0`).

Changes (`change_format`: a diff's change column, the UI's change rows) add
decimals until the smallest change shows a digit, so a moved cell never
reads as 0 (`+0.062pp` beside `+5.000pp`; a count moved by 0.3 is `+0.3`).

A value standing alone, with no unit column to name its unit (scn explain,
scn goal, sens titles), carries it: `format_value(v, style, with_unit=True)`
is `85.1B USD`, `15.0k USD/PFLOPS`, `12,345 count` (percent, multiple and
plain carry their own sign or nothing). Display never changes a value: the
text is the value rounded to its last digit shown, nothing else.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from display.styles import PLAIN, Style, as_style

SCIENTIFIC = 1e15  # from 1,000T on, a number is written 1.0e15: 1e300 is not 300 digits
MAX_DECIMALS = 6  # a row whose largest value needs more is written as 1.00e-07
COUNT_SCALES_FROM = 1e6  # a count row from a million reads as amounts: 1.2M
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
_STEP = [Decimal(1).scaleb(-k) for k in range(MAX_DECIMALS + 2)]


def format_value(v: float | None, kind: Style | str = PLAIN, with_unit: bool = False) -> str:
    """One value on its own, formatted as a row of one (see `row_format` for rows);
    `with_unit` names a currency, count or other unit after it (`85.1B USD`)."""
    return RowFormat((v,), kind).text(v, with_unit)


class RowFormat:
    """Formats every value of one row with the same number of decimals.

    With `changes`, the values are changes: signed (`+1.2B`), percentages in
    points (`+5.0pp`, or `unit`: `%` for relative changes), and with enough
    decimals that the smallest non-zero change shows a digit."""

    def __init__(self, values, kind: Style | str = PLAIN, changes: bool = False,
                 unit: str = "pp"):
        self.kind = style = as_style(kind)
        self.changes, self.unit = changes, unit
        finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
        percent = style.kind == "percent"
        if percent:
            finite = [a * 100 for a in finite]
        largest = max(finite, default=0.0)
        # a whole count below a million, or a multiple: no k M B T
        self.whole = style.kind == "count" and largest < COUNT_SCALES_FROM
        self.suffix = {"percent": unit if changes else "%", "multiple": "x"}.get(style.kind, "")
        self.scaled = not (percent or self.whole or style.kind == "multiple") \
            and any(a >= 1e3 for a in finite)
        self.scientific = False
        if percent or self.scaled:
            self.decimals = 1
        elif self.whole:
            self.decimals = 0
        elif style.kind == "multiple":
            self.decimals = 1 if largest >= 100 else 2
        elif all(float(a).is_integer() for a in finite):
            self.decimals = 0
        elif largest >= 100:
            self.decimals = 1
        elif largest >= 1:
            self.decimals = 2
        else:  # three significant digits of the largest value
            self.decimals = 2 - math.floor(math.log10(largest))
        if changes:  # the smallest change must not read as 0
            small = min((a for a in finite if a != 0 and (not self.scaled or a < 1e3)),
                        default=None)
            if small is not None and small < (0.5 if self.whole else 1):
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
        percent = self.kind.kind == "percent"
        if self.scientific:
            return _scientific(v, self.decimals, sign, 2 if percent else 0) + self.suffix
        if self.suffix or self.whole:  # percent, multiple, a count: separators, no k M B T
            text = _fixed(v, self.decimals, sign + ",", 2 if percent else 0)
            return _unsigned_zero(text, self.changes) + self.suffix
        a = abs(v)
        for (scale, letter), shift in zip(_SCALES, (-12, -9, -6, -3)):
            if a >= scale:
                return _fixed(v, self.decimals, sign + ",", shift) + letter
        return _unsigned_zero(_fixed(v, self.decimals, sign), self.changes)

    def text(self, v: float | None, with_unit: bool = True) -> str:
        """`self(v)`, with the unit of a currency, count or other unit after it when
        `with_unit` (`85.1B USD`); an empty value stays empty and n/a has no unit."""
        shown = self(v)
        if with_unit and self.kind.label and shown not in ("", "n/a"):
            label = self.kind.label
            return f"{shown} {label}"
        return shown


def _fixed(v: float, decimals: int, spec: str, shift: int = 0) -> str:
    """`v` times 10**shift with `decimals` decimals, rounded half up from the number
    as written (`repr`): 5.25% shows 5.3% as a spreadsheet shows it, where the
    float 0.0525 (a hair below) would round down. `spec` holds the sign and `,`."""
    exact = Decimal(repr(v)).scaleb(shift)
    return f"{exact.quantize(_STEP[decimals], rounding=ROUND_HALF_UP):{spec}.{decimals}f}"


def _unsigned_zero(text: str, changes: bool) -> str:
    """No "-0.00": a value that rounds to zero shows as zero ("+0.00" for a change)."""
    digits = text.lstrip("+-")
    if digits.strip("0.,") == "":
        return ("+" if changes else "") + digits
    return text


def row_format(values, kind: Style | str = PLAIN) -> RowFormat:
    """The format of a row: one number of decimals for all of `values`."""
    return RowFormat(values, kind)


def format_row(values, kind: Style | str = PLAIN) -> list[str]:
    """A row of values (a variable over the years), one number of decimals across it."""
    values = list(values)
    fmt = RowFormat(values, kind)
    return [fmt(v) for v in values]


def change_format(deltas, kind: Style | str = PLAIN, unit: str = "pp") -> RowFormat:
    """The format of a row of changes: signed, `pp` for percentages (or `unit`:
    `%` for relative changes), every one visible."""
    return RowFormat(deltas, kind, changes=True, unit=unit)


def format_change_value(delta: float | None, kind: Style | str = PLAIN) -> str:
    """One change on its own: `+5.0pp`, `-1.2B`, `+0.20x`, `+72`."""
    return RowFormat((delta,), kind, changes=True)(delta)


def _scientific(v: float, decimals: int, sign: str = "", shift: int = 0) -> str:
    """`v` times 10**shift as 1.0e15, -2.5e300, 1.00e-5: no '+' and no leading zero in
    the exponent. A product past the largest float (a percentage of 1e308: 1.0e310%)
    is written from the decimal number, not as the float's inf."""
    scaled = v * 10 ** shift
    if math.isinf(scaled):
        text = f"{Decimal(repr(v)).scaleb(shift):{sign}.{decimals}e}"
    else:
        text = f"{scaled:{sign}.{decimals}e}"
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"
