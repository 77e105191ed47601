"""The one registry of built-in functions.

Each entry says how a function is called (arity, signature text for
messages), what kind it is, how to compute it element-wise on numpy arrays,
and how to build it as a sympy expression (sensitivities, goal seek). The
polars back-end (`engine.polars_expr`), the year-by-year back-end
(`engine.cells`), the checker and the sympy back-end (`engine.symbolic`) all
read this table: adding a function is one entry here plus its builders.

The sympy builders import sympy when first called, never at import time:
`scn run` and `scn check` must not pay for it. A `flat` function is constant
between jumps (round, floor, ceil): its derivative is 0, and the
sensitivity output says so.

Kinds:
- "element": element-wise in the current year.
- "time": needs other years of its argument (interp, step, cumsum, growth,
  cagr); each back-end handles these by name.
- "aggregate": sum/mean/min/max over `x[A..B]` (min and max are also
  element-wise when called without a year range).
- "distribution": a random quantity; a plain run uses its mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    signature: str
    kind: str
    numpy: Callable[..., np.ndarray] | None = None  # element-wise on float64 arrays
    mean: Callable[..., np.ndarray] | None = None  # distributions: value in a plain run
    # sympy builder from the arguments' sympy expressions; for a distribution,
    # its mean (what a plain run computes, so where derivatives are taken).
    # `if` receives its condition as a sympy boolean. Time functions and
    # aggregates over year ranges are built by name in engine.symbolic.
    symbolic: Callable[..., object] | None = None
    flat: bool = False  # derivative 0 wherever it exists (round, floor, ceil)

    def arity_ok(self, n: int) -> bool:
        return n >= self.min_args and (self.max_args is None or n <= self.max_args)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument" + ("" if n == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


def _nan_any(*arrays: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(*arrays).shape, dtype=bool)
    for a in arrays:
        out |= np.isnan(a)
    return out


def np_min(*args: np.ndarray) -> np.ndarray:
    """min that propagates NaN (a NaN argument makes the result NaN)."""
    return _fold(np.fmin, args)


def np_max(*args: np.ndarray) -> np.ndarray:
    return _fold(np.fmax, args)


def _fold(op, args):
    out = np.asarray(args[0], dtype=float)
    for a in args[1:]:
        out = op(out, a)
    # NaN in, NaN out; and never -0 (which zero min(0, -0) picks is up to the library)
    return np.where(_nan_any(*args), np.nan, out + 0.0)


def np_clamp(x, lo, hi):
    return np_min(np_max(x, lo), hi)


def np_if(cond, a, b):
    cond = np.asarray(cond, dtype=float)
    return np.where(np.isnan(cond), np.nan, np.where(cond != 0, a, b))


def np_round(x, n=0.0):
    """Half away from zero on the number as written in decimal: round(2.675, 2) = 2.68.

    Binary floats sit just below or above a decimal tie (2.675 is
    2.67499999...). Away from ties the plain float computation is exact
    enough; for values that land near a tie we fall back to the shortest
    decimal representation, which is what the user wrote.
    """
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    out = np.empty(x.shape)
    flat_x, flat_n, flat = x.ravel(), n.ravel(), out.reshape(-1)
    for i in range(flat_x.size):
        flat[i] = round_half_away(float(flat_x[i]), flat_n[i])
    return out


def round_half_away(x: float, n: float) -> float:
    if not np.isfinite(x) or not np.isfinite(n):
        return float("nan") if np.isnan(n) else x
    digits = int(n)
    if digits > 340:  # finer than any float's decimal expansion: nothing to round
        return x
    if digits < -340:  # coarser than any float's magnitude
        return 0.0 * x
    with localcontext() as ctx:
        ctx.prec = 800  # enough digits for any float at any allowed position
        q = Decimal(1).scaleb(-digits)
        return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def _unary(f):
    def run(x):
        with np.errstate(all="ignore"):
            return f(np.asarray(x, dtype=float))
    return run


def _mean_between(lo, hi):
    return (lo + hi) / 2


def _sympy():
    import sympy

    return sympy


def _flat(name: str):
    def build(*xs):
        from engine.symbolic import flat_function

        return flat_function(name)(*xs)
    return build


def _sym(attr: str):
    """The sympy function of that name (a fixed name from this table, never user text)."""
    return lambda *xs: getattr(_sympy(), attr)(*xs)


def _sym_min(*xs):
    from engine.symbolic import minimum

    return minimum(*xs)


def _sym_max(*xs):
    from engine.symbolic import maximum

    return maximum(*xs)


def _sym_abs(x):
    from engine.symbolic import absolute

    return absolute(x)


def _sym_clamp(x, lo, hi):
    return _sym_min(_sym_max(x, lo), hi)


def _sym_if(cond, a, b):
    return _sympy().Piecewise((a, cond), (b, True))


def _sym_log10(x):
    sp = _sympy()
    return sp.log(x) / sp.log(10)


def _sym_lognormal_mean(mu, sigma):
    return _sympy().exp(mu + sigma ** 2 / 2)


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    Function("min", 1, None, "min(a, b, ...) or min(x[A..B])", "aggregate", np_min,
             symbolic=_sym_min),
    Function("max", 1, None, "max(a, b, ...) or max(x[A..B])", "aggregate", np_max,
             symbolic=_sym_max),
    Function("sum", 1, 1, "sum(x[A..B])", "aggregate"),
    Function("mean", 1, 1, "mean(x[A..B])", "aggregate"),
    Function("abs", 1, 1, "abs(x)", "element", _unary(np.abs), symbolic=_sym_abs),
    Function("round", 1, 2, "round(x) or round(x, n)", "element", np_round,
             symbolic=_flat("round"), flat=True),
    Function("floor", 1, 1, "floor(x)", "element", _unary(np.floor),
             symbolic=_flat("floor"), flat=True),
    Function("ceil", 1, 1, "ceil(x)", "element", _unary(np.ceil),
             symbolic=_flat("ceil"), flat=True),
    Function("exp", 1, 1, "exp(x)", "element", _unary(np.exp), symbolic=_sym("exp")),
    Function("ln", 1, 1, "ln(x)", "element", _unary(np.log), symbolic=_sym("log")),
    Function("log10", 1, 1, "log10(x)", "element", _unary(np.log10), symbolic=_sym_log10),
    Function("sqrt", 1, 1, "sqrt(x)", "element", _unary(np.sqrt), symbolic=_sym("sqrt")),
    Function("clamp", 3, 3, "clamp(x, lo, hi)", "element", np_clamp, symbolic=_sym_clamp),
    Function("if", 3, 3, "if(condition, then, else)", "element", np_if, symbolic=_sym_if),
    Function("interp", 1, 1, "interp({YEAR: value, ...})", "time"),
    Function("step", 1, 1, "step({YEAR: value, ...})", "time"),
    Function("cumsum", 1, 1, "cumsum(x)", "time"),
    Function("growth", 1, 1, "growth(x)", "time"),
    Function("cagr", 3, 3, "cagr(x, A, B)", "time"),
    Function("normal", 2, 2, "normal(mean, sd)", "distribution",
             mean=lambda m, sd: m, symbolic=lambda m, sd: m),
    Function("uniform", 2, 2, "uniform(lo, hi)", "distribution", mean=_mean_between,
             symbolic=_mean_between),
    Function("triangular", 3, 3, "triangular(lo, mode, hi)", "distribution",
             mean=lambda lo, mode, hi: (lo + mode + hi) / 3,
             symbolic=lambda lo, mode, hi: (lo + mode + hi) / 3),
    Function("lognormal", 2, 2, "lognormal(mu, sigma)", "distribution",
             mean=lambda mu, s: np.exp(mu + s ** 2 / 2), symbolic=_sym_lognormal_mean),
]}

# `a to b` is a normal distribution whose 5th and 95th percentiles are a and b.
BETWEEN_MEAN = _mean_between
