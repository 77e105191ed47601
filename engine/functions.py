"""The one registry of built-in functions.

Each entry carries everything about its function: how it is called (arity,
signature text for messages), its kind, how each back-end builds it, how
sympy's form of it goes back to polars and prints, how far in time it
reads, and whether its derivative is 0. The back-ends dispatch through the
table and never test a function's name:

- `polars`, `cells`, `sympy`: builders `(b, args) -> value` called with the
  back-end `b` (`engine.polars_expr`, `engine.cells`, `engine.symbolic`) and
  the call's argument nodes. `b.value(node)` builds an argument in that
  back-end, `b.ctx` is the `Context` (the time axis, this table). An
  element-wise function is built from its values by `each(fn)`; the
  functions that read other periods have builders in `engine.time_functions`.
- `numpy`: element-wise on float64 arrays (a distribution: its mean, what a
  plain run computes).
- `from_sympy`, `sympy_names`: the sympy functions that stand for this one
  (`log` for ln; the function itself when sympy keeps it as is, see `kept`),
  printed with its name (`engine.symbolic_text`) and turned back into polars
  by `from_sympy` (`engine.symbolic_polars`).
- `reads(i, a, b)`: for a function reading other periods of a variable, the
  period indices it reads in period i (a, b: the indices of its year
  arguments) - what `engine.uses` records as a dependency.
- `kept`: how sympy keeps the function as itself, if it does; "flat"
  (round, floor, ceil: constant between jumps) means derivative 0, and the
  sensitivity output says so (`flat`).

Adding an element-wise function is one entry (with `each` builders) plus its
docs and tests. sympy is imported when a sympy builder first runs, never at
import time: `scn run` and `scn check` must not pay for it.

Kinds: "element" (element-wise in the current period), "time" (needs other
periods of its argument, or the current period itself: year(), quarter(),
month()), "aggregate" (sum/mean/min/max over `x[A..B]`; min
and max are also element-wise), "distribution" (a random quantity; a plain
run uses its mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable, Mapping


from dsl import ast as A
from engine import time_functions as tf
from engine.axis import TimeAxis
from engine.frame import every_row, exact_div, nan_guard, no_negative_zero, polars_value
from engine.lazy import lazy

pl = lazy("polars")  # imported when a polars builder first runs: `scn check` builds none
np = lazy("numpy")  # the same for numpy: checking evaluates nothing

Build = Callable[[Any, tuple[A.Expr, ...]], Any]  # (back-end, argument nodes) -> value


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    signature: str
    kind: str
    polars: Build
    cells: Build
    sympy: Build
    numpy: Callable[..., np.ndarray] | None = None
    from_sympy: Callable[..., pl.Expr] | None = None
    sympy_names: tuple[str, ...] = ()
    # How sympy keeps the function as itself (a class of engine.symbolic_functions):
    # "flat", "least", "greatest", "absolute"; None when built from sympy's own functions.
    kept: str | None = None
    reads: Callable[[int, int, int], list[int]] | None = None
    parameters: tuple[str, ...] = ()  # a distribution's parameters, as messages name them
    # sum and mean: the fold of a range's cells (time_functions.polars_sum or
    # polars_mean), which a plan computes as a helper column (engine.polars_expr)
    range_total: Callable[..., pl.Expr] | None = None

    @property
    def flat(self) -> bool:
        """Constant between jumps: its derivative is 0 wherever it exists."""
        return self.kept == "flat"

    def arity_ok(self, n: int) -> bool:
        return n >= self.min_args and (self.max_args is None or n <= self.max_args)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument" + ("" if n == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


@dataclass(frozen=True)
class Context:
    """What a back-end needs besides the expression: the time axis and the
    function table (a test may give a table of its own); with dims, the
    model's dims (`engine.reads.Reads`), which say where a reference of a
    variable with other dims, or with a selection, is to be read."""

    axis: TimeAxis
    functions: Mapping[str, Function] = field(default_factory=lambda: FUNCTIONS)
    reads: Any = None  # engine.reads.Reads of the variable being built, with dims
    # A Monte Carlo plan only (engine.montecarlo): id(distribution node) -> the
    # Site whose helper column holds its standard variates; None in a plain run.
    draws: Any = None

    def column(self, name: str, members: tuple[A.Member, ...] = ()) -> str:
        """The column (or array) that holds `name` as the variable being built reads it:
        its own name when it has the same dims and no selection, else a helper's."""
        if self.reads is None:
            return name
        return self.reads.column(name, members)


class Backend:
    """A back-end in one context: `value(node)` builds a node by its class's
    handler (the back-end module's `HANDLERS`); the handlers and the table's
    builders receive the back-end itself."""

    __slots__ = ("ctx",)
    name: str
    handlers: Mapping[type, Callable[[Any, A.Expr], Any]]

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def value(self, node: A.Expr) -> Any:
        try:
            handler = self.handlers[type(node)]
        except KeyError:
            raise A.NoHandler(self.name, node) from None
        return handler(self, node)


# ---------------------------------------------------------------- builders


def each(fn: Callable[..., Any]) -> Build:
    """An element-wise builder: `fn` of the arguments' values (polars or sympy)."""
    return lambda b, args: fn(*[b.value(a) for a in args])


def each_cell(fn: Callable[..., np.ndarray]) -> Build:
    """An element-wise cell builder: `fn` of the arguments' arrays in period i."""
    def build(b, args):
        fs = [b.value(a) for a in args]

        def call(arrays, i):
            return fn(*(np.asarray(g(arrays, i), dtype=float) for g in fs))
        return call
    return build


def keep(b, args):
    """sympy keeps the function as itself (`Function.kept`): round(x), min(a, b)."""
    return b.kept([b.value(a) for a in args])


def ranged_or_each(ranged: Build, element: Build) -> Build:
    """min/max: over a year range `min(x[A..B])`, or of their arguments."""
    def build(b, args):
        if len(args) == 1 and isinstance(args[0], A.YearRange):
            return ranged(b, args)
        return element(b, args)
    return build


def _sp():
    import sympy

    return sympy


# ---------------------------------------------------------------- numpy


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


def _unary(name: str):
    """numpy's function `name` on one array (looked up when it first runs)."""
    def run(x):
        with np.errstate(all="ignore"):
            return getattr(np, name)(np.asarray(x, dtype=float))
    return run


# ---------------------------------------------------------------- polars


def _method(name: str) -> Callable:
    """`pl.Expr.abs` and the like, without reading polars when the table is built."""
    return lambda x: getattr(x, name)()


def pl_least(*xs: pl.Expr) -> pl.Expr:
    return nan_guard(no_negative_zero(pl.min_horizontal(xs)), *xs)


def pl_greatest(*xs: pl.Expr) -> pl.Expr:
    return nan_guard(no_negative_zero(pl.max_horizontal(xs)), *xs)


def _pl_clamp(x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    inner = nan_guard(pl.max_horizontal(x, lo), x, lo)
    return nan_guard(no_negative_zero(pl.min_horizontal(inner, hi)), inner, hi)


def _pl_if(c: pl.Expr, a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return pl.when(c.is_nan()).then(polars_value("NAN")).when(c != 0).then(a).otherwise(b)


def pl_round(x: pl.Expr, digits: pl.Expr | None = None) -> pl.Expr:
    """round through np_round, the one decimal rounding (polars rounds half to even)."""
    f64 = pl.Float64
    digits = pl.lit(0.0, dtype=f64) if digits is None else digits
    full = every_row()
    return pl.map_batches(
        [pl.when(full).then(x), pl.when(full).then(digits)],
        lambda s: pl.Series(np_round(s[0].to_numpy(), s[1].to_numpy()), dtype=f64),
        return_dtype=f64)


# ---------------------------------------------------------------- sympy


def _sym_if(b, args):
    c, x, y = args
    cond = b.cond(c)
    return _sp().Piecewise((b.value(x), cond), (b.value(y), True))


def _sym_clamp(b, args):
    """min(max(x, lo), hi), built as the model would write it."""
    x, lo, hi = args
    return b.value(A.Call("min", (A.Call("max", (x, lo)), hi)))


def _sym_log10(x):
    sp = _sp()
    return sp.log(x) / sp.log(10)


def _mean_between(lo, hi):
    return (lo + hi) / 2


# `a to b` is a normal distribution whose 5th and 95th percentiles are a and b.
BETWEEN_MEAN = _mean_between


def _element(name: str, lo: int, hi: int | None, signature: str, numpy, polars, sympy,
             **more) -> Function:
    return Function(name, lo, hi, signature, "element", each(polars), each_cell(numpy),
                    sympy, numpy=numpy, **more)


def _distribution(name: str, signature: str, parameters: tuple[str, ...], mean, polars,
                  sympy) -> Function:
    n = len(parameters)
    return Function(name, n, n, signature, "distribution", each(polars), each_cell(mean),
                    each(sympy), numpy=mean, parameters=parameters)


def _extreme(name: str, np_fn, pl_fn, kept: str, sympy_name: str, plain) -> Function:
    """min or max: of their arguments, or over a year range; `plain` is how the
    sympy form goes back to polars (no NaN guard: derivatives only)."""
    return Function(
        name, 1, None, f"{name}(a, b, ...) or {name}(x[A..B])", "aggregate",
        ranged_or_each(tf.polars_range(pl_fn), each(pl_fn)),
        ranged_or_each(tf.cells_range(lambda cols: np_fn(*cols)), each_cell(np_fn)),
        ranged_or_each(tf.sympy_range(tf.kept_fold), keep),
        numpy=np_fn, kept=kept, sympy_names=(sympy_name,),
        from_sympy=lambda *xs: plain(xs))


def _total(name: str, polars, cells, sympy) -> Function:
    return Function(name, 1, 1, f"{name}(x[A..B])", "aggregate", tf.polars_range(polars),
                    tf.cells_range(cells), tf.sympy_range(sympy), range_total=polars)


def _flat(name: str, signature: str, numpy, polars, lo: int = 1, hi: int = 1) -> Function:
    return _element(name, lo, hi, signature, numpy, polars, keep, kept="flat",
                    from_sympy=polars)


def _time(name: str, signature: str, n: int, polars: Build, cells: Build, sympy: Build,
          reads=None) -> Function:
    return Function(name, n, n, signature, "time", polars, cells, sympy, reads=reads)


def _calendar(part: str) -> Function:
    """year(), quarter(), month(): of the period being computed, no argument. sympy
    keeps each as a flat function of `t` (engine.time_functions.calendar_of_t)."""
    return Function(part, 0, 0, f"{part}()", "time", tf.polars_calendar(part),
                    tf.cells_calendar(part), tf.sympy_calendar(part),
                    numpy=tf.calendar_of_t(part), from_sympy=tf.polars_calendar_of_t(part),
                    kept="flat")


# The time functions that read a window of periods before the current one. Their
# uses (engine.uses) carry the axis' periods a year in `a` and the position of
# the axis' first period within its year in `b`, which `reads` needs.
WINDOWED = ("yoy", "ytd", "ttm")
CALENDAR = ("year", "quarter", "month")
# The running totals sympy keeps as one symbol each (engine.symbolic.Ref): from the
# axis' first period, and from the calendar year's first period.
RUNNING_TOTALS = ("cumsum", "ytd")


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    _extreme("min", np_min, pl_least, "least", "Min", lambda xs: pl.min_horizontal(xs)),
    _extreme("max", np_max, pl_greatest, "greatest", "Max", lambda xs: pl.max_horizontal(xs)),
    _total("sum", tf.polars_sum, tf.cells_sum, tf.sympy_sum),
    _total("mean", tf.polars_mean, tf.cells_mean, tf.sympy_mean),
    _element("abs", 1, 1, "abs(x)", _unary("abs"), _method("abs"), keep, kept="absolute",
             from_sympy=_method("abs"), sympy_names=("Abs",)),
    _flat("round", "round(x) or round(x, n)", np_round, pl_round, 1, 2),
    _flat("floor", "floor(x)", _unary("floor"), _method("floor")),
    _flat("ceil", "ceil(x)", _unary("ceil"), _method("ceil")),
    _element("exp", 1, 1, "exp(x)", _unary("exp"), _method("exp"), each(lambda x: _sp().exp(x)),
             from_sympy=_method("exp"), sympy_names=("exp",)),
    _element("ln", 1, 1, "ln(x)", _unary("log"), _method("log"), each(lambda x: _sp().log(x)),
             from_sympy=_method("log"), sympy_names=("log",)),
    _element("log10", 1, 1, "log10(x)", _unary("log10"), _method("log10"), each(_sym_log10)),
    _element("sqrt", 1, 1, "sqrt(x)", _unary("sqrt"), _method("sqrt"),
             each(lambda x: _sp().sqrt(x))),
    _element("clamp", 3, 3, "clamp(x, lo, hi)", np_clamp, _pl_clamp, _sym_clamp),
    _element("if", 3, 3, "if(condition, then, else)", np_if, _pl_if, _sym_if),
    _time("interp", "interp({YEAR: value, ...})", 1,
          tf.polars_interp, tf.cells_interp(step=False), tf.sympy_interp(step=False)),
    _time("step", "step({YEAR: value, ...})", 1,
          tf.polars_step, tf.cells_interp(step=True), tf.sympy_interp(step=True)),
    _time("cumsum", "cumsum(x)", 1, tf.polars_cumsum, tf.cells_cumsum, tf.sympy_cumsum,
          reads=lambda i, a, b: list(range(0, i + 1))),
    _time("growth", "growth(x)", 1, tf.polars_growth, tf.cells_growth, tf.sympy_growth,
          reads=lambda i, a, b: [i - 1, i]),
    _time("cagr", "cagr(x, A, B)", 3, tf.polars_cagr, tf.cells_cagr, tf.sympy_cagr,
          reads=lambda i, a, b: [a, b]),
    _time("yoy", "yoy(x)", 1, tf.polars_yoy, tf.cells_yoy, tf.sympy_yoy,
          reads=lambda i, a, b: [i - a, i]),
    _time("ytd", "ytd(x)", 1, tf.polars_ytd, tf.cells_ytd, tf.sympy_ytd,
          reads=lambda i, a, b: list(range(i - (i + b) % a, i + 1))),
    _time("ttm", "ttm(x)", 1, tf.polars_ttm, tf.cells_ttm, tf.sympy_ttm,
          reads=lambda i, a, b: list(range(i - a + 1, i + 1))),
    _calendar("year"),
    _calendar("quarter"),
    _calendar("month"),
    _distribution("normal", "normal(mean, sd)", ("mean", "sd"), lambda m, sd: m,
                  lambda m, sd: m, lambda m, sd: m),
    _distribution("uniform", "uniform(lo, hi)", ("lo", "hi"), _mean_between, _mean_between,
                  _mean_between),
    _distribution("triangular", "triangular(lo, mode, hi)", ("lo", "mode", "hi"),
                  lambda lo, mode, hi: (lo + mode + hi) / 3,
                  lambda lo, mode, hi: exact_div(lo + mode + hi, pl.lit(3.0, dtype=pl.Float64)),
                  lambda lo, mode, hi: (lo + mode + hi) / 3),
    _distribution("lognormal", "lognormal(mu, sigma)", ("mu", "sigma"),
                  lambda mu, s: np.exp(mu + s ** 2 / 2),
                  lambda mu, s: (mu + s ** 2 / 2).exp(),
                  lambda mu, s: _sp().exp(mu + s ** 2 / 2)),
]}
