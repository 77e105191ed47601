"""Goal seek: the value of an input that makes an output cell hit a target.

    goal_seek(model, "optics_tam[2030] = 120B", "asic_share[2030]")

The input moves as `scn sens` moves it: one cell typed over
(`asic_share[2030]`; a recurrence continues from it), or every cell of a
variable shifted by the same amount (`asic_share`). The solution is, in
order of preference:

1. exact, with sympy, when the output is a polynomial or a ratio of
   polynomials in the input (the expression is unrolled cell by cell, with
   everything the input cannot reach as a number) and the budget allows;
2. Newton steps with the exact derivative of the tangent model, damped so
   that every step brings the output closer;
3. bisection on a sign change found by scanning a wide range of values in
   one batch run.

Every answer is re-evaluated by the engine; it must hit the target within
1e-9 relative or it is not an answer. A target that no value reaches is an
error that gives the range the output covered over the values tried.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import sympy as sp

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.parser import parse_statement
from dsl.text import split_lines
from engine.api import Overrides, evaluate, uses_of
from engine.model import BASE, SERIES, Model, Piece
from engine.plan import Plan, run
from engine.functions import Context
from engine.partials import expression
from engine.symbolic import T, Builder, refs_in, symbol
from engine.symbolic_budget import tree_size
from engine.symbolic_functions import Applied
from engine.tangent import helper_name, moved_cells, restricted, run_tangent, tangent_plan
from engine.address import Cell
from engine.trace import check_period, has_value, one_cell, parse_cell
from engine.uses import UseCollector, suggest

TOLERANCE = 1e-12  # relative: the engine must agree with the target to this (tests ask 1e-9)
UNROLL_SIZE = 3000  # nodes of the unrolled output before the exact route gives up
UNROLL_DEPTH = 300  # cells deep
MAX_DEGREE = 8
SHIFT = sp.Symbol("shift", real=True)


@dataclass(frozen=True)
class GoalResult:
    """The solved input. `value` is the new value of the cell, or the shift
    added to every period (`vary` a whole variable); `values` the input by
    period after the change; `override` a `--set` definition that reproduces it."""

    output: Cell  # the target cell
    target: float
    vary: Cell  # the input: a cell, or a whole variable (shifted in every period)
    value: float
    base: float  # the cell's value before, or 0.0 for a shift
    values: tuple[float | None, ...]
    achieved: float  # the output re-evaluated with the solution
    method: str  # "exact", "newton" or "bisection"
    detail: str
    override: str  # with dims, possibly several definitions, one a line
    # With dims: the moved member rows after the change, (row label, values by period)
    rows: tuple[tuple[str, tuple[float | None, ...]], ...] = ()


def goal_seek(model: Model, target: str, vary: str, vary_year: str | int | None = None,
              scenario: str = BASE, overrides: Overrides | None = None,
              text: str | None = None) -> GoalResult:
    """Solve `target` ("optics_tam[2030] = 120B") for the input `vary`.

    `text` is the model's source: with it, an input shifted in every year is
    written back as its own formula plus the shift (`asic_share =
    interp({...}) + 0.05`) rather than as a year map of values."""
    axis = model.axis
    y, goal, goal_span = parse_target(model, target)
    x = parse_cell(model, vary, "--vary", None if vary_year is None else str(vary_year),
                   "--vary-year")
    if vary_year is not None and x.period != check_period(model, str(vary_year), "--vary-year"):
        raise ScnError([Diagnostic(f"--vary gives the year {axis.label(x.period)} and "
                                   f"--vary-year {vary_year}",
                                   A.NO_SPAN, "give the year once", source="--vary",
                                   code="bad-cell")])
    result = evaluate(model, scenario, overrides)
    if not x.whole:
        has_value(model, result.plan.cover, x, "--vary", vary)
    has_value(model, result.plan.cover, y, "TARGET", target)
    dims = bool(getattr(model, "dims", None))
    if dims:
        from engine.goal_dims import MemberProblem, member_override

        problem = MemberProblem(model, result, y, x, goal, vary)
    else:
        problem = _Problem(model, result, y, x, goal)
    # IEEE arithmetic, as in evaluation: trying huge moves may overflow to inf, quietly.
    with np.errstate(all="ignore"):
        problem.check(goal_span)
        solution, method, detail = problem.solve(goal_span)
        values = problem.values_at(solution)
        achieved = problem.output_at(solution)
    base = 0.0 if x.whole else problem.base[x.period]
    return GoalResult(
        output=y, target=goal, vary=x,
        value=float(solution), base=float(base),
        values=tuple(None if math.isnan(v) else float(v) for v in values),
        achieved=float(achieved), method=method, detail=detail,
        override=member_override(model, problem, solution, text) if dims else
        override_text(model, problem.plan, x, solution, values, text),
        rows=problem.moved_rows(solution) if dims else ())


def parse_target(model: Model, target: str) -> tuple[Cell, float, A.Span]:
    """`NAME[YEAR] = NUMBER` as a cell, its target value and the value's span."""
    try:
        node = parse_statement(target, 1)
    except ScnError as e:
        raise ScnError([_sourced(d) for d in e.diagnostics]) from None
    if isinstance(node, A.Definition) and node.members and not model.dims:
        m = node.members[0]
        raise ScnError([Diagnostic(f"'{node.name}' has no dims to select '{m.name}' from",
                                   m.span, f"write {node.name}[YEAR] = ...", source="TARGET",
                                   code="dim-mismatch", subject=Subject(variable=node.name))])
    if not isinstance(node, A.Definition):
        raise ScnError([Diagnostic("expected a target such as: optics_tam[2030] = 120B",
                                   node.span, source="TARGET", code="not-a-definition")])
    if node.name not in model.info:
        hint = suggest(node.name, model.variables, loose=True)
        raise ScnError([Diagnostic(f"unknown variable '{node.name}'", node.name_span, hint,
                                   source="TARGET", code="unknown-variable",
                                   subject=Subject(variable=node.name))])
    if node.years is None or not node.years.single:
        raise ScnError([Diagnostic("the target is one cell: give its year",
                                   node.years.span if node.years else node.name_span,
                                   f"write {node.name}[{model.axis.label(model.axis.last)}] = ...",
                                   source="TARGET", code="bad-cell")])
    period = check_period(model, str(node.years.start), "TARGET", target,
                          (node.years.span.col - 1, node.years.span.end_col - 1))
    members: tuple[str, ...] = ()
    if getattr(model, "dims", None):  # capex[goog, 2030] = 80B: the cell as a command line names it
        head = parse_cell(model, target.split("=", 1)[0], "TARGET")
        one_cell(model, head, "TARGET", target.split("=", 1)[0])
        members = head.members
    uses, errors = UseCollector(set(model.variables), model.axis).collect(node.expr)
    if errors:
        raise ScnError([_sourced(d) for d in errors])
    if uses or any(isinstance(n, (A.CurrentYear, A.YearMap)) for n in A.walk(node.expr)):
        raise ScnError([Diagnostic("the target must be a number", node.expr.span,
                                   "write a number such as 120B or 35%", source="TARGET",
                                   code="goal")])
    value = Builder(Context(model.axis)).expr(node.expr)
    if value.free_symbols or not value.is_finite:
        raise ScnError([Diagnostic("the target must be a number", node.expr.span,
                                   "write a number such as 120B or 35%", source="TARGET",
                                   code="goal")])
    return Cell(node.name, period, members), float(value), node.expr.span


def _sourced(d: Diagnostic) -> Diagnostic:
    return replace(d, source="TARGET")


class _Problem:
    """f(v) = output[year] - goal, v being the moved cell's value or the shift."""

    def __init__(self, model: Model, result, y: Cell, x: Cell, goal: float):
        self.model, self.y, self.x, self.goal = model, y, x, goal
        self.axis, self.n = model.axis, len(model.axis)
        self.y_label, self.x_label = y.label(self.axis), x.label(self.axis)
        self.base_plan: Plan = result.plan
        self.raw = result.raw
        self.base = self._column(x.variable)
        self.covered = result.plan.cover[x.variable].defined[0]
        if x.whole:
            self.plan, self.source = result.plan, x.variable
        else:
            self.plan = moved_cells(result.plan, {x.variable: (x.period,)})
            self.source = helper_name(x.variable)
        self.sub = restricted(self.plan, {y.variable})
        self.start = 0.0 if x.whole else float(self.base[x.period])
        self.scale = max(abs(self.goal), abs(self._column(y.variable)[y.period]), 1e-300)
        self.singular = False  # the derivative is 0 where the search starts

    def _column(self, v: str) -> np.ndarray:
        return self.raw.get_column(v).head(self.n).to_numpy().astype(float)

    # -- evaluations: always through the engine, several values per run
    def values_at(self, v: float) -> np.ndarray:
        if self.x.whole:
            return np.where(self.covered, self.base + v, np.nan)
        out = self.base.copy()
        out[self.x.period] = v
        return out

    def outputs(self, vs) -> np.ndarray:
        """output[year] for each candidate value, as the rows of one batch run."""
        rows = np.stack([np.nan_to_num(self.values_at(v)) for v in vs])
        frame = run(self.sub, batch=len(rows), given={self.source: rows})
        col = frame.get_column(self.y.variable).to_numpy().astype(float)
        return col.reshape(len(rows), self.n)[:, self.y.period]

    def output_at(self, v: float) -> float:
        return float(self.outputs([v])[0])

    def slope_at(self, v: float) -> float:
        rows = np.nan_to_num(self.values_at(v))[None, :]
        raw = run(self.sub, batch=1, given={self.source: rows})
        tangent = tangent_plan(self.plan, frozenset([self.source]), frozenset([self.y.variable]))
        seed = (self.covered if self.x.whole
                else np.arange(self.n) == self.x.period).astype(float)[None, :]
        dy = run_tangent(tangent, raw, {self.source: seed}, [self.y.variable])[self.y.variable]
        return float(dy[0, self.y.period])

    def hit(self, out: float) -> bool:
        return math.isfinite(out) and abs(out - self.goal) <= TOLERANCE * self.scale

    # -- checks before solving
    def check(self, span: A.Span) -> None:
        x, y = self.x, self.y
        if y.variable != x.variable and y.variable not in self.base_plan.graph.downstream(
                {x.variable}):
            raise ScnError([Diagnostic(
                f"{self.y_label} does not depend on {x.variable}: no value of {self.x_label} "
                "changes it", span,
                "vary an input it depends on (scn explain shows its precedents)",
                source="TARGET", code="goal")])

    # -- solving
    def solve(self, span: A.Span) -> tuple[float, str, str]:
        if self.hit(self.output_at(self.start)):
            return self.start, "exact", f"{self.y_label} is already at the target"
        exact = self._exact()
        if exact is not None:
            return exact
        found = self._newton()
        if found is not None:
            return found
        return self._bisection(span)

    def _exact(self) -> tuple[float, str, str] | None:
        unrolled = _Unroll(self).output()
        if unrolled is None:
            return None
        num, den = sp.fraction(sp.together(unrolled - _exact_number(self.goal)))
        try:
            poly = sp.Poly(num, SHIFT)
        except sp.PolynomialError:
            return None
        if poly.degree() < 1 or poly.degree() > MAX_DEGREE or poly.free_symbols - {SHIFT}:
            return None
        roots = [float(r) for r in poly.real_roots() if den.subs(SHIFT, r) != 0]
        if not roots:
            return None
        best = min(roots, key=lambda r: abs(r - self.start))
        kind = "linear" if poly.degree() == 1 else f"a polynomial of degree {poly.degree()}"
        if den.free_symbols:
            kind = "a ratio of polynomials"
        detail = f"{self.y_label} is {kind} in {self.x_label}"
        if len(roots) > 1:
            detail += f"; {len(roots)} real solutions, the one nearest the current value"
        if self.hit(self.output_at(best)):
            return best, "exact", detail
        polished = self._newton(best)  # rounding in a high-degree root: finish numerically
        if polished is not None:
            return polished[0], "exact", detail + ", refined by Newton steps"
        return None

    def _newton(self, start: float | None = None, steps: int = 50) -> tuple[float, str, str] | None:
        v = self.start if start is None else start
        fv = self.output_at(v) - self.goal
        for k in range(1, steps + 1):
            slope = self.slope_at(v)
            if slope == 0 or not math.isfinite(slope):
                self.singular = self.singular or (k == 1 and start is None)
                return None
            step = -fv / slope
            trials = [v + step * 0.5 ** j for j in range(16)]  # damping, in one run
            outs = self.outputs(trials) - self.goal
            better = [j for j in range(16) if math.isfinite(outs[j]) and abs(outs[j]) < abs(fv)]
            if not better:
                return None
            v, fv = trials[better[0]], outs[better[0]]
            if self.hit(fv + self.goal):
                return v, "newton", f"{k} Newton step{'s' if k > 1 else ''} with the exact derivative"
        return None

    def _bisection(self, span: A.Span) -> tuple[float, str, str]:
        grid = self._grid()
        outs = self.outputs(grid)
        f = outs - self.goal
        pairs = [(j, j + 1) for j in range(len(grid) - 1)
                 if math.isfinite(f[j]) and math.isfinite(f[j + 1])
                 and np.sign(f[j]) * np.sign(f[j + 1]) <= 0]  # f[j] * f[j + 1] may overflow
        if not pairs:
            raise self._unreachable(grid, outs, span)
        j, k = min(pairs, key=lambda p: abs(grid[p[0]] - self.start))
        a, b, fa = grid[j], grid[k], f[j]
        for step in range(1, 200):
            m = (a + b) / 2
            fm = self.output_at(m) - self.goal
            if self.hit(fm + self.goal) or m in (a, b):
                if self.hit(fm + self.goal):
                    return m, "bisection", (f"{step} bisection steps on a sign change "
                                            "(Newton steps did not converge)")
                break
            if (fa < 0) == (fm < 0):
                a, fa = m, fm
            else:
                b = m
        raise ScnError([Diagnostic(
            f"{self.y_label} jumps across {_show(self.goal)} as {self.x_label} moves: "
            "no value hits it exactly",
            span, "the output is not continuous here (round, floor, ceil, if, step?)",
            source="TARGET", code="goal")])

    def _grid(self) -> list[float]:
        """Values to try around the current one, from tiny to huge moves."""
        scale = float(np.nanmax(np.abs(self.base[self.covered]))) if self.covered.any() else 1.0
        scale = scale or 1.0
        steps = [scale * 10.0 ** (e / 4) for e in range(-24, 13)]
        grid = [self.start - s for s in reversed(steps)] + [self.start] + [self.start + s for s in steps]
        return grid

    def _unreachable(self, grid, outs, span: A.Span) -> ScnError:
        finite = outs[np.isfinite(outs)]
        what = (f"{self.x_label} (the same shift in every year)" if self.x.whole
                else self.x_label)
        if finite.size == 0:
            reach = "it is not a number for every value tried"
        elif float(finite.max() - finite.min()) <= 1e-9 * float(np.abs(finite).max()):
            reach = f"it stays at {_show(float(finite.min()))} whatever the value"
        else:
            tried = "shifts" if self.x.whole else "values"
            reach = (f"over the {tried} tried ({_show(grid[0])} to {_show(grid[-1])}) it stays "
                     f"between {_show(float(finite.min()))} and {_show(float(finite.max()))}")
        if self.singular:
            reach += f"; its derivative with respect to {self.x_label} is 0 at the current value"
        return ScnError([Diagnostic(
            f"{self.y_label} cannot reach {_show(self.goal)} by moving {what}: {reach}", span,
            "choose a target inside that range, or vary another input", source="TARGET",
            code="goal")])


def _show(v: float) -> str:
    """A number in the language's own notation: 120B, 5.89B, 0.45."""
    if abs(v) >= 1e15:  # past the T range: 1e300, not 1e+288T
        return repr(float(v)).replace("e+", "e")
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(v) >= scale:
            return f"{v / scale:.6g}{suffix}"
    return f"{v:.6g}"


def _exact_number(v: float) -> sp.Rational:
    q = Fraction(Decimal(repr(v)))
    return sp.Rational(q.numerator, q.denominator)


class _Unroll:
    """output[period] as a sympy expression of SHIFT (the moved value), cell by
    cell, every cell the input cannot reach being its evaluated number."""

    def __init__(self, p: _Problem):
        self.p = p
        graph = p.base_plan.graph
        self.reach = graph.downstream({p.x.variable}) & graph.upstream({p.y.variable})
        self.memo: dict[tuple[str, int], sp.Expr] = {}
        self.sizes: dict = {}
        self.columns: dict[str, np.ndarray] = {}

    def output(self) -> sp.Expr | None:
        try:
            return self.cell(self.p.y.variable, self.p.y.period, 0)
        except _TooBig:
            return None

    def number(self, v: str, i: int) -> sp.Expr:
        col = self.columns.get(v)
        if col is None:
            col = self.columns[v] = self.p._column(v)
        return _exact_number(float(col[i]))

    def cell(self, v: str, i: int, depth: int) -> sp.Expr:
        """The cell of `v` at period index `i`."""
        key = (v, i)
        if key in self.memo:
            return self.memo[key]
        if depth > UNROLL_DEPTH:
            raise _TooBig
        p, x = self.p, self.p.x
        if v == x.variable and (x.whole or x.period == i):
            e = self.number(v, i) + SHIFT if x.whole else SHIFT
        elif v not in self.reach:
            e = self.number(v, i)
        else:
            e = self._definition(p.plan.cover[v].at(0, i), i, depth)
        if tree_size(e, self.sizes) > UNROLL_SIZE:
            raise _TooBig
        self.memo[key] = e
        return e

    def _definition(self, piece: Piece, i: int, depth: int) -> sp.Expr:
        axis = self.p.axis
        e = expression(self.p.model, piece)
        if self._kinked(e):
            raise _TooBig  # not algebraic in the input (and sympy's Piecewise would grind)
        # t of the period, exactly (TimeAxis.t: the absolute number over periods a year)
        subs: dict[sp.Basic, sp.Expr] = {T: sp.Rational(axis.absolute(i), axis.per_year)}
        for r in refs_in(e):
            # the sympy back-end's references count in absolute periods (years)
            at = axis.index(r.at(axis.absolute(i)))
            if at is None:
                raise _TooBig  # outside the axis: the checks allow no such read
            if r.running:  # cumsum, ytd: the periods it sums
                value = sp.Add(*(self.cell(r.var, j, depth + 1)
                                 for j in range(r.first_read(at, axis), at + 1)))
            else:
                value = self.cell(r.var, at, depth + 1)
            subs[symbol(r)] = value
        return e.xreplace(subs)

    def _kinked(self, e: sp.Expr) -> bool:
        """A branch (if, min, max, abs, round...) that the input can move."""
        def moves(x) -> bool:
            return any(r.var in self.reach for r in refs_in(x))
        for pw in e.atoms(sp.Piecewise):
            if any(moves(c) for _, c in pw.args):
                return True
        return any(moves(k) for k in e.atoms(Applied))


class _TooBig(Exception):
    pass


def override_text(model: Model, plan: Plan, x: Cell, v: float, values: np.ndarray,
                  text: str | None) -> str:
    """A `--set` definition that reproduces the solution exactly."""
    axis = model.axis
    if not x.whole:
        return f"{x.label(axis)} = {_literal(v)}"
    pieces = plan.cover[x.variable].distinct()
    if text is not None and len(pieces) == 1:
        (piece,) = pieces
        written = _written(piece, text, model)
        if written is not None:
            sign = "-" if v < 0 else "+"
            return f"{x.variable} = {written} {sign} {_literal(abs(v))}"
    defined = plan.cover[x.variable].defined[0]
    entries = ", ".join(f"{axis.label(i)}: {_literal(float(val))}" for i, val in enumerate(values)
                        if defined[i])
    return f"{x.variable} = {{{entries}}}"


def _written(piece: Piece, text: str, model: Model) -> str | None:
    """The piece's formula as written, when it is a whole-series definition of
    an input on one line (so that `formula + shift` means the same). For one
    entry of a member map, the entry's formula (`goog: interp(...)` gives
    `interp(...)`)."""
    d = piece.definition
    if d.years is not None or piece.rank != SERIES or uses_of(model, piece):
        return None
    expr_node = piece.expr if isinstance(d.expr, A.MemberMap) else d.expr
    span = expr_node.span
    if span.line != span.end_line or isinstance(expr_node, (A.YearMap, A.MemberMap)):
        return None
    lines = split_lines(text)
    if not 0 < span.line <= len(lines):
        return None
    expr = lines[span.line - 1][span.col - 1: span.end_col - 1]
    simple = isinstance(expr_node, (A.Call, A.Number, A.Name, A.Paren))
    return expr if simple else f"({expr})"


def _literal(v: float) -> str:
    """A number the language reads back as exactly this float."""
    text = repr(float(v))
    return text if "e" not in text else text.replace("e+", "e")
