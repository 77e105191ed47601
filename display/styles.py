"""How a variable's numbers show, decided by its unit: the display `Style`.

    style_of(Unit.of("%"))           ->  Style("percent", "")     30.0%   +5.0pp
    style_of(Unit.of("x"))           ->  Style("multiple", "")    3.80x   +0.20x
    style_of(Unit.of("USD"))         ->  Style("currency", "USD") 345.0B  +1.2B
    style_of(Unit.of("count"))       ->  Style("count", "count")  12,345  +72
    style_of(Unit.of("USD/PFLOPS"))  ->  Style("amount", "USD/PFLOPS")  15.0k
    style_of(Unit.of("1")), style_of(None)  ->  Style("plain", "")       0.200

The unit decides, never the name (issue 13): a variable's unit is
`engine.unit_check.units(model)[v]`, declared or inferred, else None, and
None shows as a plain number. `%` and `x` carry their own sign (`30.0%`,
`3.80x`) and a plain number carries nothing, so their `unit` (and `label`,
the text of a table's unit column) is empty; a currency, a count and any
other unit are named (`USD`, `count`, `USD/PFLOPS`) in a unit column, or
after the number where no column says it (`85.1B USD`).

A currency is one of the ISO codes in `CURRENCIES`, alone (`USD`, not
`USD/count`): a fixed list, so that `EUR` is money and `PFLOPS` is not. A
currency formats as any amount does (k M B T); the style names it so that
every front end can tell money from other amounts.

A `Style` compares equal to its kind's name (`style == "percent"`): code
written when kinds were the strings "percent" and "amount" keeps working,
and `as_style` reads those strings back ("amount" is the plain style).
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("percent", "multiple", "currency", "count", "amount", "plain")

# ISO 4217 codes read as money, alone: the currencies an equity analyst meets.
CURRENCIES = frozenset(("USD", "EUR", "GBP", "JPY", "CNY", "CHF", "CAD", "AUD", "INR", "KRW",
                        "TWD", "HKD", "SGD", "BRL", "SEK", "NOK", "DKK"))
COUNT = "count"


@dataclass(frozen=True, eq=False, slots=True)
class Style:
    """A display style: `kind` (one of KINDS) and the unit's canonical text for a
    currency, a count or another unit ("" for percent, multiple and plain)."""

    kind: str
    unit: str = ""

    @property
    def label(self) -> str:
        """The text of a table's unit column, and what follows a lone value (`USD`)."""
        return self.unit

    def __eq__(self, other) -> bool:
        if isinstance(other, Style):
            return self.kind == other.kind and self.unit == other.unit
        if isinstance(other, str):  # the kind names of before styles: "percent", "amount"
            return self.kind == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.kind)  # equal to its kind's name, so hashed as it

    def __repr__(self) -> str:
        return f"Style({self.kind!r}, {self.unit!r})" if self.unit else f"Style({self.kind!r})"


PERCENT = Style("percent")
MULTIPLE = Style("multiple")
PLAIN = Style("plain")
AMOUNT = PLAIN  # the name of version 1's default: a number with no unit said


def style_of(unit) -> Style:
    """The display style of a unit (`engine.units.Unit`), or of None (unknown): plain."""
    if unit is None:
        return PLAIN
    if not unit.powers:
        return {"%": PERCENT, "x": MULTIPLE}.get(unit.shown, PLAIN)
    if len(unit.powers) == 1 and unit.powers[0][1] == 1:
        name = unit.powers[0][0]
        if name in CURRENCIES:
            return Style("currency", name)
        if name == COUNT:
            return Style("count", COUNT)
    return Style("amount", unit.text)


def as_style(kind) -> Style:
    """A Style from a Style or a kind's name ("percent", "amount", ...): the older
    callers hold names; "amount" without a unit is the plain style."""
    if isinstance(kind, Style):
        return kind
    if kind in (None, "amount", "plain"):
        return PLAIN
    if kind in KINDS:
        return Style(kind, COUNT if kind == "count" else "")
    raise ValueError(f"not a display style: {kind!r}")


def style_of_ratio(top, bottom) -> Style:
    """The style of a derivative d top / d bottom, whose unit is top's over bottom's
    (`USD` per `PFLOPS`: `USD/PFLOPS`); plain when either unit is unknown. A derivative
    is per whole unit of the input, so per 100% of a percentage: `USD / %` is USD;
    a dimensionless one (% per %, % per plain unit) is a plain number, not a percentage:
    it is a rate of change, and 0.05 read as 5.0% would hide "per unit of what"."""
    if top is None or bottom is None:
        return PLAIN
    ratio = top / bottom
    return PLAIN if ratio.dimensionless else style_of(ratio)
