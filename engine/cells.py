"""AST to closures over numpy arrays: the year-by-year back-end.

Variables that reach themselves through time (recurrences) cannot be one
vectorized column; they are computed cell by cell in the order the graph
found, each cell vectorized over the batch. `compile_cell(expr, ctx)` returns
`f(arrays, i) -> values of the batch in period index i`, where `arrays[name]`
is a (batch, periods) float array; with dims, (batch, one axis per dim of
the model, periods), size 1 on the dims the variable lacks (the spread form
of engine.dims), so that values broadcast member by member. Same semantics as `engine.polars_expr`;
one handler per node class (`HANDLERS`), calls through the function table.
Callers run the closures inside `np.errstate(all="ignore")`: non-finite
results are values here, not warnings. Constants are numpy floats so that
arithmetic on them follows IEEE (Python floats raise on 1 / 0).

A run of one batch without dims compiles with `compile_scalar_cell`: the
variables are read as numpy scalars (`arrays[name][0, i]`), not one-element
arrays, which cost 290 ns an addition against 45 (a numpy scalar is a
Python float whose arithmetic is numpy's: the same IEEE bits, 1 / 0 is inf).
"""

from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from dsl import ast as A
from engine.functions import Backend, Context
from engine.reads import select

Cell = Callable[[dict, int], np.ndarray]

_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "^": np.power}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


def _guard(value, *operands):
    nan = np.isnan(operands[0])
    for o in operands[1:]:
        nan = nan | np.isnan(o)
    return np.where(nan, np.nan, value)


def compile_cell(node: A.Expr, ctx: Context) -> Cell:
    return Cells(ctx).value(node)


def compile_scalar_cell(node: A.Expr, ctx: Context) -> Cell:
    """`compile_cell` for arrays shaped (1, periods), giving numpy scalars where
    the values are read from them (a function of the table may still give a
    one-element array: the caller stores either)."""
    return ScalarCells(ctx).value(node)


class Cells(Backend):
    """The cell back-end in one context."""

    __slots__ = ()
    name = "cells"


def _number(b: Cells, node: A.Number) -> Cell:
    v = np.float64(node.value)
    return lambda arrays, i: v


def _name(b: Cells, node: A.Name) -> Cell:
    name = b.ctx.column(node.name, node.members)
    return lambda arrays, i: arrays[name][..., i]


def _shifted(b: Cells, node: A.Shifted) -> Cell:
    name, k = b.ctx.column(node.name, node.members), node.offset
    return lambda arrays, i: arrays[name][..., i + k]


def _at_year(b: Cells, node: A.AtYear) -> Cell:
    name, j = b.ctx.column(node.name, node.members), b.ctx.axis.index_of(node.period)
    return lambda arrays, i: arrays[name][..., j]


def _current_year(b: Cells, node: A.CurrentYear) -> Cell:
    axis = b.ctx.axis
    return lambda arrays, i: np.float64(axis.t(i))


def _unary(b: Cells, node: A.Unary) -> Cell:
    f = b.value(node.operand)
    if node.op == "-":
        return lambda arrays, i: -f(arrays, i)
    return lambda arrays, i: _not(f(arrays, i))


def _not(a):
    a = np.asarray(a, dtype=float)
    return _guard((a == 0).astype(float), a)


def _binary(b: Cells, node: A.Binary) -> Cell:
    fa, fb = b.value(node.left), b.value(node.right)
    op = node.op
    if op in _ARITH:
        f = _ARITH[op]

        def arith(arrays, i):
            return f(fa(arrays, i), fb(arrays, i))
        return arith
    if op in _COMPARE:
        c = _COMPARE[op]

        def compare(arrays, i):
            a, b = np.asarray(fa(arrays, i), dtype=float), np.asarray(fb(arrays, i), dtype=float)
            return _guard(c(a, b).astype(float), a, b)
        return compare
    both = operator.and_ if op == "and" else operator.or_

    def logic(arrays, i):
        a, b = np.asarray(fa(arrays, i), dtype=float), np.asarray(fb(arrays, i), dtype=float)
        return _guard(both(a != 0, b != 0).astype(float), a, b)
    return logic


def _sampled(b: Cells, node: A.Call | A.Between) -> Cell | None:
    """In a Monte Carlo plan, a distribution is a transform of its variate array."""
    site = b.ctx.draws.get(id(node))
    if site is None:
        return None
    from engine.sampling import cells_value

    fs = [b.value(p) for p in site.parameters]
    kind, column, guard = site.kind, site.column, site.guard

    def draw(arrays, i):
        return cells_value(kind, [f(arrays, i) for f in fs], arrays[column][..., i], guard)
    return draw


def _between(b: Cells, node: A.Between) -> Cell:
    if b.ctx.draws is not None:
        found = _sampled(b, node)
        if found is not None:
            return found
    lo, hi = b.value(node.low), b.value(node.high)
    return lambda arrays, i: (lo(arrays, i) + hi(arrays, i)) / 2


def _call(b: Cells, node: A.Call) -> Cell:
    if b.ctx.draws is not None:
        found = _sampled(b, node)
        if found is not None:
            return found
    if b.ctx.reads is not None:
        key = b.ctx.reads.of_call(node)  # sum(x, DIM): reduced from x's array each period
        if key is not None:
            read, space = b.ctx.reads.needs[key], b.ctx.reads.space

            def over_members(arrays, i):
                return select(read, arrays[read.source][..., i], space)
            return over_members
    return b.ctx.functions[node.func].cells(b, node.args)


HANDLERS: dict[type, Callable[[Cells, A.Expr], Cell]] = {
    A.Number: _number,
    A.Name: _name,
    A.CurrentYear: _current_year,
    A.Shifted: _shifted,
    A.AtYear: _at_year,
    A.YearRange: A.only_inside("cells", "sum, mean, min or max"),
    A.Unary: _unary,
    A.Binary: _binary,
    A.Between: _between,
    A.Call: _call,
    A.YearMap: A.only_inside("cells", "a whole definition, interp or step"),
    A.MemberMap: A.resolved_away("cells"),
    A.Paren: lambda b, n: b.value(n.expr),
}
Cells.handlers = HANDLERS


class ScalarCells(Cells):
    """The cell back-end reading one batch's values as scalars."""

    __slots__ = ()


def _scalar_name(b: Cells, node: A.Name) -> Cell:
    name = b.ctx.column(node.name, node.members)
    return lambda arrays, i: arrays[name][0, i]


def _scalar_shifted(b: Cells, node: A.Shifted) -> Cell:
    name, k = b.ctx.column(node.name, node.members), node.offset
    return lambda arrays, i: arrays[name][0, i + k]


def _scalar_at_year(b: Cells, node: A.AtYear) -> Cell:
    name, j = b.ctx.column(node.name, node.members), b.ctx.axis.index_of(node.period)
    return lambda arrays, i: arrays[name][0, j]


def _operand(node: A.Expr, ctx: Context):
    """A number ("c", value) or a read of a variable in a period relative to the
    cell's ("r", name, offset), which `_scalar_binary` inlines; else None."""
    while type(node) is A.Paren:
        node = node.expr
    if type(node) is A.Number:
        return "c", np.float64(node.value)
    if type(node) is A.Name:
        return "r", ctx.column(node.name, node.members), 0
    if type(node) is A.Shifted:
        return "r", ctx.column(node.name, node.members), node.offset
    return None


def _scalar_binary(b: Cells, node: A.Binary) -> Cell:
    """Arithmetic with its number and variable operands read in the closure
    itself: `x[t-1] * (1 + g)` is two closures, not five (a call costs more
    than the addition it makes)."""
    if node.op not in _ARITH:
        return _binary(b, node)
    f = _ARITH[node.op]
    left, right = _operand(node.left, b.ctx), _operand(node.right, b.ctx)
    kinds = (left and left[0], right and right[0])
    if kinds == ("r", "r"):
        (_, na, ka), (_, nb, kb) = left, right
        return lambda arrays, i: f(arrays[na][0, i + ka], arrays[nb][0, i + kb])
    if kinds == ("r", "c"):
        (_, na, ka), (_, cb) = left, right
        return lambda arrays, i: f(arrays[na][0, i + ka], cb)
    if kinds == ("c", "r"):
        (_, ca), (_, nb, kb) = left, right
        return lambda arrays, i: f(ca, arrays[nb][0, i + kb])
    if kinds[0] == "r" and kinds[1] is None:
        (_, na, ka), fb = left, b.value(node.right)
        return lambda arrays, i: f(arrays[na][0, i + ka], fb(arrays, i))
    if kinds[0] is None and kinds[1] == "r":
        fa, (_, nb, kb) = b.value(node.left), right
        return lambda arrays, i: f(fa(arrays, i), arrays[nb][0, i + kb])
    if kinds[0] == "c" and kinds[1] is None:
        (_, ca), fb = left, b.value(node.right)
        return lambda arrays, i: f(ca, fb(arrays, i))
    if kinds[0] is None and kinds[1] == "c":
        fa, (_, cb) = b.value(node.left), right
        return lambda arrays, i: f(fa(arrays, i), cb)
    return _binary(b, node)


ScalarCells.handlers = {**HANDLERS, A.Name: _scalar_name, A.Shifted: _scalar_shifted,
                        A.AtYear: _scalar_at_year, A.Binary: _scalar_binary}
