"""AST to polars expressions: one vectorized column per variable.

The frame (engine.frame) has one row per (batch, period), batch-major.
Lags are `shift`, absolute periods a `gather` from the batch's first row;
no `.over()` on the hot path. The checker guarantees that every row a
covered period reads lies in the same batch. One handler per node class
(`HANDLERS`); calls dispatch through the function table.

Non-finite policy, the same in every back-end: IEEE arithmetic; a NaN
operand makes a comparison, a logical operator, min/max and the condition
of `if` NaN (polars alone would order NaN above every number).
"""

from __future__ import annotations

import operator
from typing import Callable

import numpy as np
import polars as pl

from dsl import ast as A
from engine.frame import (CELL, EMPTY, F64, YEAR_FLOAT, YEAR_INDEX, at, exact_div, f64_series,
                          nan_guard, zero)
from engine import time_functions as tf
from engine.functions import Backend, Context
from engine.time_functions import _range as _periods
from engine.cover import Cover
from engine.model import Piece

_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


CHAIN_LIMIT = 16  # definitions of one variable evaluated as when/then branches


def column(name: str, cover: Cover, ctx: Context,
           ctx_of: Callable[[Piece], Context] | None = None) -> pl.Expr:
    """The column of one variable: each piece's expression in the periods it wins
    (`ctx_of`: a context per piece, as a Monte Carlo plan's draws are)."""
    if ctx_of is not None:
        return piecewise(name, cover, lambda p: Polars(ctx_of(p)).value(p.expr), numbers=True)
    b = PlanPolars(ctx)
    return piecewise(name, cover, lambda p: b.value(p.expr), numbers=True, ctx=ctx)


def piecewise(name: str, cover: Cover, value: Callable[[Piece], pl.Expr],
              numbers: bool = False, ctx: Context | None = None) -> pl.Expr:
    """A column made of one expression per piece, each in the periods it wins
    (null where no piece does). With `numbers`, the pieces that are plain
    numbers (and, given `ctx`, interp or step of plain numbers) may become
    one lookup by period (see CHAIN_LIMIT)."""
    piece = cover.uniform
    if piece is not None and not (numbers and _fixed(piece.expr, ctx)):
        return value(piece).alias(name)
    if cover.n_combos > 1 and not bool((cover.grid == cover.grid[0]).all()):
        return _by_cell(name, cover, value, numbers)
    chain = None
    otherwise = EMPTY
    pieces = cover.runs(0)
    n = cover.n_periods
    if numbers and (len(pieces) > CHAIN_LIMIT
                    or all(_fixed(p.expr, ctx) for p, _ in pieces)):
        # Many definitions (`x[2031] = 5` for each of 10,000 years): a chain
        # of when/then evaluates every branch over every row, quadratic. The
        # plain numbers become one lookup by year; the rest stay branches.
        # A year map of numbers is one lookup too: polars plans a lookup in
        # 3 us, a chain of three branches in 50.
        values: list[float | None] = [None] * n
        for piece, years in pieces:
            if _fixed(piece.expr, ctx):
                values = _fixed_values(piece.expr, ctx, years, values)
        if any(v is not None for v in values):
            otherwise = pl.lit(pl.Series(values, dtype=F64)).gather(pl.col(YEAR_INDEX))
            pieces = [(p, ys) for p, ys in pieces if not _fixed(p.expr, ctx)]
    if pieces and otherwise is EMPTY and cover.full:
        # The pieces cover every period: the last one is what the others leave
        # (`x[2000] = a` then `x[2001..] = b` is one branch, not two and a null;
        # polars plans a branch in some 10 us, at 10,000 variables 30 ms a run).
        *pieces, (last, _) = pieces
        otherwise = value(last)
    for piece, years in pieces:
        cond = years_condition(years)
        v = value(piece)
        chain = pl.when(cond).then(v) if chain is None else chain.when(cond).then(v)
    if chain is None:
        return otherwise.alias(name)
    return chain.otherwise(otherwise).alias(name)


def _fixed(node: A.Expr, ctx: Context | None) -> bool:
    """A value that reads nothing but the period, known when the plan is compiled:
    a plain number, or (given a context) interp or step of plain numbers (the
    functions the registry builds with polars_interp or polars_step)."""
    if type(node) is A.Number:
        return True
    return (ctx is not None and type(node) is A.Call and len(node.args) == 1
            and type(node.args[0]) is A.YearMap
            and ctx.functions[node.func].polars in (tf.polars_interp, tf.polars_step)
            and all(type(e.value) is A.Number for e in node.args[0].entries))


def _fixed_values(node: A.Expr, ctx: Context | None, years: list[int],
                  values: list[float | None]) -> list[float | None]:
    """`values` with the value of a `_fixed` node in each of `years`.

    interp and step of numbers are a few additions, multiplications and
    divisions of numbers, period by period: computed once here, by the
    year-by-year back-end (engine.cells), whose IEEE arithmetic is the
    column's, instead of a when/then chain of some 40 nodes that polars
    plans again on every run (164 us each against a lookup's 30; 369 interp
    at 10,000 variables)."""
    if type(node) is A.Number:
        for i in years:
            values[i] = node.value
        return values
    from engine.cells import compile_cell

    at = compile_cell(node, ctx)
    for i in years:
        values[i] = float(at({}, i))
    return values


def _by_cell(name: str, cover: Cover, value: Callable[[Piece], pl.Expr],
             numbers: bool) -> pl.Expr:
    """A column whose pieces differ by member: each piece where the cover's
    grid names it, looked up by the row's `#cell` (engine.plan.base_frame).
    Plain numbers (a member map of 1,000 figures) are one lookup, not 1,000 branches."""
    grid = cover.grid.reshape(-1)
    cell = pl.col(CELL)
    pieces = list(enumerate(cover.pieces))
    otherwise = EMPTY
    if numbers and len(pieces) > 1:
        plain = [(k, p) for k, p in pieces if type(p.expr) is A.Number]
        if plain:
            by_piece = np.full(len(cover.pieces) + 1, np.nan)  # [-1]: an empty cell
            for k, p in plain:
                by_piece[k] = p.expr.value
            series = pl.Series(by_piece[grid], dtype=F64).fill_nan(None)
            otherwise = pl.lit(series).gather(cell)
            pieces = [(k, p) for k, p in pieces if type(p.expr) is not A.Number]
    if not pieces:
        return otherwise.alias(name)
    which = pl.lit(pl.Series(grid, dtype=pl.Int32)).gather(cell)
    chain = None
    for k, piece in pieces:
        cond = which == k
        v = value(piece)
        chain = pl.when(cond).then(v) if chain is None else chain.when(cond).then(v)
    return chain.otherwise(otherwise).alias(name)


_CONDITIONS: dict[tuple, pl.Expr] = {}


def years_condition(years: list[int]) -> pl.Expr:
    """True in the periods `years` (built once for each run of periods: maps share them)."""
    run = years[-1] - years[0] + 1 == len(years)
    key = (years[0], years[-1]) if run else ("in", *years)
    expr = _CONDITIONS.get(key)
    if expr is None:
        if len(_CONDITIONS) > 100_000:
            _CONDITIONS.clear()
        if run and len(years) == 1:
            expr = pl.col(YEAR_INDEX) == years[0]
        elif run:
            expr = pl.col(YEAR_INDEX).is_between(years[0], years[-1])
        else:
            expr = pl.col(YEAR_INDEX).is_in(years)
        _CONDITIONS[key] = expr
    return expr


def is_constant(node: A.Expr) -> bool:
    """No variable, no `t`: polars would evaluate it as a scalar."""
    return not any(isinstance(n, (A.Name, A.Shifted, A.AtYear, A.YearRange, A.CurrentYear))
                   for n in A.walk(node))


def _is_zero(node: A.Expr) -> bool:
    while isinstance(node, A.Paren):
        node = node.expr
    return isinstance(node, A.Number) and node.value == 0


def _truth(x: pl.Expr) -> pl.Expr:
    return x != 0


_LITERALS: dict[float, pl.Expr] = {}


def _literal(value: float) -> pl.Expr:
    """Literal expressions are immutable: build each value once (a third of compile time)."""
    expr = _LITERALS.get(value)
    if expr is None:
        if len(_LITERALS) > 100_000:
            _LITERALS.clear()
        expr = _LITERALS[value] = pl.lit(value, dtype=F64)
    return expr


def to_polars(node: A.Expr, ctx: Context) -> pl.Expr:
    return Polars(ctx).value(node)


class Polars(Backend):
    """The polars back-end in one context."""

    __slots__ = ()
    name = "polars"


def _binary(b: Polars, node: A.Binary) -> pl.Expr:
    x, y = b.value(node.left), b.value(node.right)
    op = node.op
    if op in "+-":
        # polars rewrites 0 + x and 0 - x as x and -x, which differ from
        # IEEE for x = -0 (0 + -0 is +0): add a zero column instead.
        if _is_zero(node.left):
            x = zero()
        if op == "+" and _is_zero(node.right):
            y = zero()
    if op == "/" and is_constant(node.right):
        return exact_div(x, y)
    if op in _ARITH:
        return _ARITH[op](x, y)
    if op == "^":
        return x.pow(y)
    if op in _COMPARE:
        return nan_guard(_COMPARE[op](x, y).cast(F64), x, y)
    both = _truth(x) & _truth(y) if op == "and" else _truth(x) | _truth(y)
    return nan_guard(both.cast(F64), x, y)


def _unary(b: Polars, node: A.Unary) -> pl.Expr:
    x = b.value(node.operand)
    if node.op == "-":
        return -x
    return nan_guard((x == 0).cast(F64), x)


def _sampled(b: Polars, node: A.Call | A.Between) -> pl.Expr | None:
    """In a Monte Carlo plan, a distribution is a transform of its variate column."""
    site = b.ctx.draws.get(id(node))
    if site is None:
        return None
    from engine.sampling import polars_value

    return polars_value(site.kind, [b.value(p) for p in site.parameters], site.column,
                        site.guard)


def _between(b: Polars, node: A.Between) -> pl.Expr:
    if b.ctx.draws is not None:
        found = _sampled(b, node)
        if found is not None:
            return found
    return (b.value(node.low) + b.value(node.high)) / 2


def _call(b: Polars, node: A.Call) -> pl.Expr:
    if b.ctx.draws is not None:
        found = _sampled(b, node)
        if found is not None:
            return found
    if b.ctx.reads is not None:
        helper = b.ctx.reads.of_call(node)  # sum(x, DIM): a helper column (engine.reads)
        if helper is not None:
            return pl.col(helper)
    return b.ctx.functions[node.func].polars(b, node.args)


# A range sum `sum(x[A..B])` of a plan's column: a helper column (its name says
# what it sums) that engine.plan computes before the level that reads it.
RANGE_SUM = "#>sum "


def range_sum_column(name: str, first: int, last: int) -> str:
    return f"{RANGE_SUM}{name} {first} {last}"


def range_sum_of(column: str) -> tuple[str, int, int]:
    """(variable, first period index, last) of a `range_sum_column`."""
    name, first, last = column[len(RANGE_SUM):].split(" ")
    return name, int(first), int(last)


def range_sum(values: pl.Series, first: int, last: int, n: int) -> pl.Series:
    """A range sum's helper column from its variable's column: per batch, its
    cells `first..last` added left to right (IEEE additions, as polars adds
    two columns: the same bits), repeated over the batch's rows; null where a
    cell added is null (polars' null + x)."""
    cells = values.to_numpy().reshape(-1, n)  # a null reads as NaN here
    # Arrays even for one batch: numpy's scalar addition can keep another NaN's
    # payload than polars' and the arrays' (tests/test_plan_forms keeps the bits).
    total = cells[:, first]
    with np.errstate(all="ignore"):  # inf and NaN are values here, as in polars
        for j in range(first + 1, last + 1):
            total = total + cells[:, j]
    out = f64_series("", np.repeat(total, n))
    if values.null_count():
        empty = values.is_null().to_numpy().reshape(-1, n)[:, first:last + 1].any(axis=1)
        out = out.scatter(np.flatnonzero(np.repeat(empty, n)), None)
    return out


def _plan_call(b: Polars, node: A.Call) -> pl.Expr:
    """sum(x[A..B]) and mean(x[A..B]) of a variable without dims, in a plan: read
    from a helper column (`range_sum`). As a chain of gathers and additions
    polars planned each again on every run, at a cost growing with the square
    of the chain's depth: 250 us for ten periods (371 of them at 10,000
    variables), against a column read's few."""
    fold = b.ctx.functions[node.func].range_total if len(node.args) == 1 else None
    if (fold is not None and type(node.args[0]) is A.YearRange and b.ctx.reads is None
            and b.ctx.draws is None):
        r = node.args[0]
        periods = _periods(b.ctx.axis, r)
        total = pl.col(range_sum_column(r.name, periods[0], periods[-1]))
        if fold is tf.polars_sum:
            return total
        return exact_div(total, pl.lit(float(len(periods)), dtype=F64))  # as polars_mean
    return _call(b, node)


HANDLERS: dict[type, Callable[[Polars, A.Expr], pl.Expr]] = {
    A.Number: lambda b, n: _literal(n.value),
    A.Name: lambda b, n: pl.col(b.ctx.column(n.name, n.members)),
    A.CurrentYear: lambda b, n: pl.col(YEAR_FLOAT),
    A.Shifted: lambda b, n: pl.col(b.ctx.column(n.name, n.members)).shift(-n.offset),
    A.AtYear: lambda b, n: at(b.ctx.column(n.name, n.members), b.ctx.axis.index_of(n.period)),
    A.YearRange: A.only_inside("polars", "sum, mean, min or max"),
    A.Unary: _unary,
    A.Binary: _binary,
    A.Between: _between,
    A.Call: _call,
    A.YearMap: A.only_inside("polars", "a whole definition, interp or step"),
    A.MemberMap: A.resolved_away("polars"),
    A.Paren: lambda b, n: b.value(n.expr),
}
Polars.handlers = HANDLERS


class PlanPolars(Polars):
    """The polars back-end of a plan's columns (engine.plan runs them): range sums
    read helper columns the plan computes (`_plan_call`)."""

    __slots__ = ()
    handlers = {**HANDLERS, A.Call: _plan_call}

