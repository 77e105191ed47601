"""The builders of the functions that read other periods, for every back-end.

`interp` and `step` (a year map read at the current period), `cumsum`,
`growth`, `cagr`, `yoy`, `ytd`, `ttm`, the calendar of the period (`year()`,
`quarter()`, `month()`), and `sum`/`mean`/`min`/`max` over a range. Each
function's polars, cell and sympy builders stand together; the registry
(`engine.functions`) names them. A builder receives the back-end `b` and
the call's argument nodes (see engine.functions); periods are asked of the
time axis `b.ctx.axis`, never computed from a first year.

The checker has made sure of the arguments' shapes: a year map with single
years for interp/step, a variable name for cumsum/growth/cagr, literal years
inside the model's for cagr, a range inside the model's for the aggregates.
sympy is imported inside the sympy builders only.
"""

from __future__ import annotations

from typing import Callable


from dsl import ast as A
from engine.axis import TimeAxis
from engine.frame import BATCH, YEAR, YEAR_FLOAT, at, exact_div, running_total
from engine.lazy import lazy

pl = lazy("polars")  # imported when a polars builder first runs: `scn check` builds none
np = lazy("numpy")  # the same for numpy: checking evaluates nothing


def _range(axis: TimeAxis, r: A.YearRange) -> range:
    """The period indices a range `x[A..B]` covers (an open side runs to the axis'
    end; a year stands for its periods: `x[2025]` is 2025Q1..2025Q4)."""
    lo, hi = axis.clip(*axis.span_of(r.years.start, r.years.end))
    return range(lo, hi + 1)


def _cagr_years(args: tuple[A.Expr, ...]) -> tuple[str, int, int]:
    return args[0].name, int(args[1].text), int(args[2].text)


def key_t(axis: TimeAxis, key: A.Years) -> float:
    """`t` of an interp/step key: the start of the period written as a fractional
    year (a year key stands at its first period: 2025 is 2025.0), computed as
    the axis computes `t`."""
    return key.start.t


def _sorted_entries(m: A.YearMap) -> list[A.MapEntry]:
    return sorted(m.entries, key=lambda e: e.years.start.t)


# ---------------------------------------------------------------- polars


def polars_range(fold: Callable[..., pl.Expr]) -> Callable:
    """An aggregate over `x[A..B]`: `fold` of the cells, left to right like the reference."""
    def build(b, args):
        r = args[0]
        name = b.ctx.column(r.name, r.members)
        return fold(*[at(name, i) for i in _range(b.ctx.axis, r)])
    return build


def polars_sum(*items: pl.Expr) -> pl.Expr:
    total = items[0]
    for x in items[1:]:
        total = total + x
    return total


def polars_mean(*items: pl.Expr) -> pl.Expr:
    return exact_div(polars_sum(*items), pl.lit(float(len(items)), dtype=pl.Float64))


def polars_cumsum(b, args) -> pl.Expr:
    return running_total(pl.col(b.ctx.column(args[0].name, args[0].members)))


def polars_growth(b, args) -> pl.Expr:
    x = pl.col(b.ctx.column(args[0].name, args[0].members))
    return x / x.shift(1) - 1


def polars_yoy(b, args) -> pl.Expr:
    """x / x a year earlier - 1: `per_year` rows back (the checker keeps reads in the batch)."""
    x = pl.col(b.ctx.column(args[0].name, args[0].members))
    return x / x.shift(b.ctx.axis.per_year) - 1


def polars_ttm(b, args) -> pl.Expr:
    """The last year's periods summed, the oldest first (as the reference adds them)."""
    x = pl.col(b.ctx.column(args[0].name, args[0].members))
    k = b.ctx.axis.per_year
    total = x.shift(k - 1)
    for j in range(k - 2, -1, -1):
        total = total + (x.shift(j) if j else x)
    return total


def polars_ytd(b, args) -> pl.Expr:
    """A running total within each batch and calendar year (cumsum's, restarted each year)."""
    x = pl.col(b.ctx.column(args[0].name, args[0].members))
    # a running total starts at 0 (never -0), as cumsum's; the calendar year of a
    # row is its absolute period number // per_year
    return x.cum_sum().over(BATCH, pl.col(YEAR) // b.ctx.axis.per_year)


def polars_calendar(part: str) -> Callable:
    """year(), quarter(), month() of each row's period, from its absolute number."""
    def build(b, args) -> pl.Expr:
        k = b.ctx.axis.per_year
        month0 = (pl.col(YEAR) % k) * (12 // k)  # the period's first month, from 0
        if part == "year":
            out = pl.col(YEAR) // k
        elif part == "quarter":
            out = month0 // 3 + 1
        else:
            out = month0 + 1
        return out.cast(pl.Float64)
    return build


def polars_cagr(b, args) -> pl.Expr:
    x, a, c = _cagr_years(args)
    x = b.ctx.column(x, args[0].members)
    axis = b.ctx.axis
    return (at(x, axis.index(c)) / at(x, axis.index(a))).pow(1 / (c - a)) - 1


def _polars_keys(b, m: A.YearMap) -> tuple[list[float], list[pl.Expr]]:
    entries = _sorted_entries(m)
    axis = b.ctx.axis
    return [key_t(axis, e.years) for e in entries], [b.value(e.value) for e in entries]


def polars_interp(b, args) -> pl.Expr:
    """Linear between the given years, exact at them, flat outside."""
    ks, vs = _polars_keys(b, args[0])
    if len(ks) == 1:
        return vs[0]
    y = pl.col(YEAR_FLOAT)
    chain = pl.when(y <= ks[0]).then(vs[0])
    for j in range(1, len(ks)):
        k0, k1, v0, v1 = ks[j - 1], ks[j], vs[j - 1], vs[j]
        weight = exact_div(y - k0, pl.lit(k1 - k0, dtype=pl.Float64))
        chain = chain.when(y < k1).then(v0 + (v1 - v0) * weight)
        chain = chain.when(y == k1).then(v1)
    return chain.otherwise(vs[-1])


def polars_step(b, args) -> pl.Expr:
    ks, vs = _polars_keys(b, args[0])
    if len(ks) == 1:
        return vs[0]
    y = pl.col(YEAR_FLOAT)
    chain = pl.when(y < ks[1]).then(vs[0])
    for j in range(2, len(ks)):
        chain = chain.when(y < ks[j]).then(vs[j - 1])
    return chain.otherwise(vs[-1])


# ---------------------------------------------------------------- cells (numpy, period by period)


def cells_range(fold: Callable[[list[np.ndarray]], np.ndarray]) -> Callable:
    def build(b, args):
        r = args[0]
        indices = _range(b.ctx.axis, r)
        name = b.ctx.column(r.name, r.members)

        def aggregate(arrays, i):
            return fold([arrays[name][..., j] for j in indices])
        return aggregate
    return build


def cells_sum(cols: list[np.ndarray]) -> np.ndarray:
    total = cols[0]
    for c in cols[1:]:
        total = total + c
    return total


def cells_mean(cols: list[np.ndarray]) -> np.ndarray:
    return cells_sum(cols) / len(cols)


def cells_cumsum(b, args):
    x = b.ctx.column(args[0].name, args[0].members)
    # a running total starts at 0, as polars' cum_sum does: never -0
    return lambda arrays, i: np.cumsum(arrays[x][..., : i + 1], axis=-1)[..., -1] + 0.0


def cells_growth(b, args):
    x = b.ctx.column(args[0].name, args[0].members)

    def growth(arrays, i):
        return arrays[x][..., i] / arrays[x][..., i - 1] - 1
    return growth


def cells_yoy(b, args):
    x = b.ctx.column(args[0].name, args[0].members)
    k = b.ctx.axis.per_year

    def yoy(arrays, i):
        return arrays[x][..., i] / arrays[x][..., i - k] - 1
    return yoy


def cells_ttm(b, args):
    x = b.ctx.column(args[0].name, args[0].members)
    k = b.ctx.axis.per_year

    def ttm(arrays, i):
        a = arrays[x]
        total = a[..., i - k + 1]
        for j in range(i - k + 2, i + 1):
            total = total + a[..., j]
        return total
    return ttm


def cells_ytd(b, args):
    x = b.ctx.column(args[0].name, args[0].members)
    axis = b.ctx.axis
    # a running total starts at 0, as polars' cum_sum does: never -0
    return lambda arrays, i: np.cumsum(arrays[x][..., axis.first_of_year(i): i + 1],
                                       axis=-1)[..., -1] + 0.0


def cells_calendar(part: str) -> Callable:
    def build(b, args):
        values = calendar_values(b.ctx.axis, part)
        return lambda arrays, i: values[i]
    return build


def calendar_of(absolute: int, per_year: int, part: str) -> int:
    """year(), quarter() or month() of the period with this absolute number
    (a quarter's month is its first; a year's quarter and month are 1)."""
    month0 = (absolute % per_year) * (12 // per_year)
    if part == "year":
        return absolute // per_year
    return month0 // 3 + 1 if part == "quarter" else month0 + 1


def calendar_values(axis: TimeAxis, part: str) -> list[np.float64]:
    """year(), quarter() or month() of every period of the axis."""
    return [np.float64(calendar_of(axis.absolute(i), axis.per_year, part))
            for i in range(len(axis))]


def calendar_of_t(part: str) -> Callable[[np.ndarray], np.ndarray]:
    """year(), quarter() or month() of a period from its `t` (what sympy's form of
    them reads): 12 t is within rounding of the period's absolute month, so its
    nearest integer is exact whatever the axis' unit."""
    def of_t(t):
        m = np.rint(np.asarray(t, dtype=float) * 12)
        y = np.floor_divide(m, 12)
        if part == "year":
            return y
        month = m - 12 * y + 1
        return month if part == "month" else np.floor_divide(month - 1, 3) + 1
    return of_t


def polars_calendar_of_t(part: str) -> Callable[[pl.Expr], pl.Expr]:
    """`calendar_of_t` over a polars column of t (sympy's form back to polars)."""
    def of_t(t: pl.Expr) -> pl.Expr:
        m = (t * 12.0).round(0)
        y = (m / 12.0).floor()
        if part == "year":
            return y
        month = m - y * 12.0 + 1.0
        return month if part == "month" else ((month - 1.0) / 3.0).floor() + 1.0
    return of_t


def cells_cagr(b, args):
    x, a, c = _cagr_years(args)
    x = b.ctx.column(x, args[0].members)
    ia, ic = b.ctx.axis.index(a), b.ctx.axis.index(c)

    def cagr(arrays, i):
        return np.power(arrays[x][..., ic] / arrays[x][..., ia], 1 / (c - a)) - 1
    return cagr


def cells_interp(step: bool) -> Callable:
    def build(b, args):
        axis = b.ctx.axis
        entries = _sorted_entries(args[0])
        ks = [key_t(axis, e.years) for e in entries]
        fs = [b.value(e.value) for e in entries]

        def at_period(arrays, i):
            y = axis.t(i)
            if len(ks) == 1 or y <= ks[0]:
                return fs[0](arrays, i)
            if y >= ks[-1]:
                return fs[-1](arrays, i)
            j = next(j for j in range(1, len(ks)) if y <= ks[j])
            if y == ks[j]:
                return fs[j](arrays, i)
            if step:
                return fs[j - 1](arrays, i)
            v0, v1 = np.asarray(fs[j - 1](arrays, i), dtype=float), fs[j](arrays, i)
            return v0 + (v1 - v0) * ((y - ks[j - 1]) / (ks[j] - ks[j - 1]))
        return at_period
    return build


# ---------------------------------------------------------------- sympy


def sympy_range(fold: Callable) -> Callable:
    """An aggregate over `x[A..B]` as a sympy expression of its cells, `fold(b, cells)`."""
    def build(b, args):
        r = args[0]
        axis = b.ctx.axis
        cells = [b.at(r.name, axis.absolute(i)) for i in _range(axis, r)]
        return fold(b, cells)
    return build


def sympy_sum(b, cells):
    import sympy as sp

    return sp.Add(*cells)


def sympy_mean(b, cells):
    return sympy_sum(b, cells) / len(cells)


def kept_fold(b, cells):
    """min/max of a range: the function kept as itself over the cells."""
    return b.kept(cells)


def sympy_cumsum(b, args):
    return b.cell(args[0].name, 0, cumsum=True)


def sympy_growth(b, args):
    x = args[0].name
    return b.cell(x, 0) / b.cell(x, -1) - 1


def sympy_yoy(b, args):
    x = args[0].name
    return b.cell(x, 0) / b.cell(x, -b.ctx.axis.per_year) - 1


def sympy_ttm(b, args):
    import sympy as sp

    x = args[0].name
    return sp.Add(*(b.cell(x, -j) for j in range(b.ctx.axis.per_year - 1, -1, -1)))


def sympy_ytd(b, args):
    """Where the period is known, the year's cells so far; else one symbol, `ytd(x)`,
    a running total as cumsum(x) is (its tangent is the running total of d(x))."""
    import sympy as sp

    x = args[0].name
    if b.year is not None:
        k = b.ctx.axis.per_year
        return sp.Add(*(b.cell(x, -j) for j in range(b.year % k, -1, -1)))
    return b.cell(x, 0, ytd=True)


def sympy_calendar(part: str) -> Callable:
    """year(), quarter(), month(): the number where the period is known, else the
    registry's function of `t` (flat: derivative 0), which sympy keeps as itself."""
    def build(b, args):
        import sympy as sp

        if b.year is not None:
            return sp.Integer(calendar_of(b.year, b.ctx.axis.per_year, part))
        return b.kept([b.t()])
    return build


def sympy_cagr(b, args):
    import sympy as sp

    x, a, c = _cagr_years(args)
    return sp.Pow(b.at(x, c) / b.at(x, a), sp.Rational(1, c - a)) - 1


def sympy_interp(step: bool) -> Callable:
    """Linear (or held) between the given years, flat outside: at a known
    year the value of that year, else a Piecewise in t."""
    def build(b, args):
        import sympy as sp

        entries = _sorted_entries(args[0])
        # keys and the period as exact fractional years (a year key at its first period)
        keys = [sp.Rational(e.years.start.number, e.years.start.per_year) for e in entries]
        values = [b.value(e.value) for e in entries]
        if b.year is not None:
            return _segment_value(keys, values, sp.Rational(b.year, b.ctx.axis.per_year), step)
        t = b.t()
        pieces = [(values[0], t <= keys[0])]
        for j in range(1, len(keys)):
            k0, k1 = keys[j - 1], keys[j]
            if step:
                pieces.append((values[j - 1], t < k1))
            else:
                w = (t - k0) / (k1 - k0)
                pieces.append((values[j - 1] + (values[j] - values[j - 1]) * w, t < k1))
        pieces.append((values[-1], True))
        return sp.Piecewise(*pieces)
    return build


def _segment_value(keys: list, values: list, year, step: bool):
    """The value at `year` (the period's t, exact) of the line through the keys."""
    if len(keys) == 1 or year <= keys[0]:
        return values[0]
    if year >= keys[-1]:
        return values[-1]
    j = next(j for j in range(1, len(keys)) if year <= keys[j])
    if year == keys[j]:
        return values[j]
    if step:
        return values[j - 1]
    w = (year - keys[j - 1]) / (keys[j] - keys[j - 1])
    return values[j - 1] + (values[j] - values[j - 1]) * w
