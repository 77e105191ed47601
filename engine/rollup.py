"""Roll-up by calendar year: a quarterly or monthly result seen as years.

What `scn run --by year`, `scn diff --by year`, `scn snapshot --by year` and
the terminal UI's roll-up toggle show. Pure: values in, values out; the
model's axis says which periods make each year (`TimeAxis.calendar_years`).

How a variable adds up across the periods of a year is its *aggregation*:

- `sum` (the default): flows such as revenue, capex, new customers;
- `mean`: rates and shares (a percentage's year is the mean of its
  periods, not their sum: four quarters of 30% margin are a 30% year);
- `last`: stocks such as customers or ARR, the value at the year's last
  period.

Empty cells (no definition covers them) are left out, as a spreadsheet's
SUM skips blanks; a year with no defined cell is empty. A NaN cell makes its
year NaN (an error stays visible rolled up). A year the axis covers only in
part is rolled up from the periods it has and marked partial, so that
nobody reads half a year of revenue as a year's: its label says which
periods it holds (`2026 (01-06)`, `2025 (Q3-Q4)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from engine.axis import MONTHS, QUARTERS, YEARS, TimeAxis

SUM, MEAN, LAST = "sum", "mean", "last"
AGGREGATIONS = (SUM, MEAN, LAST)


@dataclass(frozen=True, slots=True)
class YearColumn:
    """One calendar year of a roll-up: the periods (indices on the axis) it adds up."""
    year: int
    periods: range
    partial: bool  # the axis covers only some of the year's periods

    def label(self, axis: TimeAxis) -> str:
        """`2026`, or `2026 (01-06)` / `2025 (Q3-Q4)` for a partly covered year."""
        if not self.partial:
            return str(self.year)
        first, last = (_within(axis, self.periods[0]), _within(axis, self.periods[-1]))
        return f"{self.year} ({first})" if first == last else f"{self.year} ({first}-{last})"


def _within(axis: TimeAxis, i: int) -> str:
    """A period's name inside its year: `07` for a month, `Q3` for a quarter."""
    k = (axis.start + i) % axis.per_year
    if axis.unit == MONTHS:
        return f"{k + 1:02d}"
    if axis.unit == QUARTERS:
        return f"Q{k + 1}"
    return str(axis.year(i))


def year_columns(axis: TimeAxis) -> list[YearColumn]:
    """The calendar years a roll-up shows, in order."""
    return [YearColumn(y, r, len(r) < axis.per_year) for y, r in axis.calendar_years()]


def aggregations(variables, kinds: Mapping[str, str],
                 declared: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each variable's aggregation: the one its definition declares (`declared`,
    the units annotation's word), else `mean` for a percentage (`kinds`, the
    display kind) and `sum` for everything else."""
    declared = declared or {}
    return {v: declared.get(v) or (MEAN if kinds.get(v) == "percent" else SUM)
            for v in variables}


def roll_up(values: np.ndarray, defined: np.ndarray | None, how: str,
            axis: TimeAxis) -> np.ndarray:
    """Roll the last axis of `values` (periods) up to calendar years.

    `values` is float, shaped (..., periods), NaN where empty; `defined` (bool,
    broadcastable to `values`) says which cells a definition covers, None when
    every cell is. The result is shaped (..., years), NaN for an empty year.
    """
    if how not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {how!r}")
    values = np.asarray(values, dtype=float)
    if defined is None:
        defined = np.ones(values.shape, dtype=bool)
    defined = np.broadcast_to(defined, values.shape)
    columns = year_columns(axis)
    out = np.full(values.shape[:-1] + (len(columns),), np.nan)
    for j, col in enumerate(columns):
        sl = slice(col.periods.start, col.periods.stop)
        v, d = values[..., sl], defined[..., sl]
        count = d.sum(axis=-1)
        if how == LAST:
            # the last defined period of the year: its index from the right
            last = d.shape[-1] - 1 - np.argmax(d[..., ::-1], axis=-1)
            picked = np.take_along_axis(v, last[..., None], axis=-1)[..., 0]
            out[..., j] = np.where(count > 0, picked, np.nan)
            continue
        # inf + -inf is NaN and a sum may overflow to inf: what the year then shows (n/a),
        # not a numpy RuntimeWarning printed under the table (the run already warned)
        with np.errstate(invalid="ignore", over="ignore"):
            total = np.where(d, v, 0.0).sum(axis=-1)
        if how == MEAN:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                total = total / np.where(count > 0, count, 1)
        out[..., j] = np.where(count > 0, total, np.nan)
    return out


def values_by_year(values, how: Mapping[str, str]):
    """`engine.value_diff.Values` of quarters or months rolled up to calendar years
    (what `scn diff --by year` and `scn snapshot --by year` compare and write):
    each output row (`capex`, `capex[goog]`) by its variable's aggregation in
    `how` (sum when missing). Yearly values are returned as they are."""
    from engine.value_diff import Values, split_row

    axis = values.axis
    if axis.unit == YEARS:
        return values
    columns = year_columns(axis)
    scenarios = {}
    for s, table in values.scenarios.items():
        rows = {}
        for row, series in table.items():
            v = np.array([np.nan if x is None else x for x in series], dtype=float)
            d = np.array([x is not None for x in series], dtype=bool)
            rolled = roll_up(v, d, how.get(split_row(row)[0], SUM), axis)
            empty = [not d[c.periods.start:c.periods.stop].any() for c in columns]
            rows[row] = tuple(None if e else float(x) for x, e in zip(rolled.tolist(), empty))
        scenarios[s] = rows
    years = TimeAxis.of_years(columns[0].year, columns[-1].year)
    return Values(years, values.variables, scenarios, rolled=axis.unit,
                  partial=tuple(c.year for c in columns if c.partial))
