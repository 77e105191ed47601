"""Where a period written in the file stands on the model's axis, and the
errors when it stands nowhere.

A selector, a range end or a map key is a `dsl.periods.Period` as written;
the axis (`engine.axis.TimeAxis.covers`) says which of the model's periods
it stands for. Here are the checks every pass shares, each a Diagnostic at
the period's position:

- a period of a unit the axis cannot hold: a quarter or a month in a yearly
  model, a month in a quarterly one, a quarter in a monthly one (the hint
  writes what to use instead);
- a period outside the axis. A definition's selector (and a year-map key)
  may name a year the axis covers only in part (a model from 2025Q3 and
  `x[2025] = ...` sets 2025Q3 and 2025Q4): it is outside only when none of
  its periods is on the axis. What a formula reads must lie wholly on it
  (`sum(x[2025])` in that model would be half a year: an error).
"""

from __future__ import annotations

from dsl import ast as A
from dsl.errors import Diagnostic
from dsl.periods import MONTHS, QUARTERS, SINGULAR, YEARS, Period, label_of
from engine.axis import TimeAxis


def unit_problem(axis: TimeAxis, p: Period, span: A.Span) -> Diagnostic | None:
    """The error for a period the axis cannot hold; None when it can."""
    if axis.fits(p):
        return None
    what, unit = SINGULAR[p.unit], axis.unit
    if unit == YEARS:
        hint = (f"write the year, {p.year}, or make the model {p.unit}: "
                f"{p.unit} {_example(p.unit, p.year)}")
    elif unit == MONTHS:  # a quarter in a monthly model: its three months
        first = (p.number % 4) * 3
        hint = (f"write its months: {label_of(MONTHS, p.year * 12 + first)}.."
                f"{label_of(MONTHS, p.year * 12 + first + 2)}")
    else:  # a month in a quarterly model: its quarter
        hint = f"write its quarter: {label_of(QUARTERS, p.year * 4 + (p.number % 12) // 3)}"
    return Diagnostic(f"{p} is a {what}, but this model's periods are {unit}", span, hint,
                      code="bad-period")


def _example(unit: str, y: int) -> str:
    return f"{y}Q1..{y + 2}Q4" if unit == QUARTERS else f"{y}-01..{y + 2}-12"


def outside(axis: TimeAxis, p: Period, span: A.Span) -> Diagnostic:
    """`year 2031 is outside the model years 2024..2030`, `quarter 2024Q4 is outside ...`."""
    return Diagnostic(
        f"{SINGULAR[p.unit]} {p} is outside the model {axis.unit} {axis.range_label()}", span,
        f"change the {SINGULAR[p.unit]} or widen the '{axis.unit}' line", code="year-outside")


def selector_span(years: A.Years, axis: TimeAxis, errors: list[Diagnostic]
                  ) -> tuple[int | None, int | None] | None:
    """A definition's selector or a year-map key as absolute bounds (None: open
    side); None after an error (appended). Lenient: an end is outside only when
    none of the periods it stands for is on the axis."""
    out: list[int | None] = [None, None]
    for k, p in enumerate((years.start, years.end)):
        if p is None:
            continue
        bounds = axis.covers(p)
        if bounds is None:
            errors.append(unit_problem(axis, p, years.span))
            return None
        lo, hi = bounds
        if hi < axis.start or lo > axis.end:
            errors.append(outside(axis, p, years.span))
            return None
        out[k] = bounds[k]  # a range runs from its start's first period to its end's last
    return out[0], out[1]


def read_point(p: Period, span: A.Span, axis: TimeAxis, errors: list[Diagnostic]) -> int | None:
    """The index of the one period a formula reads at `x[P]`; None after an error.

    A bare year in a sub-annual model is the error whose hint offers both
    readings an analyst may mean (`sum(x[2025])` and `x[2025Q4]`)."""
    problem = unit_problem(axis, p, span)
    if problem is not None:
        errors.append(problem)
        return None
    at = axis.point(p)
    if at is None:  # a year on a sub-annual axis
        return None
    i = axis.index(at)
    if i is None:
        errors.append(outside(axis, p, span))
    return i


def bare_year(axis: TimeAxis, name: str, p: Period, span: A.Span) -> Diagnostic:
    last = label_of(axis.unit, p.number * axis.per_year + axis.per_year - 1)
    return Diagnostic(
        f"{name}[{p}] reads a whole year, but this model's periods are {axis.unit}", span,
        f"for the year's total write sum({name}[{p}]), for one {axis.period_word} "
        f"{name}[{last}]", code="bare-year")


def read_range(years: A.Years, span: A.Span, axis: TimeAxis, errors: list[Diagnostic]
               ) -> tuple[int, int] | None:
    """The indices a range a formula reads covers (an open side runs to the axis'
    end); None after an error: every period a closed end stands for must be on the axis."""
    for p in (years.start, years.end):
        if p is None:
            continue
        problem = unit_problem(axis, p, years.span)
        if problem is not None:
            errors.append(problem)
            return None
        lo, hi = axis.covers(p)
        if axis.index(lo) is None or axis.index(hi) is None:
            errors.append(_partly_outside(axis, p, years.span, lo, hi))
            return None
    lo, hi = axis.span_of(years.start, years.end)
    got = axis.clip(lo, hi)
    return got


def _partly_outside(axis: TimeAxis, p: Period, span: A.Span, lo: int, hi: int) -> Diagnostic:
    if hi < axis.start or lo > axis.end or p.unit == axis.unit:
        return outside(axis, p, span)
    missing = label_of(axis.unit, lo if lo < axis.start else hi)
    return Diagnostic(
        f"year {p} is only partly inside the model {axis.unit} {axis.range_label()} "
        f"({missing} is not)", span,
        f"read the {axis.unit} the model has: {_inside(axis, lo, hi)}", code="year-outside")


def _inside(axis: TimeAxis, lo: int, hi: int) -> str:
    a, b = max(lo, axis.start), min(hi, axis.end)
    return f"{label_of(axis.unit, a)}..{label_of(axis.unit, b)}"
