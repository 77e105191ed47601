"""sympy to polars: the expressions sympy returns as polars expressions over the frame.

Derivatives included: `Heaviside`, `sign`, nested `Piecewise`, `ITE`. The
functions of the registry come back through their entries: a function
sympy keeps as itself (engine.symbolic_functions) carries its entry, and
sympy's own function for one of them (`log` for ln, `Min` for min) is
found by the entry's `sympy_names`; either way the entry's `from_sympy`
builds the polars expression.
"""

from __future__ import annotations

import math
from typing import Callable

import polars as pl
import sympy as sp

from engine.axis import TimeAxis
from engine.frame import BATCH, BATCH_BASE, F64, YEAR, YEAR_FLOAT, running_total
from engine.functions import FUNCTIONS
from engine.symbolic import T, Ref, ref_of
from engine.symbolic_functions import Applied


def column_ref(column: str, ref: Ref, axis: TimeAxis) -> pl.Expr:
    """Read column `column` the way `ref` reads its variable (shift, gather, cumsum, ytd)."""
    col = pl.col(column)
    if ref.cumsum:
        col = running_total(col)
    elif ref.ytd:  # restarted at each calendar year, as engine.time_functions.polars_ytd
        col = col.cum_sum().over(BATCH, pl.col(YEAR) // axis.per_year)
    if ref.year is not None:
        return col.gather(pl.col(BATCH_BASE) + axis.index(ref.year))
    return col.shift(-ref.offset) if ref.offset else col


def to_polars(expr: sp.Basic, read: Callable[[Ref], pl.Expr]) -> pl.Expr:
    """A sympy expression as a polars expression; `read` gives each cell's column."""
    return _Polars(read).value(expr)


class _Polars:
    def __init__(self, read: Callable[[Ref], pl.Expr]):
        self.read = read

    def value(self, e: sp.Basic) -> pl.Expr:
        if e.is_Number or e in (sp.nan, sp.zoo, sp.oo, -sp.oo):
            return pl.lit(float(e) if e is not sp.zoo else float("nan"), dtype=F64)
        if e.is_Symbol:
            if e == T:
                return pl.col(YEAR_FLOAT)
            ref = ref_of(e)
            if ref is None:
                raise TypeError(f"unknown symbol {e}")  # a bug: symbols come from Builder
            return self.read(ref)
        if e.is_Add:
            out = self.value(e.args[0])
            for a in e.args[1:]:
                out = out + self.value(a)
            return out
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(*e.args)
        if isinstance(e, Applied):  # a function of the registry kept as itself
            return e.function.from_sympy(*[self.value(a) for a in e.args])
        from_sympy = _from_sympy().get(type(e).__name__)
        if from_sympy is not None:  # sympy's own function for one of the registry's
            return from_sympy(*[self.value(a) for a in e.args])
        handler = _VALUE_HANDLERS.get(type(e).__name__)
        if handler is not None:
            return handler(self, e)
        raise TypeError(f"no polars form for {type(e).__name__}")  # a bug, not a user error

    def _mul(self, e: sp.Mul) -> pl.Expr:
        top: list[pl.Expr] = []
        bottom: list[pl.Expr] = []
        for a in e.args:  # divide rather than multiply by reciprocals: closer to the model
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                bottom.append(self._pow(a.base, -a.exp))
            elif a.is_Rational and not a.is_Integer and a.p in (1, -1):
                top.append(pl.lit(float(a.p), dtype=F64))
                bottom.append(pl.lit(_float(a.q), dtype=F64))
            else:
                top.append(self.value(a))
        out = _product(top) if top else pl.lit(1.0, dtype=F64)
        if bottom:
            out = out / _product(bottom)
        return out

    def _pow(self, base: sp.Basic, exp: sp.Basic) -> pl.Expr:
        b = self.value(base)
        if exp == sp.S.Half:
            return b.sqrt()
        if exp == -sp.S.Half:
            return 1.0 / b.sqrt()
        if exp == sp.S.NegativeOne:
            return 1.0 / b
        return b.pow(self.value(exp))

    # -- conditions
    def cond(self, c: sp.Basic) -> pl.Expr:
        if c is sp.true:
            return pl.lit(True)
        if c is sp.false:
            return pl.lit(False)
        if isinstance(c, sp.core.relational.Relational):
            a, b = self.value(c.lhs), self.value(c.rhs)
            return _POLARS_RELATIONS[type(c).__name__](a, b)
        if isinstance(c, sp.And):
            return _fold(lambda x, y: x & y, [self.cond(a) for a in c.args])
        if isinstance(c, sp.Or):
            return _fold(lambda x, y: x | y, [self.cond(a) for a in c.args])
        if isinstance(c, sp.Not):
            return ~self.cond(c.args[0])
        if isinstance(c, sp.ITE):
            k, a, b = (self.cond(x) for x in c.args)
            return (k & a) | (~k & b)
        raise TypeError(f"no polars condition for {type(c).__name__}")


def _product(xs: list[pl.Expr]) -> pl.Expr:
    return _fold(lambda x, y: x * y, xs)


def _fold(op, xs):
    out = xs[0]
    for x in xs[1:]:
        out = op(out, x)
    return out


def _piecewise(p: _Polars, e: sp.Piecewise) -> pl.Expr:
    chain = None
    for value, c in e.args:
        v = p.value(value)
        if c is sp.true:
            return v if chain is None else chain.otherwise(v)
        k = p.cond(c)
        chain = pl.when(k).then(v) if chain is None else chain.when(k).then(v)
    return chain.otherwise(pl.lit(float("nan"), dtype=F64))


def _heaviside(p: _Polars, e: sp.Heaviside) -> pl.Expr:
    # At a tie the two branches average: the central difference across the kink.
    x = p.value(e.args[0])
    tie = float(e.args[1]) if len(e.args) > 1 else 0.5
    return pl.when(x > 0).then(1.0).when(x < 0).then(0.0).otherwise(tie)


def _sign(p: _Polars, e: sp.sign) -> pl.Expr:
    x = p.value(e.args[0])
    return pl.when(x > 0).then(1.0).when(x < 0).then(-1.0).otherwise(0.0)


_VALUE_HANDLERS: dict[str, Callable[[_Polars, sp.Basic], pl.Expr]] = {
    "Piecewise": _piecewise,
    "Heaviside": _heaviside,
    "sign": _sign,
    "DiracDelta": lambda p, e: pl.lit(0.0, dtype=F64),  # only at a kink: no slope to add
}

_FROM_SYMPY: dict[str, Callable[..., pl.Expr]] = {}


def _from_sympy() -> dict[str, Callable[..., pl.Expr]]:
    """sympy's function names (`log`, `Min`, `Abs`...) -> the polars of the
    registry's function they stand for (its `from_sympy`)."""
    if not _FROM_SYMPY:
        for f in FUNCTIONS.values():
            for name in f.sympy_names:
                _FROM_SYMPY[name] = f.from_sympy
    return _FROM_SYMPY


_POLARS_RELATIONS = {
    "StrictLessThan": lambda a, b: a < b, "LessThan": lambda a, b: a <= b,
    "StrictGreaterThan": lambda a, b: a > b, "GreaterThan": lambda a, b: a >= b,
    "Equality": lambda a, b: a == b, "Unequality": lambda a, b: a != b,
}


def _float(n: int | sp.Integer) -> float:
    """An exact integer as a float, inf past the largest (2^2000 kept exact by sympy)."""
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf
