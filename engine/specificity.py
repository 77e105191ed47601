"""Per-axis specificity: two definitions that each win on a different axis.

Within one layer the definition covering a cell that is at least as specific
on every axis (time, and each dim) as every other covering one wins
(`Cover.of_layer` paints in an order that makes it so). `x[goog] = ...` and
`x[2025] = ...` both cover `x[goog, 2025]`, and neither is at least as
specific on every axis: unless a third definition beats both there (the
cell itself, `x[goog, 2025] = ...`), the file is ambiguous, and this module
says where, naming both lines and the cell.
"""

from __future__ import annotations

from typing import Mapping

from dsl.errors import Diagnostic, Subject
from engine.axis import TimeAxis
from engine.cover import combos_of, painted

SHOWN = 5  # ambiguities reported per variable and layer


def ambiguities(pieces, axis: TimeAxis, dims: Mapping, sig: tuple[str, ...]
                ) -> list[Diagnostic]:
    specs: dict[tuple, list[int]] = {}
    for k, p in enumerate(pieces):
        specs.setdefault((p.rank, p.pinned), []).append(k)
    keys = list(specs)
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]
             if not _ties(a, b) and not _ties(b, a)]
    if not pairs:
        return []
    shape = tuple(len(dims[d].members) for d in sig)
    rows = painted(pieces, len(axis), shape, sig)  # the winners as Cover.of_layer paints them
    out: list[Diagnostic] = []
    for a, b in pairs:
        for i in specs[a]:
            for j in specs[b]:
                found = _check(pieces, i, j, rows, shape, sig, dims, axis)
                if found is not None:
                    out.append(found)
                    if len(out) == SHOWN:
                        return out
    return out


def _ties(a: tuple, b: tuple) -> bool:
    """Spec a is at least as specific as spec b on every axis."""
    return a[0] >= b[0] and a[1] >= b[1]


def _check(pieces, i, j, rows, shape, sig, dims, axis) -> Diagnostic | None:
    p, q = pieces[i], pieces[j]
    lo, hi = max(p.start, q.start), min(p.end, q.end)
    if lo > hi:
        return None
    mp, mq = dict(p.members), dict(q.members)
    if any(mp[d] != mq[d] for d in mp.keys() & mq.keys()):
        return None
    both = {**mq, **mp}
    first = _first_ambiguous(pieces, p, q, rows, combos_of(tuple(both.items()), sig, shape), lo, hi)
    if first is None:
        return None
    combo, period = first
    members = []
    for d, size in reversed(tuple(zip(sig, shape))):
        combo, k = divmod(combo, size)
        members.append(dims[d].members[k])
    members.reverse()
    cell = f"{p.name}[{', '.join(members + [axis.label(period)])}]"
    first, second = sorted((p, q), key=lambda x: (x.span.line, x.span.col))
    return Diagnostic(
        f"{cell} is covered by this definition and the one on line {second.line}, "
        f"each more specific on a different axis", first.span,
        f"define the cell itself: {cell} = ...", related=(("the other definition", second.span),),
        code="ambiguous", subject=Subject(variable=p.name, period=period))


def _first_ambiguous(pieces, p, q, rows, combos, lo: int, hi: int) -> tuple[int, int] | None:
    """The first cell (combination, period) of `combos` x lo..hi whose winner is
    not at least as specific as both p and q on every axis."""
    settles: dict[int, bool] = {}
    for c in combos:
        row = rows[c]
        for i in range(lo, hi + 1):
            k = row[i]
            ok = settles.get(k)
            if ok is None:
                w = pieces[k]
                ok = settles[k] = w.beats_or_ties(p) and w.beats_or_ties(q)
            if not ok:
                return c, i
    return None
