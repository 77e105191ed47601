"""sympy to numpy: a derivative's partials evaluated on arrays of cell values.

The dimensioned tangent model (engine.tangent_dims) reads its partials on
arrays shaped (batch, member combinations, periods) rather than as polars
columns; this is engine.symbolic_polars's walk with numpy at the leaves.
Nothing is compiled from text (sympy's `lambdify` writes Python source and
runs it): the walk builds the arrays node by node. The registry's
functions come back through their entries' `numpy`, as in the polars walk.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import sympy as sp

from engine.functions import FUNCTIONS
from engine.symbolic import T, Ref, ref_of
from engine.symbolic_functions import Applied
from engine.symbolic_polars import _float


def to_numpy(expr: sp.Basic, read: Callable[[Ref], np.ndarray], t: np.ndarray) -> np.ndarray:
    """A sympy expression as an array; `read` gives each cell's array, `t` the periods' t."""
    with np.errstate(all="ignore"):  # IEEE arithmetic, as evaluation does
        return np.asarray(_Numpy(read, t).value(expr), dtype=float)


class _Numpy:
    def __init__(self, read: Callable[[Ref], np.ndarray], t: np.ndarray):
        self.read, self.t = read, t
        self.memo: dict[sp.Basic, np.ndarray] = {}

    def value(self, e: sp.Basic):
        hit = self.memo.get(e)
        if hit is None:
            hit = self.memo[e] = self._value(e)
        return hit

    def _value(self, e: sp.Basic):
        if e.is_Number or e in (sp.nan, sp.zoo, sp.oo, -sp.oo):
            return np.float64(np.nan if e is sp.zoo else _float(e) if e.is_Integer else float(e))
        if e.is_Symbol:
            if e == T:
                return self.t
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
            top, bottom = [], []
            for a in e.args:  # divide rather than multiply by reciprocals, as the polars walk
                if a.is_Pow and a.exp.is_Number and a.exp < 0:
                    bottom.append(self._pow(a.base, -a.exp))
                elif a.is_Rational and not a.is_Integer and a.p in (1, -1):
                    top.append(np.float64(a.p))
                    bottom.append(np.float64(_float(a.q)))
                else:
                    top.append(self.value(a))
            out = _product(top) if top else np.float64(1.0)
            return out / _product(bottom) if bottom else out
        if e.is_Pow:
            return self._pow(*e.args)
        if isinstance(e, Applied):
            return e.function.numpy(*[self.value(a) for a in e.args])
        f = _by_sympy_name().get(type(e).__name__)
        if f is not None:
            return f(*[self.value(a) for a in e.args])
        handler = _HANDLERS.get(type(e).__name__)
        if handler is not None:
            return handler(self, e)
        raise TypeError(f"no numpy form for {type(e).__name__}")  # a bug, not a user error

    def _pow(self, base: sp.Basic, exp: sp.Basic):
        b = self.value(base)
        if exp == sp.S.Half:
            return np.sqrt(b)
        if exp == sp.S.NegativeOne:
            return 1.0 / b
        return np.power(b, self.value(exp))

    def cond(self, c: sp.Basic):
        if c is sp.true:
            return np.bool_(True)
        if c is sp.false:
            return np.bool_(False)
        if isinstance(c, sp.core.relational.Relational):
            return _RELATIONS[type(c).__name__](self.value(c.lhs), self.value(c.rhs))
        if isinstance(c, sp.And):
            return np.logical_and.reduce([self.cond(a) for a in c.args])
        if isinstance(c, sp.Or):
            return np.logical_or.reduce([self.cond(a) for a in c.args])
        if isinstance(c, sp.Not):
            return ~np.asarray(self.cond(c.args[0]))
        if isinstance(c, sp.ITE):
            k, a, b = (np.asarray(self.cond(x)) for x in c.args)
            return (k & a) | (~k & b)
        raise TypeError(f"no numpy condition for {type(c).__name__}")


def _product(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def _piecewise(p: _Numpy, e: sp.Piecewise):
    out = None
    taken = None
    for value, c in e.args:
        k = np.asarray(p.cond(c))
        v = p.value(value)
        now = k if taken is None else k & ~taken
        out = np.where(now, v, np.nan if out is None else out)
        taken = k if taken is None else taken | k
    return out


def _heaviside(p: _Numpy, e: sp.Heaviside):
    # At a tie the two branches average: the central difference across the kink.
    x = np.asarray(p.value(e.args[0]))
    tie = float(e.args[1]) if len(e.args) > 1 else 0.5
    return np.where(x > 0, 1.0, np.where(x < 0, 0.0, tie))


def _sign(p: _Numpy, e: sp.sign):
    x = np.asarray(p.value(e.args[0]))
    return np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0))


_HANDLERS: dict[str, Callable[[_Numpy, sp.Basic], np.ndarray]] = {
    "Piecewise": _piecewise,
    "Heaviside": _heaviside,
    "sign": _sign,
    "DiracDelta": lambda p, e: np.float64(0.0),  # only at a kink: no slope to add
}

_BY_NAME: dict[str, Callable[..., np.ndarray]] = {}


def _by_sympy_name() -> dict[str, Callable[..., np.ndarray]]:
    """sympy's function names (`log`, `Min`, `Abs`...) -> the registry's numpy."""
    if not _BY_NAME:
        for f in FUNCTIONS.values():
            for name in f.sympy_names:
                if f.numpy is not None:
                    _BY_NAME[name] = f.numpy
    return _BY_NAME


_RELATIONS = {
    "StrictLessThan": np.less, "LessThan": np.less_equal,
    "StrictGreaterThan": np.greater, "GreaterThan": np.greater_equal,
    "Equality": np.equal, "Unequality": np.not_equal,
}
