"""The time columns an output prints: the model's periods, or calendar years (`--by year`).

Every renderer of `cli.output` names its time columns through a `Columns`:
the headers people read (`2025Q3`, or rolled up `2025 (Q3-Q4)`), the names
CSV writes (plain: `2025Q3`, `2025`, nothing a spreadsheet import would
choke on), and the time column of the long and wide layouts (`year` as
Int64, or `period` as String labels).

`--by year` rolls each output row up to calendar years with the one roll-up
of the core (`engine.rollup`): a variable's aggregation is `sum`, `mean`
for a percentage (four quarters of 30% margin are a 30% year, not 120%), or
`last` (a stock) once a definition can declare it. Empty periods are left
out, as a spreadsheet's SUM skips blanks: a row defined in two quarters of a
year shows the sum of those two, and the footnote under the table names
such rows and years (an analyst must not read half a year as a year). A year
the axis covers only in part is labelled with the periods it holds
(`2026 (01-06)`). On a yearly model `--by year` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from cli.rows import Row, Table
from engine.lazy import lazy

np = lazy("numpy")  # on first use: a command loads its model before (files/background.py)

BY_CHOICES = ("year",)  # what --by takes (argparse choices)
NOTE_ITEMS = 6  # rows named in one footnote line before "and N more"


@dataclass(frozen=True)
class Columns:
    """The time columns of one output."""

    headers: tuple[str, ...]  # for people: table and Markdown headers
    names: tuple[str, ...]  # for CSV headers (no parentheses, no spaces)
    time: str  # the long and wide layouts' time column: `year` or `period`
    keys: tuple  # that column's values: ints (years) or labels
    rolled: bool = False  # rolled up from quarters or months (`--by year`)
    unit: str = "years"  # the model's own unit
    partial: tuple[str, ...] = ()  # rolled up: the headers of years the axis covers in part
    aggregation: dict = field(default_factory=dict)  # rolled up: variable -> sum/mean/last
    incomplete: dict = field(default_factory=dict)  # rolled up: row label -> [years] with empty periods

    @property
    def yearly(self) -> bool:
        return self.time == "year"

    def __len__(self) -> int:
        return len(self.headers)

    @classmethod
    def of(cls, model) -> Columns:
        """The model's own periods."""
        labels = tuple(model.labels)
        if model.axis.yearly:
            return cls(labels, labels, "year", tuple(model.years))
        return cls(labels, labels, "period", labels, unit=model.axis.unit)


def wants_by_year(model, by: str | None) -> bool:
    """Whether `--by` asks for a roll-up this model needs (a yearly model needs none)."""
    return by == "year" and not model.axis.yearly


def aggregations_of(model) -> dict[str, str]:
    """Each variable's aggregation across a year (display.kinds.aggregations_of)."""
    from display.kinds import aggregations_of

    return aggregations_of(model)


def by_year(model, runs: Sequence[Table], rows: Sequence[Row]
            ) -> tuple[Columns, list[Table]]:
    """The columns and tables of `runs` rolled up to calendar years."""
    from engine.rollup import year_columns

    axis = model.axis
    years = year_columns(axis)
    how = aggregations_of(model)
    headers = tuple(y.label(axis) for y in years)
    tables = [roll_table(t, rows, how, axis) for t in runs]
    incomplete: dict[str, list[int]] = {}
    for t in runs:
        for label, ys in _incomplete(t, rows, years).items():
            have = incomplete.setdefault(label, [])
            have.extend(y for y in ys if y not in have)
    used = {r.variable for r in rows}
    return Columns(headers, tuple(str(y.year) for y in years), "year",
                   tuple(y.year for y in years), rolled=True, unit=axis.unit,
                   partial=tuple(h for h, y in zip(headers, years) if y.partial),
                   aggregation={v: a for v, a in how.items() if v in used},
                   incomplete={k: sorted(v) for k, v in incomplete.items()}), tables


def roll_table(t: Table, rows: Sequence[Row], how: dict[str, str], axis) -> Table:
    """One scenario's rows rolled up: each row by its variable's aggregation."""
    from engine.rollup import AGGREGATIONS, roll_up, year_columns

    n = len(year_columns(axis))
    values = np.full((len(rows), n), np.nan)
    per_row = np.array([how[r.variable] for r in rows], dtype=object)
    for a in AGGREGATIONS:  # one vectorized roll-up per aggregation
        pick = np.flatnonzero(per_row == a)
        if len(pick):
            values[pick] = roll_up(t.values[pick], t.defined[pick], a, axis)
    return replace(t, values=values, defined=_any_defined(t, axis))


def _any_defined(t: Table, axis) -> np.ndarray:
    """A rolled-up cell is defined when any period of its year is."""
    from engine.rollup import year_columns

    cols = year_columns(axis)
    out = np.zeros((t.defined.shape[0], len(cols)), dtype=bool)
    for j, c in enumerate(cols):
        out[:, j] = t.defined[:, c.periods.start:c.periods.stop].any(axis=1)
    return out


def _incomplete(t: Table, rows: Sequence[Row], years) -> dict[str, list[int]]:
    """Rows with a year rolled up from only some of its periods (the others empty)."""
    out: dict[str, list[int]] = {}
    for y in years:
        d = t.defined[:, y.periods.start:y.periods.stop]
        some = d.any(axis=1) & ~d.all(axis=1)
        for k in np.flatnonzero(some).tolist():
            out.setdefault(rows[k].label, []).append(y.year)
    return out


def footnote(cols: Columns, per: str) -> list[str]:
    """The lines under a rolled-up table: which rows are not sums, which years are
    partial, which rows add up fewer periods than their year has. `per` is the
    model's period word (`quarter`, `month`)."""
    if not cols.rolled:
        return []
    plural = f"{per}s"
    by: dict[str, list[str]] = {}
    for v, a in cols.aggregation.items():
        by.setdefault(a, []).append(v)
    but = []
    if by.get("mean"):
        but.append(f"the mean of its {plural} for {_names(by['mean'])}")
    if by.get("last"):
        but.append(f"the value of the year's last {per} for {_names(by['last'])}")
    lines = [f"by year: each row is the sum of its {plural}"
             + (", except " + "; ".join(but) if but else "")]
    if cols.partial:
        n = len(cols.partial)
        lines.append(f"partial year{'s' if n > 1 else ''}: {', '.join(cols.partial)} "
                     f"hold{'' if n > 1 else 's'} only the {plural} in parentheses")
    if cols.incomplete:
        items = [f"{row} {', '.join(map(str, ys))}" for row, ys in cols.incomplete.items()]
        lines.append(f"empty {plural} left out (no definition covers them): {_names(items)}")
    return lines


def _names(items: list[str]) -> str:
    if len(items) <= NOTE_ITEMS:
        return ", ".join(items)
    return ", ".join(items[:NOTE_ITEMS]) + f" and {len(items) - NOTE_ITEMS:,} more"
