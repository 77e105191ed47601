"""What changed in a model's numbers between two versions: every cell that moved.

Pure: value tables in, plain data out (`scn diff` renders it; `scn snapshot`
and `scn textconv` write the tables). `values_of` evaluates a model into
`Values` (a series per output row, per scenario); `compare_values` lists
every cell of the periods, scenarios and rows both sides have that moved
beyond a tolerance, and notes what only one side has. What changed in the
assumptions is `engine.compare`; how much of each move each changed
assumption explains is `engine.attribution`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from engine.address import Cell
from engine.axis import TimeAxis


Series = tuple[float | None, ...]


@dataclass(frozen=True)
class Values:
    """Evaluated outputs: per scenario, per output row, a value per period (None: empty).

    An output row is a variable, or one member combination of a variable with
    dims, named `capex[goog]` / `units[goog,g800]` (`row_label`): the rows of
    `scn run`, in its order.
    """

    axis: TimeAxis  # the periods the series run over
    variables: tuple[str, ...]  # the output rows, in display order
    scenarios: Mapping[str, Mapping[str, Series]]
    # rolled up to calendar years (engine.rollup.values_by_year): the unit it was
    # rolled up from (`quarters`, `months`), and the years its axis covers in part
    rolled: str | None = None
    partial: tuple[int, ...] = ()

    @property
    def years(self) -> tuple[int, ...]:
        """The periods' absolute numbers (the years, on a yearly axis): what two
        versions of a model have in common is found by these."""
        return tuple(range(self.axis.start, self.axis.end + 1))


def row_label(variable: str, members: Sequence[str] = ()) -> str:
    """An output row's name: `capex`, `capex[goog]`, `units[goog,g800]` (no spaces)."""
    return f"{variable}[{','.join(members)}]" if members else variable


def split_row(label: str) -> tuple[str, tuple[str, ...]]:
    """`units[goog,g800]` -> ('units', ('goog', 'g800')); `capex` -> ('capex', ())."""
    name, _, rest = label.partition("[")
    return (name, tuple(rest[:-1].split(","))) if rest.endswith("]") else (label, ())


def output_rows(model, result) -> list[tuple[str, Series]]:
    """(row label, series) of every output row of one result (batch 0), in output order."""
    import numpy as np

    dims_of = model.dims_of
    n = len(model.axis)
    out: list[tuple[str, Series]] = []
    for v in model.variables:
        if not dims_of.get(v):
            out.append((v, tuple(result.series(v))))
            continue
        values = np.asarray(result.values(v), dtype=np.float64)
        values = values.reshape(values.shape[0], -1, n)[0]
        defined = np.asarray(result.defined(v), dtype=bool).reshape(-1, n)
        cells = np.where(defined, values.astype(object), None).tolist()
        out.extend((row_label(v, c), tuple(r)) for c, r in zip(model.combos(v), cells))
    return out


def values_of(model, scenarios: Sequence[str] | None = None,
              warnings: list | None = None, results: dict | None = None,
              start: Mapping | None = None) -> Values:
    """Evaluate a model in the given scenarios (all by default).

    Non-finite warnings are appended to `warnings` when given (once each).
    Each scenario's engine result is put in `results` when given; with
    `start` (such results of another version of the model, by scenario),
    only what differs from it is computed again (`engine.api.recompute`):
    comparing two versions of a 10,000-variable file that differ in one
    line evaluates the second version only downstream of that line.
    """
    from engine.api import evaluate, recompute

    names = list(model.scenarios) if scenarios is None else list(scenarios)
    table = {}
    dims_of = model.dims_of
    rows = tuple(row_label(v, c) for v in model.variables
                 for c in (model.combos(v) if dims_of.get(v) else ((),)))
    for s in names:
        before = start.get(s) if start is not None else None
        result = recompute(before, model, s) if before is not None else evaluate(model, s)
        if results is not None:
            results[s] = result
        table[s] = dict(output_rows(model, result))
        if warnings is not None:
            warnings.extend(w for w in result.warnings if w not in warnings)
    return Values(model.axis, rows, table)


@dataclass(frozen=True)
class CellChange:
    scenario: str
    cell: Cell  # its period: an index on the diff's axis (`ValueDiff.axis`)
    old: float | None
    new: float | None

    @property
    def variable(self) -> str:
        return self.cell.variable

    @property
    def row(self) -> str:
        """The output row: `capex`, `capex[goog]`."""
        return row_label(self.cell.variable, self.cell.members)

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def relative(self) -> float | None:
        """(new - old) / |old|; inf when it moved off zero; None when a side is empty."""
        d = self.delta
        if d is None:
            return None
        if self.old == 0:
            return math.copysign(math.inf, d) if d else 0.0
        return d / abs(self.old)

    @property
    def size(self) -> float:
        """How large the move is, for sorting: |relative|, inf for empty or non-finite sides."""
        r = self.relative
        return math.inf if r is None or math.isnan(r) else abs(r)


@dataclass(frozen=True)
class ValueDiff:
    cells: tuple[CellChange, ...]  # grouped by variable, largest move first; periods in order
    axis: TimeAxis | None  # the periods compared (common to both sides); None: none in common
    scenarios: tuple[str, ...]  # the scenarios compared
    notes: tuple[str, ...]  # years, scenarios or variables found on one side only

    @property
    def years(self) -> tuple[int, ...]:
        """The absolute numbers (years) of the periods compared."""
        return () if self.axis is None else tuple(range(self.axis.start, self.axis.end + 1))

    def year(self, c: CellChange) -> int:
        """The absolute number (the year) of a moved cell's period."""
        return self.axis.absolute(c.cell.period)

    def label(self, c: CellChange) -> str:
        """A moved cell's period as the axis names it: `2027`, `2027Q3`, `2027-07`."""
        return self.axis.label(c.cell.period)

    def groups(self) -> list[tuple[str, str, list[CellChange]]]:
        """(scenario, output row, cells) in report order."""
        out: list[tuple[str, str, list[CellChange]]] = []
        for c in self.cells:
            if not out or out[-1][:2] != (c.scenario, c.row):
                out.append((c.scenario, c.row, []))
            out[-1][2].append(c)
        return out


def moved(old: float | None, new: float | None, rtol: float, atol: float) -> bool:
    """Whether a cell changed beyond the tolerance; NaN equals NaN, an empty cell only itself."""
    if old is None or new is None:
        return (old is None) != (new is None)
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) != math.isnan(new)
    if math.isinf(old) or math.isinf(new):
        return old != new
    return abs(new - old) > atol + rtol * abs(old)


def compare_values(old: Values, new: Values, rtol: float = 1e-9, atol: float = 0.0,
                   scenarios: Sequence[str] | None = None) -> ValueDiff:
    """Every cell of the common years, scenarios and variables that moved beyond the tolerance."""
    notes: list[str] = []
    axis = common_axis(old.axis, new.axis)
    years = () if axis is None else tuple(range(axis.start, axis.end + 1))
    if old.axis.unit != new.axis.unit:
        notes.append(f"the periods differ ({old.axis.unit} {old.axis.range_label()} and "
                     f"{new.axis.unit} {new.axis.range_label()}): values not compared; "
                     "compare them by calendar year with --by year")
    elif years != old.years or years != new.years:
        unit = old.axis.unit
        notes.append(f"{unit} differ ({_span_text(old.axis)} and {_span_text(new.axis)}): "
                     f"compared {_span_text(axis)}" if years else
                     f"no {old.axis.period_word} in common ({_span_text(old.axis)} and "
                     f"{_span_text(new.axis)})")
    wanted = list(scenarios) if scenarios is not None else list(new.scenarios)
    common = [s for s in wanted if s in old.scenarios and s in new.scenarios]
    for s in wanted:
        if s not in common:
            side = "OLD" if s in old.scenarios else "NEW" if s in new.scenarios else "neither side"
            notes.append(f"scenario {s} is only in {side}: its values are not compared")
    _one_side_notes(old.variables, new.variables, notes)
    oi = {y: k for k, y in enumerate(old.years)}
    ni = {y: k for k, y in enumerate(new.years)}
    order = {v: k for k, v in enumerate(new.variables)}
    groups: list[tuple[float, int, int, list[CellChange]]] = []
    for si, s in enumerate(common):
        for v in new.variables:
            if v not in old.scenarios[s] or v not in new.scenarios[s]:
                continue
            name, members = split_row(v)
            a, b = old.scenarios[s][v], new.scenarios[s][v]
            cells = [CellChange(s, Cell(name, k, members), a[oi[y]], b[ni[y]])
                     for k, y in enumerate(years) if moved(a[oi[y]], b[ni[y]], rtol, atol)]
            if cells:
                groups.append((-max(c.size for c in cells), si, order[v], cells))
    groups.sort(key=lambda g: g[:3])
    cells_out = tuple(c for g in groups for c in g[3])
    return ValueDiff(cells_out, axis, tuple(common), tuple(notes))


def _one_side_notes(old: Sequence[str], new: Sequence[str], notes: list[str]) -> None:
    """Variables that only one side has, and rows only one side has of a variable both
    have (a member added to a dim): a note each."""
    old_vars = {split_row(r)[0] for r in old}
    new_vars = {split_row(r)[0] for r in new}
    old_rows, new_rows = set(old), set(new)
    for side, rows, there, there_rows in (("NEW", new, old_vars, old_rows),
                                          ("OLD", old, new_vars, new_rows)):
        variables = [v for v in dict.fromkeys(split_row(r)[0] for r in rows) if v not in there]
        if variables:
            notes.append(f"variables only in {side} (not compared): " + ", ".join(variables))
        lone = [r for r in rows if r not in there_rows and split_row(r)[0] in there]
        if lone:
            notes.append(f"rows only in {side} (not compared): " + ", ".join(lone))


def common_axis(a: TimeAxis, b: TimeAxis) -> TimeAxis | None:
    """The periods two axes share (both are runs of periods); None when none."""
    if a.unit != b.unit:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    return TimeAxis(a.unit, start, end - start + 1) if start <= end else None


def _span_text(axis: TimeAxis | None) -> str:
    """`2024..2030`, `2025Q3..2026Q2`, a single period's label, or `none`."""
    if axis is None or not len(axis):
        return "none"
    return axis.range_label() if len(axis) > 1 else axis.label(0)
