"""Recurrences: variables that read themselves (or each other) in earlier
periods, computed cell by cell in the graph's order (`Graph.cells`).

A recurrence cannot be one polars expression over its column: each period
reads the one before. Its cells run as closures (engine.cells) over numpy
arrays of the columns they read, vectorized over the batch (and members);
at a batch of one without dims, over numpy scalars (`_scalar_cells`),
which cost a fifth of a one-element array's operations. `engine.plan`
calls `cyclic_columns` for the blocks of a level that are recurrences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from engine import cells
from engine.frame import f64_series
from engine.functions import Context
from engine.graph import Block
from engine.reads import select

if TYPE_CHECKING:
    from engine.plan import Plan


def cyclic_columns(plan: Plan, cols, blocks: list[Block], batch: int,
            given: dict, draws: dict | None = None) -> list[tuple[str, pl.Series]]:
    """Cells of recurrences, in the graph's order, each vectorized over the
    batch (and over members: arrays in the spread form of engine.dims)."""
    model = plan.model
    n = len(plan.axis)
    space = model.space
    dims_of = model.dims_of if model.dims else {}
    arrays = _LazyArrays(cols, batch, n, plan, draws)
    winners: dict[str, list] = {}
    scalar = plan.plain_cells and batch == 1 and not dims_of and not draws
    out = []
    for block in blocks:
        for v in block.variables:
            shape = (batch,) + space.spread(dims_of.get(v, ())) + (n,)
            if v in given:
                arrays[v] = np.asarray(given[v], dtype=float).reshape(shape).copy()
            else:
                arrays[v] = np.full(shape, np.nan)
        with np.errstate(all="ignore"):
            if scalar:
                _scalar_cells(plan, block, arrays, given)
            for cell in () if scalar else block.cells:
                v, i = cell[0], cell[1]
                if v in given:
                    continue
                c = plan.cover[v]
                if len(cell) >= 3:  # one definition's members in one period (graph._piece_order),
                    k = cell[2]    # or one of its cells (graph._member_cell_order)
                    value = plan.cell_fns[id(c.pieces[k])](arrays, i)
                    if len(cell) == 3:
                        where = c.grid[:, i] == k
                    else:
                        where = np.zeros(c.n_combos, dtype=bool)
                        where[cell[3]] = True
                    where = where.reshape(space.spread(dims_of[v]))
                    arrays[v][..., i] = np.where(where, value, arrays[v][..., i])
                    continue
                if c.n_combos == 1:
                    fn = plan.cell_fns[id(c.row(0)[i])]  # row: cached, per cell
                    arrays[v][..., i] = fn(arrays, i)
                    continue
                target = arrays[v][..., i]
                per_period = winners.get(v)
                if per_period is None:
                    per_period = winners[v] = _winners(c)
                for k, piece in per_period[i]:
                    value = plan.cell_fns[id(piece)](arrays, i)
                    if k is None:
                        target[...] = value
                    else:
                        where = c.grid[:, i] == k
                        where = where.reshape(space.spread(dims_of[v]))
                        target[...] = np.where(where, value, target)
        for v in block.variables:
            if v in given:
                continue
            s = f64_series(v, arrays[v])
            if not plan.cover[v].full:
                defined = plan.cover[v].defined
                empty = np.flatnonzero(~defined.reshape(-1))
                size = defined.size
                rows = (np.arange(batch)[:, None] * size + empty[None, :]).reshape(-1)
                s = s.scatter(rows, None)
            out.append((v, s))
    return out


def _scalar_cells(plan: Plan, block: Block, arrays, given: dict) -> None:
    """The cells of a block of one batch without dims, with the closures that
    read numpy scalars (engine.cells): 5 times less a cell than one-element
    arrays, for the recurrences of 10,000 variables (a tenth of them) 0.16 s."""
    rows = {}
    for v in block.variables:
        if v in given:
            continue
        cover = plan.cover[v]
        hit = plan.scalar_rows.get(v)
        if hit is None or hit[0] is not cover:
            hit = plan.scalar_rows[v] = (cover, _scalar_row(plan, cover))
        rows[v] = (arrays[v], hit[1])
    f64 = np.float64
    for v, i in block.cells:
        hit = rows.get(v)
        if hit is None:
            continue
        a, row = hit
        value = row[i](arrays, i)
        if type(value) is f64:
            a[0, i] = value
        else:  # a function's one-element array (or a Python float)
            a[..., i] = value


def _scalar_row(plan: Plan, cover) -> list:
    """Per period, the scalar closure of the piece that wins it (None where none does)."""
    fns = plan.scalar_fns
    ctx = None
    row = []
    for p in cover.row(0):
        hit = None if p is None else fns.get(id(p.expr))
        if hit is None or hit[0] is not p.expr:
            if p is None:
                row.append(None)
                continue
            ctx = ctx or Context(plan.axis)
            hit = fns[id(p.expr)] = (p.expr, cells.compile_scalar_cell(p.expr, ctx))
        row.append(hit[1])
    return row


def _winners(c) -> list[list]:
    """Per period, the pieces that win some member there: (index, piece); index
    None when one piece wins every member of that period."""
    grid = c.grid
    same = (grid == grid[0]).all(axis=0)
    out = []
    for i, alike in enumerate(same.tolist()):
        if alike:
            k = int(grid[0, i])
            out.append([] if k < 0 else [(None, c.pieces[k])])
        else:
            out.append([(k, c.pieces[k]) for k in np.unique(grid[:, i]).tolist() if k >= 0])
    return out


class _LazyArrays(dict):
    """(batch, periods) arrays of columns, converted on first use (with dims:
    spread, and the selections recurrences read as views of them)."""

    def __init__(self, cols, batch: int, n: int, plan: Plan, draws: dict | None = None):
        super().__init__()
        self.cols, self.batch, self.n, self.plan = cols, batch, n, plan
        self.draws = draws or {}
        self.shape = (batch, n)  # of a variable without dims (engine.tangent reads it)

    def __missing__(self, name: str) -> np.ndarray:
        model = self.plan.model
        if name in self.draws:  # a variate: the same draw in every period (a view)
            spread = model.space.spread(self.plan.draw_dims[name]) if model.dims else ()
            z = self.draws[name].reshape((self.batch,) + spread + (1,))
            arr = np.broadcast_to(z, (self.batch,) + spread + (self.n,))
        elif not model.dims:
            arr = np.asarray(self.cols[()][name].to_numpy(), dtype=float)
            arr = arr.reshape(self.batch, self.n)
        elif name in self.plan.arrays:
            read = self.plan.arrays[name]
            arr = select(read, self[read.source], model.space)  # a view: stays current
        else:
            sig = model.dims_of[name]
            arr = np.asarray(self.cols[sig][name].to_numpy(), dtype=float)
            arr = arr.reshape((self.batch,) + model.space.spread(sig) + (self.n,))
        self[name] = arr
        return arr
