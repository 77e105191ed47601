"""Quantiles of the language's distributions, analytic (no sampling): what the
tornado swings an input written as a distribution across (its 5th to 95th
percentile), instead of -pct/+pct.

- `normal(mean, sd)`: statistics.NormalDist; sd 0 is a point mass.
- `a to b`: the normal whose 5th and 95th percentiles are a and b
  (LANGUAGE.md), so its 5-95% range is exactly [a, b].
- `lognormal(mu, sigma)`: exp of the normal(mu, sigma) quantile.
- `uniform(lo, hi)`: lo + p (hi - lo).
- `triangular(lo, mode, hi)`: the inverse of its piecewise-quadratic CDF.

A definition that is a distribution (`x = 10% to 20%`) swings across its
analytic 5-95% range. A definition that holds distributions inside an
expression of no variable (`interp({2025: 3.8, 2030: 2.6 to 5.0})`,
`2 * normal(5, 1)`, `step({...}) * (90% to 110%)`) swings across the values it
takes with every distribution in it at its 5th percentile, then at its 95th
(the same standard variate a Monte Carlo sample would draw, engine.sampling):
exactly its 5-95% range when it increases with its draws, as all of these do.

A lever swings across its range when every period the output reads of it holds
a distribution; its other periods (a year map's plain entries the output does
not read) keep their value. A lever the output reads a plain number of is
scaled by -pct/+pct like any other input.
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
    """The 5th and 95th percentiles of a definition holding distributions, in one
    period (it may read `t`, never another variable: the tornado asks only of
    inputs; see the module docstring); None for a definition without one, or
    parameters that describe no distribution (the checker has said so)."""
    from engine.cells import compile_cell
    from engine.distributions import kind, parameters, problem

    node = _distribution(expr)
    if node is None:
        return _through(expr, ctx, period)
    try:
        with np.errstate(all="ignore"):
            values = tuple(float(compile_cell(p, ctx)({}, period)) for p in parameters(node))
    except (KeyError, TypeError, IndexError):  # reads a variable: not an input's definition
        return None
    name = kind(node)
    if problem(name, values, [repr(v) for v in values]) is not None:
        return None
    return quantile(name, values, LOW), quantile(name, values, HIGH)


class _AtQuantile:
    """A distribution read at one quantile of its standard variate: what engine.cells
    asks of a Monte Carlo site (kind, parameters, the variate's column, guard)."""

    def __init__(self, node: A.Call | A.Between, column: str):
        from engine.distributions import kind, parameters

        self.kind, self.parameters, self.column, self.guard = \
            kind(node), parameters(node), column, True


def _through(expr: A.Expr, ctx: Context, period: int) -> tuple[float, float] | None:
    """An expression of distributions (and of no variable) with all of them at their
    5th percentile, then at their 95th; None when it holds none or reads a variable."""
    from engine.cells import compile_cell
    from engine.sampling import NORMAL, VARIATE

    nodes = [n for n in A.walk(expr) if _distribution(n) is n]
    if not nodes:
        return None
    draws = {id(n): _AtQuantile(n, f"#q{k}") for k, n in enumerate(nodes)}
    n_periods = len(ctx.axis)
    try:
        fn = compile_cell(expr, Context(ctx.axis, ctx.functions, draws=draws))
        values = []
        for p in (LOW, HIGH):
            arrays = {s.column: np.full((1, n_periods),
                                        NormalDist().inv_cdf(p) if VARIATE[s.kind] == NORMAL else p)
                      for s in draws.values()}
            with np.errstate(all="ignore"):
                values.append(float(np.asarray(fn(arrays, period)).reshape(-1)[0]))
    except (KeyError, TypeError, IndexError):  # reads a variable: not an input's definition
        return None
    if not all(math.isfinite(v) for v in values):  # parameters that describe none
        return None
    return values[0], values[1]


def lever_range(model, plan, var: str, combo: int, periods, base: np.ndarray,
                reads=None) -> tuple[np.ndarray, np.ndarray] | None:
    """Per period (arrays over the axis): the 5th and 95th percentiles of the cells
    `periods` of var's row `combo` that hold a distribution, `base` (the row's
    values) in the others; None unless every cell the output reads (`reads`, by
    default all of `periods`) holds one: the lever is then scaled as any other, as
    a plain number the output reads is not uncertain but still moves it."""
    ctx = Context(model.axis)
    lo, hi = np.array(base, dtype=float), np.array(base, dtype=float)
    cover = plan.cover[var]
    found = set()
    for j in periods:
        piece = cover.at(combo, j)
        r = None if piece is None else cell_range(piece.expr, ctx, j)
        if r is not None:
            lo[j], hi[j] = r
            found.add(j)
    read = periods if reads is None else reads
    return (lo, hi) if read and found.issuperset(read) else None
