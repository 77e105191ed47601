"""The evaluation frame: its helper columns, and the polars expressions that read them.

A run's frame has one row per (batch, period), batch-major: the rows of batch
b are b * n .. b * n + n - 1 for n periods. Beside a column per variable it
holds helper columns, whose names start with '#' (which no variable name
can, so they never clash):

- `#batch`: the batch of the row; `#year`: its period as a number;
- `#yi`: the period's index (0 for the first); `#yf`: its `t` as a float;
- `#base`: the row of the batch's first period, so that reading an absolute
  period is a `gather`, without `.over()` on the hot path.

Every module that builds polars expressions over the frame (the polars
back-end, the function table, the sympy converter, the tangent columns)
reads it through these names and helpers.
"""

from __future__ import annotations

from engine.lazy import lazy

pl = lazy("polars")  # the function table imports this module, `scn check` no polars
BATCH, YEAR, YEAR_INDEX, YEAR_FLOAT, BATCH_BASE = "#batch", "#year", "#yi", "#yf", "#base"
HELPERS = (BATCH, YEAR, YEAR_INDEX, YEAR_FLOAT, BATCH_BASE)
CELL = "#cell"  # frames with dims only: (member combination, period) within the batch



def __getattr__(name: str):
    """F64, NAN and EMPTY: polars values, made (and polars imported) on first use."""
    if name not in ("F64", "NAN", "EMPTY"):
        raise AttributeError(f"module 'engine.frame' has no attribute {name!r}")
    values = {"F64": pl.Float64}
    values["NAN"] = pl.lit(float("nan"), dtype=pl.Float64)
    values["EMPTY"] = pl.lit(None, dtype=pl.Float64)
    globals().update(values)
    return values[name]


def polars_value(name: str):
    """F64, NAN or EMPTY, for a module that must not import polars with itself
    (`from engine.frame import F64` would)."""
    return globals()[name] if name in globals() else __getattr__(name)


def frame_of(columns: list) -> pl.DataFrame:
    """A frame of series (of one length, with distinct names), made without
    `pl.DataFrame`'s checks of each one in Python: 0.7 ms for 10,000 columns,
    against 6 ms."""
    try:
        from polars._plr import PyDataFrame
    except ImportError:  # another polars: the public way
        return pl.DataFrame(columns)
    return pl.DataFrame._from_pydf(PyDataFrame([s._s for s in columns]))


def f64_series(name: str, values) -> pl.Series:
    """`pl.Series(name, values, dtype=Float64)` of float values, made without the
    checks in Python: 1 us against 6, for the 746 recurrences an edit may redo."""
    import numpy as np

    values = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    try:
        from polars._plr import PySeries
    except ImportError:  # another polars: the public way
        return pl.Series(name, values, dtype=pl.Float64)
    return pl.Series._from_pyseries(PySeries.new_f64(name, values, False))


# Expressions built once and shared (polars expressions are immutable): compiling
# a plan of 10,000 variables built some 20,000 literals, most of them these.
_SHARED: dict = {}


def _shared(key, make):
    expr = _SHARED.get(key)
    if expr is None:
        expr = _SHARED[key] = make()
    return expr


def at(name: str, index: int) -> pl.Expr:
    """Column `name` in period `index` of each row's batch."""
    return pl.col(name).gather(_shared(("at", index), lambda: pl.col(BATCH_BASE) + index))


def running_total(col: pl.Expr) -> pl.Expr:
    """The running total of a column within each batch (cumsum)."""
    return col.cum_sum().over(BATCH)


def zero() -> pl.Expr:
    """A column of zeros: polars rewrites `0 + x` as `x`, which differs from IEEE for x = -0."""
    return _shared("zero", lambda: pl.col(YEAR_FLOAT) * 0.0)


def every_row() -> pl.Expr:
    """True in every row: `when(every_row()).then(x)` makes a literal a full column
    (a UDF does not broadcast a literal)."""
    return pl.col(YEAR_INDEX) >= 0


def exact_div(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a / b for a constant b, correctly rounded.

    polars divides a column by a scalar as a multiplication by its
    reciprocal (28 / 3 gives 9.333333333333332, not ...334); dividing by a
    column of the same value is exact, as a spreadsheet is. `b * (year * 0 + 1)`
    is such a column, equal to b bit for bit (-0, inf and NaN included);
    polars sees through `when(...).then(b)` and simplifies `b + 0.0`.
    """
    return a / (b * _shared("one", lambda: pl.col(YEAR_FLOAT) * 0.0 + 1.0))


def nan_guard(value: pl.Expr, *operands: pl.Expr) -> pl.Expr:
    """NaN where any operand is NaN, else `value` (polars orders NaN above every number)."""
    cond = operands[0].is_nan()
    for o in operands[1:]:
        cond = cond | o.is_nan()
    return pl.when(cond).then(polars_value("NAN")).otherwise(value)


def no_negative_zero(x: pl.Expr) -> pl.Expr:
    """-0 as 0: which zero min(0, -0) picks is otherwise up to the library.

    x + 0 is x for every x but -0 (IEEE: -0 + 0 is +0), NaN, inf and null
    included. (A literal 0.0 would not do: polars simplifies `x + 0.0` away, and
    folded `a + min(a, a)` into `a`, -0 for a = -0; the zero is a column,
    `zero()`, which polars leaves alone. `when(x == 0).then(zero())` is the same
    value, but writes x twice: min and max cost 1.6 times as much to plan.)
    """
    return x + zero()
