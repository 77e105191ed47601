"""The derivative as a formula in the model's own names, within a budget.

The variables on the paths from the input to the output are inlined (their
definitions substituted, cell by cell), the others stay names; a recurrence
on the path cannot be inlined: its one-step rule is printed, and it
compounds. Over budget, the chain rule is shown one variable at a time.
`engine.sensitivity.derivative_formula` is the entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from engine.levers import is_input
from engine.model import Model
from engine.partials import expression, path_notes
from engine.plan import Plan
from engine.symbolic import T, Ref, ref_of, reframe, refs_in, symbol, tangent_symbol
from engine.symbolic_budget import readable, tree_size
from engine.symbolic_text import to_text
from engine.trace import Cell, years_label
from dsl.periods import YEARS


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


MAX_INLINED = 400  # nodes of one inlined definition before falling back to the chain


class _OverBudget(Exception):
    pass


class Formula:
    """The rules of one derivative: which variables are inlined, which are
    hubs (printed as d(name) with a rule of their own), and the formula of
    each hub for each group of years built from the same definitions."""

    def __init__(self, model: Model, plan: Plan, y: Cell, x: Cell, inline: bool):
        self.model, self.plan, self.y, self.x, self.inline = model, plan, y, x, inline
        self.axis = model.axis
        graph = plan.graph
        self.cyclic = {v for level in graph.levels for b in level if b.cyclic for v in b.variables}
        self.path = graph.downstream({x.name}) & graph.upstream({y.name})
        self.chain = False
        self._plan_hubs()

    def _plan_hubs(self) -> None:
        m, x = self.model, self.x.name
        summed = {r.var for v in self.path for p in self.plan.cover[v].distinct()
                  for r in refs_in(expression(m, p)) if r.running}
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
            order = self.model.variables.index  # a rule of a member cell: capex[orcl]
            loops = sorted({r.variable for r in rules if r.compounds},
                           key=lambda v: (order(v.split("[")[0]), v))
            notes.append(f"compounds: {', '.join(loops)} carr{'ies' if len(loops) == 1 else 'y'} "
                         "the change into later years (no closed form is printed)")
        if self.inline:
            kept = sorted(self.cyclic - self.hubs - {x} - self.path, key=self.model.variables.index)
            used = {v for r in rules for v in kept if v in r.formula}
            if used:
                notes.append("recurrences stay names: " + ", ".join(v for v in kept if v in used))
        return self._done(_rules_text(rules, y, self.axis.unit), tuple(rules), notes, True)

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
        row = self.plan.cover[h].row(0)
        years = [self.axis.absolute(i) for i, p in enumerate(row) if p is not None]
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
            d = d.xreplace({T: sp.Rational(yr, self.axis.per_year)})
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
            p = self.plan.cover[r.var].at(0, self.axis.index(r.at(yr)))
            parts.append((r, id(p)))
            for c in refs_in(expression(self.model, p)):
                c = c.seen_from(r)
                if c.var == self.x.name and c.var not in self.hubs:
                    parts.append((c, self._weight(c, yr)))
                elif c.var in self.expandable and not c.running:
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
                p = self.plan.cover[ref.var].at(0, self.axis.index(ref.at(yr)))
                e = reframe(expression(self.model, p), ref, self.axis.per_year)
                kids = [c for c in refs_in(e) if c.var in self.expandable and not c.running]
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
            elif c.var in self.path and (c.var in self.hubs or c.running):
                terms.append(sp.diff(e, s) * tangent_symbol(c))
        return sp.Add(*terms)

    def _weight(self, c: Ref, yr: int) -> int:
        """How many moved cells of x the reference c reads in year yr."""
        j = self.axis.index(c.at(yr))
        first = c.first_read(j, self.axis)  # a running total reads from there to j
        if self.x.year is None:
            return j - first + 1
        return int(first <= self.axis.index(self.x.year) <= j)


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


def _rules_text(rules: list[Rule], output: str, unit: str = YEARS) -> str:
    if all(r.variable == output for r in rules):
        if len(rules) == 1:
            return rules[0].formula
        return "\n".join(f"{years_label(r.years, unit)}: {r.formula}" for r in rules)
    lines = []
    for r in rules:
        many = sum(1 for q in rules if q.variable == r.variable) > 1
        lines.append(f"d({r.variable}) = {r.formula}"
                     + (f"   ({years_label(r.years, unit)})" if many else ""))
    return "\n".join(lines)
