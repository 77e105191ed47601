"""The transformer's rules for time: the axis line, periods, selectors, ranges, map keys.

A period is written as a year `2025`, a quarter `2025Q3` or a month
`2025-07` (dsl.periods); the rules here read each one where a selector, a
range end, a map key or the axis line stands, and refuse a label that names
no period (`2025Q5`, `2025-13`, `2025-7`, `2025 - 07`) at its position.
Whether a period fits the model (a month in a quarterly model, a period
outside the axis) is the engine's to say: the parser reads one statement
without knowing the file's axis.
"""

from __future__ import annotations

from typing import NamedTuple

from lark import Token

from dsl import ast as A
from dsl.numbers import MAX_PERIODS, BadNumber, parse_year
from dsl.parse_common import SyntaxProblem, span, tok_span
from dsl.periods import (MONTHS, QUARTERS, SINGULAR, YEARS, BadLabel, Period, looks_like_quarter,
                         months_of, read_month, read_quarter, year)

PERIOD_HINT = "a period is a year (2025), a quarter (2025Q3) or a month (2025-07)"
AXIS_EXAMPLE = {YEARS: "years 2024..2030", QUARTERS: "quarters 2025Q1..2027Q4",
                MONTHS: "months 2025-01..2027-12"}


class Point(NamedTuple):
    """A period as written, with where it stands."""

    period: Period
    span: A.Span


def _year_period(tok: Token) -> Period:
    try:
        return year(parse_year(str(tok)))
    except BadNumber as e:
        hint = PERIOD_HINT if str(tok)[:1].isdigit() else e.hint
        raise SyntaxProblem(str(e), tok_span(tok), hint, code="bad-number") from None


def _backwards(a: Point, b: Point) -> None:
    if months_of(a.period)[0] > months_of(b.period)[1]:
        kind = "year range" if a.period.is_year and b.period.is_year else "range"
        raise SyntaxProblem(f"{kind} {a.period}..{b.period} runs backwards", span(a.span, b.span),
                            f"write {b.period}..{a.period}", code="backwards")


class TimeRules:
    """Callbacks of `dsl.parser._ToAst` for the time rules of the grammar."""

    # -- the axis line
    def years_stmt(self, c):
        keyword, a, _, b = c
        if not (a.period.is_year and b.period.is_year):
            other = a if not a.period.is_year else b
            unit = other.period.unit
            raise SyntaxProblem(f"'years' runs between years, not {SINGULAR[unit]}s",
                                other.span, f"for {unit} write {AXIS_EXAMPLE[unit]}",
                                code="bad-axis")
        return self._axis(keyword, YEARS, a, b)

    def axis_stmt(self, c):
        keyword, a, _, b = c
        unit = str(keyword)
        if unit not in (QUARTERS, MONTHS):  # `y 2025..2026`: dsl.parser words it
            raise SyntaxProblem("a definition needs '=' and an expression", a.span)
        for p in (a, b):
            if p.period.unit != unit:
                raise SyntaxProblem(
                    f"'{unit}' runs between {SINGULAR[unit]}s, not "
                    f"{SINGULAR[p.period.unit]}s", p.span,
                    f"write {AXIS_EXAMPLE[unit]}", code="bad-axis")
        return self._axis(keyword, unit, a, b)

    @staticmethod
    def _axis(keyword: Token, unit: str, a: Point, b: Point) -> A.YearsDecl:
        start, end = a.period.number, b.period.number
        where = span(a.span, b.span)
        if start > end:
            raise SyntaxProblem(f"{unit} {a.period}..{b.period} run backwards", where,
                                f"write {unit} {b.period}..{a.period}", code="backwards")
        if end - start + 1 > MAX_PERIODS:
            raise SyntaxProblem(f"{unit} {a.period}..{b.period} are {end - start + 1:,} "
                                f"{unit}; a model has at most {MAX_PERIODS:,} periods", where,
                                f"model the {unit} the analysis needs",
                                code="too-many-years")
        return A.YearsDecl(start, end, span(keyword, b.span), unit)

    # -- periods
    def point_number(self, c):
        tok = c[0]
        text = str(tok)
        if len(text) == 4 and text.isdigit() and text.isascii():  # a year: most points
            return Point(year(int(text)), tok_span(tok))
        if looks_like_quarter(text):
            try:
                return Point(read_quarter(text), tok_span(tok))
            except BadLabel as e:
                raise SyntaxProblem(str(e), tok_span(tok), e.hint, code="bad-period") from None
        return Point(_year_period(tok), tok_span(tok))

    def point_month(self, c):
        a, minus, b = c
        where = span(a, b)
        if a.end_pos != minus.start_pos or minus.end_pos != b.start_pos:
            raise SyntaxProblem("a selector holds a period, not a subtraction", where,
                                "a month is written 2025-07, without spaces; an earlier "
                                "period is x[t-1]", code="bad-period")
        try:
            return Point(read_month(str(a), str(b)), where)
        except BadLabel as e:
            raise SyntaxProblem(str(e), where, e.hint, code="bad-period") from None

    # -- selectors on definitions, and year-map keys
    def year_single(self, c):
        p = c[0]
        return A.Years(p.period, p.period, True, p.span)

    def year_closed(self, c):
        a, _, b = c
        _backwards(a, b)
        return A.Years(a.period, b.period, False, span(a.span, b.span))

    def year_from(self, c):
        return A.Years(c[0].period, None, False, span(c[0].span, c[1]))

    def year_until(self, c):
        return A.Years(None, c[1].period, False, span(c[0], c[1].span))

    # -- selectors of references: (kind, value, span) for dsl.parser's `ref`
    def sel_year(self, c):
        return ("year", c[0].period, c[0].span)

    def sel_closed(self, c):
        years = self.year_closed(c)
        return ("range", years, years.span)

    def sel_from(self, c):
        years = self.year_from(c)
        return ("range", years, years.span)

    def sel_until(self, c):
        years = self.year_until(c)
        return ("range", years, years.span)

