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

import numpy as np

from dsl.errors import Diagnostic, Subject
from engine.axis import TimeAxis
from engine.cover import EMPTY, region

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
    grid = _painted(pieces, shape, sig, len(axis))
    out: list[Diagnostic] = []
    for a, b in pairs:
        for i in specs[a]:
            for j in specs[b]:
                found = _check(pieces, i, j, grid, sig, dims, axis)
                if found is not None:
                    out.append(found)
                    if len(out) == SHOWN:
                        return out
    return out


def _ties(a: tuple, b: tuple) -> bool:
    """Spec a is at least as specific as spec b on every axis."""
    return a[0] >= b[0] and a[1] >= b[1]


def _painted(pieces, shape, sig, n) -> np.ndarray:
    """The winner per cell as `Cover.of_layer` paints it, as indices into `pieces`."""
    grid = np.full((*shape, n), EMPTY, dtype=np.int32)
    order = sorted(range(len(pieces)), key=lambda k: (pieces[k].rank + len(pieces[k].members), -k))
    for k in order:
        grid[region(pieces[k], sig)] = k
    return grid


def _check(pieces, i, j, grid, sig, dims, axis) -> Diagnostic | None:
    p, q = pieces[i], pieces[j]
    lo, hi = max(p.start, q.start), min(p.end, q.end)
    if lo > hi:
        return None
    mp, mq = dict(p.members), dict(q.members)
    if any(mp[d] != mq[d] for d in mp.keys() & mq.keys()):
        return None
    both = {**mq, **mp}
    index = tuple(both.get(d, slice(None)) for d in sig) + (slice(lo, hi + 1),)
    winners = grid[index]
    bad = np.zeros(winners.shape, dtype=bool)
    for k in np.unique(winners).tolist():
        w = pieces[k]
        if not (w.beats_or_ties(p) and w.beats_or_ties(q)):
            bad |= winners == k
    if not bad.any():
        return None
    at = np.unravel_index(int(np.argmax(bad)), bad.shape)  # the first ambiguous cell
    members = []
    free = iter(at[:-1])
    for d in sig:
        k = both[d] if d in both else next(free)
        members.append(dims[d].members[k])
    period = lo + int(at[-1])
    cell = f"{p.name}[{', '.join(members + [axis.label(period)])}]"
    first, second = sorted((p, q), key=lambda x: (x.span.line, x.span.col))
    return Diagnostic(
        f"{cell} is covered by this definition and the one on line {second.line}, "
        f"each more specific on a different axis", first.span,
        f"define the cell itself: {cell} = ...", related=(("the other definition", second.span),),
        code="ambiguous", subject=Subject(variable=p.name, period=period))
