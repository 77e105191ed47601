"""AST to closures over numpy arrays: the year-by-year back-end.

Variables that reach themselves through time (recurrences) cannot be one
vectorized column; they are computed cell by cell in the order the graph
found, each cell vectorized over the batch. `compile_cell(expr)` returns
`f(arrays, i) -> values of the batch in year index i`, where `arrays[name]`
is a (batch, years) float array. Same semantics as `engine.polars_expr`.
Callers run the closures inside `np.errstate(all="ignore")`: non-finite
results are values here, not warnings. Constants are numpy floats so that
arithmetic on them follows IEEE (Python floats raise on 1 / 0).
"""

from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from dsl import ast as A
from engine.functions import FUNCTIONS, np_max, np_min

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


def compile_cell(node: A.Expr, first: int, last: int) -> Cell:
    t = type(node)
    if t is A.Number:
        v = np.float64(node.value)
        return lambda arrays, i: v
    if t is A.Name:
        name = node.name
        return lambda arrays, i: arrays[name][:, i]
    if t is A.Paren:
        return compile_cell(node.expr, first, last)
    if t is A.Shifted:
        name, k = node.name, node.offset
        return lambda arrays, i: arrays[name][:, i + k]
    if t is A.AtYear:
        name, j = node.name, node.year - first
        return lambda arrays, i: arrays[name][:, j]
    if t is A.CurrentYear:
        return lambda arrays, i: np.float64(first + i)
    if t is A.Unary:
        f = compile_cell(node.operand, first, last)
        if node.op == "-":
            return lambda arrays, i: -f(arrays, i)
        return lambda arrays, i: _not(f(arrays, i))
    if t is A.Binary:
        return _binary(node, first, last)
    if t is A.Between:
        lo, hi = compile_cell(node.low, first, last), compile_cell(node.high, first, last)
        return lambda arrays, i: (lo(arrays, i) + hi(arrays, i)) / 2
    if t is A.Call:
        return _call(node, first, last)
    raise TypeError(f"no cell form for {t.__name__}")  # a bug, not a user error


def _not(a):
    a = np.asarray(a, dtype=float)
    return _guard((a == 0).astype(float), a)


def _binary(node: A.Binary, first: int, last: int) -> Cell:
    fa, fb = compile_cell(node.left, first, last), compile_cell(node.right, first, last)
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


def _call(node: A.Call, first: int, last: int) -> Cell:
    name, args = node.func, node.args
    f = FUNCTIONS[name]
    if f.kind == "aggregate" and len(args) == 1 and isinstance(args[0], A.YearRange):
        return _aggregate(name, args[0], first, last)
    if name in ("interp", "step"):
        return _interp(args[0], first, last, name == "step")
    if name == "cumsum":
        x = args[0].name
        # a running total starts at 0, as polars' cum_sum does: never -0
        return lambda arrays, i: np.cumsum(arrays[x][:, : i + 1], axis=1)[:, -1] + 0.0
    if name == "growth":
        x = args[0].name

        def growth(arrays, i):
            return arrays[x][:, i] / arrays[x][:, i - 1] - 1
        return growth
    if name == "cagr":
        x, a, b = args[0].name, int(args[1].text), int(args[2].text)
        ia, ib = a - first, b - first

        def cagr(arrays, i):
            return np.power(arrays[x][:, ib] / arrays[x][:, ia], 1 / (b - a)) - 1
        return cagr
    fs = [compile_cell(a, first, last) for a in args]
    fn = f.mean if f.kind == "distribution" else f.numpy

    def call(arrays, i):
        return fn(*(np.asarray(g(arrays, i), dtype=float) for g in fs))
    return call


def _aggregate(func: str, r: A.YearRange, first: int, last: int) -> Cell:
    start = 0 if r.years.start is None else r.years.start - first
    end = last - first if r.years.end is None else r.years.end - first
    name = r.name

    def aggregate(arrays, i):
        cols = [arrays[name][:, j] for j in range(start, end + 1)]
        if func in ("sum", "mean"):
            total = cols[0]
            for c in cols[1:]:
                total = total + c
            return total / len(cols) if func == "mean" else total
        return (np_min if func == "min" else np_max)(*cols)
    return aggregate


def _interp(m: A.YearMap, first: int, last: int, step: bool) -> Cell:
    entries = sorted(m.entries, key=lambda e: e.years.start)
    ks = [float(e.years.start) for e in entries]
    fs = [compile_cell(e.value, first, last) for e in entries]

    def at(arrays, i):
        y = float(first + i)
        if len(ks) == 1 or y <= ks[0]:
            return fs[0](arrays, i)
        if y >= ks[-1]:
            return fs[-1](arrays, i)
        j = next(j for j in range(1, len(ks)) if y < ks[j] or y == ks[j])
        if y == ks[j]:
            return fs[j](arrays, i) if not step else fs[j](arrays, i)
        if step:
            return fs[j - 1](arrays, i)
        v0, v1 = np.asarray(fs[j - 1](arrays, i), dtype=float), fs[j](arrays, i)
        return v0 + (v1 - v0) * ((y - ks[j - 1]) / (ks[j] - ks[j - 1]))
    return at
