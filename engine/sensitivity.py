"""Sensitivities: exact derivatives through the graph, by year (the tornado,
built on them, is engine.tornado; what it moves, engine.levers).

Forward mode over the graph of one scenario. Each definition is a sympy
expression of the cells it reads (`engine.symbolic`); its local partials
are derived once and become polars expressions over the evaluated columns.
The derivative of every variable on a path from the input `x` to the
output `y` is then a *tangent column*, `d(v) = sum over u of (df_v/du) * d(u)`,
evaluated level by level like any other column of a plan (`engine.plan.run`):
a recurrence's tangent is itself a recurrence, computed cell by cell in the
recurrence's own order. The batch dimension carries several seeds at once:
row 0 moves x by the same amount in every year (the derivative), row 1
scales it (the elasticity); a tornado seeds every lever in one run.

Conventions (docs/sensitivity.md): `min`, `max`, `clamp`, `abs` and `if`
differentiate along the branch taken, and at an exact tie the branches
average (the central difference); `round`, `floor`, `ceil` have derivative
0; distributions are differentiated at their mean. An *input* is a variable
whose winning definitions read no other variable (constants, year maps,
`interp`/`step` of constants, distributions of constants).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
import sympy as sp

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError
from engine.api import Overrides, evaluate, prepare, uses_of
from engine.functions import FUNCTIONS
from engine.graph import Block, Graph
from engine.model import BASE, OVERRIDES, Model, Piece, distinct
from engine.plan import Plan, run
from engine.cells import compile_cell
from engine.polars_expr import F64, years_condition, column
from engine.symbolic import (T, Builder, Ref, column_ref, flat_names, readable, ref_of, reframe,
                             refs_in, symbol, tangent_symbol, to_polars, to_text, tree_size)
from engine.levers import is_input
from engine.trace import Cell, cell, has_value, years_label


def tangent_name(var: str) -> str:
    """The column of d(var); '(' cannot appear in a variable name, so no clash."""
    return f"d({var})"


# ---------------------------------------------------------------- local partials


def expression(model: Model, piece: Piece) -> sp.Expr:
    """A definition as a sympy expression of the cells it reads (cached per piece)."""
    return _cached(model, "sens.expr", piece, lambda: _builder(model).expr(piece.expr))


def partials(model: Model, piece: Piece) -> tuple[tuple[Ref, sp.Expr], ...]:
    """(cell, d f / d cell) for every cell the definition reads, zeros left out."""
    def derive():
        e = expression(model, piece)
        out = []
        for r in refs_in(e):
            d = sp.diff(e, symbol(r))
            if d != 0:
                out.append((r, d))
        return tuple(out)
    return _cached(model, "sens.partials", piece, derive)


def _builder(model: Model) -> Builder:
    b = model.cache.get("sens.builder")
    if b is None:
        b = model.cache["sens.builder"] = Builder(model.years[0], model.years[-1])
    return b


def _cached(model: Model, table: str, piece: Piece, make):
    # Keyed by identity: --set pieces come and go, so the piece is kept to check.
    store = model.cache.setdefault(table, {})
    hit = store.get(id(piece))
    if hit is None or hit[0] is not piece:
        try:
            hit = (piece, make())
        except RecursionError:
            raise _too_deep(model, piece) from None
        store[id(piece)] = hit
    return hit[1]


def _too_deep(model: Model, piece: Piece) -> ScnError:
    """sympy recurses several frames per level of an expression: a definition the
    parser accepts (200 levels) can still be too deep for it. Said at the definition."""
    return ScnError([Diagnostic(
        f"the definition of {piece.name} is nested too deeply for exact derivatives",
        piece.span, "split it into intermediate variables", source=OVERRIDES if piece.layer == OVERRIDES else model.source)])


# ---------------------------------------------------------------- tangent plan


@dataclass
class Tangent:
    """A compiled tangent model: the plan of the d(v) columns, the primal
    columns its partials read, and the variables on the paths."""

    plan: Plan
    primal: tuple[str, ...]
    path: frozenset[str]


def tangent_plan(plan: Plan, sources: frozenset[str], outputs: frozenset[str]) -> Tangent:
    """The tangent columns of every variable on a path from `sources` to `outputs`.

    A source is a variable held at given values (its tangent is the seed),
    or the helper column of cells moved one by one (see `moved_cells`)."""
    key = ("sens.tangent", sources, outputs)
    hit = plan.model.cache.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    model, graph = plan.model, plan.graph
    first = model.years[0]
    helpers = {v for v, row in plan.cover.items() for p in distinct(row)
               if isinstance(p.expr, A.Name) and p.expr.name in sources}
    start = {s for s in sources if s in graph.deps} | helpers
    path = frozenset(graph.downstream(start) & graph.upstream(set(outputs))) | (
        sources - set(graph.deps))
    primal: set[str] = set()

    def read(ref: Ref) -> pl.Expr:
        primal.add(ref.var)
        return column_ref(ref.var, ref, first)

    levels: list[list[Block]] = [[]]  # level 0: partials read by recurrence cells
    columns: dict[str, pl.Expr] = {}
    cells: dict[int, object] = {}
    cover: dict[str, tuple[Piece | None, ...]] = {}
    for level in graph.levels:
        out: list[Block] = []
        for block in level:
            members = [v for v in block.variables if v in path]
            if not members:
                continue
            if not block.cyclic:
                v = members[0]
                if v not in sources:
                    columns[tangent_name(v)] = _tangent_column(model, v, plan.cover[v], path, read)
                    out.append(Block((tangent_name(v),), False))
                continue
            for v in members:
                if v not in sources:
                    cover[tangent_name(v)] = _tangent_cells(model, plan.cover[v], path, read,
                                                            columns, levels[0], cells)
            out.append(Block(tuple(tangent_name(v) for v in members), True,
                             tuple((tangent_name(v), i) for v, i in block.cells if v in path)))
        levels.append(out)
    tplan = Plan(model, plan.scenario, cover, Graph({}, {}, levels, []), columns, cells)
    result = Tangent(tplan, tuple(sorted(primal - (sources - set(graph.deps)))), path)
    model.cache[key] = (plan, result)
    return result


def helper_name(var: str) -> str:
    """The column that gives the moved cells of `var` their values."""
    return f"moved({var})"


def moved_cells(plan: Plan, cells: dict[str, tuple[int, ...]]) -> Plan:
    """The plan with the definitions of some cells replaced by a helper column.

    Moving a cell is typing over it, as `--set 'x[2027] = ...'` does: what
    reads it recomputes, the variable's own later years included (a
    recurrence continues from the new value). Give `helper_name(var)` as a
    (batch, years) array when running the returned plan."""
    first, last = plan.model.years[0], plan.model.years[-1]
    cover, columns, fns = dict(plan.cover), dict(plan.columns), dict(plan.cell_fns)
    for v, years in cells.items():
        row = list(cover[v])
        for i in years:
            old = row[i]
            row[i] = Piece(v, A.Name(helper_name(v)), i, i, old.rank, old.layer,
                           old.definition, old.span)
            if v not in plan.columns:  # a recurrence: computed cell by cell
                fns[id(row[i])] = compile_cell(row[i].expr, first, last)
        cover[v] = tuple(row)
        if v in plan.columns:
            columns[v] = column(v, cover[v], first, last)
    return Plan(plan.model, plan.scenario, cover, plan.graph, columns, fns)


def _tangent_sum(model: Model, piece: Piece, path, read) -> pl.Expr:
    first = model.years[0]
    terms = [to_polars(d, read) * column_ref(tangent_name(r.var), r, first)
             for r, d in partials(model, piece) if r.var in path]
    if not terms:
        return pl.lit(0.0, dtype=F64)
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def _tangent_column(model: Model, v: str, row, path, read) -> pl.Expr:
    """d(v) as one column: each definition's chain rule in the years it wins."""
    groups: dict[int, tuple[Piece, list[int]]] = {}
    for i, p in enumerate(row):
        if p is not None:
            groups.setdefault(id(p), (p, []))[1].append(i)
    name = tangent_name(v)
    if len(groups) == 1:
        piece, years = next(iter(groups.values()))
        if len(years) == len(row):
            return _tangent_sum(model, piece, path, read).alias(name)
    chain = None
    for piece, years in groups.values():
        cond = years_condition(years)
        value = _tangent_sum(model, piece, path, read)
        chain = pl.when(cond).then(value) if chain is None else chain.when(cond).then(value)
    return chain.otherwise(pl.lit(None, dtype=F64)).alias(name)


def _tangent_cells(model: Model, row, path, read, columns, level0, cells) -> tuple:
    """A recurrence's tangent: per definition, its partials as columns and a
    cell function summing partial * tangent cell, vectorized over the batch."""
    first = model.years[0]
    made: dict[int, Piece] = {}
    for p in distinct(row):
        terms = []
        for r, d in partials(model, p):
            if r.var in path:
                col = f"d|{len(columns)}"
                columns[col] = to_polars(d, read).alias(col)
                level0.append(Block((col,), False))
                terms.append((col, tangent_name(r.var), r))
        tp = replace(p, name=tangent_name(p.name))
        cells[id(tp)] = _cell_function(tuple(terms), first)
        made[id(p)] = tp
    return tuple(None if p is None else made[id(p)] for p in row)


def _cell_function(terms, first: int):
    def tangent_cell(arrays, i):
        total = 0.0
        for col, tname, r in terms:
            total = total + arrays[col][:, i] * _read_cell(arrays[tname], r, i, first)
        if isinstance(total, float):
            return np.zeros(arrays.shape[0])
        return total
    return tangent_cell


def _read_cell(values: np.ndarray, r: Ref, i: int, first: int) -> np.ndarray:
    j = r.year - first if r.year is not None else i + r.offset
    if r.cumsum:
        return values[:, : j + 1].sum(axis=1)
    return values[:, j]


def run_tangent(tangent: Tangent, primal: pl.DataFrame, seeds: dict[str, np.ndarray],
                outputs: list[str]) -> dict[str, np.ndarray]:
    """Evaluate the tangent model for a batch of seeds (each (batch, years)) on
    one primal evaluation; the tangent of each output, shaped (batch, years)."""
    first_seed = next(iter(seeds.values()))
    batch, n = first_seed.shape
    given = {tangent_name(v): s for v, s in seeds.items()}
    for v in tangent.primal:
        col = primal.get_column(v).head(n).to_numpy().astype(float)
        given[v] = np.broadcast_to(col, (batch, n))
    frame = run(tangent.plan, batch=batch, given=given)
    out = {}
    for y in outputs:
        if y in seeds:
            out[y] = np.asarray(seeds[y], dtype=float)
        elif tangent_name(y) in frame.columns:
            out[y] = frame.get_column(tangent_name(y)).to_numpy().astype(float).reshape(batch, n)
        else:
            out[y] = np.zeros((batch, n))
    return out


# ---------------------------------------------------------------- derivatives by year


@dataclass(frozen=True)
class Derivatives:
    """d output / d wrt by year, for one scenario.

    `derivative[k]` is for `years[k]`: the change of the output per unit
    change of `wrt` (the same amount in every year it has a value, or in its
    one year for `asic_share[2030]`). `elasticity[k]` is the percent change
    of the output per 1% change of wrt (wrt scaled rather than shifted). None
    where undefined: the output has no value, is 0 or not finite."""

    output: str
    wrt: str
    scenario: str
    years: tuple[int, ...]
    derivative: tuple[float | None, ...]
    elasticity: tuple[float | None, ...]
    output_values: tuple[float | None, ...]
    depends: bool  # False: no path from wrt to output (every derivative is 0)
    compounds: bool  # the path runs through a recurrence
    notes: tuple[str, ...] = ()


def derivatives(model: Model, output: str, wrt: str, scenario: str = BASE,
                overrides: Overrides | None = None, year: int | None = None) -> Derivatives:
    """Derivative and elasticity of `output` with respect to `wrt`, by year.

    `wrt` is a variable (`asic_share`: every cell moved by the same amount)
    or a cell (`asic_share[2030]`: that cell typed over, so a recurrence
    continues from it). `year` (or `output` written as `optics_tam[2030]`)
    keeps one output year."""
    y = cell(model, output, "OUTPUT")
    x = seed_cell(model, wrt, scenario, overrides)
    result = evaluate(model, scenario, overrides)
    n = len(model.years)
    xs = np.nan_to_num(_values(result.raw, x.name, n))
    one = _seed(result.plan, x)
    plan, source = _moving(result.plan, x)
    tangent = tangent_plan(plan, frozenset([source]), frozenset([y.name]))
    seeds = {source: np.stack([one, xs * one])}
    dy = run_tangent(tangent, result.raw, seeds, [y.name])[y.name]
    ys = _values(result.raw, y.name, n)
    year = year if year is not None else y.year
    wanted = [year] if year is not None else list(model.years)
    idx = [yr - model.years[0] for yr in wanted]
    return Derivatives(
        output=y.name, wrt=str(x), scenario=scenario, years=tuple(wanted),
        derivative=tuple(_defined(dy[0, i], ys[i]) for i in idx),
        elasticity=tuple(_elasticity(dy[1, i], ys[i]) for i in idx),
        output_values=tuple(None if math.isnan(ys[i]) else float(ys[i]) for i in idx),
        depends=y.name == x.name or y.name in tangent.path,
        compounds=_compounds(plan, tangent.path),
        notes=tuple(path_notes(model, plan, tangent.path, x.name, y.name)))


def _moving(plan: Plan, x: Cell) -> tuple[Plan, str]:
    """The plan to differentiate and the source of the tangent: x itself held
    (every cell moves), or the helper column of its one moved cell."""
    if x.year is None:
        return plan, x.name
    return moved_cells(plan, {x.name: (x.year - plan.model.years[0],)}), helper_name(x.name)


def seed_cell(model: Model, wrt: str, scenario: str, overrides) -> Cell:
    """The input cell of a derivative, checked to have a value."""
    x = cell(model, wrt, "--wrt")
    if x.year is not None:
        has_value(model, prepare(model, scenario, overrides).cover, x, "--wrt", wrt)
    return x


def _seed(plan: Plan, x: Cell) -> np.ndarray:
    """1 where x moves: every year it has a value, or its one year."""
    row = plan.cover[x.name]
    first = plan.model.years[0]
    return np.array([1.0 if p is not None and (x.year is None or i == x.year - first) else 0.0
                     for i, p in enumerate(row)])


def _values(raw: pl.DataFrame, var: str, n: int) -> np.ndarray:
    return raw.get_column(var).head(n).to_numpy().astype(float)


def _defined(d: float, y: float) -> float | None:
    if math.isnan(y) or not math.isfinite(d):
        return None
    return float(d)


def _elasticity(d: float, y: float) -> float | None:
    if math.isnan(y) or y == 0 or not math.isfinite(y):
        return None
    e = d / y
    return float(e) if math.isfinite(e) else None


def _compounds(plan: Plan, path) -> bool:
    return any(b.cyclic and path.intersection(b.variables)
               for level in plan.graph.levels for b in level)


def path_notes(model: Model, plan: Plan, path, x: str, y: str) -> list[str]:
    """What a reader of the derivative should know about the path."""
    notes: list[str] = []
    if y != x and y not in path:
        return [f"{y} does not depend on {x}: the derivative is 0"]
    flat: set[str] = set()
    random = False
    for v in [v for v in model.variables if v in path or v == x]:
        for p in distinct(plan.cover[v]):
            if v != x:
                flat.update(flat_names(expression(model, p)))
            random = random or any(
                isinstance(n, A.Between) or (isinstance(n, A.Call) and n.func in FUNCTIONS
                                             and FUNCTIONS[n.func].kind == "distribution")
                for n in A.walk(p.expr))
    for name in sorted(flat):
        notes.append(f"{name} has derivative 0 (it is flat between its steps)")
    if random:
        notes.append("distributions are differentiated at their mean")
    return notes


def restricted(plan: Plan, outputs: set[str]) -> Plan:
    """The same plan, computing only what `outputs` read (perturbation runs)."""
    up = plan.graph.upstream(outputs)
    levels = [[b for b in level if up.intersection(b.variables)] for level in plan.graph.levels]
    g = plan.graph
    return Plan(plan.model, plan.scenario, plan.cover, Graph(g.order, g.deps, levels, []),
                plan.columns, plan.cell_fns)


# ---------------------------------------------------------------- the formula


@dataclass(frozen=True)
class Rule:
    """d(variable) in some years, as a formula of the model's names.

    `variable` is the output, or a variable on the path that is not inlined
    (a recurrence, or every one when the inlined formula is over budget);
    d(name) in a formula stands for d name / d wrt."""

    variable: str
    years: tuple[int, ...]
    formula: str
    compounds: bool  # the formula reads d(variable) of an earlier year


@dataclass(frozen=True)
class FormulaResult:
    """The derivative of `output` with respect to `wrt` as readable formulas.

    `text` is the formula itself when one formula holds (the seed gives
    `accel_spend*(optics_per_pflops_asic/asic_cost_per_pflops - ...)`), else
    one line per rule and group of years. `compounds` says a recurrence
    carries the change into later years; `note` what else to know."""

    output: str
    wrt: str
    text: str
    compounds: bool
    note: str
    rules: tuple[Rule, ...]
    depends: bool


def derivative_formula(model: Model, output: str, wrt: str, scenario: str = BASE,
                       inline: bool = False, overrides: Overrides | None = None) -> FormulaResult:
    """d output / d wrt in the model's own names, simplified within a budget.

    The variables on the paths from wrt to output are inlined, the others
    stay names (with `inline`, every computed variable that is not a
    recurrence is inlined, so the formula reads inputs only). A recurrence on
    the path cannot be inlined: its one-step rule is printed, and it compounds."""
    y = cell(model, output, "OUTPUT")
    x = seed_cell(model, wrt, scenario, overrides)
    plan = prepare(model, scenario, overrides)
    return _Formula(model, plan, y, x, inline).result()


MAX_INLINED = 400  # nodes of one inlined definition before falling back to the chain


class _OverBudget(Exception):
    pass


class _Formula:
    """The rules of one derivative: which variables are inlined, which are
    hubs (printed as d(name) with a rule of their own), and the formula of
    each hub for each group of years built from the same definitions."""

    def __init__(self, model: Model, plan: Plan, y: Cell, x: Cell, inline: bool):
        self.model, self.plan, self.y, self.x, self.inline = model, plan, y, x, inline
        self.first = model.years[0]
        graph = plan.graph
        self.cyclic = {v for level in graph.levels for b in level if b.cyclic for v in b.variables}
        self.path = graph.downstream({x.name}) & graph.upstream({y.name})
        self.chain = False
        self._plan_hubs()

    def _plan_hubs(self) -> None:
        m, x = self.model, self.x.name
        summed = {r.var for v in self.path for p in distinct(self.plan.cover[v])
                  for r in refs_in(expression(m, p)) if r.cumsum}
        hubs = self.path if self.chain else self.path & (self.cyclic | summed)
        hubs = set(hubs) | {self.y.name}
        # x moved in every year is held; one moved cell of a recurrence carries on.
        if (self.x.year is None or x not in self.cyclic) and x != self.y.name:
            hubs.discard(x)
        self.hubs = hubs
        if self.chain:
            self.expandable: set[str] = set()
        elif self.inline:
            self.expandable = {v for v in m.variables if v not in self.cyclic and v != x
                               and not is_input(m, self.plan.cover[v])} - hubs
        else:
            self.expandable = self.path - hubs - {x}

    def result(self) -> FormulaResult:
        y, x = self.y.name, self.x.name
        notes = path_notes(self.model, self.plan, self.path, x, y)
        if y == x and self.x.year is None:
            return self._done("1", (), notes, True)
        if y not in self.path:
            return self._done("0", (), notes, False)
        try:
            rules, simplified = self._rules()
        except _OverBudget:
            self.chain = True
            self._plan_hubs()
            rules, simplified = self._rules()
            simplified = False
        if not simplified:
            notes.append("not simplified: over budget; the chain rule is shown "
                         "one variable at a time" if self.chain else
                         "not simplified: over budget")
        compounds = any(r.compounds for r in rules)
        if compounds:
            loops = sorted({r.variable for r in rules if r.compounds}, key=self.model.variables.index)
            notes.append(f"compounds: {', '.join(loops)} carr{'ies' if len(loops) == 1 else 'y'} "
                         "the change into later years (no closed form is printed)")
        if self.inline:
            kept = sorted(self.cyclic - self.hubs - {x} - self.path, key=self.model.variables.index)
            used = {v for r in rules for v in kept if v in r.formula}
            if used:
                notes.append("recurrences stay names: " + ", ".join(v for v in kept if v in used))
        return self._done(_rules_text(rules, y), tuple(rules), notes, True)

    def _done(self, text, rules, notes, depends) -> FormulaResult:
        compounds = any(r.compounds for r in rules)
        return FormulaResult(self.y.name, str(self.x), text, compounds, "; ".join(notes),
                             tuple(rules), depends)

    def _rules(self) -> tuple[list[Rule], bool]:
        level = {v: k for k, lv in enumerate(self.plan.graph.levels) for b in lv for v in b.variables}
        order = self.model.variables.index
        hubs = sorted(self.hubs, key=lambda v: (v != self.y.name, -level[v], order(v)))
        rules: list[Rule] = []
        for h in hubs:
            for years, text, loops in self._hub_rules(h):
                rules.append(Rule(h, years, text, loops))
        return _referenced(rules, self.y.name), not self.chain

    def _hub_rules(self, h: str) -> list[tuple[tuple[int, ...], str, bool]]:
        """(years, formula text, compounds) for each group of years of one hub."""
        row = self.plan.cover[h]
        years = [self.first + i for i, p in enumerate(row) if p is not None]
        if h == self.y.name and self.y.year is not None:
            years = [self.y.year]
        groups: dict[object, list[int]] = {}
        for yr in years:
            key = "seed" if h == self.x.name and yr == self.x.year else self._key(h, yr)
            groups.setdefault(key, []).append(yr)
        by_text: dict[tuple[str, bool], list[int]] = {}
        for key, yrs in groups.items():
            if key == "seed":
                text, loops = "1", False
            else:
                text, loops = self._formula(h, yrs)
            by_text.setdefault((text, loops), []).extend(yrs)
        return [(tuple(sorted(yrs)), text, loops) for (text, loops), yrs in by_text.items()]

    def _formula(self, h: str, years: list[int]) -> tuple[str, bool]:
        yr = years[0]
        e = self._expand(Ref(h), yr, {})
        d = self._differentiate(e, yr)
        if len(years) == 1 and T in d.free_symbols:
            d = d.xreplace({T: sp.Integer(yr)})
        loops = any(s.name.startswith(f"d({h}[") for s in d.free_symbols)
        # One rule per variable on a long path: pulling out factors is enough.
        nice, ok = readable(d, full=not self.chain)
        if not ok and not self.chain:
            raise _OverBudget
        return to_text(nice), loops

    def _key(self, h: str, yr: int):
        """What the formula of hub h in year yr is built from: the definitions
        of the inlined cells and the moved cells of x it reads."""
        parts = []
        seen: set[Ref] = set()
        stack = [Ref(h)]
        while stack:
            r = stack.pop()
            if r in seen:
                continue
            seen.add(r)
            p = self.plan.cover[r.var][r.at(yr) - self.first]
            parts.append((r, id(p)))
            for c in refs_in(expression(self.model, p)):
                c = c.seen_from(r)
                if c.var == self.x.name and c.var not in self.hubs:
                    parts.append((c, self._weight(c, yr)))
                elif c.var in self.expandable and not c.cumsum:
                    stack.append(c)
        return frozenset(parts)

    def _expand(self, r: Ref, yr: int, memo: dict) -> sp.Expr:
        """The cell r (seen from year yr) with every inlinable cell replaced by its definition.

        Depth first with a stack of its own, not recursion: a chain of
        thousands of inlinable variables must not reach Python's stack limit
        (the budget usually stops it long before).
        """
        pending: dict[Ref, tuple[sp.Expr, list[Ref]]] = {}
        stack = [r]
        while stack:
            ref = stack[-1]
            if ref in memo:
                stack.pop()
                continue
            if ref not in pending:
                p = self.plan.cover[ref.var][ref.at(yr) - self.first]
                e = reframe(expression(self.model, p), ref)
                kids = [c for c in refs_in(e) if c.var in self.expandable and not c.cumsum]
                pending[ref] = (e, kids)
                # Inlinable cells are never cyclic: a cell still pending is not read again.
                stack.extend(c for c in kids if c not in memo and c not in pending)
                continue
            stack.pop()
            e, kids = pending.pop(ref)
            if kids:
                e = e.xreplace({symbol(c): memo[c] for c in kids})
                if tree_size(e) > MAX_INLINED:
                    raise _OverBudget
            memo[ref] = e
        return memo[r]

    def _differentiate(self, e: sp.Expr, yr: int) -> sp.Expr:
        terms = []
        for s in sorted(e.free_symbols, key=str):
            c = ref_of(s)
            if c is None:
                continue
            if c.var == self.x.name and c.var not in self.hubs:
                w = self._weight(c, yr)
                if w:
                    terms.append(sp.diff(e, s) * w)
            elif c.var in self.path and (c.var in self.hubs or c.cumsum):
                terms.append(sp.diff(e, s) * tangent_symbol(c))
        return sp.Add(*terms)

    def _weight(self, c: Ref, yr: int) -> int:
        """How many moved cells of x the reference c reads in year yr."""
        at = c.at(yr)
        if self.x.year is None:
            return at - self.first + 1 if c.cumsum else 1
        return int(self.x.year <= at) if c.cumsum else int(self.x.year == at)


def _referenced(rules: list[Rule], output: str) -> list[Rule]:
    """The output's rules and those of the hubs they read, transitively (an
    inlined formula may cancel a hub out: d(share) of a ratio of two things
    that both scale with capex does not read d(capex))."""
    keep = {output}
    grew = True
    while grew:
        grew = False
        text = " ".join(r.formula for r in rules if r.variable in keep)
        for r in rules:
            v = r.variable
            if v not in keep and re.search(rf"\bd\({v}[)\[]", text):
                keep.add(v)
                grew = True
    return [r for r in rules if r.variable in keep]


def _rules_text(rules: list[Rule], output: str) -> str:
    if all(r.variable == output for r in rules):
        if len(rules) == 1:
            return rules[0].formula
        return "\n".join(f"{years_label(r.years)}: {r.formula}" for r in rules)
    lines = []
    for r in rules:
        many = sum(1 for q in rules if q.variable == r.variable) > 1
        lines.append(f"d({r.variable}) = {r.formula}" + (f"   ({years_label(r.years)})" if many else ""))
    return "\n".join(lines)


def __getattr__(name: str):
    """`tornado` and `TornadoRow` live in engine.tornado (which imports this
    module); they stay importable from here, as the API docs show them."""
    if name in ("tornado", "TornadoRow", "Lever", "levers"):
        from engine import levers, tornado

        return getattr(tornado if hasattr(tornado, name) else levers, name)
    raise AttributeError(name)
