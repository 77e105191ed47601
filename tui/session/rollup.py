"""The grid rolled up by calendar year: a quarterly or monthly sheet seen as years.

`engine.rollup` does the arithmetic (each variable's aggregation: sum, mean
for a percentage, last; empty cells skipped; a partial year marked); this
module turns a sheet of periods into a sheet of years with the same rows.
Its views are mappings made when a row is read, as the sheet's own are
(`tui.session.members`): the grid rolls up the screenful it paints, not a
1,000-variable model's every row.

A rolled-up cell is not an input one can edit: it adds up periods, each with
its own definition. It is shown in blue only when every period of its year
is an input (it is then made of assumptions alone), and `RollupInfo` says
how it was made, for the inspector.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Mapping, Sequence

import numpy as np

from engine.axis import TimeAxis
from display.kinds import aggregations_of
from engine.rollup import LAST, MEAN, SUM, YearColumn, roll_up, year_columns
from tui.session.sheet import Sheet, same, split_key


def rolled_row(row: Sequence[float | None], how: str, axis: TimeAxis,
               years: Sequence[YearColumn]) -> list[float | None]:
    """A row of periods (None empty, NaN n/a) as years: None where no period is defined."""
    values = np.array([np.nan if v is None else v for v in row], dtype=float)
    defined = np.array([v is not None for v in row], dtype=bool)
    out = roll_up(values, defined, how, axis)
    return [float(x) if defined[y.periods.start:y.periods.stop].any() else None
            for x, y in zip(out.tolist(), years)]


class RolledValues(Mapping):
    """Row key -> the row rolled up by year, made when read (and kept)."""

    def __init__(self, rows: Mapping[str, Sequence], how: Mapping[str, str], axis: TimeAxis,
                 years: Sequence[YearColumn]) -> None:
        self.rows, self.how, self.axis, self.years = rows, how, axis, years
        self._made: dict[str, list] = {}

    def __getitem__(self, key: str) -> list:
        hit = self._made.get(key)
        if hit is None:
            how = self.how.get(split_key(key)[0], SUM)
            hit = self._made[key] = rolled_row(self.rows[key], how, self.axis, self.years)
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class RolledInputs(Mapping):
    """Row key -> a bit per year whose every period is an input."""

    def __init__(self, bits: Mapping[str, int], years: Sequence[YearColumn]) -> None:
        self.bits, self.years = bits, years

    def __getitem__(self, key: str) -> int:
        bits, out = self.bits[key], 0
        for j, y in enumerate(self.years):
            mask = ((1 << len(y.periods)) - 1) << y.periods.start
            if bits & mask == mask:
                out |= 1 << j
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self.bits)

    def __len__(self) -> int:
        return len(self.bits)


class RolledChanges(Mapping):
    """Row key -> {year column: the file's value rolled up} where it differs from now.

    The file's row is the row now with the changed periods put back (`changes`
    holds their file values), rolled up by the aggregation the file's kinds give."""

    def __init__(self, changes: Mapping[str, Mapping[int, float | None]], now: Mapping,
                 rolled: RolledValues, file_how: Mapping[str, str]) -> None:
        self.changes, self.now, self.rolled, self.file_how = changes, now, rolled, file_how
        self._made: dict[str, dict] = {}

    def __getitem__(self, key: str) -> dict:
        hit = self._made.get(key)
        if hit is None:
            moved = self.changes[key]
            row = list(self.now[key])
            for i, old in moved.items():
                row[i] = old
            r = self.rolled
            then = rolled_row(row, self.file_how.get(split_key(key)[0], SUM), r.axis, r.years)
            hit = self._made[key] = {j: old for j, (old, new) in enumerate(zip(then, r[key]))
                                     if not same(old, new)}
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)


def rolled_sheet(sheet: Sheet, model) -> Sheet:
    """The sheet with a column per calendar year (`Sheet.years`); a yearly one as it is."""
    axis = sheet.axis
    if axis.yearly or sheet.years is not None:
        return sheet
    years = tuple(year_columns(axis))
    how = aggregations_of(model, sheet.kinds)
    values = RolledValues(sheet.values, how, axis, years)
    file_how = aggregations_of(model, sheet.file_kinds) if sheet.file_kinds else how
    return replace(
        sheet, years=years, how=how, values=values,
        inputs=RolledInputs(sheet.inputs, years),
        changes=RolledChanges(sheet.changes, sheet.values, values, file_how),
        parent=None if sheet.parent is None else RolledValues(sheet.parent, how, axis, years))


# ------------------------------------------------------------ the inspector

WORDS = {SUM: "sum", MEAN: "mean", LAST: "last"}


@dataclass(frozen=True)
class RollupInfo:
    """What the inspector says of a rolled-up cell: the year, how it was made, from what."""

    key: str  # the row: `revenue`, `capex[goog]`
    scenario: str
    column: YearColumn
    label: str  # `2026`, `2026 (01-06)`
    how: str  # sum, mean or last
    value: float | None
    periods: tuple[tuple[str, float | None], ...]  # each period of the year: label, value
    section: str | None = None
    doc: str | None = None
    per_year: int = 12
    word: str = "month"  # what a period is called

    @property
    def defined(self) -> int:
        return sum(v is not None for _, v in self.periods)

    def how_text(self) -> str:
        """`sum of 12 months`, `mean of 4 quarters`, `last of 12 months: 2026-12`; a partial
        year or empty periods say so (`sum of 6 months: the model starts in 2025-07`)."""
        n, count = len(self.periods), self.defined
        plural = self.word + ("s" if n != 1 else "")
        if count == 0:
            return f"empty: none of its {n} {plural} is defined"
        text = f"{WORDS[self.how]} of {n} {plural}"
        if self.how == LAST:
            text = f"last of {n} {plural}: {self._last_label()}"
        if count < n:
            text += f" ({n - count} empty, left out)"
        if self.column.partial:
            first, last = self.periods[0][0], self.periods[-1][0]
            text += (f": the model covers {first}..{last} of {self.column.year}, "
                     f"{n} of its {self.per_year} {self.word}s")
        return text

    def _last_label(self) -> str:
        return next((label for label, v in reversed(self.periods) if v is not None), "")


def rollup_info(key: str, scenario: str, row: Sequence[float | None], rolled: Sequence,
                how: str, axis: TimeAxis, column: int, section: str | None = None,
                doc: str | None = None) -> RollupInfo:
    years = year_columns(axis)
    y = years[column]
    return RollupInfo(key, scenario, y, y.label(axis), how, rolled[column],
                      tuple((axis.label(i), row[i]) for i in y.periods), section, doc,
                      axis.per_year, axis.period_word)
