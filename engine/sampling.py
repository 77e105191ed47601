"""A distribution's sampled value from its parameters and one standard variate.

A Monte Carlo plan (engine.montecarlo) compiles each distribution in the
model to an expression of its parameters and a helper column holding one
standard variate per sample (and member): a standard normal for `normal`,
`lognormal` and `a to b`, a standard uniform for `uniform` and
`triangular`. The variate is drawn once per definition and sample, so every
period the definition covers reads the same draw (the same quantile of that
period's distribution when its parameters change by year).

The transforms are the inverse CDFs, written once for both back-ends
(polars columns and the numpy arrays of recurrences) through `Ops`. Where
parameters read variables their values can describe no distribution
(`normal(m, sd)` with sd < 0 in some sample): those cells are NaN (n/a) in a
sampled run, and the run warns as a plain run does
(engine.distributions.parameter_warnings). Literal parameters were checked
before anything ran, so they carry no guard.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any, Callable

import numpy as np
import polars as pl

from engine.frame import F64, NAN

# `a to b`: a normal whose 5th and 95th percentiles are a and b, so its sd is
# (b - a) / (2 * z95) with z95 the standard normal's 95th percentile.
Z95 = NormalDist().inv_cdf(0.95)

NORMAL, UNIFORM = "normal", "uniform"  # the standard variate each kind reads
VARIATE = {"normal": NORMAL, "lognormal": NORMAL, "to": NORMAL,
           "uniform": UNIFORM, "triangular": UNIFORM}


class Ops:
    """exp, sqrt and a guarded choice in one back-end."""

    def __init__(self, exp: Callable, sqrt: Callable, where: Callable, nan: Any):
        self.exp, self.sqrt, self.where, self.nan = exp, sqrt, where, nan


POLARS = Ops(pl.Expr.exp, pl.Expr.sqrt,
             lambda c, a, b: pl.when(c).then(a).otherwise(b), NAN)


def _np_where(c, a, b):
    with np.errstate(all="ignore"):
        return np.where(c, a, b)


NUMPY = Ops(np.exp, np.sqrt, _np_where, np.float64("nan"))


def sampled(kind: str, params: list, z, ops: Ops, guard: bool):
    """The value of distribution `kind` with these parameters at variate z.

    With `guard`, parameter values that describe no distribution give NaN
    (the same rules as engine.distributions.breaks_order)."""
    if kind == "normal":
        m, sd = params
        value, ok = m + sd * z, sd >= 0
    elif kind == "lognormal":
        mu, s = params
        value, ok = ops.exp(mu + s * z), s >= 0
    elif kind == "to":
        a, b = params
        value, ok = (a + b) / 2 + (b - a) / (2 * Z95) * z, a <= b
    elif kind == "uniform":
        lo, hi = params
        value, ok = lo + (hi - lo) * z, lo <= hi
    else:
        value, ok = _triangular(params, z, ops)
    return ops.where(ok, value, ops.nan) if guard else value


def _triangular(params: list, u, ops: Ops):
    """The inverse CDF of triangular(lo, mode, hi) at u in [0, 1)."""
    lo, mode, hi = params
    width = hi - lo
    left = lo + ops.sqrt(u * width * (mode - lo))
    right = hi - ops.sqrt((1 - u) * width * (hi - mode))
    # u * width < mode - lo is u < (mode - lo) / width without dividing by width
    value = ops.where(u * width < mode - lo, left, right)
    ok = (lo <= mode) & (mode <= hi) & (lo < hi)
    return value, ok


def polars_value(kind: str, params: list[pl.Expr], column: str, guard: bool) -> pl.Expr:
    return sampled(kind, params, pl.col(column), POLARS, guard).cast(F64)


def cells_value(kind: str, params: list[np.ndarray], z: np.ndarray, guard: bool) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(sampled(kind, [np.asarray(p, dtype=float) for p in params], z,
                                  NUMPY, guard), dtype=float)
