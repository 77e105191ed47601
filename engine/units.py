"""Units as values: base names with integer exponents, combined by * / and ^.

    Unit.of("USD/PFLOPS") * Unit.of("PFLOPS")   ->  USD
    Unit.of("%").same_dimension(Unit.of("x"))   ->  True  (one dimensionless unit)

A unit is a mapping base name -> exponent (kept as sorted pairs, no zero
exponent). `%`, `x` and `1` are all the dimensionless unit for checking;
which one was written is kept in `shown` for the display (`%` shows 30.0%,
`x` shows 3.80x, `1` a plain number), so equality says "the same unit as
the analyst would read it" and `same_dimension` says "agree for checking".

The canonical text is deterministic: the names with a positive exponent in
alphabetical order joined by `*`, then `/name` for each with a negative one
(`USD/count/month`, `PFLOPS*h`, `m^2/s`, `1/month`); the parser reads it
back to the same unit (tests/test_units_algebra.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from dsl import ast as A

PLAIN, PERCENT, MULTIPLE = "1", "%", "x"


@dataclass(frozen=True, slots=True)
class Unit:
    powers: tuple[tuple[str, int], ...] = ()  # sorted by name, exponents never 0
    shown: str = PLAIN  # for a dimensionless unit: "%", "x" or "1"; "" for the others

    @staticmethod
    def from_factors(factors, shown: str = "") -> Unit:
        """The unit of `(name, exponent)` pairs in any order, repeats added up."""
        acc: dict[str, int] = {}
        for name, k in factors:
            acc[name] = acc.get(name, 0) + k
        powers = tuple(sorted((n, k) for n, k in acc.items() if k))
        return Unit(powers, "" if powers else (shown or PLAIN))

    @staticmethod
    def of(text: str) -> Unit:
        """The unit written `text` (as after a definition's ':'); ValueError if it does not read."""
        from dsl.parse_common import SyntaxProblem
        from dsl.units import read_annotation

        try:
            note = read_annotation(": " + text, 1, 1)
        except SyntaxProblem as e:
            raise ValueError(f"not a unit: {text!r} ({e})") from None
        if note.aggregation is not None:
            raise ValueError(f"not a unit: {text!r} (it has an aggregation word)")
        return of_annotation(note)

    @property
    def dimensionless(self) -> bool:
        return not self.powers

    def same_dimension(self, other: Unit) -> bool:
        """Whether the two agree for checking (`%`, `x` and `1` all do)."""
        return self.powers == other.powers

    def __mul__(self, other: Unit) -> Unit:
        if not other.powers:
            return self if self.powers or other.shown == PLAIN else _dimensionless(self, other)
        if not self.powers:
            return other
        return Unit.from_factors(self.powers + other.powers)

    def __truediv__(self, other: Unit) -> Unit:
        if not other.powers and not self.powers:  # % / 1 stays %; % / % is a plain ratio
            return self if other.shown == PLAIN else UNITLESS
        return self * other.inverse()

    def inverse(self) -> Unit:
        if not self.powers:
            return UNITLESS  # 1/% is no percentage
        return Unit(tuple((n, -k) for n, k in self.powers), "")

    def __pow__(self, k: int) -> Unit:
        if k == 1:
            return self
        if not self.powers:
            return UNITLESS
        return Unit.from_factors(((n, e * k) for n, e in self.powers))

    def root(self, k: int) -> Unit | None:
        """The unit whose k-th power this is (sqrt: k = 2), None where there is none."""
        if not self.powers:
            return UNITLESS
        if any(e % k for _, e in self.powers):
            return None
        return Unit(tuple((n, e // k) for n, e in self.powers), "")

    @property
    def text(self) -> str:
        """The canonical text: `USD/PFLOPS`, `PFLOPS*h`, `1/month`, `%`, `x`, `1`."""
        if not self.powers:
            return self.shown or PLAIN
        up = [_power(n, k) for n, k in self.powers if k > 0]
        down = [_power(n, -k) for n, k in self.powers if k < 0]
        return "*".join(up or [PLAIN]) + "".join("/" + d for d in down)

    def __str__(self) -> str:
        return self.text


def _power(name: str, k: int) -> str:
    return name if k == 1 else f"{name}^{k}"


def _dimensionless(a: Unit, b: Unit) -> Unit:
    """The product of two dimensionless units: a plain one takes the other's display."""
    return b if a.shown == PLAIN else a if b.shown == PLAIN else UNITLESS


UNITLESS = Unit((), PLAIN)
PERCENT_UNIT = Unit((), PERCENT)
MULTIPLE_UNIT = Unit((), MULTIPLE)


def of_annotation(note: A.Annotation) -> Unit:
    """The unit an annotation declares."""
    if note.unit in (PERCENT, MULTIPLE, PLAIN):
        return Unit((), note.unit)
    return Unit.from_factors(note.factors)
