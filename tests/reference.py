"""A slow, obviously-correct evaluator of .scn models, cell by cell.

It shares only the parser (dsl.parser / dsl.ast) with the engine and exists
to check it: property tests compare the engine's polars frames with what this
module computes for random models.

Everything is done one (variable, year) cell at a time, recursively and
memoized, with numpy float64 scalars so that non-finite values behave as the
engine's (IEEE, numpy style: 1/0 = inf, 0/0 = nan, (-8)^(1/3) = nan).

Semantics (LANGUAGE.md plus the decisions written in the engine's brief):

- periods (LANGUAGE-2 section 2; tests/reference_periods.py): a cell's period
  is its absolute number in the model's unit; `t` is that number over the
  periods a year; a year written where a period stands covers its periods
  (a selector ranks as a range, a range end covers from its first or to its
  last); a year read as one cell in a sub-annual model is invalid, as the
  argument of sum/mean/min/max it is its periods; interp/step keys stand at
  their period's start (a year at January) and interpolate linearly in t;
  yoy(x) = x / x a year of periods earlier - 1; ytd(x) sums from the
  calendar year's first period, ttm(x) the last year of periods, oldest
  first, both left to right, each invalid where it reaches before the first
  period; cagr in a sub-annual model is invalid;

- for each year, the most specific definition of a layer wins (x[2026] beats a
  range or map entry, which beats x = ...); a scenario layer (and an
  overrides layer on top) replaces its parent's value in the years it covers;
- a NaN operand makes comparisons, and/or/not, min/max/clamp and the
  condition of `if` NaN; comparisons and logic give 1.0 / 0.0; min, max and
  clamp never give -0 (the engine's choice: min(0, -0) is +0 whatever the
  order, so 1 / min(...) is never -inf by accident of a library);
- interp / step: values evaluated in the current year, linear (or held)
  between keys, flat outside them;
- round(x, n): half away from zero on repr(x), decimal arithmetic;
- aggregates: left-to-right sums, mean = sum / count, open ranges clipped;
- distributions are their means; `a to b` is (a + b) / 2. Parameters that
  describe no distribution (sd < 0, lo > hi, triangular out of order or with
  lo == hi) are invalid when written as literals (in any definition, used or
  not); when they read cells, each cell whose computation reaches such a
  distribution (through the taken branch of `if`) is recorded in
  `draw_warnings`: (variable, the distribution's span) -> first year.

Dimensions (LANGUAGE-2.md section 1; tests/reference_dims.py): a cell is
(variable, members, year); the winner of a cell is the covering definition of
the top layer that covers it which is at least as specific as every other on
every axis (time rank; per dim, one member beats all members); a reference
pairs members on shared dims, broadcasts the dims only the reader has and
fixes the selected ones; `sum/mean/min/max(x, DIM)` loop over the dim's
members in declared order. Cycles and empty reads are found between cells,
so `share[meta] = 1 - share[goog]` is no cycle. `reference_eval` names rows
as the engine's frame does (`capex[goog]`); `evaluate_reference` gives
{variable: {members: values}}.

A model that is statically wrong (cycle, lag outside the years, use of an
empty cell, overlapping definitions, ...) raises `ReferenceInvalid`; a syntax
error raises the parser's ScnError.
"""

from __future__ import annotations

import itertools
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

from dsl import ast as A
from dsl.parser import parse_statement
from dsl.document import parse_document

try:  # tests/ on sys.path (pytest), or the repository root (bench/run.py: tests.reference)
    from reference_dims import (Dims, ReferenceInvalid, check_overlaps, check_selections,
                                definition_dims, infer_signatures, pieces, winner)
    from reference_periods import Calendar, covers, key_t
except ImportError:
    from tests.reference_dims import (Dims, ReferenceInvalid, check_overlaps, check_selections,
                                      definition_dims, infer_signatures, pieces, winner)
    from tests.reference_periods import Calendar, covers, key_t

F = np.float64
NAN = F("nan")
ONE, ZERO = F(1.0), F(0.0)

OVERRIDES = "--set"

# name -> (min args, max args or None)
ARITY = {
    "abs": (1, 1), "round": (1, 2), "floor": (1, 1), "ceil": (1, 1), "exp": (1, 1),
    "ln": (1, 1), "log10": (1, 1), "sqrt": (1, 1), "clamp": (3, 3), "if": (3, 3),
    "min": (2, None), "max": (2, None), "interp": (1, 1), "step": (1, 1),
    "cumsum": (1, 1), "growth": (1, 1), "cagr": (3, 3), "sum": (1, 1), "mean": (1, 1),
    "normal": (2, 2), "uniform": (2, 2), "triangular": (3, 3), "lognormal": (2, 2),
    "yoy": (1, 1), "ytd": (1, 1), "ttm": (1, 1), "year": (0, 0), "quarter": (0, 0),
    "month": (0, 0),
}
WINDOWS = ("cumsum", "growth", "cagr", "yoy", "ytd", "ttm")  # read a variable's other periods
CALENDAR = ("year", "quarter", "month")  # of the period being computed


DRAWS = ("normal", "uniform", "triangular", "lognormal")
_YEAR_DEPENDENT = (A.Name, A.Shifted, A.AtYear, A.YearRange, A.CurrentYear, A.YearMap)


def _literal(e: A.Expr) -> bool:
    """No cell, no `t`, no time function: the same number in every year."""
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, _YEAR_DEPENDENT):
            return False
        if isinstance(node, A.Call) and node.func in ("interp", "step", *WINDOWS, *CALENDAR):
            return False
        stack.extend(A.children(node))
    return True


def _bad_draw(node, xs) -> bool:
    """Parameters (finite numbers) that describe no distribution."""
    f = "to" if isinstance(node, A.Between) else node.func
    if f in ("normal", "lognormal"):
        return xs[1] < 0
    if f in ("uniform", "to"):
        return xs[0] > xs[1]
    lo, mode, hi = xs
    return not (lo <= mode <= hi) or lo == hi


# ---------------------------------------------------------------- scalar ops


def _isnan(*xs) -> bool:
    return any(np.isnan(x) for x in xs)


def _bool(x) -> F:
    return ONE if x else ZERO


def _round(x: F, n: F) -> F:
    if not np.isfinite(x):
        return x
    if not np.isfinite(n):
        return NAN if np.isnan(n) else x
    with localcontext() as ctx:
        ctx.prec = 2000  # exact: no InvalidOperation for 1e300 quantized to 0.01
        q = Decimal(1).scaleb(-int(n))
        return F(float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)))


def _min(xs) -> F:
    """NaN if any is NaN; never -0 (which zero min(0, -0) gives is no library's business)."""
    if _isnan(*xs):
        return NAN
    out = xs[0]
    for x in xs[1:]:
        if x < out:
            out = x
    return F(out) + ZERO  # IEEE: -0 + 0 = +0


def _max(xs) -> F:
    if _isnan(*xs):
        return NAN
    out = xs[0]
    for x in xs[1:]:
        if x > out:
            out = x
    return F(out) + ZERO


# ---------------------------------------------------------------- the evaluator
#
# A cell is (variable, combo, year): combo holds one member index per dim of the
# variable, in the canonical order (the order of the `dim` statements), `()` for
# a dimensionless variable. An expression is evaluated in an `env` {dim: member
# index}: the members of the cell being computed (plus, inside a dim aggregate,
# the member being summed).


class _Model:
    def __init__(self, text: str, scenario: str, overrides_texts):
        doc = parse_document(text, "<reference>")
        self.first, self.last = doc.years.start, doc.years.end
        self.cal = Calendar(doc.years.unit)
        first, last = self.first, self.last
        self.years = list(range(first, last + 1))
        self.dims = dims = Dims(doc.dims)

        # scenarios and their chain
        parents: dict[str, str | None] = {"base": None}
        for s in doc.scenarios:
            if s.name in parents or s.name == OVERRIDES:
                raise ReferenceInvalid(f"scenario {s.name} declared twice or reserved")
            parents[s.name] = s.parent
        for name, parent in parents.items():
            if parent is not None and parent not in parents:
                raise ReferenceInvalid(f"scenario {name} extends unknown {parent}")
        for name in parents:
            seen, cur = [], name
            while cur is not None:
                if cur in seen:
                    raise ReferenceInvalid(f"extends cycle through {cur}")
                seen.append(cur)
                cur = parents[cur]
        self.scenarios = list(parents)
        if scenario not in parents:
            raise ReferenceInvalid(f"unknown scenario {scenario}")
        chain, cur = [], scenario
        while cur is not None:
            chain.append(cur)
            cur = parents[cur]
        chain.reverse()

        # variables and their dims (over the base and every scenario)
        self.variables: list[str] = []
        for p in doc.definitions:
            if p.scenario == "base" and p.definition.name not in self.variables:
                self.variables.append(p.definition.name)
        for p in doc.definitions:
            if p.definition.name not in self.variables:
                raise ReferenceInvalid(f"scenario {p.scenario} redefines unknown {p.definition.name}")
        dims.check_names(self.variables)
        dims.check_declared_before_use(doc)
        file_defs = [p.definition for p in doc.definitions]
        sig = infer_signatures(file_defs, self.variables, dims)
        overrides_docs = []
        for k, text in enumerate(overrides_texts):
            d = parse_statement(text, k + 1)
            if not isinstance(d, A.Definition):
                raise ReferenceInvalid(f"override {text!r} is not a definition")
            if d.name not in self.variables:
                raise ReferenceInvalid(f"override of unknown {d.name}")
            if not definition_dims(d, sig, dims) <= sig[d.name]:
                raise ReferenceInvalid(f"override gives {d.name} a dim it does not have")
            overrides_docs.append(d)
        for d in file_defs + overrides_docs:
            check_selections(d.expr, sig, dims)
        self.sig = {v: dims.canonical(sig[v]) for v in self.variables}

        # layers
        layers: dict[str, dict[str, list]] = {name: {} for name in parents}
        for p in doc.definitions:
            d = p.definition
            layers[p.scenario].setdefault(d.name, []).extend(pieces(d, first, last, dims,
                                                                    self.cal))
        over: dict[str, list] = {}
        for d in overrides_docs:
            over.setdefault(d.name, []).extend(pieces(d, first, last, dims, self.cal))
        for layer in [*layers.values(), over]:
            for ps in layer.values():  # in every definition, whether it wins a cell or not
                for p in ps:
                    self._check_forms(p.expr)
            check_overlaps(layer)
            for v, ps in layer.items():  # every cell a layer covers has one winner
                for env, y in self.cells(v):
                    hits = [p for p in ps if p.covers(env, y)]
                    if hits:
                        winner(hits, self.label(v, self.combo(v, env), y))

        # the winning piece of every cell
        stack = [layers[name] for name in chain] + [over]
        self.cover: dict[str, dict] = {}
        for v in self.variables:
            row = {}
            for env, y in self.cells(v):
                key = (self.combo(v, env), y)
                row[key] = None
                for layer in reversed(stack):
                    hits = [p for p in layer.get(v, ()) if p.covers(env, y)]
                    if hits:
                        row[key] = winner(hits, self.label(v, key[0], y))
                        break
            self.cover[v] = row

        self.memo: dict[tuple, F] = {}
        self._cell: tuple | None = None  # the cell being computed
        self._reached = True  # is the node being evaluated on the taken branch of every `if`?
        self.draw_warnings: dict[tuple[str, int, int, int, int], int] = {}
        for d in file_defs + overrides_docs:
            self._check_literal_draws(d.expr)
        self._static_check()

    # -------------------------------------------------------------- cells

    def combos(self, v: str) -> list[tuple[int, ...]]:
        """Member indices per combination, in output order (last dim fastest)."""
        return list(itertools.product(*(range(len(self.dims.members[d])) for d in self.sig[v])))

    def cells(self, v: str):
        """(env, year) of every cell of v."""
        for combo in self.combos(v):
            env = dict(zip(self.sig[v], combo))
            for y in self.years:
                yield env, y

    def combo(self, v: str, env: dict[str, int], selection: dict[str, int] | None = None):
        """The combo of v read from a cell with members `env`, after a selection."""
        sel = selection or {}
        return tuple(sel[d] if d in sel else env[d] for d in self.sig[v])

    def names(self, v: str, combo) -> tuple[str, ...]:
        return tuple(self.dims.members[d][i] for d, i in zip(self.sig[v], combo))

    def label(self, v: str, combo, y: int | None = None) -> str:
        parts = list(self.names(v, combo)) + ([] if y is None else [self.cal.label(y)])
        return f"{v}[{', '.join(parts)}]" if parts else v

    def _read(self, node, env) -> tuple:
        """(variable, combo) a reference node reads from a cell with members env."""
        return node.name, self.combo(node.name, env, self.dims.selection(node.members))

    # -------------------------------------------------------------- static

    def _check_literal_draws(self, expr: A.Expr) -> None:
        stack = [expr]
        while stack:
            node = stack.pop()
            stack.extend(A.children(node))
            if not (isinstance(node, A.Between) or (isinstance(node, A.Call) and node.func in DRAWS)):
                continue
            params = [node.low, node.high] if isinstance(node, A.Between) else list(node.args)
            if isinstance(node, A.Call) and len(params) != ARITY[node.func][0]:
                continue  # a wrong number of arguments: invalid for that reason
            if all(_literal(p) for p in params):
                values = [self.eval(p, {}, self.first) for p in params]
                if not all(np.isfinite(v) for v in values) or _bad_draw(node, values):
                    raise ReferenceInvalid(f"a distribution with literal parameters {values}")

    def _check_forms(self, expr: A.Expr) -> None:
        """The errors of form, wherever a definition stands: functions and their
        arguments, ranges and maps only where they may be, years inside the model."""
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, A.YearRange):
                raise ReferenceInvalid("a year range outside an aggregate")
            if isinstance(node, (A.YearMap, A.MemberMap)):
                raise ReferenceInvalid("a map inside an expression")
            if isinstance(node, A.AtYear):
                self._point(node)
            if self.dims.is_dim_aggregate(node):
                continue  # check_selections has checked it: a variable name and one of its dims
            if not isinstance(node, A.Call):
                stack.extend(A.children(node))
                continue
            f, args = node.func, node.args
            if f not in ARITY:
                raise ReferenceInvalid(f"unknown function {f}")
            if f in ("sum", "mean", "min", "max") and len(args) == 1:
                if not isinstance(args[0], A.YearRange):
                    raise ReferenceInvalid(f"{f} of a single non-range argument")
                self._range(args[0])
                continue
            lo, hi = ARITY[f]
            if len(args) < lo or (hi is not None and len(args) > hi):
                raise ReferenceInvalid(f"{f} with {len(args)} arguments")
            if f in ("interp", "step"):
                self._keys(f, args[0])
                stack.extend(e.value for e in args[0].entries)
                continue
            if f in WINDOWS:
                if not isinstance(args[0], A.Name):
                    raise ReferenceInvalid(f"{f} takes a variable name")
                if f == "cagr":
                    if self.cal.unit != "years":
                        raise ReferenceInvalid("cagr in a sub-annual model")
                    a, b = (self._year_literal(n) for n in args[1:])
                    if a == b:
                        raise ReferenceInvalid("cagr over one year")
                    self._need_year(a, "cagr")
                    self._need_year(b, "cagr")
                continue
            stack.extend(args)

    def _need_var(self, name: str) -> None:
        if name not in self.sig:
            raise ReferenceInvalid(f"unknown variable {name}")

    def _need_year(self, y: int, what: str) -> int:
        """A period (absolute number) that must be on the model's axis."""
        if not self.first <= y <= self.last:
            raise ReferenceInvalid(f"{what} reaches {y}, outside the model periods")
        return y

    def _point(self, node: A.AtYear) -> int:
        """The one period `x[P]` reads: of the model's unit, on the axis."""
        if node.period.unit != self.cal.unit:
            raise ReferenceInvalid(f"{node.name}[{node.period}] is no one period of this model")
        return self._need_year(node.period.number, node.name)

    def _range(self, r: A.YearRange) -> range:
        """A closed end's periods lie wholly on the axis; an open side runs to its end."""
        self._need_var(r.name)
        a, b = self.first, self.last
        if r.years.start is not None:
            lo, hi = covers(self.cal, r.years.start)
            self._need_year(hi, r.name)
            a = self._need_year(lo, r.name)
        if r.years.end is not None:
            lo, hi = covers(self.cal, r.years.end)
            self._need_year(lo, r.name)
            b = self._need_year(hi, r.name)
        return range(a, b + 1)

    def _keys(self, f: str, m) -> None:
        """interp/step: a year map of single periods, each of a unit the model takes,
        no two at one point in time."""
        if not isinstance(m, A.YearMap) or not m.entries:
            raise ReferenceInvalid(f"{f} needs a year map")
        if not all(e.years.single for e in m.entries):
            raise ReferenceInvalid(f"{f} keys must be single periods")
        for e in m.entries:
            covers(self.cal, e.years.start)  # a month in a quarterly model: invalid
        ts = [key_t(e.years.start) for e in m.entries]
        if len(set(ts)) != len(ts):
            raise ReferenceInvalid(f"{f} keys must be distinct points in time")

    @staticmethod
    def _year_literal(node: A.Expr) -> int:
        if isinstance(node, A.Number) and node.text.isdigit():
            return int(node.text)
        raise ReferenceInvalid("cagr years must be year literals")

    def _over(self, node: A.Call, env) -> list[dict[str, int]]:
        """The envs a dim aggregate reads: one per member of its dim."""
        over = node.args[1].name
        return [{**env, over: k} for k in range(len(self.dims.members[over]))]

    def refs(self, expr: A.Expr, env, y: int) -> list[tuple]:
        """Every cell `expr` reads in year y from a cell with members env, whichever
        branch is taken."""
        out: list[tuple] = []
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, A.Name):
                self._need_var(node.name)
                out.append((*self._read(node, env), y))
            elif isinstance(node, A.Shifted):
                self._need_var(node.name)
                out.append((*self._read(node, env), self._need_year(y + node.offset, node.name)))
            elif isinstance(node, A.AtYear):
                self._need_var(node.name)
                out.append((*self._read(node, env), self._point(node)))
            elif isinstance(node, A.YearRange):
                raise ReferenceInvalid("a year range outside an aggregate")
            elif isinstance(node, (A.YearMap, A.MemberMap)):
                raise ReferenceInvalid("a map inside an expression")
            elif self.dims.is_dim_aggregate(node):
                for env2 in self._over(node, env):
                    out.extend(self.refs(node.args[0], env2, y))
            elif isinstance(node, A.Call):
                out.extend(self._call_refs(node, env, y))
            else:
                stack.extend(A.children(node))
        return out

    def _call_refs(self, node: A.Call, env, y: int) -> list[tuple]:
        f, args = node.func, node.args
        if f not in ARITY:
            raise ReferenceInvalid(f"unknown function {f}")
        if f in ("sum", "mean", "min", "max") and len(args) == 1:
            if not isinstance(args[0], A.YearRange):
                raise ReferenceInvalid(f"{f} of a single non-range argument")
            v, combo = self._read(args[0], env)
            return [(v, combo, yy) for yy in self._range(args[0])]
        lo, hi = ARITY[f]
        if len(args) < lo or (hi is not None and len(args) > hi):
            raise ReferenceInvalid(f"{f} with {len(args)} arguments")
        if f in ("interp", "step"):
            self._keys(f, args[0])
            out = []
            for e in args[0].entries:
                out.extend(self.refs(e.value, env, y))
            return out
        if f in WINDOWS:
            x = args[0]
            if not isinstance(x, A.Name):
                raise ReferenceInvalid(f"{f} takes a variable name")
            self._need_var(x.name)
            v, combo = self._read(x, env)
            if f == "cumsum":
                return [(v, combo, yy) for yy in range(self.first, y + 1)]
            if f == "growth":
                return [(v, combo, y), (v, combo, self._need_year(y - 1, "growth"))]
            if f in ("yoy", "ytd", "ttm"):
                return [(v, combo, self._need_year(yy, f)) for yy in self._window(f, y)]
            if self.cal.unit != "years":
                raise ReferenceInvalid("cagr in a sub-annual model")
            a, b = (self._year_literal(n) for n in args[1:])
            if a == b:
                raise ReferenceInvalid("cagr over one year")
            return [(v, combo, self._need_year(a, "cagr")), (v, combo, self._need_year(b, "cagr"))]
        out = []
        for a in args:
            out.extend(self.refs(a, env, y))
        return out

    def _window(self, f: str, y: int) -> list[int]:
        """The periods yoy, ytd or ttm read in period y, oldest first."""
        k = self.cal.k
        if f == "yoy":
            return [y - k, y]
        if f == "ttm":
            return list(range(y - k + 1, y + 1))
        return list(range(self.cal.year_start(y), y + 1))

    def _static_check(self) -> None:
        deps: dict[tuple, list[tuple]] = {}
        for v in self.variables:
            for env, y in self.cells(v):
                combo = self.combo(v, env)
                p = self.cover[v][(combo, y)]
                if p is None:
                    continue
                cells = self.refs(p.expr, env, y)
                for name, c, yy in cells:
                    if self.cover[name][(c, yy)] is None:
                        raise ReferenceInvalid(f"{self.label(name, c)} has no value for {yy}, "
                                               f"used by line {p.line}")
                deps[(v, combo, y)] = cells
        # cycles between cells (iterative DFS, three colours)
        state: dict[tuple, int] = {}
        for root in deps:
            if state.get(root):
                continue
            state[root] = 1
            work = [(root, iter(deps[root]))]
            while work:
                cell, it = work[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[cell] = 2
                    work.pop()
                    continue
                s = state.get(nxt, 0)
                if s == 1:
                    raise ReferenceInvalid(f"cycle through {nxt}")
                if s == 0:
                    state[nxt] = 1
                    work.append((nxt, iter(deps[nxt])))

    # -------------------------------------------------------------- values

    def cell(self, v: str, combo: tuple, y: int) -> F:
        key = (v, combo, y)
        hit = self.memo.get(key)
        if hit is None:
            outer = self._cell, self._reached
            self._cell, self._reached = key, True
            try:
                env = dict(zip(self.sig[v], combo))
                hit = F(self.eval(self.cover[v][(combo, y)].expr, env, y))
            finally:
                self._cell, self._reached = outer
            self.memo[key] = hit
        return hit

    def _drawn(self, node, values) -> None:
        """A distribution computed in the current cell: record it if its parameters are wrong."""
        if self._cell is None or not self._reached:
            return
        if all(np.isfinite(v) for v in values) and _bad_draw(node, values):
            v, _, y = self._cell
            # the whole span: `uniform(..) to 1` holds two distributions that start at
            # the same place, each warned of for itself
            sp = node.span
            key = (v, sp.line, sp.col, sp.end_line, sp.end_col)
            self.draw_warnings[key] = min(y, self.draw_warnings.get(key, y))

    def eval(self, e: A.Expr, env, y: int) -> F:
        def ev(x, yy):
            return self.eval(x, env, yy)
        if isinstance(e, A.Number):
            return F(e.value)
        if isinstance(e, A.Paren):
            return ev(e.expr, y)
        if isinstance(e, A.Name):
            return self.cell(*self._read(e, env), y)
        if isinstance(e, A.CurrentYear):
            return F(self.cal.t(y))
        if isinstance(e, A.Shifted):
            return self.cell(*self._read(e, env), y + e.offset)
        if isinstance(e, A.AtYear):
            return self.cell(*self._read(e, env), e.period.number)
        if isinstance(e, A.Unary):
            x = ev(e.operand, y)
            if e.op == "-":
                return -x
            return NAN if np.isnan(x) else _bool(x == 0)
        if isinstance(e, A.Binary):
            a, b = ev(e.left, y), ev(e.right, y)
            op = e.op
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return np.divide(a, b)
            if op == "^":
                return np.power(a, b)
            if _isnan(a, b):
                return NAN
            if op == "and":
                return _bool(a != 0 and b != 0)
            if op == "or":
                return _bool(a != 0 or b != 0)
            return _bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                          "==": a == b, "!=": a != b}[op])
        if isinstance(e, A.Between):
            lo, hi = ev(e.low, y), ev(e.high, y)
            self._drawn(e, [lo, hi])
            return (lo + hi) / F(2)
        if isinstance(e, A.Call):
            return self.call(e, env, y)
        raise AssertionError(f"reference cannot evaluate {e!r}")

    @staticmethod
    def _aggregate(f: str, xs) -> F:
        """sum / mean / min / max, left to right (a NaN member makes every one NaN)."""
        if f == "min":
            return _min(xs)
        if f == "max":
            return _max(xs)
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total if f == "sum" else total / F(len(xs))

    def call(self, e: A.Call, env, y: int) -> F:
        f, args = e.func, e.args
        if self.dims.is_dim_aggregate(e):  # over the members of a dim, in declared order
            return self._aggregate(f, [self.eval(args[0], env2, y) for env2 in self._over(e, env)])
        if f in ("sum", "mean", "min", "max") and len(args) == 1:
            r = args[0]
            v, combo = self._read(r, env)
            return self._aggregate(f, [self.cell(v, combo, yy) for yy in self._range(r)])
        if f in ("interp", "step"):  # in t: a key at its period's start, linear between
            entries = sorted(((key_t(en.years.start), self.eval(en.value, env, y))
                              for en in args[0].entries), key=lambda kv: kv[0])
            keys = [k for k, _ in entries]
            vals = [v for _, v in entries]
            t = self.cal.t(y)
            if t <= keys[0]:
                return vals[0]
            if t >= keys[-1]:
                return vals[-1]
            i = max(j for j, k in enumerate(keys) if k <= t)
            if keys[i] == t or f == "step":
                return vals[i]
            k0, k1, v0, v1 = keys[i], keys[i + 1], vals[i], vals[i + 1]
            return v0 + (v1 - v0) * F((t - k0) / (k1 - k0))
        if f == "cumsum":
            v, combo = self._read(args[0], env)
            total = ZERO + self.cell(v, combo, self.first)  # a running total starts at 0 (never -0)
            for yy in range(self.first + 1, y + 1):
                total = total + self.cell(v, combo, yy)
            return total
        if f == "growth":
            v, combo = self._read(args[0], env)
            return self.cell(v, combo, y) / self.cell(v, combo, y - 1) - ONE
        if f == "yoy":
            v, combo = self._read(args[0], env)
            return self.cell(v, combo, y) / self.cell(v, combo, y - self.cal.k) - ONE
        if f in ("ytd", "ttm"):  # left to right from the oldest; ytd as a running total
            v, combo = self._read(args[0], env)
            first, *rest = self._window(f, y)
            total = self.cell(v, combo, first)
            if f == "ytd":
                total = ZERO + total  # a running total starts at 0 (never -0), as cumsum
            for yy in rest:
                total = total + self.cell(v, combo, yy)
            return total
        if f in CALENDAR:
            return F({"year": self.cal.year, "quarter": self.cal.quarter,
                      "month": self.cal.month}[f](y))
        if f == "cagr":
            v, combo = self._read(args[0], env)
            a, b = int(args[1].text), int(args[2].text)
            return np.power(self.cell(v, combo, b) / self.cell(v, combo, a), ONE / F(b - a)) - ONE
        if f == "if":  # each branch is reached only where the condition takes it
            c = self.eval(args[0], env, y)
            outer = self._reached
            self._reached = outer and not np.isnan(c) and c != 0
            a = self.eval(args[1], env, y)
            self._reached = outer and not np.isnan(c) and c == 0
            b = self.eval(args[2], env, y)
            self._reached = outer
            if np.isnan(c):
                return NAN
            return a if c != 0 else b
        xs = [self.eval(a, env, y) for a in args]
        if f in DRAWS:
            self._drawn(e, xs)
        if f == "min":
            return _min(xs)
        if f == "max":
            return _max(xs)
        if f == "clamp":
            if _isnan(*xs):
                return NAN
            return _min([_max([xs[0], xs[1]]), xs[2]])
        if f == "round":
            return _round(xs[0], xs[1] if len(xs) > 1 else ZERO)
        unary = {"abs": np.abs, "floor": np.floor, "ceil": np.ceil, "exp": np.exp,
                 "ln": np.log, "log10": np.log10, "sqrt": np.sqrt}
        if f in unary:
            return unary[f](xs[0])
        if f == "normal":
            return xs[0]
        if f == "uniform":
            return (xs[0] + xs[1]) / F(2)
        if f == "triangular":
            return (xs[0] + xs[1] + xs[2]) / F(3)
        if f == "lognormal":
            return np.exp(xs[0] + xs[1] ** 2 / F(2))
        raise AssertionError(f"reference cannot call {f}")

    def cells_values(self) -> dict[str, dict[tuple[str, ...], list[float | None]]]:
        """{variable: {members: a value per year}}, in output order."""
        out = {}
        for v in self.variables:
            out[v] = {}
            for combo in self.combos(v):
                out[v][self.names(v, combo)] = [
                    None if self.cover[v][(combo, y)] is None else float(self.cell(v, combo, y))
                    for y in self.years]
        return out

    def values(self) -> dict[str, list[float | None]]:
        """A value list per output row, named as the engine's frame columns
        (`capex`, `capex[goog]`, `optics[goog,g800]`)."""
        out = {}
        for v, rows in self.cells_values().items():
            for members, vals in rows.items():
                out[f"{v}[{','.join(members)}]" if members else v] = vals
        return out


def _run(text, scenario, overrides_texts, draws, what):
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        with np.errstate(all="ignore"):
            m = reference_model(text, scenario, overrides_texts)
            out = what(m)
            if draws is not None:
                draws.update(m.draw_warnings)
            return out
    finally:
        sys.setrecursionlimit(limit)


def reference_model(text: str, scenario: str = "base", overrides_texts=()) -> _Model:
    """The resolved and checked model (raises ReferenceInvalid or ScnError)."""
    return _Model(text, scenario, tuple(overrides_texts))


def reference_eval(text: str, scenario: str = "base", overrides_texts=(),
                   draws: dict | None = None) -> dict[str, list[float | None]]:
    """Each output row's values, one per model year (None for an empty year):
    one row per variable in a dimensionless model, one per member combination
    (`capex[goog]`) for a dimensioned variable.

    `draws`, when given, receives the run's distribution warnings:
    (variable, line, col) -> the first year its parameters are wrong.
    """
    return _run(text, scenario, overrides_texts, draws, _Model.values)


def evaluate_reference(text: str, scenario: str = "base", overrides_texts=(),
                       draws: dict | None = None
                       ) -> dict[str, dict[tuple[str, ...], list[float | None]]]:
    """Every cell: {variable: {members: a value per year}}, members as names in
    the canonical dim order (`()` for a dimensionless variable), variables in
    file order and member combinations in output order (last dim fastest)."""
    return _run(text, scenario, overrides_texts, draws, _Model.cells_values)


def reference_dims_of(text: str) -> dict[str, tuple[str, ...]]:
    """Every variable's dims, in canonical order (checks the model as base)."""
    return dict(reference_model(text).sig)


def scenario_names(text: str) -> list[str]:
    doc = parse_document(text, "<reference>")
    return ["base", *(s.name for s in doc.scenarios)]
