"""Text in, checked model out: parse, resolve and check a whole file.

The half of `engine.api` that `scn check` needs: no polars, so that checking
a file does not pay for loading the evaluator. `engine.api` re-exports these
names; `checked` (a scenario's cover, graph and findings) is shared by both.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError
from dsl.hidden import text_warnings
from engine.check import Checked, check_scenario
from engine.collector import paused_collector
from engine.model import Covers, Model, cover, cover_over
from engine.resolve import BASE, resolve
from engine.uses import collect_uses as _collect, uses_of

if TYPE_CHECKING:
    from engine.overrides import Overrides


def load_model(text: str, source: str = "<text>") -> Model:
    """Parse, resolve and check a whole file; raise one ScnError with all its errors."""
    with paused_collector():
        return _load_model(text, source)


def _load_model(text: str, source: str) -> Model:
    # The parser (and lark) imported here: a run that reads its checked model
    # back (files.model_cache) never parses.
    from dsl.document import parse_document
    from dsl.parser import failed_definitions

    doc, errors = parse_document(text, source, collect=True)
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
    if model.annotations:  # without one, no two known units can differ (engine.unit_check)
        from engine.unit_check import unit_warnings  # imported only then

        model = replace(model, warnings=tuple(sorted(
            warnings + unit_warnings(model), key=Diagnostic.sort_key)))
    return model


def _about(d: Diagnostic, code: str, names: set[str]) -> bool:
    return d.code == code and d.subject.variable in names


def _sourced(d: Diagnostic, source: str) -> Diagnostic:
    return d if d.source else replace(d, source=source)


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
