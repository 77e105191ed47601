"""Document to Model: variables, scenario layers and their pieces.

Checks here need no evaluation order: scenario names and `extends`, a
scenario redefining an unknown variable, two definitions of the same
specificity covering the same year in one layer, selector years.
"""

from __future__ import annotations

from dsl import ast as A
from dsl.errors import Diagnostic
from engine.model import (OVERRIDES, Model, Piece, Scenario, VariableInfo, freeze,
                          pieces_of)
from engine.uses import suggest

BASE = "base"


def resolve(doc: A.Document, source: str, errors: list[Diagnostic]) -> Model:
    years = doc.years
    first, last = (years.start, years.end) if years else (0, 0)
    variables: dict[str, list[A.Definition]] = {}
    sections: dict[str, str | None] = {}
    for p in doc.definitions:
        if p.scenario == BASE:
            variables.setdefault(p.definition.name, []).append(p.definition)
            sections.setdefault(p.definition.name, p.section)

    scenarios = _scenarios(doc, errors)
    layers: dict[str, dict[str, list[Piece]]] = {name: {} for name in scenarios}
    for p in doc.definitions:
        d = p.definition
        if p.scenario not in layers:  # a block that was refused (its name is reserved)
            continue
        if p.scenario != BASE and d.name not in variables:
            hint = suggest(d.name, variables) or "a scenario may only redefine variables of the base"
            errors.append(Diagnostic(
                f"scenario '{p.scenario}' redefines '{d.name}', which the base does not define",
                d.name_span, hint))
            continue
        layers[p.scenario].setdefault(d.name, []).extend(pieces_of(d, p.scenario, first, last, errors))
    for layer in layers.values():
        for pieces in layer.values():
            errors.extend(overlaps(pieces, first))

    info = {
        name: VariableInfo(name, sections[name], _doc(defs), tuple(defs))
        for name, defs in variables.items()
    }
    return Model(
        source=source,
        title=doc.title,
        years=tuple(range(first, last + 1)) if years else (),
        variables=tuple(variables),
        info=freeze(info),
        scenarios=freeze(scenarios),
        layers=freeze({k: freeze({v: tuple(ps) for v, ps in layer.items()})
                       for k, layer in layers.items()}),
        sections=doc.sections,
    )


def _doc(defs: list[A.Definition]) -> str | None:
    return next((d.doc for d in defs if d.doc), None)


def _scenarios(doc: A.Document, errors: list[Diagnostic]) -> dict[str, Scenario]:
    out: dict[str, Scenario] = {BASE: Scenario(BASE, None, None, None)}
    for s in doc.scenarios:
        if s.name in (BASE, OVERRIDES):
            errors.append(Diagnostic(f"'{s.name}' is reserved for the definitions outside any block",
                                     s.span, "pick another scenario name"))
        elif s.name in out:
            first = out[s.name].span
            errors.append(Diagnostic(
                f"scenario '{s.name}' is declared twice (first on line {first.line})", s.span,
                related=(("first declared here", first),)))
        else:
            out[s.name] = Scenario(s.name, s.parent, s.title, s.span)
    for s in list(out.values()):
        if s.parent is not None and s.parent not in out:
            errors.append(Diagnostic(f"scenario '{s.name}' extends unknown scenario '{s.parent}'",
                                     doc_parent_span(doc, s.name), suggest(s.parent, out)))
            out[s.name] = Scenario(s.name, BASE, s.title, s.span)
    _extends_cycles(out, errors)
    return out


def doc_parent_span(doc: A.Document, name: str) -> A.Span:
    return next(s.parent_span for s in doc.scenarios if s.name == name)


def _extends_cycles(scenarios: dict[str, Scenario], errors: list[Diagnostic]) -> None:
    reported: set[str] = set()
    for start in scenarios:
        path, name = [], start
        while name is not None and name not in path:
            path.append(name)
            name = scenarios[name].parent
        if name is None or name in reported:
            continue
        cycle = path[path.index(name):]
        reported.update(cycle)
        spans = sorted((scenarios[c].span for c in cycle), key=lambda s: (s.line, s.col))
        text = " -> ".join(f"{c} (line {scenarios[c].span.line})" for c in cycle + [cycle[0]])
        errors.append(Diagnostic(f"scenarios extend each other in a cycle: {text}", spans[0],
                                 "one of them must extend base or another scenario",
                                 related=tuple(("in the cycle", s) for s in spans[1:])))
        for c in cycle:  # keep going as if they extended base
            scenarios[c] = Scenario(c, BASE, scenarios[c].title, scenarios[c].span)


def overlaps(pieces: list[Piece], first: int) -> list[Diagnostic]:
    """Two pieces of the same specificity covering the same year, in one layer.

    Each later piece is reported once, with the first earlier piece it
    overlaps: N copies of one line are N-1 errors, not N^2/2 (800 such lines
    printed 160,000 errors over 25 s).
    """
    out = []
    for rank in {p.rank for p in pieces}:
        same = sorted((p for p in pieces if p.rank == rank), key=lambda p: (p.span.line, p.span.col))
        for j, b in enumerate(same):
            for a in same[:j]:
                lo, hi = max(a.start, b.start), min(a.end, b.end)
                if lo <= hi:
                    years = str(first + lo) if lo == hi else f"{first + lo}..{first + hi}"
                    out.append(Diagnostic(
                        f"'{a.name}' is defined twice for {years}: here and on line {b.span.line}",
                        a.span, "remove one, or make one of them cover other years",
                        related=(("also defined here", b.span),)))
                    break
    return out
