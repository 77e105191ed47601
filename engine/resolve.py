"""Document to Model: variables, scenario layers and their pieces.

Checks here need no evaluation order: scenario names and `extends`, a
scenario redefining an unknown variable, two definitions of the same
specificity covering the same year in one layer, selector years.
"""

from __future__ import annotations

from dsl import ast as A
from dsl.errors import Diagnostic, Subject
from engine.axis import YEARS, TimeAxis
from engine.dims import declare, declared_late, infer
from engine.specificity import ambiguities
from engine.model import (BASE, OVERRIDES, Model, Piece, Scenario, freeze, new_info,
                          pieces_of)
from engine.uses import suggest


def resolve(doc: A.Document, source: str, errors: list[Diagnostic]) -> Model:
    years = doc.years
    axis = TimeAxis.of(years.unit, years.start, years.end) if years else TimeAxis(YEARS, 0, 0)
    variables: dict[str, list[A.Definition]] = {}
    sections: dict[str, str | None] = {}
    for p in doc.definitions:
        if p.scenario == BASE:
            variables.setdefault(p.definition.name, []).append(p.definition)
            sections.setdefault(p.definition.name, p.section)

    scenarios = _scenarios(doc, errors)
    dims, member_of = declare(doc, variables, errors)
    errors.extend(declared_late(doc, dims, member_of))
    layers: dict[str, dict[str, list[Piece]]] = {name: {} for name in scenarios}
    for p in doc.definitions:
        d = p.definition
        if p.scenario not in layers:  # a block that was refused (its name is reserved)
            continue
        if p.scenario != BASE and d.name not in variables:
            hint = suggest(d.name, variables) or "a scenario may only redefine variables of the base"
            errors.append(Diagnostic(
                f"scenario '{p.scenario}' redefines '{d.name}', which the base does not define",
                d.name_span, hint, code="scenario",
                subject=Subject(variable=d.name, scenario=p.scenario)))
            continue
        layers[p.scenario].setdefault(d.name, []).extend(
            pieces_of(d, p.scenario, axis, errors, member_of, dims))
    dims_of = infer((p.definition for p in doc.definitions if p.scenario in layers),
                    variables, dims, member_of)
    for layer in layers.values():
        for var, pieces in layer.items():
            if len(pieces) > 1:  # one piece overlaps nothing (most variables)
                errors.extend(overlaps(pieces, axis))
                if dims_of[var]:
                    errors.extend(ambiguities(pieces, axis, dims, dims_of[var]))

    info = {
        name: new_info(name, sections[name], defs[0].doc if len(defs) == 1 else _doc(defs),
                       tuple(defs))
        for name, defs in variables.items()
    }
    annotations = _annotations(doc, layers, errors)
    return Model(
        source=source,
        title=doc.title,
        axis=axis,
        variables=tuple(variables),
        info=freeze(info),
        scenarios=freeze(scenarios),
        layers=freeze({k: freeze({v: tuple(ps) for v, ps in layer.items()})
                       for k, layer in layers.items()}),
        sections=doc.sections,
        dims=freeze(dims),
        member_of=freeze(member_of),
        dims_of=freeze(dims_of),
        annotations=freeze(annotations),
    )


def _annotations(doc: A.Document, layers, errors: list[Diagnostic]) -> dict[str, A.Annotation]:
    """Each variable's one annotation, wherever in the file it is written (a base or a
    scenario definition); a second one is an error at it, even when it says the same:
    the unit is declared once, so that changing it is one edit."""
    out: dict[str, A.Annotation] = {}
    spans: dict[str, A.Span] = {}
    for p in doc.definitions:
        d = p.definition
        note = d.annotation
        if note is None or p.scenario not in layers:
            continue
        if d.name in out:
            first = spans[d.name]
            errors.append(Diagnostic(
                f"'{d.name}' is annotated twice (first on line {first.line})", note.span,
                f"a variable carries one annotation: drop this one and write "
                f"{d.name}{_head(d)} = ...", related=(("first annotated here", first),),
                code="annotation", subject=Subject(variable=d.name)))
            continue
        out[d.name] = note
        spans[d.name] = note.span
    return out


def _head(d: A.Definition) -> str:
    from dsl.format import subscript_text

    return f"[{subscript_text(d.members, d.years)}]" if d.members or d.years else ""


def _doc(defs: list[A.Definition]) -> str | None:
    return next((d.doc for d in defs if d.doc), None)


def _scenarios(doc: A.Document, errors: list[Diagnostic]) -> dict[str, Scenario]:
    out: dict[str, Scenario] = {BASE: Scenario(BASE, None, None, None)}
    for s in doc.scenarios:
        if s.name in (BASE, OVERRIDES):
            errors.append(Diagnostic(f"'{s.name}' is reserved for the definitions outside any block",
                                     s.span, "pick another scenario name", code="scenario"))
        elif s.name in out:
            first = out[s.name].span
            errors.append(Diagnostic(
                f"scenario '{s.name}' is declared twice (first on line {first.line})", s.span,
                related=(("first declared here", first),), code="scenario",
                subject=Subject(scenario=s.name)))
        else:
            out[s.name] = Scenario(s.name, s.parent, s.title, s.span)
    parent_spans: dict[str, A.Span] = {}
    for s in doc.scenarios:
        parent_spans.setdefault(s.name, s.parent_span)
    for s in list(out.values()):
        if s.parent is not None and s.parent not in out:
            others = [n for n in out if n != s.name]  # extending itself is no fix
            errors.append(Diagnostic(f"scenario '{s.name}' extends unknown scenario '{s.parent}'",
                                     parent_spans[s.name],
                                     suggest(s.parent, others)
                                     or "scenarios it can extend: " + ", ".join(others),
                                     code="unknown-scenario", subject=Subject(scenario=s.name)))
            out[s.name] = Scenario(s.name, BASE, s.title, s.span)
    _extends_cycles(out, errors)
    return out


def _extends_cycles(scenarios: dict[str, Scenario], errors: list[Diagnostic]) -> None:
    """Report each `extends` cycle once, and make its members extend base.

    Every scenario is walked once: a walk stops at a scenario an earlier walk
    finished (it leads to base), so a chain of N scenarios costs N steps, not N^2.
    """
    done: set[str] = set()
    for start in scenarios:
        path: list[str] = []
        on_path: dict[str, int] = {}
        name = start
        while name is not None and name not in done and name not in on_path:
            on_path[name] = len(path)
            path.append(name)
            name = scenarios[name].parent
        done.update(path)
        if name is None or name not in on_path:
            continue
        cycle = path[on_path[name]:]
        spans = sorted((scenarios[c].span for c in cycle), key=lambda s: (s.line, s.col))
        text = " -> ".join(f"{c} (line {scenarios[c].span.line})" for c in cycle + [cycle[0]])
        errors.append(Diagnostic(f"scenarios extend each other in a cycle: {text}", spans[0],
                                 "one of them must extend base or another scenario",
                                 related=tuple(("in the cycle", s) for s in spans[1:]),
                                 code="extends-cycle", subject=Subject(scenario=cycle[0])))
        for c in cycle:  # keep going as if they extended base
            scenarios[c] = Scenario(c, BASE, scenarios[c].title, scenarios[c].span)


SHOWN_OVERLAPS = 5  # pairs reported per variable and specificity; the rest are counted


def overlaps(pieces: list[Piece], axis: TimeAxis) -> list[Diagnostic]:
    """Two pieces of the same specificity covering the same year, in one layer.

    Each overlapping pair is one diagnostic, at the earlier line; past
    SHOWN_OVERLAPS pairs of one variable and specificity, one more says how
    many other definitions overlap. N copies of `x = 1` hold N^2/2 pairs:
    the work is a sweep over the pieces sorted by first year, and the pairs
    are listed only until the limit.
    """
    if len(pieces) < 2:  # most variables: one definition, no pair
        return []
    out: list[Diagnostic] = []
    by_rank: dict[tuple, list[Piece]] = {}
    for p in pieces:  # only pieces pinned to the same members can overlap
        by_rank.setdefault((p.rank, p.members), []).append(p)
    for rank in sorted(by_rank):
        same = sorted(by_rank[rank], key=lambda p: (p.span.line, p.span.col))
        involved = _overlapping(same)
        if not involved:
            continue
        shown: set[int] = set()
        found = 0
        candidates = [i for i in range(len(same)) if i in involved]
        for k, i in enumerate(candidates):
            a = same[i]
            for j in candidates[k + 1:]:
                b = same[j]
                lo, hi = max(a.start, b.start), min(a.end, b.end)
                if lo > hi:
                    continue
                if found == SHOWN_OVERLAPS:
                    break
                found += 1
                shown.update((i, j))
                years = axis.span_label(range(lo, hi + 1))
                out.append(Diagnostic(
                    f"'{a.label}' is defined twice for {years}: here and on line {b.span.line}",
                    a.span, "remove one, or make one of them cover other years",
                    related=(("also defined here", b.span),), code="overlap",
                    subject=Subject(variable=a.name, period=lo)))
            if found == SHOWN_OVERLAPS:
                break
        rest = sorted(involved - shown)
        more = _pairs(same) - found
        if more:
            at = same[rest[0]] if rest else same[max(shown)]
            what = (f"{len(rest)} more definition{'s' if len(rest) != 1 else ''} of "
                    f"'{at.label}' overlap{'' if len(rest) != 1 else 's'}" if rest else
                    f"{more} more pair{'s' if more != 1 else ''} of the definitions above "
                    f"overlap{'' if more != 1 else 's'}")
            out.append(Diagnostic(
                f"... and {what} (not shown)", at.span,
                "each year may have one definition of each kind: remove the copies",
                code="overlap", subject=Subject(variable=at.name)))
    return out


def _overlapping(pieces: list[Piece]) -> set[int]:
    """Indices of the pieces that overlap at least one other (a sweep by first year)."""
    order = sorted(range(len(pieces)), key=lambda i: (pieces[i].start, pieces[i].end))
    out: set[int] = set()
    reach, holder = -1, -1  # the furthest end so far, and its piece
    for i in order:
        p = pieces[i]
        if p.start <= reach:
            out.add(i)
            out.add(holder)
        if p.end > reach:
            reach, holder = p.end, i
    return out


def _pairs(pieces: list[Piece]) -> int:
    """How many pairs of pieces overlap: all pairs less those that are disjoint."""
    from bisect import bisect_left

    starts = sorted(p.start for p in pieces)
    n = len(pieces)
    # a before b, disjoint: a.end < b.start; count, for each a, the starts after its end
    disjoint = sum(n - bisect_left(starts, p.end + 1) for p in pieces)
    return n * (n - 1) // 2 - disjoint
