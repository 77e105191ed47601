"""What changed between two versions of a model: its assumptions, and its numbers.

Pure: parsed documents and value tables in, plain data out (`scn diff`
renders it). Three questions, one function each:

- `compare_documents`: which definitions changed in meaning, per scenario
  layer. Definitions are compared as parsed trees with the parentheses and
  the way numbers are spelled left out (`30%` is `0.3`), so moving,
  reformatting or re-spelling a line is no change. An entry of a year map
  (`capex_growth = {2027: 20%, ...}`) is an assumption of its own: editing
  one year of a long map reports that year, not the whole map.
- `compare_values`: every cell whose value moved beyond a tolerance.
- `engine.attribution.attribute`: how much of each moved cell each changed
  assumption explains (its own module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from dsl import ast as A
from dsl.format import expr_text, statement_text, subscript_text, years_text
from engine.address import Cell
from engine.axis import TimeAxis, label_of
from engine.model import BASE


# ---------------------------------------------------------------- assumptions


@dataclass(frozen=True)
class Assumption:
    """One definition of one layer, or one entry of a whole-definition year map or
    of a member map (`capex[2024] = {goog: 52.5B, ...}`: one assumption per member)."""

    layer: str  # "base" or the scenario's name
    name: str
    years: A.Years | None  # the definition's selector, or the year map entry's key
    in_map: bool
    expr: A.Expr
    line: int
    section: str | None = field(default=None, compare=False)
    map_size: int = field(default=1, compare=False)  # entries of the map it belongs to
    members: tuple[A.Member, ...] = ()  # the definition's member subscripts, as written
    entry: A.Member | None = None  # the member-map entry's key (None: not a member map)

    @property
    def key(self) -> tuple:
        # `x[goog, g800]` and `x[g800, goog]` are the same cells: members as a set
        return (self.layer, self.name, self.years, self.in_map,
                frozenset(m.name for m in self.members),
                None if self.entry is None else self.entry.name)

    @property
    def label(self) -> str:
        """The variable and its cells: `capex`, `capex[2024]`, `capex_growth[goog, 2027]`
        (a member-map entry: `capex[goog, 2024]`, its member with the definition's)."""
        members = self.members + ((self.entry,) if self.entry is not None else ())
        if not members and self.years is None:
            return self.name
        return f"{self.name}[{subscript_text(members, self.years)}]"

    @property
    def text(self) -> str:
        """As it reads in the file: `capex[2024] = 265B`, `capex_growth = {2027: 20%, ...}`,
        `capex[2024] = {goog: 52.5B, ...}`."""
        more = ", ..." if self.map_size > 1 else ""
        if self.entry is not None:
            where = subscript_text(self.members, self.years)
            head = self.name + (f"[{where}]" if where else "")
            return f"{head} = {{{self.entry.name}: {expr_text(self.expr)}{more}}}"
        if self.in_map:
            head = self.name + (f"[{subscript_text(self.members, None)}]" if self.members else "")
            return f"{head} = {{{years_text(self.years)}: {expr_text(self.expr)}{more}}}"
        return statement_text(A.Definition(self.name, self.years, self.expr,
                                           members=self.members))


@dataclass(frozen=True)
class DefinitionChange:
    kind: str  # "added", "removed" or "edited"
    old: Assumption | None
    new: Assumption | None

    @property
    def layer(self) -> str:
        return (self.new or self.old).layer

    @property
    def name(self) -> str:
        return (self.new or self.old).name

    @property
    def label(self) -> str:
        return (self.new or self.old).label


@dataclass(frozen=True)
class DocumentDiff:
    changes: tuple[DefinitionChange, ...]
    notes: tuple[str, ...]  # header and scenario changes, in words
    titles: tuple[str, ...] = ()  # title changes, in words: they move no value


def assumptions(doc: A.Document) -> list[Assumption]:
    """Every assumption of a document, in file order."""
    out: list[Assumption] = []
    for p in doc.definitions:
        d = p.definition
        if isinstance(d.expr, A.YearMap) and d.years is None:
            n = len(d.expr.entries)
            out.extend(Assumption(p.scenario, d.name, e.years, True, e.value, e.span.line,
                                  p.section, n, d.members) for e in d.expr.entries)
        elif isinstance(d.expr, A.MemberMap):
            n = len(d.expr.entries)
            out.extend(Assumption(p.scenario, d.name, d.years, True, e.value, e.span.line,
                                  p.section, n, d.members, e.member) for e in d.expr.entries)
        else:
            out.append(Assumption(p.scenario, d.name, d.years, False, d.expr, d.span.line,
                                  p.section, members=d.members))
    return out


def meaning(expr: A.Expr) -> tuple:
    """A hashable form of what an expression computes: no parentheses, numbers by value."""
    try:
        return HANDLERS[type(expr)](expr)
    except KeyError:
        raise A.NoHandler("meaning", expr) from None


HANDLERS: dict[type, Callable[[A.Expr], tuple]] = {
    A.Number: lambda n: ("number", n.value),
    A.Name: lambda n: ("Name", n.name, _members(n)),
    A.CurrentYear: lambda n: ("CurrentYear",),
    A.Shifted: lambda n: ("Shifted", n.name, n.offset, _members(n)),
    A.AtYear: lambda n: ("AtYear", n.name, n.period, _members(n)),
    A.YearRange: lambda n: ("YearRange", n.name, n.years, _members(n)),
    A.Unary: lambda n: ("Unary", n.op, meaning(n.operand)),
    A.Binary: lambda n: ("Binary", n.op, meaning(n.left), meaning(n.right)),
    A.Between: lambda n: ("Between", meaning(n.low), meaning(n.high)),
    A.Call: lambda n: ("Call", n.func, tuple(meaning(a) for a in n.args)),
    A.YearMap: lambda n: ("YearMap", tuple((e.years, meaning(e.value)) for e in n.entries)),
    # Entry order never changes what a member map means (each member has its value).
    A.MemberMap: lambda n: ("MemberMap", tuple(sorted(
        ((e.member.name, meaning(e.value)) for e in n.entries), key=lambda x: x[0]))),
    A.Paren: lambda n: meaning(n.expr),
}


def _members(n) -> frozenset[str]:
    """A selection's members: the order written (`x[goog, g800]`) means nothing."""
    return frozenset(m.name for m in n.members)


def compare_documents(old: A.Document, new: A.Document,
                      unparsed: Sequence[str] = ()) -> DocumentDiff:
    """The assumptions that changed in meaning, per layer, plus header and scenario notes.

    `unparsed` names variables whose definitions failed to parse on one side:
    their definitions are left out rather than reported as removed or added.
    """
    skip = set(unparsed)
    olds = [a for a in assumptions(old) if a.name not in skip]
    news = [a for a in assumptions(new) if a.name not in skip]
    new_by_key = {a.key: a for a in news}
    old_keys = {a.key for a in olds}
    changes: list[DefinitionChange] = []
    removed: list[Assumption] = []
    for a in olds:
        b = new_by_key.get(a.key)
        if b is None:
            removed.append(a)
        elif meaning(a.expr) != meaning(b.expr):
            changes.append(DefinitionChange("edited", a, b))
    added = [b for b in news if b.key not in old_keys]
    changes.extend(_pair(removed, added))
    layers: dict[str, int] = {}
    for name in [BASE, *(s.name for s in new.scenarios), *(s.name for s in old.scenarios)]:
        layers.setdefault(name, len(layers))
    changes.sort(key=lambda c: (layers[c.layer], (c.new or c.old).line, c.old is not None))
    notes, titles = _notes(old, new)
    return DocumentDiff(tuple(changes), tuple(notes), tuple(titles))


def _pair(removed: list[Assumption], added: list[Assumption]) -> list[DefinitionChange]:
    """A variable that lost one definition and gained one in a layer: an edit of its years."""
    out: list[DefinitionChange] = []
    by_var: dict[tuple[str, str], tuple[list, list]] = {}
    for a in removed:
        by_var.setdefault((a.layer, a.name), ([], []))[0].append(a)
    for b in added:
        by_var.setdefault((b.layer, b.name), ([], []))[1].append(b)
    for gone, came in by_var.values():
        if len(gone) == 1 and len(came) == 1:
            out.append(DefinitionChange("edited", gone[0], came[0]))
            continue
        out.extend(DefinitionChange("removed", a, None) for a in gone)
        out.extend(DefinitionChange("added", None, b) for b in came)
    return out


def _notes(old: A.Document, new: A.Document) -> tuple[list[str], list[str]]:
    """(changes of the header and scenarios that can move values, title changes)."""
    notes, titles = [], []
    title = _title_note("model title", old.title, new.title)
    if title:
        titles.append(title)
    oy, ny = old.years, new.years
    if oy and ny and (oy.unit, oy.start, oy.end) != (ny.unit, ny.start, ny.end):
        before = f"{label_of(oy.unit, oy.start)}..{label_of(oy.unit, oy.end)}"
        after = f"{label_of(ny.unit, ny.start)}..{label_of(ny.unit, ny.end)}"
        notes.append(f"{ny.unit} changed from {before} to {after}" if oy.unit == ny.unit else
                     f"the time axis changed from {oy.unit} {before} to {ny.unit} {after}")
    notes.extend(_dim_notes(old.dims, new.dims))
    olds = {s.name: s for s in old.scenarios}
    news = {s.name: s for s in new.scenarios}
    for name, s in news.items():
        if name not in olds:
            notes.append(f"scenario {name} added")
            continue
        if olds[name].parent != s.parent:
            notes.append(f"scenario {name} now extends {s.parent} (was {olds[name].parent})")
        title = _title_note(f"scenario {name} title", olds[name].title, s.title)
        if title:
            titles.append(title)
    notes.extend(f"scenario {name} removed" for name in olds if name not in news)
    titles.extend(_unit_notes(old, new))
    return notes, titles


def _unit_notes(old: A.Document, new: A.Document) -> list[str]:
    """Annotations added, removed or changed, per variable in the new file's order:
    they move no value, but a reviewer must see what the numbers now claim to be."""
    def notes_of(doc: A.Document) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in doc.definitions:
            if p.definition.annotation is not None:
                out.setdefault(p.definition.name, p.definition.annotation.text)
        return out

    before, after = notes_of(old), notes_of(new)
    names = list(after) + [v for v in before if v not in after]
    return [n for n in (_title_note(f"unit of {v}", before.get(v), after.get(v)) for v in names)
            if n is not None]


def _dim_notes(old: Sequence[A.DimDecl], new: Sequence[A.DimDecl]) -> list[str]:
    """Dims added, removed, or with members added, removed or reordered, in words:
    each changes which rows there are (and can move values: a sum over the dim)."""
    notes = []
    olds = {d.name: d.members for d in old}
    news = {d.name: d.members for d in new}
    for name, members in news.items():
        if name not in olds:
            notes.append(f"dim {name} added ({', '.join(members)})")
            continue
        before = olds[name]
        added = [m for m in members if m not in before]
        gone = [m for m in before if m not in members]
        parts = ([f"added {', '.join(added)}"] if added else []) + \
                ([f"removed {', '.join(gone)}"] if gone else [])
        if not parts and members != before:
            parts.append(f"reordered ({', '.join(members)})")
        if parts:
            notes.append(f"dim {name}: members {'; '.join(parts)}")
    notes.extend(f"dim {name} removed" for name in olds if name not in news)
    return notes


def _title_note(what: str, old: str | None, new: str | None) -> str | None:
    """A title change in words: added, removed (with what it was) or changed."""
    if old == new:
        return None
    if old is None:
        return f"{what} added: '{new}'"
    if new is None:
        return f"{what} removed (was '{old}')"
    return f"{what} changed from '{old}' to '{new}'"


# ---------------------------------------------------------------- values


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
