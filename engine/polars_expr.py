"""AST to polars expressions: one vectorized column per variable.

The frame has one row per (batch, year), batch-major, with helper columns
`#yi` (year index), `#yf` (the year as a float) and `#base` (the row of
the batch's first year). Lags are `shift`, absolute years a `gather` from
`__base`; no `.over()` on the hot path. The checker guarantees that every
row a covered year reads lies in the same batch.

Non-finite policy, the same in every back-end: IEEE arithmetic; a NaN
operand makes a comparison, a logical operator, min/max and the condition
of `if` NaN (polars alone would order NaN above every number).
"""

from __future__ import annotations

import operator

import numpy as np
import polars as pl

from dsl import ast as A
from engine.functions import FUNCTIONS, np_round
from engine.model import Piece

F64 = pl.Float64
NAN = pl.lit(float("nan"), dtype=F64)
# Helper columns start with '#', which no variable name can: they never clash.
YEAR_INDEX, YEAR_FLOAT, BATCH_BASE, BATCH = "#yi", "#yf", "#base", "#batch"

_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


CHAIN_LIMIT = 16  # definitions of one variable evaluated as when/then branches


def column(name: str, row: tuple[Piece | None, ...], first: int, last: int) -> pl.Expr:
    """The column of one variable: each piece's expression in the years it wins."""
    groups: dict[int, tuple[Piece, list[int]]] = {}
    for i, p in enumerate(row):
        if p is not None:
            groups.setdefault(id(p), (p, []))[1].append(i)
    if len(groups) == 1:
        piece, years = next(iter(groups.values()))
        if len(years) == len(row):
            return to_polars(piece.expr, first, last).alias(name)
    chain = None
    otherwise = EMPTY
    pieces = list(groups.values())
    if len(pieces) > CHAIN_LIMIT:
        # Many definitions (`x[2031] = 5` for each of 10,000 years): a chain
        # of when/then evaluates every branch over every row, quadratic. The
        # plain numbers become one lookup by year; the rest stay branches.
        values: list[float | None] = [None] * len(row)
        for piece, years in pieces:
            if type(piece.expr) is A.Number:
                for i in years:
                    values[i] = piece.expr.value
        if any(v is not None for v in values):
            otherwise = pl.lit(pl.Series(values, dtype=F64)).gather(pl.col(YEAR_INDEX))
            pieces = [(p, ys) for p, ys in pieces if type(p.expr) is not A.Number]
    for piece, years in pieces:
        cond = years_condition(years)
        value = to_polars(piece.expr, first, last)
        chain = pl.when(cond).then(value) if chain is None else chain.when(cond).then(value)
    if chain is None:
        return otherwise.alias(name)
    return chain.otherwise(otherwise).alias(name)


def years_condition(years: list[int]) -> pl.Expr:
    if years[-1] - years[0] + 1 == len(years):
        if len(years) == 1:
            return pl.col(YEAR_INDEX) == years[0]
        return pl.col(YEAR_INDEX).is_between(years[0], years[-1])
    return pl.col(YEAR_INDEX).is_in(years)


def _nan_guard(value: pl.Expr, *operands: pl.Expr) -> pl.Expr:
    cond = operands[0].is_nan()
    for o in operands[1:]:
        cond = cond | o.is_nan()
    return pl.when(cond).then(NAN).otherwise(value)


def exact_div(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a / b for a constant b, correctly rounded.

    polars divides a column by a scalar as a multiplication by its
    reciprocal (28 / 3 gives 9.333333333333332, not ...334); dividing by a
    column of the same value is exact, as a spreadsheet is. `b * (year * 0 + 1)`
    is such a column, equal to b bit for bit (-0, inf and NaN included);
    polars sees through `when(...).then(b)` and simplifies `b + 0.0`.
    """
    return a / (b * (pl.col(YEAR_FLOAT) * 0.0 + 1.0))


def is_constant(node: A.Expr) -> bool:
    """No variable, no `t`: polars would evaluate it as a scalar."""
    return not any(isinstance(n, (A.Name, A.Shifted, A.AtYear, A.YearRange, A.CurrentYear))
                   for n in A.walk(node))


def _is_zero(node: A.Expr) -> bool:
    while isinstance(node, A.Paren):
        node = node.expr
    return isinstance(node, A.Number) and node.value == 0


def _no_negative_zero(x: pl.Expr) -> pl.Expr:
    """-0 as 0: which zero min(0, -0) picks is otherwise up to the library.

    (`x + 0.0` would do in IEEE arithmetic, but polars simplifies it away.)
    """
    return pl.when(x == 0).then(0.0).otherwise(x)


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


EMPTY = pl.lit(None, dtype=F64)


def to_polars(node: A.Expr, first: int, last: int) -> pl.Expr:
    t = type(node)
    if t is A.Number:
        return _literal(node.value)
    if t is A.Name:
        return pl.col(node.name)
    if t is A.Paren:
        return to_polars(node.expr, first, last)
    if t is A.Binary:
        a, b = to_polars(node.left, first, last), to_polars(node.right, first, last)
        op = node.op
        if op in "+-":
            # polars rewrites 0 + x and 0 - x as x and -x, which differ from
            # IEEE for x = -0 (0 + -0 is +0): add a zero column instead.
            if _is_zero(node.left):
                a = pl.col(YEAR_FLOAT) * 0.0
            if op == "+" and _is_zero(node.right):
                b = pl.col(YEAR_FLOAT) * 0.0
        if op == "/" and is_constant(node.right):
            return exact_div(a, b)
        if op in _ARITH:
            return _ARITH[op](a, b)
        if op == "^":
            return a.pow(b)
        if op in _COMPARE:
            return _nan_guard(_COMPARE[op](a, b).cast(F64), a, b)
        both = _truth(a) & _truth(b) if op == "and" else _truth(a) | _truth(b)
        return _nan_guard(both.cast(F64), a, b)
    if t is A.Unary:
        a = to_polars(node.operand, first, last)
        if node.op == "-":
            return -a
        return _nan_guard((a == 0).cast(F64), a)
    if t is A.Shifted:
        return pl.col(node.name).shift(-node.offset)
    if t is A.AtYear:
        return _at(node.name, node.year - first)
    if t is A.CurrentYear:
        return pl.col(YEAR_FLOAT)
    if t is A.Between:
        return (to_polars(node.low, first, last) + to_polars(node.high, first, last)) / 2
    if t is A.Call:
        return _call(node, first, last)
    raise TypeError(f"no polars form for {t.__name__}")  # a bug, not a user error


def _at(name: str, index: int) -> pl.Expr:
    return pl.col(name).gather(pl.col(BATCH_BASE) + index)


def _call(node: A.Call, first: int, last: int) -> pl.Expr:
    name, args = node.func, node.args
    f = FUNCTIONS[name]
    if f.kind == "aggregate" and len(args) == 1 and isinstance(args[0], A.YearRange):
        return _aggregate(name, args[0], first, last)
    if name in ("interp", "step"):
        return _interp(args[0], first, last) if name == "interp" else _step(args[0], first, last)
    if name == "cumsum":
        return _cumsum(args[0].name)
    if name == "growth":
        x = pl.col(args[0].name)
        return x / x.shift(1) - 1
    if name == "cagr":
        x, a, b = args[0].name, int(args[1].text), int(args[2].text)
        return (_at(x, b - first) / _at(x, a - first)).pow(1 / (b - a)) - 1
    xs = [to_polars(a, first, last) for a in args]
    if f.kind == "distribution":
        if name == "lognormal":
            return (xs[0] + xs[1] ** 2 / 2).exp()
        if name == "triangular":
            return exact_div(xs[0] + xs[1] + xs[2], _literal(3.0))
        return f.mean(*xs)
    if name in ("min", "max"):
        fold = pl.min_horizontal(xs) if name == "min" else pl.max_horizontal(xs)
        return _nan_guard(_no_negative_zero(fold), *xs)
    if name == "clamp":
        x, lo, hi = xs
        inner = _nan_guard(pl.max_horizontal(x, lo), x, lo)
        return _nan_guard(_no_negative_zero(pl.min_horizontal(inner, hi)), inner, hi)
    if name == "if":
        c, a, b = xs
        return pl.when(c.is_nan()).then(NAN).when(c != 0).then(a).otherwise(b)
    if name == "round":
        digits = xs[1] if len(xs) == 2 else pl.lit(0.0, dtype=F64)
        # A UDF does not broadcast a literal: give it full columns.
        full = pl.col(YEAR_INDEX) >= 0
        return pl.map_batches(
            [pl.when(full).then(xs[0]), pl.when(full).then(digits)],
            lambda s: pl.Series(np_round(s[0].to_numpy(), s[1].to_numpy()), dtype=F64),
            return_dtype=F64)
    unary = {"abs": pl.Expr.abs, "floor": pl.Expr.floor, "ceil": pl.Expr.ceil,
             "exp": pl.Expr.exp, "ln": pl.Expr.log, "log10": pl.Expr.log10,
             "sqrt": pl.Expr.sqrt}
    return unary[name](xs[0])


def _aggregate(func: str, r: A.YearRange, first: int, last: int) -> pl.Expr:
    """sum/mean/min/max over years of one batch, left to right like the reference."""
    start = 0 if r.years.start is None else r.years.start - first
    end = last - first if r.years.end is None else r.years.end - first
    name = r.name
    items = [_at(name, i) for i in range(start, end + 1)]
    if func in ("sum", "mean"):
        total = items[0]
        for x in items[1:]:
            total = total + x
        return exact_div(total, pl.lit(float(len(items)), dtype=F64)) if func == "mean" else total
    fold = pl.min_horizontal(items) if func == "min" else pl.max_horizontal(items)
    return _nan_guard(_no_negative_zero(fold), *items)


def _cumsum(name: str) -> pl.Expr:
    return pl.col(name).cum_sum().over(BATCH)


def _keys(m: A.YearMap, first: int, last: int):
    entries = sorted(m.entries, key=lambda e: e.years.start)
    return [float(e.years.start) for e in entries], [to_polars(e.value, first, last) for e in entries]


def _interp(m: A.YearMap, first: int, last: int) -> pl.Expr:
    """Linear between the given years, exact at them, flat outside."""
    ks, vs = _keys(m, first, last)
    if len(ks) == 1:
        return vs[0]
    y = pl.col(YEAR_FLOAT)
    chain = pl.when(y <= ks[0]).then(vs[0])
    for j in range(1, len(ks)):
        k0, k1, v0, v1 = ks[j - 1], ks[j], vs[j - 1], vs[j]
        weight = exact_div(y - k0, pl.lit(k1 - k0, dtype=F64))
        chain = chain.when(y < k1).then(v0 + (v1 - v0) * weight)
        chain = chain.when(y == k1).then(v1)
    return chain.otherwise(vs[-1])


def _step(m: A.YearMap, first: int, last: int) -> pl.Expr:
    ks, vs = _keys(m, first, last)
    if len(ks) == 1:
        return vs[0]
    y = pl.col(YEAR_FLOAT)
    chain = pl.when(y < ks[1]).then(vs[0])
    for j in range(2, len(ks)):
        chain = chain.when(y < ks[j]).then(vs[j - 1])
    return chain.otherwise(vs[-1])
