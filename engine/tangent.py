"""The tangent model: derivatives as columns, run like any other plan.

The derivative of every variable on a path from the moved inputs to the
outputs is a *tangent column*, `d(v) = sum over u of (df_v/du) * d(u)`,
each local partial (engine.partials) a polars expression over the evaluated
columns; it is evaluated level by level like any other column of a plan
(`engine.plan.run`): a recurrence's tangent is itself a recurrence, computed
cell by cell in the recurrence's own order. The batch dimension carries
several seeds at once (one per row).

Cells can also be moved one by one (`moved_cells`): the plan then reads them
from a helper column, as `--set 'x[2027] = ...'` would, and the helper is
the source of the tangent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from dsl import ast as A
from engine.axis import TimeAxis
from engine.cells import compile_cell
from engine.frame import F64
from engine.functions import Context
from engine.graph import Block, Graph
from engine.cover import Cover
from engine.model import Covers, Model, Piece
from engine.partials import partials
from engine.plan import Plan, run
from engine.polars_expr import column, piecewise
from engine.symbolic import Ref
from engine.symbolic_polars import column_ref, to_polars


def tangent_name(var: str) -> str:
    """The column of d(var); '(' cannot appear in a variable name, so no clash."""
    return f"d({var})"


def helper_name(var: str) -> str:
    """The column that gives the moved cells of `var` their values."""
    return f"moved({var})"


@dataclass
class Tangent:
    """A compiled tangent model: the plan of the d(v) columns, the primal
    columns its partials read, and the variables on the paths."""

    plan: Plan
    primal: tuple[str, ...]
    path: frozenset[str]


def tangent_plan(plan: Plan, sources: frozenset[str], outputs: frozenset[str]) -> Tangent:
    """The tangent columns of every variable on a path from `sources` to `outputs`.

    A source is a variable held at given values (its tangent is the seed),
    or the helper column of cells moved one by one (see `moved_cells`)."""
    key = ("sens.tangent", sources, outputs)
    hit = plan.model.cache.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    model, graph = plan.model, plan.graph
    axis = model.axis
    helpers = {v for v, cov in plan.cover.items() for p in cov.distinct()
               if isinstance(p.expr, A.Name) and p.expr.name in sources}
    start = {s for s in sources if s in graph.deps} | helpers
    path = frozenset(graph.downstream(start) & graph.upstream(set(outputs))) | (
        sources - set(graph.deps))
    primal: set[str] = set()

    def read(ref: Ref) -> pl.Expr:
        primal.add(ref.var)
        return column_ref(ref.var, ref, axis)

    terms = _Terms(model, path, read, axis)
    levels: list[list[Block]] = [[]]  # level 0: partials read by recurrence cells
    columns: dict[str, pl.Expr] = {}
    cells: dict[int, object] = {}
    cover: Covers = {}
    for level in graph.levels:
        out: list[Block] = []
        for block in level:
            members = [v for v in block.variables if v in path]
            if not members:
                continue
            if not block.cyclic:
                v = members[0]
                if v not in sources:
                    columns[tangent_name(v)] = piecewise(tangent_name(v), plan.cover[v], terms.sum)
                    out.append(Block((tangent_name(v),), False))
                continue
            for v in members:
                if v not in sources:
                    cover[tangent_name(v)] = terms.cells(plan.cover[v], columns, levels[0], cells)
            out.append(Block(tuple(tangent_name(v) for v in members), True,
                             tuple((tangent_name(v), i) for v, i in block.cells if v in path)))
        levels.append(out)
    tplan = Plan(model, plan.scenario, cover, Graph({}, {}, levels, []), columns, cells)
    result = Tangent(tplan, tuple(sorted(primal - (sources - set(graph.deps)))), path)
    model.cache[key] = (plan, result)
    return result


class _Terms:
    """The chain rule of each definition on the path, as a column or as cells."""

    def __init__(self, model: Model, path, read, axis: TimeAxis):
        self.model, self.path, self.read, self.axis = model, path, read, axis

    def sum(self, piece: Piece) -> pl.Expr:
        """d(piece's variable) as a polars expression: partial * tangent, summed."""
        terms = [to_polars(d, self.read) * column_ref(tangent_name(r.var), r, self.axis)
                 for r, d in partials(self.model, piece) if r.var in self.path]
        if not terms:
            return pl.lit(0.0, dtype=F64)
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out

    def cells(self, cover: Cover, columns, level0, cells) -> Cover:
        """A recurrence's tangent: per definition, its partials as columns and a
        cell function summing partial * tangent cell, vectorized over the batch."""
        made: list[Piece] = []
        for p in cover.distinct():
            terms = []
            for r, d in partials(self.model, p):
                if r.var in self.path:
                    col = f"d|{len(columns)}"
                    columns[col] = to_polars(d, self.read).alias(col)
                    level0.append(Block((col,), False))
                    terms.append((col, tangent_name(r.var), r))
            tp = replace(p, name=tangent_name(p.name))
            cells[id(tp)] = _cell_function(tuple(terms), self.axis)
            made.append(tp)
        return cover.with_pieces(made)


def _cell_function(terms, axis: TimeAxis):
    def tangent_cell(arrays, i):
        total = 0.0
        for col, tname, r in terms:
            total = total + arrays[col][:, i] * _read_cell(arrays[tname], r, i, axis)
        if isinstance(total, float):
            return np.zeros(arrays.shape[0])
        return total
    return tangent_cell


def _read_cell(values: np.ndarray, r: Ref, i: int, axis: TimeAxis) -> np.ndarray:
    j = axis.index(r.year) if r.year is not None else i + r.offset
    if r.running:  # cumsum, ytd: every period from the first it sums
        return values[:, r.first_read(j, axis): j + 1].sum(axis=1)
    return values[:, j]


def moved_cells(plan: Plan, cells: dict[str, tuple[int, ...]]) -> Plan:
    """The plan with the definitions of some cells replaced by a helper column.

    Moving a cell is typing over it, as `--set 'x[2027] = ...'` does: what
    reads it recomputes, the variable's own later years included (a
    recurrence continues from the new value). Give `helper_name(var)` as a
    (batch, years) array when running the returned plan."""
    model = plan.model
    ctx = Context(model.axis)
    cover, columns, fns = dict(plan.cover), dict(plan.columns), dict(plan.cell_fns)
    for v, years in cells.items():
        moved: dict[tuple[int, int], Piece] = {}
        for i in years:
            old = cover[v].at(0, i)
            new = moved[(0, i)] = Piece(v, A.Name(helper_name(v)), i, i, old.rank, old.layer,
                                        old.definition, old.span)
            if v not in plan.columns:  # a recurrence: computed cell by cell
                fns[id(new)] = compile_cell(new.expr, ctx)
        cover[v] = cover[v].replaced(moved)
        if v in plan.columns:
            columns[v] = column(v, cover[v], ctx)
    return Plan(plan.model, plan.scenario, cover, plan.graph, columns, fns)


def restricted(plan: Plan, outputs: set[str]) -> Plan:
    """The same plan, computing only what `outputs` read (perturbation runs)."""
    up = plan.graph.upstream(outputs)
    levels = [[b for b in level if up.intersection(b.variables)] for level in plan.graph.levels]
    g = plan.graph
    # every other field kept (with dims, the reads across dims the columns need)
    return replace(plan, graph=Graph(g.order, g.deps, levels, []), changed=None)


def first_rows(raw: pl.DataFrame, var: str, n: int) -> np.ndarray:
    """A variable's values in the first batch row of a frame, by period."""
    return raw.get_column(var).head(n).to_numpy().astype(float)


def run_tangent(tangent: Tangent, primal: pl.DataFrame, seeds: dict[str, np.ndarray],
                outputs: list[str]) -> dict[str, np.ndarray]:
    """Evaluate the tangent model for a batch of seeds (each (batch, years)) on
    one primal evaluation; the tangent of each output, shaped (batch, years)."""
    first_seed = next(iter(seeds.values()))
    batch, n = first_seed.shape
    given = {tangent_name(v): s for v, s in seeds.items()}
    for v in tangent.primal:
        given[v] = np.broadcast_to(first_rows(primal, v, n), (batch, n))
    frame = run(tangent.plan, batch=batch, given=given)
    out = {}
    for y in outputs:
        if y in seeds:
            out[y] = np.asarray(seeds[y], dtype=float)
        elif tangent_name(y) in frame.columns:
            out[y] = frame.get_column(tangent_name(y)).to_numpy().astype(float).reshape(batch, n)
        else:
            out[y] = np.zeros((batch, n))
    return out
