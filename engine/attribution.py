"""How much of each moved cell each changed assumption explains (`scn diff`).

With one change, all of it (exact). With several, each change is applied
alone to the old model and re-evaluated (exact for that change alone); what
the separate effects do not add up to is the interaction between them. This
is the seam where a first-order sensitivity estimate can replace the
re-evaluation: `attribute` takes the function that computes the effects.

The changes come from `engine.compare.compare_documents`, the moved cells
from `engine.value_diff.compare_values`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from dsl import ast as A
from engine.axis import TimeAxis
from engine.compare import Assumption, DefinitionChange
from engine.value_diff import CellChange, Series, ValueDiff, Values, moved, values_of
from engine.resolve import BASE


Effects = Mapping[str, Mapping[str, Series]]  # scenario -> variable -> delta per year


@dataclass(frozen=True)
class Attribution:
    """Each changed assumption's share of each moved cell."""

    method: str  # "exact" (one change), "each change alone", or "none"
    axis: TimeAxis | None  # the effect series' periods: the diff's (`ValueDiff.axis`)
    effects: tuple[Effects | None, ...]  # per change, in the changes' order; None: unknown
    failures: tuple[str | None, ...]  # per change: why its effect is unknown

    @property
    def exact(self) -> bool:
        return self.method == "exact"

    def shares(self, cell: CellChange, rtol: float = 1e-9, atol: float = 0.0
               ) -> list[tuple[int, float]]:
        """(change index, delta) of the changes that move this cell beyond the tolerance,
        largest first (a change that reaches the cell only through rounding noise is left out)."""
        k = cell.cell.period
        out = []
        for i, eff in enumerate(self.effects):
            series = (eff or {}).get(cell.scenario, {}).get(cell.row)
            d = series[k] if series is not None else None
            if d is not None and cell.old is not None and moved(cell.old, cell.old + d, rtol, atol):
                out.append((i, d))
        return sorted(out, key=lambda p: -abs(p[1]))


EffectFn = Callable[[int, DefinitionChange], Effects]


def attribute(changes: Sequence[DefinitionChange], diff: ValueDiff, old: TimeAxis,
              effect_alone: EffectFn | None, exact_ok: bool = True) -> Attribution:
    """Split each moved cell among the changed assumptions (`old`: OLD's axis, the
    periods `effect_alone`'s series run over; the result's are the diff's).

    One change (and nothing else, `exact_ok`): it explains everything, exactly.
    Otherwise `effect_alone(i, change)` gives the deltas change i causes on its
    own (re-evaluation now; a sensitivity estimate later); it raises ValueError
    with a reason when it cannot.
    """
    axis = diff.axis
    if not changes or not diff.cells:
        return Attribution("none", axis, (), ())
    if len(changes) == 1 and exact_ok:
        table: dict[str, dict[str, list[float | None]]] = {}
        for c in diff.cells:
            row = table.setdefault(c.scenario, {}).setdefault(c.row, [0.0] * len(axis))
            row[c.cell.period] = c.delta
        frozen = {s: {v: tuple(r) for v, r in t.items()} for s, t in table.items()}
        return Attribution("exact", axis, (frozen,), (None,))
    if effect_alone is None:
        return Attribution("none", axis, (), ())
    # The diff's periods within OLD's (diff.cells is not empty: it has some).
    lo = old.index(axis.start)
    effects: list[Effects | None] = []
    failures: list[str | None] = []
    for i, change in enumerate(changes):
        try:
            found = effect_alone(i, change)
            effects.append({s: {v: series[lo:lo + len(axis)] for v, series in t.items()}
                            for s, t in found.items()})
            failures.append(None)
        except ValueError as e:
            effects.append(None)
            failures.append(str(e))
    return Attribution("each change alone", axis, tuple(effects), tuple(failures))


def reevaluation(old_doc: A.Document, old_values: Values, changes: Sequence[DefinitionChange],
                 scenarios: Sequence[str], start: Mapping | None = None,
                 roll=None) -> EffectFn:
    """Effects by re-evaluation: OLD with one change applied, minus OLD.

    Variables that only NEW defines come along with every change (alone they
    move nothing that OLD has), so an edit that reads a new variable still loads.
    `start`: OLD's engine results by scenario, to recompute from. `roll`, when
    given, turns each re-evaluation's values as `old_values` were turned (rolled
    up by year: `scn diff --by year`).
    """
    from dsl.errors import ScnError
    from dsl.format import document_text
    from engine.api import load_model

    old_names = {p.definition.name for p in old_doc.definitions}
    old_layers = {BASE} | {s.name for s in old_doc.scenarios}
    support = [c for c in changes if c.kind == "added" and c.name not in old_names]

    def effect(i: int, change: DefinitionChange) -> Effects:
        if change.layer not in old_layers:
            return {}
        doc = old_doc
        for c in [change, *(s for s in support if s is not change)]:
            doc = apply_change(doc, c)
        try:
            model = load_model(document_text(doc), f"<OLD with change {i + 1} alone>")
        except ScnError as e:
            raise ValueError(e.diagnostics[0].message) from None
        wanted = [s for s in scenarios if s in model.scenarios]
        alone = values_of(model, wanted, start=start)  # OLD's results: only what moves
        if roll is not None:
            alone = roll(alone)
        return _deltas(old_values, alone)

    return effect


def _deltas(old: Values, new: Values) -> Effects:
    out: dict[str, dict[str, Series]] = {}
    for s, table in new.scenarios.items():
        if s not in old.scenarios:
            continue
        out[s] = {}
        for v, b in table.items():
            a = old.scenarios[s].get(v)
            if a is not None:
                out[s][v] = tuple(None if x is None or y is None else y - x for x, y in zip(a, b))
    return out


def apply_change(doc: A.Document, change: DefinitionChange) -> A.Document:
    """`doc` with one assumption removed, added or replaced."""
    placed = list(doc.definitions)
    if change.old is not None:
        placed = _without(placed, change.old)
    if change.new is not None:
        placed = _with(placed, change.new)
    return replace(doc, definitions=tuple(placed))


def _members(members) -> frozenset[str]:
    return frozenset(m.name for m in members)


def _whole_map(d: A.Definition) -> bool:
    """A definition whose assumptions are its map's entries (`engine.compare.assumptions`)."""
    return isinstance(d.expr, A.MemberMap) or isinstance(d.expr, A.YearMap) and d.years is None


def _map_of(d: A.Definition, a: Assumption) -> bool:
    """Whether `d` is the map that holds the entry `a` (same cells but for the entry's key)."""
    if _members(d.members) != _members(a.members):
        return False
    if a.entry is not None:
        return isinstance(d.expr, A.MemberMap) and d.years == a.years
    return isinstance(d.expr, A.YearMap) and d.years is None


def _without(placed: list[A.Placed], a: Assumption) -> list[A.Placed]:
    out = []
    for p in placed:
        d = p.definition
        if p.scenario != a.layer or d.name != a.name:
            out.append(p)
        elif a.in_map and _map_of(d, a):
            if a.entry is not None:
                entries = tuple(e for e in d.expr.entries if e.member.name != a.entry.name)
                rest = A.MemberMap(entries) if entries else None
            else:
                entries = tuple(e for e in d.expr.entries if e.years != a.years)
                rest = A.YearMap(entries) if entries else None
            if rest is not None:
                out.append(replace(p, definition=replace(d, expr=rest)))
        elif (a.in_map or d.years != a.years or _members(d.members) != _members(a.members)
              or _whole_map(d)):
            out.append(p)
    return out


def _with(placed: list[A.Placed], a: Assumption) -> list[A.Placed]:
    if a.in_map:
        for k, p in enumerate(placed):
            d = p.definition
            if p.scenario == a.layer and d.name == a.name and _map_of(d, a):
                placed[k] = replace(p, definition=replace(d, expr=_grown(d.expr, a)))
                return placed
        empty = A.MemberMap(()) if a.entry is not None else A.YearMap(())
        years = a.years if a.entry is not None else None
        definition = A.Definition(a.name, years, _grown(empty, a), members=a.members)
    else:
        definition = A.Definition(a.name, a.years, a.expr, members=a.members)
    return [*placed, A.Placed(definition, a.section, a.layer)]


def _grown(expr, a: Assumption):
    """A year map or member map with the entry `a` added."""
    if a.entry is not None:
        return A.MemberMap(expr.entries + (A.MemberEntry(a.entry, a.expr),))
    return A.YearMap(expr.entries + (A.MapEntry(a.years, a.expr),))
