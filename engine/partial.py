"""Some variables first: those a few wanted ones need, before the rest.

    first = recompute_some(previous, edited_model, {"revenue", "margin"})
    first.values["revenue"]       # exact: what `recompute` will find
    first.pending                 # dependents not computed yet: their columns are stale

    first = evaluate_some(model, "base", {"revenue", "margin"})   # a model just opened
    first.values["revenue"]       # exact: what `evaluate` will find
    first.pending                 # every other variable: not computed at all

A front end that shows 40 rows of a 10,000-variable model can paint the rows
it shows as soon as they are known, and finish the edit after. The wanted
variables the edit reaches are computed with the changed variables they read
(their upstream within the edit's reach), in the plan's order, from the
previous result's frames (`run_frames(only=...)`); nothing else is. The
outcome is never a `Result`: its other columns are the previous values, and
only `recompute` makes the edit's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from engine.api import Result, changed_since, checked, prepare
from engine.collector import paused_collector
from engine.model import Model
from engine.plan import compile_plan, run_frames


@dataclass(frozen=True)
class Partial:
    values: dict[str, list]  # the variables computed, batch 0: floats, None where empty
    computed: frozenset[str]  # the wanted variables the edit reaches, and what they read
    reach: frozenset[str]  # every variable the edit can change (the edited ones included)

    @property
    def pending(self) -> frozenset[str]:
        return self.reach - self.computed


def recompute_some(previous: Result, model: Model, wanted: Iterable[str],
                   scenario: str | None = None) -> Partial | None:
    """`model`'s values of the `wanted` variables an edit reaches (and of the changed
    variables they read), from `previous` (the result before the edit); None when the
    edit changed the model's shape (`recompute` evaluates it whole then) or it has dims."""
    old = previous.plan
    scenario = scenario or old.scenario
    if (model.has_dims or model.axis != old.model.axis
            or set(model.variables) != set(old.cover) or previous.batch != 1):
        return None
    plan = prepare(model, scenario, reuse=old)
    changed = changed_since(plan, old)
    reach = plan.graph.downstream(changed)
    need = plan.graph.upstream(reach.intersection(wanted)) & reach
    if not need:
        return Partial({}, frozenset(), frozenset(reach))
    with paused_collector():
        frames = run_frames(plan, previous=previous.frames, changed=changed, only=need)
    return Partial(_values(model, frames, need), frozenset(need), frozenset(reach))


def evaluate_some(model: Model, scenario: str, wanted: Iterable[str],
                  limit: int | None = None) -> Partial | None:
    """`model`'s values of the `wanted` variables and of every variable they read, and
    nothing else: a model just opened shows the rows on screen before the rest is
    computed. The plan compiled for them is not kept (`evaluate` compiles its own).
    None when the model has dims (its rows are groups: `evaluate` it whole), the
    scenario does not check (`evaluate` raises the errors), or they read more than
    `limit` variables (a summary on top that reads everything: computing it first
    would cost about the whole evaluation, twice)."""
    if model.has_dims:
        return None
    cov, graph, errors = checked(model, scenario)
    if errors:
        return None
    need = graph.upstream({v for v in wanted if v in cov})
    if limit is not None and len(need) > limit:
        return None
    reach = frozenset(model.variables)
    if not need:
        return Partial({}, frozenset(), reach)
    with paused_collector():
        plan = compile_plan(model, scenario, cov, graph, only=need)
        frames = run_frames(plan, only=need)
    return Partial(_values(model, frames, need), frozenset(need), reach)


def _values(model: Model, frames, need: set[str]) -> dict[str, list]:
    """The values of the variables `need` (batch 0), in the model's order."""
    names = [v for v in model.variables if v in need]
    return frames[()].head(len(model.axis)).select(names).to_dict(as_series=False)
