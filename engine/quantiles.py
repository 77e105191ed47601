"""Quantiles of the language's distributions, analytic (no sampling): what the
tornado swings an input written as a distribution across (its 5th to 95th
percentile), instead of -pct/+pct.

- `normal(mean, sd)`: statistics.NormalDist; sd 0 is a point mass.
- `a to b`: the normal whose 5th and 95th percentiles are a and b
  (LANGUAGE.md), so its 5-95% range is exactly [a, b].
- `lognormal(mu, sigma)`: exp of the normal(mu, sigma) quantile.
- `uniform(lo, hi)`: lo + p (hi - lo).
- `triangular(lo, mode, hi)`: the inverse of its piecewise-quadratic CDF.

Only a definition that IS a distribution counts (`x = 10% to 20%`, in
parentheses or not); `x = 2 * normal(5, 1)` is an expression of one and is
swung by -pct/+pct like any other input.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from dsl import ast as A
from engine.functions import FUNCTIONS, Context

LOW, HIGH = 0.05, 0.95  # the range the tornado swings a distribution across


def quantile(kind: str, params: tuple[float, ...], p: float) -> float:
    """The p-quantile (0 < p < 1) of a distribution given its parameter values."""
    if kind == "to":
        a, b = params
        if p == LOW:
            return a
        if p == HIGH:
            return b
        z95 = NormalDist().inv_cdf(HIGH)
        return (a + b) / 2 + (b - a) / (2 * z95) * NormalDist().inv_cdf(p)
    if kind == "normal":
        mean, sd = params
        return mean if sd == 0 else NormalDist(mean, sd).inv_cdf(p)
    if kind == "lognormal":
        mu, sigma = params
        return math.exp(mu if sigma == 0 else NormalDist(mu, sigma).inv_cdf(p))
    if kind == "uniform":
        lo, hi = params
        return lo + p * (hi - lo)
    if kind == "triangular":
        lo, mode, hi = params
        width = hi - lo
        if p < (mode - lo) / width:
            return lo + math.sqrt(p * width * (mode - lo))
        return hi - math.sqrt((1 - p) * width * (hi - mode))
    raise ValueError(f"not a distribution: {kind}")


def _distribution(expr: A.Expr) -> A.Call | A.Between | None:
    while isinstance(expr, A.Paren):
        expr = expr.expr
    if isinstance(expr, A.Between):
        return expr
    if isinstance(expr, A.Call) and FUNCTIONS.get(expr.func) is not None \
            and FUNCTIONS[expr.func].kind == "distribution":
        return expr
    return None


def cell_range(expr: A.Expr, ctx: Context, period: int) -> tuple[float, float] | None:
    """The 5th and 95th percentiles of a definition that is a distribution, in one
    period (its parameters may read `t`, never another variable: the tornado asks
    only of inputs); None for any other definition, or parameters that describe no
    distribution (the checker has said so)."""
    from engine.cells import compile_cell
    from engine.distributions import kind, parameters, problem

    node = _distribution(expr)
    if node is None:
        return None
    try:
        with np.errstate(all="ignore"):
            values = tuple(float(compile_cell(p, ctx)({}, period)) for p in parameters(node))
    except (KeyError, TypeError, IndexError):  # reads a variable: not an input's definition
        return None
    name = kind(node)
    if problem(name, values, [repr(v) for v in values]) is not None:
        return None
    return quantile(name, values, LOW), quantile(name, values, HIGH)


def lever_range(model, plan, var: str, combo: int, periods) -> tuple[np.ndarray, np.ndarray] | None:
    """Per period (arrays over the axis, NaN elsewhere): the 5th and 95th percentiles
    of the cells `periods` of var's row `combo`, when every one of them is defined
    by a distribution; else None (the lever is scaled as any other)."""
    n = len(model.axis)
    ctx = Context(model.axis)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    cover = plan.cover[var]
    for j in periods:
        piece = cover.at(combo, j)
        r = None if piece is None else cell_range(piece.expr, ctx, j)
        if r is None:
            return None
        lo[j], hi[j] = r
    return lo, hi
