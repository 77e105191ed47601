"""What the grid shows: rows (variables under their sections) and the numbers of a scenario.

A variable with dims is a group: a header row named like the variable, and a
member row per combination of its members (`capex[goog]`,
`optics_units[goog,g800]`: the engine's output names, `row_key`), in output
order. Which groups are open is the grid's business: a sheet holds every
group's combinations (`Sheet.combos`), and its values, input masks and changes
are keyed by row key (the variable's name for a dimensionless variable or a
group header, whose values are the sum over its members when they add up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from display.kinds import AMOUNT, PERCENT
from engine.axis import YEARS, TimeAxis
from engine.check import bitset
from engine.model import Model
from engine.uses import uses_of
from engine.rollup import YearColumn
from tui.session.units import NO_UNITS, Units


@dataclass(frozen=True)
class Row:
    """A line of the grid: a section header (`name` None), a variable, a group's header
    (a variable with dims: `group` is its number of member rows) or one of its members."""

    name: str | None  # the variable
    section: str | None
    members: tuple[str, ...] = ()  # a member row: one member per dim of the variable
    group: int = 0  # a group header: how many member rows it has

    @property
    def key(self) -> str | None:
        """What the row's values are kept under: `capex`, `capex[goog]`."""
        return None if self.name is None else row_key(self.name, self.members)


def row_key(name: str, members: tuple[str, ...] = ()) -> str:
    """A row's name, as the engine names output rows: `capex[goog]`, `x[goog,g800]`."""
    return f"{name}[{','.join(members)}]" if members else name


def split_key(key: str) -> tuple[str, tuple[str, ...]]:
    """`capex[goog,g800]` -> ("capex", ("goog", "g800")); `capex` -> ("capex", ())."""
    name, bracket, rest = key.partition("[")
    if not bracket:
        return key, ()
    return name, tuple(m.strip() for m in rest.rstrip("]").split(",") if m.strip())


@dataclass(frozen=True)
class Sheet:
    """Everything the grid shows, prepared off the UI thread."""

    axis: TimeAxis  # the model's periods: the columns, unless rolled up by year
    rows: tuple[Row, ...]
    kinds: Mapping[str, str]
    values: Mapping[str, Sequence[float | None]]
    inputs: Mapping[str, int] = field(default_factory=dict)  # a bit per input year
    changes: Mapping[str, Mapping[int, float | None]] = field(default_factory=dict)  # file values
    parent: Mapping[str, Sequence[float | None]] | None = None  # compare mode
    # The variables a run warned about, each with the codes of its warnings
    # (`nonfinite`, `distribution-params`: dsl.errors.CODES).
    warned: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # How the file's values read (`changes` holds them): an edit may turn an amount
    # into a percentage, and an old value is written as what it was.
    file_kinds: Mapping[str, str] = field(default_factory=dict)
    # Each variable with dims: its member combinations, in output order.
    combos: Mapping[str, Sequence[tuple[str, ...]]] = field(default_factory=dict)
    # Rolled up by calendar year (`tui.session.rollup`): the columns are these years,
    # and values, inputs, changes and parent are per year; None: a column per period.
    years: tuple[YearColumn, ...] | None = None
    how: Mapping[str, str] = field(default_factory=dict)  # rolled up: each variable's aggregation
    # Each variable's unit as the unit column writes it, and its unit warnings; the grid
    # has a unit column when the file annotates a variable (`tui.session.units`).
    units: Units = NO_UNITS
    # Monte Carlo on (`m`, `tui.session.mc.McView`): the values are medians, and a row
    # whose samples spread has p5 and p95 lines under it.
    mc: Any = None
    # ... and the plain run's values then: an edit's change line is the plain run's change.
    plain: Mapping[str, Sequence[float | None]] | None = None
    # An edit painted visible first (`tui.session.first`): the rows it reaches that are
    # not computed yet. Their values are the old ones: the grid never shows them.
    pending: frozenset[str] = frozenset()

    # -- the columns: the axis' periods, or the calendar years they roll up to
    @property
    def columns(self) -> int:
        return len(self.axis) if self.years is None else len(self.years)

    def label(self, c: int) -> str:
        """A column's header: `2025Q3`, `2025-07`; rolled up `2026`, `2026 (01-06)`."""
        return self.axis.label(c) if self.years is None else self.years[c].label(self.axis)

    def short_label(self, c: int) -> str:
        """A column named in a range (`2025-07..2025-12`, rolled up `2025..2026`)."""
        return self.axis.label(c) if self.years is None else str(self.years[c].year)

    @property
    def unit_words(self) -> tuple[str, str]:
        """What a column is called: ("month", "months"); rolled up ("year", "years")."""
        word = "year" if self.years is not None else self.axis.period_word
        return word, word + "s"

    def column_of(self, period: int | None) -> int | None:
        """The column that shows a period (its absolute number), None if none does."""
        i = None if period is None else self.axis.index(period)
        if i is None or self.years is None:
            return i
        return next(c for c, y in enumerate(self.years) if i in y.periods)

    def period_of(self, c: int, near: int | None = None) -> int:
        """The period (absolute number) a column stands for: its own; rolled up, the
        period of the column's year in the place of `near` in its year (the cursor's
        period before the roll-up: 2027-05 in 2026 is 2026-05), the nearest one the
        model has in a partial year; without `near`, the year's first period."""
        if self.years is None:
            return self.axis.absolute(c)
        periods = self.years[c].periods
        if near is None:
            return self.axis.absolute(periods[0])
        per_year = self.axis.per_year
        i = self.years[c].year * per_year + near % per_year - self.axis.start
        return self.axis.absolute(min(max(i, periods[0]), periods[-1]))

    def variables(self) -> list[int]:
        """The indices of the variable rows."""
        return [k for k, r in enumerate(self.rows) if r.name is not None]

    def adds_up(self, name: str) -> bool:
        """Whether a group's members add up (an amount; a percentage does not)."""
        return self.kinds.get(name, AMOUNT) != PERCENT


EMPTY = Sheet(TimeAxis(YEARS, 0, 0), (), {}, {})


def input_bits(model: Model, cover) -> int:
    """A bit per period where a variable without dims (its `cover`) is an input: its
    definition there reads no other variable."""
    # the pieces' cells are disjoint: the sum of their bitsets is their union
    return sum(bitset(cover.mask(k)[0]) for k, p in enumerate(cover.pieces)
               if not uses_of(model, p))


def rows(model: Model) -> tuple[Row, ...]:
    """Variables in file order, a section line wherever the section changes; a variable
    with dims is a group header (its member rows are the grid's to show)."""
    out: list[Row] = []
    current: object = object()
    for v in model.variables:
        section = model.info[v].section
        if section != current and section is not None:
            out.append(Row(None, section))
        current = section
        out.append(Row(v, section, group=len(model.combos(v)) if dims_of(model, v) else 0))
    return tuple(out)


def dims_of(model: Model, name: str) -> tuple[str, ...]:
    """The variable's dims (none before the engine knows dims)."""
    found = getattr(model, "dims_of", None)
    return found.get(name, ()) if found else ()


def has_dims(model: Model) -> bool:
    return bool(getattr(model, "dims", None))


def same(a: float | None, b: float | None) -> bool:
    """The same value for a reader: equal, both NaN, or apart by float noise only
    (1e-12 relative: a different order of the same operations); None (empty) is
    only itself."""
    if a is None or b is None:
        return a is b
    if a == b or (a != a and b != b):
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def matrix_rows(result, names: list[str]) -> np.ndarray:
    """Batch 0 of the variables `names` of a result without dims, a row each, NaN where
    empty (`Result.rows_of`: its matrix, or just these columns), not converted column
    by column."""
    return result.rows_of(names)


def row_lists(result, names: list[str]) -> dict[str, list[float | None]]:
    """The values of `names` as the grid keeps them: floats, NaN for n/a, None for an
    empty cell (a null in the frame). Made from the result's matrix; only a row with a
    NaN is read from its column again, to tell a null from a NaN."""
    block = matrix_rows(result, names)
    out = dict(zip(names, block.tolist()))
    nan = np.isnan(block)
    for r in np.flatnonzero(nan.any(axis=1)).tolist():
        column = result.raw.get_column(names[r])
        row = out[names[r]]
        for i in np.flatnonzero(nan[r]).tolist():
            row[i] = column[i]
    return out


def moved(then: Mapping[str, Sequence], now: Mapping[str, Sequence], names: list[str],
          edited: set[str], arrays: tuple[np.ndarray, np.ndarray] | None = None
          ) -> dict[str, dict[int, float | None]]:
    """The cells of `names` whose values differ (`same`): {variable: {index: then's value}}.

    Compared as arrays, an empty cell (None) read as NaN: only a variable an
    edit defines (`edited`) can have its empty cells elsewhere than before (it
    is compared cell by cell); any other keeps its definitions' cells, so
    NaN against NaN is None against None or NaN against NaN, both the same.
    `arrays`: then's and now's rows of `names` as arrays already (`matrix_rows`).
    """
    exact = [v for v in names if v in edited]
    rows = [v for v in names if v not in edited]
    out: dict[str, dict[int, float | None]] = {}
    if rows:
        if arrays is not None:
            keep = [k for k, v in enumerate(names) if v not in edited]
            a, b = arrays[0][keep], arrays[1][keep]
        else:
            a = np.array([then[v] for v in rows], dtype=float)
            b = np.array([now[v] for v in rows], dtype=float)
        with np.errstate(invalid="ignore", over="ignore"):
            close = (a == b) | (np.isnan(a) & np.isnan(b)) | (
                np.isfinite(a) & np.isfinite(b)
                & (np.abs(a - b) <= 1e-12 * np.maximum(np.abs(a), np.abs(b))))
        differ = ~close
        whole = differ.all(axis=1)  # an edit upstream moves a row's every cell, or some
        for r in np.flatnonzero(whole).tolist():
            out[rows[r]] = dict(enumerate(then[rows[r]]))
        some = np.flatnonzero(differ.any(axis=1) & ~whole)
        part = differ[some]
        cells = np.nonzero(part)[1].tolist()  # each row's cells, the rows one after another
        ends = np.cumsum(part.sum(axis=1)).tolist()
        start = 0
        for r, end in zip(some.tolist(), ends):
            row, at = then[rows[r]], cells[start:end]
            out[rows[r]] = dict(zip(at, map(row.__getitem__, at)))
            start = end
    for v in exact:
        found = {i: a for i, (a, b) in enumerate(zip(then[v], now[v])) if not same(a, b)}
        if found:
            out[v] = found
    order = {v: k for k, v in enumerate(names)}
    return dict(sorted(out.items(), key=lambda item: order[item[0]]))
