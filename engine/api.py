"""The pure API the front ends call: text in, model out; model and overrides in, frame out.

    model = load_model(text, "scenarios/ai_capex.scn")     # raises ScnError with every error
    result = evaluate(model, "bull", parse_overrides(model, ["capex_growth = 25%"]))
    result.frame            # polars: a row per year, a column per variable
    result.warnings         # non-finite values, as Diagnostics
    result2 = recompute(result, edited_model)   # only what the edit can reach
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
import polars as pl

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.hidden import text_warnings
from dsl.parser import failed_definitions, parse_statement
from dsl.document import parse_document
from engine.unsupported import dims_error, document_dims_error
from engine.check import Checked, check_scenario
from engine.distributions import parameter_warnings
from engine.frame import BATCH, YEAR
from engine.model import OVERRIDES, Covers, Model, Piece, cover, cover_over, pieces_of
from engine.plan import Plan, compile_plan, run
from engine.resolve import BASE, overlaps, resolve
from engine.uses import Use, UseCollector

Overrides = Mapping[str, tuple[Piece, ...]]


@contextmanager
def _without_cycle_collector():
    """Pause Python's cycle collector while building a model.

    Models are trees of small frozen objects with no reference cycles, so
    the collector finds nothing, yet each of its passes walks every object
    built so far: on a 10,000-variable file it was a third of the load
    time. Memory is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_model(text: str, source: str = "<text>") -> Model:
    """Parse, resolve and check a whole file; raise one ScnError with all its errors."""
    with _without_cycle_collector():
        return _load_model(text, source)


def _load_model(text: str, source: str) -> Model:
    doc, errors = parse_document(text, source, collect=True)
    dims = document_dims_error(doc, source)
    if dims is not None:  # until the engine evaluates dims: one error for them, no cascade
        raise ScnError(sorted(errors + [dims], key=lambda d: (d.span.line, d.span.col)))
    warnings = text_warnings(text, source)
    # A definition that failed to parse would show up again as an unknown name,
    # or as a variable with no value where it is read.
    lost = failed_definitions(errors)
    if doc.years is None:  # nothing can be checked without the model's years
        raise ScnError(errors + warnings)
    model = replace(resolve(doc, source, errors), warnings=tuple(warnings))
    errors.extend(d for d in _structure_errors(model) if not _about(d, "unknown-variable", lost))
    seen: set[tuple[str, A.Span]] = set()
    for name in model.scenarios:
        for e in _checked(model, name, None).errors:
            if _about(e, "no-value", lost):
                continue
            if (e.message, e.span) not in seen:
                seen.add((e.message, e.span))
                errors.append(_in_scenario(e, name))
    if errors:  # with the warnings: an error elsewhere must not hide a hidden character
        raise ScnError([_sourced(d, source) for d in errors] + warnings)
    return model


def _about(d: Diagnostic, code: str, names: set[str]) -> bool:
    return d.code == code and d.subject.variable in names


def _sourced(d: Diagnostic, source: str) -> Diagnostic:
    return d if d.source else replace(d, source=source)


def uses_of(model: Model, piece: Piece) -> tuple[Use, ...]:
    """What a piece reads (cached per model and piece)."""
    hit = model.cache.uses.get(piece)
    if hit is None:
        hit = model.cache.uses.put(piece, _collect(model, piece)[0])
    return hit


def _collect(model: Model, piece: Piece) -> tuple[tuple[Use, ...], list[Diagnostic]]:
    collector = model.cache.collector
    if collector is None:
        collector = model.cache.collector = UseCollector(set(model.variables), model.axis)
    uses, errors = collector.collect(piece.expr, whole_definition=False)
    if collector.draws:
        model.cache.draws.put(piece, tuple(collector.draws))
    return tuple(uses), errors


def _structure_errors(model: Model) -> list[Diagnostic]:
    errors: list[Diagnostic] = []
    for layer in model.layers.values():
        for pieces in layer.values():
            for p in pieces:
                uses, errs = _collect(model, p)
                model.cache.uses.put(p, uses)
                errors.extend(errs)
    return errors


def checked(model: Model, scenario: str) -> Checked:
    """A scenario's cover, graph and check findings (computed once per model)."""
    return _checked(model, scenario, None)


def _checked(model: Model, scenario: str, overrides: Overrides | None) -> Checked:
    """(cover, graph, errors) of a scenario; cached per model when there are no overrides."""
    if overrides is None and scenario in model.cache.checked:
        return model.cache.checked[scenario]
    cov = _scenario_cover(model, scenario)
    if overrides:
        cov = cover_over(model, cov, overrides)
    base = None
    if scenario != BASE or overrides:
        base_cover, base_graph, _ = _checked(model, BASE, None)
        base = (base_cover, base_graph)
    graph, errors = check_scenario(model, cov, lambda p: uses_of(model, p), base)
    out = Checked(cov, graph, errors)
    if overrides is None:
        model.cache.checked[scenario] = out
    return out


def _scenario_cover(model: Model, scenario: str) -> Covers:
    """A scenario's cover, from its parent's (cached per model): a chain of N
    scenarios costs N layers, not N^2/2. Callers must not change it."""
    covers = model.cache.covers
    todo: list[str] = []  # this scenario and its ancestors not yet covered, child first
    name: str | None = scenario
    while name is not None and name not in covers:
        todo.append(name)
        name = model.scenarios[name].parent  # resolve broke every extends cycle
    for name in reversed(todo):
        parent = model.scenarios[name].parent
        covers[name] = (cover(model, name) if parent is None
                        else cover_over(model, covers[parent], model.layers[name]))
    return covers[scenario]


def _in_scenario(e: Diagnostic, scenario: str) -> Diagnostic:
    if scenario == BASE:
        return e
    return replace(e, message=f"{e.message} (in scenario '{scenario}')",
                   subject=replace(e.subject, scenario=scenario))


def parse_overrides(model: Model, texts: Sequence[str], source: str = OVERRIDES) -> Overrides:
    """`--set` definitions, one layer on top of the chosen scenario, as a scenario block would be.

    The texts are numbered as the lines of a file named `source`: an error in
    the second one is reported at `--set:2:COL`.
    """
    errors: list[Diagnostic] = []
    layer: dict[str, list[Piece]] = {}
    for k, text in enumerate(texts):
        try:
            node = parse_statement(text, k + 1)  # the k-th override is line k+1 of `source`
        except ScnError as e:
            errors.extend(replace(d, source=source) for d in e.diagnostics)
            continue
        dims = dims_error([node], source)
        if dims is not None:
            errors.append(dims)
            continue
        if not isinstance(node, A.Definition):
            errors.append(Diagnostic("expected a definition such as: asic_share[2030] = 55%",
                                     node.span, source=source, code="not-a-definition"))
            continue
        if node.name not in model.info:
            from engine.uses import suggest
            hint = suggest(node.name, model.variables, loose=True)
            errors.append(Diagnostic(f"unknown variable '{node.name}'", node.name_span, hint,
                                     source=source, code="unknown-variable",
                                     subject=Subject(variable=node.name)))
            continue
        errs: list[Diagnostic] = []
        pieces = pieces_of(node, OVERRIDES, model.axis, errs)
        for p in pieces:
            errs.extend(_collect(model, p)[1])
        errors.extend(replace(d, source=source) for d in errs)
        layer.setdefault(node.name, []).extend(pieces)
    for pieces in layer.values():
        errors.extend(replace(d, source=source) for d in overlaps(pieces, model.axis))
    if errors:
        raise ScnError(errors)
    return {k: tuple(v) for k, v in layer.items()}


def _free_name(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name


@dataclass
class Result:
    plan: Plan
    raw: pl.DataFrame  # with helper columns: what recompute reuses
    warnings: list[Diagnostic]

    @property
    def model(self) -> Model:
        return self.plan.model

    @property
    def frame(self) -> pl.DataFrame:
        """A row per year (per batch and year when batched), a column per variable.

        The year column is `year` (`batch` for the batch), with `_` added
        until no variable has that name.
        """
        names = set(self.model.variables)
        year = _free_name("year", names)
        cols = [pl.col(YEAR).alias(year), *self.model.variables]
        if self.raw.height > len(self.model.axis):
            batch = _free_name("batch", names | {year})
            return self.raw.select(pl.col(BATCH).alias(batch), *cols)
        return self.raw.select(cols)

    def value(self, variable: str, year: int, batch: int = 0) -> float | None:
        """The value in the period `year` (an absolute number: the year, on a yearly axis)."""
        i = self.model.axis.index(year)
        if i is None:
            raise IndexError(f"{year} is not on the axis {self.model.axis.range_label()}")
        return self.at(variable, i, batch)

    def at(self, variable: str, period: int, batch: int = 0) -> float | None:
        """The value in period `period` (an index on the model's axis)."""
        if not 0 <= period < len(self.model.axis):
            raise IndexError(f"period {period} is not on the axis {self.model.axis.range_label()}")
        return self.raw.get_column(variable)[batch * len(self.model.axis) + period]

    def series(self, variable: str) -> list[float | None]:
        return self.raw.get_column(variable).head(len(self.model.axis)).to_list()


def prepare(model: Model, scenario: str = BASE, overrides: Overrides | None = None,
            reuse: Plan | None = None) -> Plan:
    if scenario not in model.scenarios:
        from engine.uses import suggest
        raise ScnError([Diagnostic(f"unknown scenario '{scenario}'", A.NO_SPAN,
                                   suggest(scenario, model.scenarios, loose=True)
                                   or "scenarios: " + ", ".join(model.scenarios),
                                   source=model.source, code="unknown-scenario",
                                   subject=Subject(scenario=scenario))])
    cov, graph, errors = _checked(model, scenario, overrides or None)
    if errors:
        raise ScnError([_sourced(_in_scenario(d, scenario), model.source) for d in errors])
    plans = model.cache.plans
    if not overrides and reuse is None and scenario in plans:
        return plans[scenario]
    with _without_cycle_collector():
        plan = compile_plan(model, scenario, cov, graph, reuse)
    if not overrides:
        plans[scenario] = plan
    return plan


def evaluate(model: Model, scenario: str = BASE, overrides: Overrides | None = None,
             batch: int = 1, given: dict[str, np.ndarray] | None = None) -> Result:
    plan = prepare(model, scenario, overrides)
    with _without_cycle_collector():
        raw = run(plan, batch=batch, given=given)
    return Result(plan, raw, run_warnings(plan, raw))


def recompute(previous: Result, model: Model, scenario: str | None = None,
              overrides: Overrides | None = None) -> Result:
    """Evaluate `model` reusing every column of `previous` that no change can reach.

    A variable changed when its winning definitions did; pieces parsed from
    unchanged lines share their expressions with the previous model (the
    parser caches statements), so comparing them is cheap.
    """
    old = previous.plan
    scenario = scenario or old.scenario
    if model.axis != old.model.axis or set(model.variables) != set(old.cover):
        batch = previous.raw.height // len(old.model.axis)  # the batch of `previous`
        return evaluate(model, scenario, overrides, batch=batch)
    plan = prepare(model, scenario, overrides, reuse=old)
    changed = plan.changed if plan.changed is not None else {
        v for v in plan.cover if plan.cover[v] != old.cover[v]}
    # What an edit can reach is checked again, and so is every variable that
    # warned before: its warning may be gone, or its definition on another line.
    warned = {w.subject.variable for w in previous.warnings} & set(plan.cover)
    if not changed:
        return Result(plan, previous.raw, run_warnings(plan, previous.raw, warned))
    with _without_cycle_collector():
        raw = run(plan, previous=previous.raw, changed=changed)
    redone = plan.graph.downstream(changed)
    return Result(plan, raw, run_warnings(plan, raw, redone | warned))


def run_warnings(plan: Plan, raw: pl.DataFrame, only: set[str] | None = None
                 ) -> list[Diagnostic]:
    """What a run found: non-finite values, then distributions whose parameters
    (read from variables) describe no distribution."""
    # The checker's walk filled `draws`: (piece, distributions whose parameters
    # read a variable or t), for the few pieces that have one.
    draws = list(plan.model.cache.draws.items())
    found = nonfinite_warnings(plan, raw, only)
    wrong = parameter_warnings(plan, raw, draws, only)
    if not wrong:
        return found
    order = {v: i for i, v in enumerate(plan.model.variables)}
    return sorted(found + wrong, key=lambda w: order.get(w.subject.variable, 0))


def nonfinite_warnings(plan: Plan, raw: pl.DataFrame, only: set[str] | None = None
                       ) -> list[Diagnostic]:
    """One warning per variable, at the first year it is not a finite number.

    Empty years read as NaN from polars: they are masked out using the plan's
    cover, which knows which years have no definition.
    """
    model = plan.model
    names = [v for v in model.variables if only is None or v in only]
    if not names:
        return []
    n = len(model.axis)
    values = raw.select(names).to_numpy()
    bad = ~np.isfinite(values)
    batch = values.shape[0] // n
    for j, v in enumerate(names):
        defined = plan.cover[v].defined[0]
        if not defined.all():
            bad[:, j] &= np.tile(defined, batch)
    out = []
    for j in np.flatnonzero(bad.any(axis=0)):
        v = names[j]
        at = int(np.argmax(bad[:, j]))
        i = at % n
        value = values[at, j]
        what = "n/a (not a number)" if value != value else ("inf" if value > 0 else "-inf")
        piece = plan.cover[v].at(0, i)
        source = OVERRIDES if piece.layer == OVERRIDES else model.source
        out.append(Diagnostic(
            f"{v} is {what} in {model.axis.label(i)} (definition on line {piece.line})", piece.span,
            "look for a division by zero, ln or sqrt of a negative number, or an overflow",
            severity="warning", source=source, code="nonfinite", subject=Subject(variable=v, period=i)))
    return out
