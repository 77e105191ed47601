"""The empty-cell check for reads that involve dims, as numpy masks.

A piece wins some cells of its variable (a bool mask over member
combinations x periods). Each of its reads maps those cells to the cells of
the variable read: the same member on the dims both have, any member on
dims only the reader has (the value is broadcast), the selected member on a
selected dim, every member on a dim an aggregate sums over; in time, as in
version 1 (a lag shifts, `x[2025]` reads one period, a range several). Every
cell so needed must have a definition; the first that has none is named
with its members: `capex[orcl] has no value for 2024, used by line 9`.

Arrays are in the *spread* form of `engine.dims.Space`: one axis per dim of
the model (size 1 where the variable has no such dim), then periods, so the
reader's and the read variable's masks broadcast against each other.
"""

from __future__ import annotations

import numpy as np

from dsl.errors import Diagnostic, Subject
from engine.uses import AT, CAGR, CUMSUM, GROWTH, RANGE, SAME, SHIFT, TTM, YOY, YTD, Use


def check_use(model, piece, mask: np.ndarray, use: Use, cover) -> list[Diagnostic]:
    from engine.check import bitset, _check_use  # the version-1 reach checks

    space = model.space
    n = len(model.axis)
    sy = model.dims_of[use.name]
    # Reaching before the first or after the last period: as in version 1,
    # for the periods any member of the piece covers.
    whole = (1 << n) - 1
    reach = _check_use(model, piece, bitset(mask.any(axis=0)), use, {use.name: whole}, n)
    if reach:
        return reach
    target = needed(model, piece.name, mask, use)
    defined = cover[use.name].defined.reshape(target.shape)
    missing = target & ~defined
    if not missing.any():
        return []
    by_period = np.moveaxis(missing, -1, 0)  # the earliest period first, then members in order
    at = np.unravel_index(int(np.argmax(by_period)), by_period.shape)
    i = int(at[0])
    members = [model.dims[d].members[at[1 + space.axis_of[d]]] for d in sy]
    name = model.label(use.name, tuple(members))
    year = model.axis.label(i)
    cell = f"{use.name}[{', '.join(members + [year])}]"
    return [Diagnostic(f"{name} has no value for {year}, used by line {piece.line}", use.span,
                       f"give {name} a value in {year}, e.g. {cell} = ...",
                       code="no-value", subject=Subject(variable=use.name, period=i))]


def needed(model, reader: str, mask: np.ndarray, use: Use) -> np.ndarray:
    """The cells of `use.name` that the cells `mask` of `reader` read through
    `use`: bool, spread (one axis per dim of the model, then periods)."""
    space = model.space
    n = len(model.axis)
    sv, sy = model.dims_of[reader], model.dims_of[use.name]
    cells = mask.reshape(space.spread(sv) + (n,))
    need = _in_time(cells, use, n)
    sel = dict(use.members)
    for d in space.order:  # dims the read does not pair member by member
        if d not in sy or d in sel or d == use.over:
            need = need.any(axis=space.axis_of[d], keepdims=True)
    target = np.zeros(space.spread(sy) + (n,), dtype=bool)
    index = tuple(slice(sel[d], sel[d] + 1) if d in sel else slice(None) for d in space.order)
    target[index] = need
    return target


def _in_time(cells: np.ndarray, use: Use, n: int) -> np.ndarray:
    """The periods of the read variable that the cells read, per member (same shape)."""
    kind = use.kind
    if kind == SAME:
        return cells
    need = np.zeros_like(cells)
    if kind == SHIFT:
        k = use.a
        if k < 0:
            need[..., :n + k] = cells[..., -k:]
        elif k > 0:
            need[..., k:] = cells[..., :n - k]
        else:
            need = cells
        return need
    any_period = cells.any(axis=-1)
    if kind == AT:
        need[..., use.a] = any_period
    elif kind == RANGE:
        need[..., use.a:use.b + 1] = any_period[..., None]
    elif kind == CAGR:
        need[..., use.a] = any_period
        need[..., use.b] = any_period
    elif kind == CUMSUM:  # every period up to the last one read
        need = np.logical_or.accumulate(cells[..., ::-1], axis=-1)[..., ::-1]
    elif kind == GROWTH:  # this period and the one before
        need = cells.copy()
        need[..., :-1] |= cells[..., 1:]
    elif kind in (YOY, TTM):  # this period and one a year earlier, or the whole year back
        k = use.a
        need = cells.copy()
        for j in ((k,) if kind == YOY else range(1, k)):
            if j < n:
                need[..., :n - j] |= cells[..., j:]
    elif kind == YTD:  # each period's year so far
        for i in range(n):
            lo = max(min(use.cells(i)), 0)
            need[..., lo:i + 1] |= cells[..., i:i + 1]
    return need
