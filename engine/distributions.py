"""Which parameters make a distribution, and the checks that refuse the others.

`normal(5, -1)`, `uniform(10, 0)`, `triangular(3, 1, 2)`, `lognormal(0, -1)`
and `20% to 10%` describe no distribution. A plain run would still compute
their means, so nothing else would notice. Where every parameter is a
literal (numbers, operators and element-wise functions: `-1`, `5%`,
`2 * 3%`), the checker reports the mistake at its position before anything
runs; where a parameter reads a variable or `t`, each run checks the values
the parameters take and warns, naming the variable, the year and the line.

Decided (docs/language.md, section 9):
- normal and lognormal: the spread (sd, sigma) must be >= 0; 0 is a point mass.
- uniform(lo, hi) and `a to b`: lo <= hi (a <= b); equal ends are a point mass.
- triangular(lo, mode, hi): lo <= mode <= hi and lo < hi (a triangle needs a base).
- every parameter is a finite number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from dsl import ast as A
from dsl.errors import Diagnostic, Subject
from engine.axis import TimeAxis
from engine.functions import FUNCTIONS, Context
from engine.lazy import lazy

np = lazy("numpy")  # checking a file evaluates no parameter that is not a plain number

Draw = A.Call | A.Between  # a distribution in an expression

_DISTRIBUTIONS = [f for f in FUNCTIONS.values() if f.kind == "distribution"]
SIGNATURES = {**{f.name: f.signature for f in _DISTRIBUTIONS}, "to": "'a to b'"}
PARAMETERS = {**{f.name: f.parameters for f in _DISTRIBUTIONS}, "to": ("a", "b")}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one set of parameter values, in words."""

    message: str  # "normal(mean, sd) needs sd >= 0, but sd is -1"
    argument: int | None  # the one parameter at fault, or None for their order


def kind(node: Draw) -> str:
    return "to" if isinstance(node, A.Between) else node.func


def parameters(node: Draw) -> tuple[A.Expr, ...]:
    return (node.low, node.high) if isinstance(node, A.Between) else node.args


def is_literal(expr: A.Expr) -> bool:
    """Numbers, operators and element-wise functions only: the same value in every year."""
    for n in A.walk(expr):
        if isinstance(n, (A.Name, A.Shifted, A.AtYear, A.YearRange, A.CurrentYear, A.YearMap)):
            return False
        if isinstance(n, A.Call) and n.func in FUNCTIONS and FUNCTIONS[n.func].kind == "time":
            return False
    return True


def problem(name: str, values: Sequence[float], shown: Sequence[str]) -> Problem | None:
    """The first rule that `values` (written as `shown`) break, or None."""
    sig, names = SIGNATURES[name], PARAMETERS[name]
    for j, v in enumerate(values):
        if not math.isfinite(v):
            return Problem(f"{sig} needs finite numbers, but {names[j]} is {shown[j]}", j)
    if name in ("normal", "lognormal"):
        if values[1] < 0:
            return Problem(f"{sig} needs {names[1]} >= 0, but {names[1]} is {shown[1]}", 1)
        return None
    if name in ("uniform", "to"):
        lo, hi = names
        if values[0] > values[1]:
            return Problem(f"{sig} needs {lo} <= {hi}, but {lo} is {shown[0]} and {hi} is "
                           f"{shown[1]}", None)
        return None
    lo, mode, hi = values
    if not lo <= mode <= hi:
        return Problem(f"{sig} needs lo <= mode <= hi, but lo is {shown[0]}, mode is {shown[1]} "
                       f"and hi is {shown[2]}", None)
    if lo == hi:
        return Problem(f"{sig} needs lo < hi, but lo and hi are both {shown[0]}", None)
    return None


def breaks_order(name: str, values: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise: finite parameter values that describe no distribution.

    A parameter that is not a finite number is left out: where it comes from
    a variable, that variable's own non-finite warning points at the cause.
    """
    finite = np.ones(np.broadcast(*values).shape, dtype=bool)
    for v in values:
        finite &= np.isfinite(v)
    with np.errstate(invalid="ignore"):
        if name in ("normal", "lognormal"):
            wrong = values[1] < 0
        elif name in ("uniform", "to"):
            wrong = values[0] > values[1]
        else:
            lo, mode, hi = values
            wrong = (lo > mode) | (mode > hi) | (lo >= hi)
    return finite & wrong


# ---------------------------------------------------------------- before running


def check_literal(node: Draw, axis: TimeAxis) -> Diagnostic | None:
    """An error when every parameter is a literal and together they describe no distribution."""
    from dsl.format import expr_text

    params = parameters(node)
    values = [_plain(p) for p in params]
    if None in values:  # an operator or a function: evaluated as a run would (numpy)
        from engine.cells import compile_cell

        ctx = Context(axis)
        with np.errstate(all="ignore"):
            values = [float(compile_cell(p, ctx)({}, 0)) for p in params]
    texts = [expr_text(p) for p in params]
    shown = [t if isinstance(_bare(p), A.Number) else f"{t} = {_number(v)}"
             for p, t, v in zip(params, texts, values)]
    found = problem(kind(node), values, shown)
    if found is None:
        return None
    span = node.span if found.argument is None else params[found.argument].span
    return Diagnostic(found.message, span, _hint(kind(node), values, texts),
                      code="distribution-params")


def _plain(expr: A.Expr) -> float | None:
    """The value of a number as written (`-1`, `(5%)`), or None for anything else."""
    bare = _bare(expr)
    if not isinstance(bare, A.Number):
        return None
    minus = 0
    while expr is not bare:
        minus ^= isinstance(expr, A.Unary)
        expr = expr.expr if isinstance(expr, A.Paren) else expr.operand
    return -float(bare.value) if minus else float(bare.value)


def _bare(expr: A.Expr) -> A.Expr:
    """A literal as written, seeing through parentheses and a minus: `-1`, `(5%)`."""
    while isinstance(expr, A.Paren) or (isinstance(expr, A.Unary) and expr.op == "-"):
        expr = expr.expr if isinstance(expr, A.Paren) else expr.operand
    return expr


def _hint(name: str, values: list[float], texts: list[str]) -> str:
    if not all(math.isfinite(v) for v in values):
        return "look for a division by zero or an overflow in the parameters"
    if name in ("normal", "lognormal"):
        return "a spread is never negative; 0 makes the value fixed"
    if name == "uniform":
        return f"write the low end first: uniform({texts[1]}, {texts[0]})"
    if name == "to":
        return f"write the low end first: {texts[1]} to {texts[0]}"
    order = sorted(range(3), key=lambda j: values[j])
    if values[order[0]] == values[order[2]]:
        return "for a fixed value, write the number itself"
    return "write them in order: triangular(" + ", ".join(texts[j] for j in order) + ")"


def _number(v: float) -> str:
    return f"{v:.6g}"


# ---------------------------------------------------------------- at run time


PLAIN_HINT = "check what feeds the parameters; a plain run uses the mean all the same"
SAMPLED_HINT = "check what feeds the parameters; a sampled run shows n/a in those samples"


def parameter_warnings(plan, raw, draws, only: set[str] | None = None,
                       hint: str = PLAIN_HINT) -> list[Diagnostic]:
    """One warning per distribution whose parameters read variables and, in some
    year a run computed, describe no distribution: at the first such year.

    `draws` holds (piece, its distributions whose parameters are not literals,
    each with the `if` conditions around it) for the model's pieces (the
    checker collects them as it walks each expression). Only the years where
    the piece wins and its `if` branches are taken count: `if(sd >= 0,
    normal(m, sd), m)` guards the distribution. A Monte Carlo run passes its
    sampled frame (a row per sample and period) and its own `hint`.
    """
    import polars as pl

    from engine.model import OVERRIDES
    from engine.frame import YEAR_INDEX
    from engine.polars_expr import to_polars

    model = plan.model
    ctx = Context(model.axis)
    order = plan.graph.order  # file order
    todo = []
    for piece, found in sorted(draws, key=lambda d: (order[d[0].name], d[0].span.line)):
        v = piece.name
        if only is not None and v not in only:
            continue
        cov = plan.cover[v]
        k = next((k for k, q in enumerate(cov.pieces) if q is piece), None)
        if k is not None:  # the piece wins somewhere: the periods it wins
            years = cov.mask(k)[0]
            todo.extend((v, piece, node, guards, years) for node, guards in found)
    if not todo:
        return []
    columns = {}  # polars alias -> expression: every parameter and condition, in one select
    for k, (_, _, node, guards, _) in enumerate(todo):
        for j, p in enumerate(parameters(node)):
            columns[f"{k}.{j}"] = to_polars(p, ctx)
        for j, (cond, _) in enumerate(guards):
            columns[f"{k}.if{j}"] = to_polars(cond, ctx)
    values = raw.select(pl.col(YEAR_INDEX), *(e.alias(a) for a, e in columns.items()))
    year_index = values.get_column(YEAR_INDEX).to_numpy()

    def column(alias: str) -> np.ndarray:
        return values.get_column(alias).to_numpy().astype(float)
    out = []
    for k, (v, piece, node, guards, years) in enumerate(todo):
        args = [column(f"{k}.{j}") for j in range(len(parameters(node)))]
        bad = years[year_index] & breaks_order(kind(node), args)
        with np.errstate(invalid="ignore"):
            for j, (_, taken) in enumerate(guards):
                c = column(f"{k}.if{j}")
                bad &= (c != 0) & ~np.isnan(c) if taken else c == 0
        if not bad.any():
            continue
        at = int(np.argmax(bad))
        found = problem(kind(node), [a[at] for a in args], [_number(a[at]) for a in args])
        i = int(year_index[at])
        out.append(Diagnostic(
            f"{v} in {model.axis.label(i)}: {found.message} (definition on line {piece.line})", node.span,
            hint,
            severity="warning", source=OVERRIDES if piece.layer == OVERRIDES else model.source,
            code="distribution-params", subject=Subject(variable=v, period=i)))
    return out
