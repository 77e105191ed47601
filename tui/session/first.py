"""Visible first: the rows on screen exact before the rest, after an edit or on opening.

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

A large model just opened is shown the same way (`open_sheet`): the rows on
the first screen are computed with what they read (`engine.partial.
evaluate_some`: at 10,000 variables 0.05 s, where the whole scenario takes
0.5 s), every other row pending, and the whole scenario computed after.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Iterable

from display.kinds import kinds_of_some
from engine.partial import evaluate_some, recompute_some
from tui.session.sheet import Sheet, has_dims, input_bits, moved
from tui.session.units import units_view

FIRST_AT = 1_000  # dependents from which an edit paints the rows on screen first
OPEN_AT = 1_000  # variables from which a model opens with the rows on screen first


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
    warned.update(_nonfinite(values, exact))
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


def open_sheet(session, scenario: str, lines: int) -> Sheet | None:
    """The first sheet of a model just opened: the rows among the first `lines` exact
    (the screen's), every other variable pending; None when the model has fewer
    than OPEN_AT variables, has dims, its scenario is computed already, or the
    rows on screen read more than half of it (the sheet is then made whole
    at once)."""
    state = session.state
    model = state.model
    if has_dims(model) or len(model.variables) < OPEN_AT or scenario in state.results:
        return None
    rows = session.rows(state)
    first = evaluate_some(model, scenario, [r.key for r in rows[:lines] if r.name is not None],
                          limit=len(model.variables) // 2)
    if first is None:  # or the rows on screen read most of the model: computed whole
        return None
    # kinds and input bits of the rows computed only: the rest wait for the whole sheet
    kinds = kinds_of_some(model, first.computed)
    cover = session.checked(scenario, state)[0]
    exact = [v for v in model.variables if v in first.computed]
    return Sheet(
        axis=model.axis,
        rows=rows,
        kinds=kinds,
        values=first.values,
        inputs={v: input_bits(model, cover[v]) for v in exact},
        warned=_nonfinite(first.values, exact),
        file_kinds=kinds,
        combos=state.views["combos"],
        units=units_view(state),
        pending=first.pending,
    )


def _nonfinite(values, names: Iterable[str]) -> dict[str, frozenset[str]]:
    """The rows among `names` computed first that hold a non-finite value, with the run
    warning the whole result will give them (its other warnings come with it)."""
    return {v: frozenset({"nonfinite"}) for v in names
            if any(x is not None and not math.isfinite(x) for x in values[v])}
