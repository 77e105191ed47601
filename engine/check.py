"""Static checks of one scenario, before anything is evaluated.

For every winning piece and every variable it reads: the years it reaches
must lie inside the model years, and the cells it reads must have a value.
Then the dependency graph, whose cycles are reported with their lines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from dsl.errors import Diagnostic, Subject
from engine import member_checks
from engine.graph import Cycle, Graph, build
from engine.model import OVERRIDES, Covers, Model, Piece
from engine.uses import AT, CAGR, CUMSUM, GROWTH, RANGE, SAME, SHIFT, TTM, YOY, YTD, Use


class Checked(NamedTuple):
    """One scenario, checked: its cover, its graph and what the checks found."""

    cover: Covers
    graph: Graph
    errors: list[Diagnostic]


def masks(cover: Covers) -> dict[str, int]:
    """Per variable, a bit per year index that has a value: the periods as a
    bitset, whose shifts are what a lag does to the periods a definition reads."""
    return {v: _mask(c) for v, c in cover.items()}


def _mask(c) -> int:
    return (1 << c.n_periods) - 1 if c.uniform is not None else c.defined_bits(0)


class _LazyMasks(dict):
    """`masks(cover)` made as they are read: checking a few variables (a scenario's
    changes and their readers) reads the masks of a few."""

    def __init__(self, cover: Covers):
        super().__init__()
        self.cover = cover

    def __missing__(self, v: str) -> int:
        out = self[v] = _mask(self.cover[v])
        return out


def bitset(row) -> int:
    """An int with bit i set where row[i] (a numpy bool array) is: the periods
    as a bitset, for the terminal UI's masks over evaluated values."""
    import numpy as np

    return int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little")


def check_cover(model: Model, cover: Covers, uses_of, defined: dict[str, int],
                only: set[str] | None = None) -> list[Diagnostic]:
    errors: list[Diagnostic] = []
    n = len(model.axis)
    dims_of = model.dims_of
    for v in model.variables:
        if only is not None and v not in only:
            continue
        c = cover[v]
        full = c.uniform is not None
        for k, piece in enumerate(c.pieces):
            uses = uses_of(piece)
            if not uses:
                continue
            mask = (1 << c.n_periods) - 1 if full else c.bits(k)
            cells = None
            for use in uses:
                if dims_of and (dims_of[v] or dims_of[use.name] or use.members):
                    if cells is None:
                        cells = c.wins(k)
                    found = member_checks.check_use(model, piece, cells, use, cover)
                elif use.kind == SAME and not mask & ~defined[use.name]:
                    continue  # most uses, read where defined (_check_use's first case)
                else:
                    found = _check_use(model, piece, mask, use, defined, n)
                if found and piece.layer == OVERRIDES:
                    found = [replace(d, source=OVERRIDES) for d in found]
                errors.extend(found)
    return errors


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _check_use(model: Model, piece: Piece, mask: int, use: Use, defined, n) -> list[Diagnostic]:
    if use.kind == SAME and not mask & ~defined[use.name]:  # most uses, read where defined
        return []
    label = model.axis.label  # of any index, also outside the axis (where a lag reaches)
    word = model.axis.period_word  # "year", "quarter", "month"
    line = piece.line
    have = defined[use.name]
    kind = use.kind
    if kind == SHIFT:
        k = use.a
        if k < 0 and _lowest(mask) + k < 0:
            return [Diagnostic(
                f"{use.name}[t{k}] reaches {label(_lowest(mask) + k)}, before the first model "
                f"{word} {label(0)} (in the definition on line {line})", use.span,
                f"define the first {word} explicitly: {use.name}[{label(0)}] = ..., "
                f"or start this definition later: {piece.name}[{label(-k)}..] = ...",
                code="reach-outside", subject=Subject(variable=use.name))]
        if k > 0 and mask.bit_length() - 1 + k >= n:
            last = mask.bit_length() - 1
            return [Diagnostic(
                f"{use.name}[t+{k}] reaches {label(last + k)}, after the last model {word} "
                f"{label(n - 1)} (in the definition on line {line})", use.span,
                f"define the last {word}s explicitly: {piece.name}[{label(last)}..] = ...",
                code="reach-outside", subject=Subject(variable=use.name))]
    elif kind in (YOY, YTD, TTM):
        early = window_reach(model, piece, mask, use)
        if early:
            return early
    elif kind == GROWTH and mask & 1:
        return [Diagnostic(
            f"growth({use.name}) has no previous {word} in {label(0)}, the first model "
            f"{word} (in the definition on line {line})", use.span,
            f"start the definition later: {piece.name}[{label(1)}..] = ...",
            code="reach-outside", subject=Subject(variable=use.name, period=0))]
    need = reads(mask, use)
    missing = need & ~have
    if not missing:
        return []
    i = _lowest(missing)
    year = label(i)
    return [Diagnostic(f"{use.name} has no value for {year}, used by line {line}", use.span,
                       f"give {use.name} a value in {year}, e.g. {use.name}[{year}] = ...",
                       code="no-value", subject=Subject(variable=use.name, period=i))]


def reads(mask: int, use: Use) -> int:
    """The periods of `use.name` that the periods `mask` of a definition read
    through `use` (bitsets; a lag can reach outside the model's periods)."""
    if not mask:
        return 0
    kind = use.kind
    if kind == SHIFT:
        k = use.a
        return mask >> -k if k < 0 else mask << k
    if kind == SAME:
        return mask
    if kind == AT:
        return 1 << use.a
    if kind == CAGR:
        return (1 << use.a) | (1 << use.b)
    if kind == RANGE:
        return (1 << (use.b + 1)) - (1 << use.a)
    if kind == CUMSUM:  # every period up to the last one read
        return (1 << mask.bit_length()) - 1
    if kind in (YOY, YTD, TTM):
        return window_need(mask, use)
    return mask | (mask >> 1)  # growth: this period and the one before


def window_reach(model: Model, piece: Piece, mask: int, use: Use) -> list[Diagnostic]:
    """yoy, ytd and ttm reaching before the first period (as growth's first year is):
    named at the first period the definition computes, with where to start it."""
    axis = model.axis
    i = _lowest(mask)
    reach = min(use.cells(i))
    if reach >= 0:
        return []
    label, word, x = axis.label, axis.period_word, use.name
    if use.kind == YOY:
        what = f"yoy({x}) in {label(i)} reads {label(reach)}, a year earlier"
        start = i - reach
    elif use.kind == TTM:
        what = f"ttm({x}) in {label(i)} sums back to {label(reach)}"
        start = i - reach
    else:
        what = f"ytd({x}) in {label(i)} sums from {label(reach)}, the start of its year"
        start = axis.first_of_year(i) + axis.per_year
    return [Diagnostic(
        f"{what}, before the first model {word} {label(0)} (in the definition on line "
        f"{piece.line})", use.span, f"start the definition later: {piece.name}[{label(start)}..] = ...",
        code="reach-outside", subject=Subject(variable=x, period=i))]


def window_need(mask: int, use: Use) -> int:
    """The periods yoy, ytd or ttm read for the periods `mask`, as a bitset."""
    k = use.a
    if use.kind == YOY:
        return mask | (mask >> k)
    if use.kind == TTM:
        need = mask
        for j in range(1, k):
            need |= mask >> j
        return need
    need, rest = 0, mask  # ytd: each period's year so far
    while rest:
        low = rest & -rest
        i = low.bit_length() - 1
        lo = max(min(use.cells(i)), 0)
        need |= (low << 1) - (1 << lo)
        rest ^= low
    return need


def cycle_diagnostics(model: Model, graph: Graph, cover) -> list[Diagnostic]:
    return [_cycle(model, c, cover) for c in graph.cycles]


def _some_piece(c, i: int) -> Piece:
    """A piece winning period i (of the first member that has one)."""
    return next(p for p in (c.at(combo, i) for combo in range(c.n_combos)) if p is not None)


def _cycle(model: Model, cycle: Cycle, cover) -> Diagnostic:
    # cells are (variable, period), or (variable, period, piece[, combination])
    # in a group with dims
    pieces = [cover[c[0]].pieces[c[2]] if len(c) >= 3 else _some_piece(cover[c[0]], c[1])
              for c in cycle.cells]
    names = [model.label(c[0], model.combos(c[0])[c[3]]) if len(c) == 4 else p.label
             for p, c in zip(pieces, cycle.cells)]
    if cycle.same_year:
        path = " -> ".join(names)
    else:
        path = " -> ".join(f"{name}[{model.axis.label(c[1])}]"
                           for name, c in zip(names, cycle.cells))
    lines: dict[str, int] = {}
    for v, p in zip(names, pieces):
        lines.setdefault(v, p.line)
    where = ", ".join(f"{v} on line {n}" for v, n in lines.items())
    kind = "in the same year" if cycle.same_year else "through the years"
    spans = sorted({p.span for p in pieces}, key=lambda s: (s.line, s.col))
    source = OVERRIDES if any(p.layer == OVERRIDES for p in pieces) else ""
    return Diagnostic(
        f"circular reference {kind}: {path} ({where})", spans[0],
        "a variable may depend on itself only through earlier or later years, e.g. x[t-1]",
        source=source, related=tuple(("in the cycle", s) for s in spans[1:]), code="cycle",
        subject=Subject(variable=cycle.cells[0][0],
                        period=None if cycle.same_year else cycle.cells[0][1]))


def check_scenario(model: Model, cover, uses_of, base=None) -> tuple[Graph, list[Diagnostic]]:
    """Check one scenario. With `base` = (base cover, base graph), only what
    differs from base is checked again: the variables whose cover changed and
    those that read them (the others' findings were reported for base)."""
    reuse = only = None
    if base is None:
        defined = masks(cover)
    else:
        defined = _LazyMasks(cover)
        base_cover, base_graph = base
        # most covers are base's own objects (identity first: Cover.__eq__ is Python)
        changed = {v for v in model.variables
                   if cover[v] is not base_cover[v] and cover[v] != base_cover[v]}
        rev = base_graph.dependents()
        only = set(changed).union(*(rev[v] for v in changed)) if changed else set()
        reuse = (base_graph, changed)
    errors = check_cover(model, cover, uses_of, defined, only)
    needed = (lambda reader, mask, use: member_checks.needed(model, reader, mask, use)) \
        if model.dims else None
    graph = build(model.variables, cover, uses_of, reuse, needed)
    errors.extend(cycle_diagnostics(model, graph, cover))
    return graph, errors
