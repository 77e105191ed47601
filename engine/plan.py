"""Compile once, run many: a scenario's evaluation plan and the runs over it.

A `Plan` holds, for one scenario (with optional overrides), each variable's
winning pieces, the dependency graph, one polars expression per vectorized
variable and one closure per piece of the variables computed year by year.
`run` evaluates it into a frame for any batch size; `given` short-circuits
variables with supplied values (tornado perturbations, samples); `previous`
and `changed` recompute only what a change can reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from engine import cells, polars_expr
from engine.axis import TimeAxis
from engine.frame import BATCH, BATCH_BASE, F64, HELPERS, YEAR, YEAR_FLOAT, YEAR_INDEX
from engine.functions import Context
from engine.graph import Block, Graph
from engine.model import Covers, Model


@dataclass
class Plan:
    model: Model
    scenario: str
    cover: Covers
    graph: Graph
    columns: dict[str, pl.Expr] = field(default_factory=dict)
    cell_fns: dict[int, cells.Cell] = field(default_factory=dict)  # id(piece) -> closure
    changed: set[str] | None = None  # set by compile_plan(reuse=...): what differs from it
    # column key -> (the column it writes, the columns it reads), found once per plan
    reads: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @property
    def axis(self) -> TimeAxis:
        return self.model.axis

    @property
    def years(self) -> tuple[int, ...]:
        """Yearly axes only: see `Model.years` (for the back-ends that still count years)."""
        return self.model.years


def compile_plan(model: Model, scenario: str, cover: Covers, graph: Graph,
                 reuse: Plan | None = None) -> Plan:
    """Build expressions and closures; reuse those of `reuse` whose pieces did not change.

    With `reuse`, `plan.changed` lists the variables whose winning
    definitions differ from `reuse`'s (what a recompute must start from).
    """
    ctx = Context(model.axis)
    plan = Plan(model, scenario, cover, graph)
    old_fns = _closures_by_expression(reuse) if reuse is not None else {}
    changed: set[str] = set()
    for level in graph.levels:
        for block in level:
            for v in block.variables:
                same = reuse is not None and v in reuse.cover and reuse.cover[v] == cover[v]
                if not same:
                    changed.add(v)
                if block.cyclic:
                    for p in cover[v].distinct():
                        hit = old_fns.get(id(p.expr))
                        fn = hit[1] if hit is not None and hit[0] is p.expr else None
                        plan.cell_fns[id(p)] = fn or cells.compile_cell(p.expr, ctx)
                elif same and v in reuse.columns:
                    plan.columns[v] = reuse.columns[v]
                else:
                    plan.columns[v] = polars_expr.column(v, cover[v], ctx)
    plan.changed = changed if reuse is not None else None
    return plan


def _closures_by_expression(plan: Plan) -> dict[int, tuple]:
    """A plan's year-by-year closures by expression identity: the parser's
    statement cache keeps unchanged expressions the same objects across edits.

    Each entry holds its expression, so while the map lives no other object
    can take an id in it; a miss (a statement the cache parsed again) only
    compiles the closure again."""
    out = {}
    for level in plan.graph.levels:
        for block in level:
            if block.cyclic:
                for v in block.variables:
                    for p in plan.cover[v].distinct():
                        fn = plan.cell_fns.get(id(p))
                        if fn is not None:
                            out[id(p.expr)] = (p.expr, fn)
    return out


def base_frame(axis: TimeAxis, batch: int) -> pl.DataFrame:
    """The helper columns of a frame: batch, the period's absolute number (the year),
    its index, its t (`TimeAxis.ts`, what `t` reads) and the row of the batch's first period."""
    n = len(axis)
    b = np.repeat(np.arange(batch, dtype=np.int64), n)
    yi = np.tile(np.arange(n, dtype=np.int64), batch)
    return pl.DataFrame({
        BATCH: b,
        YEAR: yi + axis.start,
        YEAR_INDEX: yi,
        YEAR_FLOAT: np.tile(np.array(axis.ts(), dtype=np.float64), batch),
        BATCH_BASE: b * n,
    })


def run(plan: Plan, batch: int = 1, given: dict[str, np.ndarray] | None = None,
        previous: pl.DataFrame | None = None, changed: set[str] | None = None) -> pl.DataFrame:
    """Evaluate into a frame with a row per (batch, year) and a column per variable.

    `given[v]`, shaped (batch, years), replaces v's own definitions.
    With `previous` (a frame of this plan's shape) and `changed`, only the
    variables downstream of `changed` are computed; the rest are reused.

    Columns are kept as series by name, and each level is computed on a
    frame of just the columns it reads: adding columns to one growing frame
    cost a copy of every column's handle per level, quadratic down a chain
    of 10,000 variables one level each. The frame is assembled once at the end.
    """
    given = given or {}
    n = len(plan.axis)
    todo: set[str] | None = None
    if previous is not None and changed is not None:
        todo = plan.graph.downstream(set(changed))
        cols = dict(zip(previous.columns, previous.get_columns()))
        batch = previous.height // n
    else:
        start = base_frame(plan.axis, batch)
        cols = dict(zip(start.columns, start.get_columns()))
    for v, a in given.items():
        if todo is None or v in todo:
            cols[v] = pl.Series(v, np.asarray(a, dtype=float).reshape(-1), dtype=F64)
    for level in plan.graph.levels:
        keys = []
        cyclic: list[Block] = []
        for block in level:
            if todo is not None and not todo.intersection(block.variables):
                continue
            if block.cyclic:
                cyclic.append(block)
            elif block.variables[0] not in given:
                keys.append(block.variables[0])
        if keys:
            _level(plan, cols, keys)
        if cyclic:
            for s in _cyclic(plan, cols, cyclic, batch, given):
                cols[s.name] = s
    if todo is not None:
        return previous.with_columns([cols[c] for c in previous.columns if c in todo])
    return pl.DataFrame(list(cols.values()))


def _level(plan: Plan, cols: dict[str, pl.Series], keys: list[str]) -> None:
    """The columns of one level (keys into plan.columns), on a frame of the
    helpers and the columns they read.

    One level, one `with_columns`: several levels in one lazy query are
    fewer calls but not the same bits (a column made by an earlier step of
    the query can stay a broadcast constant, which polars divides by as a
    multiplication by its reciprocal)."""
    needed = dict.fromkeys(HELPERS)
    names: list[str] = []
    for k in keys:
        hit = plan.reads.get(k)
        if hit is None:
            e = plan.columns[k]
            hit = plan.reads[k] = (e.meta.output_name(), tuple(e.meta.root_names()))
        needed.update(dict.fromkeys(hit[1]))
        names.append(hit[0])
    out = pl.DataFrame([cols[c] for c in needed]).with_columns([plan.columns[k] for k in keys])
    for name in names:
        cols[name] = out.get_column(name)


def _cyclic(plan: Plan, cols: dict[str, pl.Series], blocks: list[Block], batch: int,
            given: dict) -> list[pl.Series]:
    """Cells of recurrences, in the graph's order, each vectorized over the batch."""
    n = len(plan.axis)
    arrays = _LazyArrays(cols, batch, n)
    out = []
    for block in blocks:
        for v in block.variables:
            if v in given:
                arrays[v] = np.asarray(given[v], dtype=float).reshape(batch, n).copy()
            else:
                arrays[v] = np.full((batch, n), np.nan)
        with np.errstate(all="ignore"):
            for v, i in block.cells:
                if v in given:
                    continue
                fn = plan.cell_fns[id(plan.cover[v].row(0)[i])]  # row: cached, per cell
                arrays[v][:, i] = fn(arrays, i)
        for v in block.variables:
            if v in given:
                continue
            s = pl.Series(v, arrays[v].reshape(-1), dtype=F64)
            empty = np.flatnonzero(~plan.cover[v].defined[0]).tolist()
            if empty:
                s = s.scatter([b * n + i for b in range(batch) for i in empty], None)
            out.append(s)
    return out


class _LazyArrays(dict):
    """(batch, years) arrays of columns, converted on first use."""

    def __init__(self, cols: dict[str, pl.Series], batch: int, n: int):
        super().__init__()
        self.cols, self.shape = cols, (batch, n)

    def __missing__(self, name: str) -> np.ndarray:
        col = self.cols[name].to_numpy()
        arr = np.asarray(col, dtype=float).reshape(self.shape)
        self[name] = arr
        return arr
