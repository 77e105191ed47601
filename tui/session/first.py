"""Visible first: the sheet of an edit with many dependents, the rows on screen exact.

An edit that reaches thousands of variables takes a few tenths of a second to
compute whole. The rows on screen are a few dozen: they are computed first,
with the changed variables they read (`engine.partial.recompute_some`), and
painted while the rest computes. Every other row the edit reaches is
*pending* (`Sheet.pending`): the grid draws it as pending, never with its
old values, and it carries no warning mark and no change of its own yet.

The first sheet is only a picture: no result is stored from it (the state's
result is the whole recompute's), and the session does not move until the
edit is committed, after the whole recompute. Everything else (the
inspector, undo, save, find, another scenario, the chart) waits for that
under the session's lock, and so sees only complete results.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Iterable

from engine.partial import recompute_some
from tui.session.sheet import Sheet, has_dims, moved
from tui.session.units import units_view

FIRST_AT = 1_000  # dependents from which an edit paints the rows on screen first


def first_sheet(session, scenario: str, state, shown: Iterable[str]) -> Sheet | None:
    """The sheet of `state` (an edit, not committed) with the rows `shown` exact and every
    other row the edit reaches pending; None when the edit reaches fewer than FIRST_AT
    variables, when the rows on screen need most of what it reaches, or when the parent
    state's sheet is not made (the edit is then computed whole before it is painted)."""
    parent, model = state.parent, state.model
    if parent is None or has_dims(model) or scenario not in parent.results \
            or ("values", scenario) not in parent.views or "rows" not in parent.views \
            or parent.model.variables != model.variables:
        return None
    graph = session.checked(scenario, state)[1]
    if len(graph.downstream(state.changed, limit=FIRST_AT)) <= FIRST_AT:
        return None
    wanted = {k for k in shown if k in model.info}
    first = recompute_some(parent.results[scenario], model, wanted, scenario)
    if first is None or 2 * len(first.computed) > len(first.reach):
        return None
    before = session.sheet(scenario, False, parent)  # made already: shown before the edit
    values = dict(before.values)
    values.update(first.values)
    order = session.order(state)
    exact = sorted(first.computed, key=order.__getitem__)
    names = {t.name for t in state.changes}
    then = session.values(scenario, session.root)
    # The pending rows keep their change lines (the grid draws them pending too), so
    # that the rows on screen do not jump when the whole result comes.
    changes = {v: d for v, d in before.changes.items() if v not in first.computed}
    changes.update(moved(then, values, exact, names))
    warned = {v: c for v, c in before.warned.items() if v not in first.reach}
    for v in exact:
        if any(x is not None and not math.isfinite(x) for x in values[v]):
            warned[v] = frozenset({"nonfinite"})
    return replace(
        before,
        kinds=session.kinds(state),
        values=values,
        inputs=session.inputs(scenario, state),
        changes=dict(sorted(changes.items(), key=lambda item: order[item[0]])),
        warned=dict(sorted(warned.items(), key=lambda item: order[item[0]])),
        units=units_view(state),
        pending=first.pending,
    )
