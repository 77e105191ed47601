"""The empty-cell check for reads that involve dims, as bitsets per member combination.

A piece wins some cells of its variable: per member combination of the
variable (in output order), the periods it wins as a bitset. Each of its
reads maps those cells to the cells of the variable read: the same member
on the dims both have, any member on dims only the reader has (the value is
broadcast), the selected member on a selected dim, every member on a dim an
aggregate sums over; in time, as in version 1 (`engine.check.reads`: a lag
shifts, `x[2025]` reads one period, a range several). Every cell so needed
must have a definition; the first that has none (the earliest period, then
the first combination) is named with its members:
`capex[orcl] has no value for 2024, used by line 9`.
"""

from __future__ import annotations

from itertools import product

from dsl.errors import Diagnostic, Subject
from engine.cover import combos_of
from engine.uses import Use


def check_use(model, piece, wins: list[int], use: Use, cover) -> list[Diagnostic]:
    from engine.check import _check_use, _lowest  # the version-1 reach checks

    n = len(model.axis)
    # Reaching before the first or after the last period: as in version 1,
    # for the periods any member of the piece covers.
    whole = (1 << n) - 1
    anywhere = 0
    for b in set(wins):
        anywhere |= b
    reach = _check_use(model, piece, anywhere, use, {use.name: whole}, n)
    if reach or cover[use.name].full:  # a variable with a value in every cell
        return reach
    target = needed(model, piece.name, wins, use)
    first = None  # (period, combination) of the first empty cell read
    for c, (need, have) in enumerate(zip(target, cover[use.name].defined_rows())):
        missing = need & ~have
        if missing:
            i = _lowest(missing)
            if first is None or i < first[0]:
                first = (i, c)
    if first is None:
        return []
    i, c = first
    members = list(model.combos(use.name)[c])
    name = model.label(use.name, tuple(members))
    year = model.axis.label(i)
    cell = f"{use.name}[{', '.join(members + [year])}]"
    return [Diagnostic(f"{name} has no value for {year}, used by line {piece.line}", use.span,
                       f"give {name} a value in {year}, e.g. {cell} = ...",
                       code="no-value", subject=Subject(variable=use.name, period=i))]


def needed(model, reader: str, wins: list[int], use: Use) -> list[int]:
    """The cells of `use.name` that the cells `wins` of `reader` read through
    `use`: per combination of `use.name`, the periods as a bitset."""
    from engine.check import reads

    n = len(model.axis)
    whole = (1 << n) - 1
    sv, sy = model.dims_of[reader], model.dims_of[use.name]
    sizes = {d: model.dims[d].size for d in (*sv, *sy)}
    sel = dict(use.members)
    # the dims read member by member; on every other dim of the reader, its
    # members' reads fall together (any of them needs the cell)
    paired = tuple(d for d in sy if d in sv and d not in sel and d != use.over)
    if any(k and d not in sy for d, k in sel.items()):
        return [0] * model.n_combos(use.name)  # a member of a dim the read variable lacks
    if paired == sv == sy:  # member by member, on every dim: each combination its own
        of_value = {b: reads(b, use) & whole for b in set(wins)}
        return [of_value[b] for b in wins]
    if not paired:  # every cell read by any member of the reader: one bitset for all
        need = 0
        for b in set(wins):
            need |= reads(b, use)
        out = [0] * model.n_combos(use.name)
        pinned = tuple((d, k) for d, k in sel.items() if d in sy)
        for c in combos_of(pinned, sy, tuple(sizes[d] for d in sy)):
            out[c] = need & whole
        return out
    at = [sv.index(d) for d in paired]
    by_key: dict[tuple, int] = {}
    for combo, b in zip(product(*(range(sizes[d]) for d in sv)), wins):
        if b:
            key = tuple(combo[j] for j in at)
            by_key[key] = by_key.get(key, 0) | reads(b, use)
    # the dims the read names one member of read that member only; dims the
    # reader does not pair (an aggregate's, or the reader lacks them) read every member
    out = []
    for combo in product(*(range(sizes[d]) for d in sy)):
        pos = dict(zip(sy, combo))
        if any(pos[d] != k for d, k in sel.items() if d in pos):
            out.append(0)
        else:
            out.append(by_key.get(tuple(pos[d] for d in paired), 0) & whole)
    return out
