"""The derivative as a formula, over member cells (a model with dims).

engine.formula's rules, cell by cell with members: the output is one cell
(`optics_tam`, `capex[goog]`), the input moves in one member or in all
(`capex_growth[orcl]`, `capex_growth`). Each cell read is named as a user
writes it (`capex[orcl,t-1]`); a dim aggregate on the path is spelled out
member by member (`sum(optics, company)` is `optics[goog] + ...`), and only
the members whose cells the moved input can reach are inlined: the others
are constants of the derivative and drop out, so moving one member of
1,000 reads that member's chain. An aggregate off the path stays a name
(`sum(capex, company)`).

For reading, a sum over every member of a dim whose terms differ only by
the member folds back into `sum(term, dim)` (engine.symbolic_members), also
when the budget is measured: 1,000 members are one term. A recurrence on
the path is a hub, as in version 1, per member cell (`d(capex[orcl])`); the
rules of a hub's members that are the same but for the member are printed
once, for the variable (`d(capex) = ...`).
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from engine.address import combo_index, dims_of
from engine.tangent_dims import held_cells, reach_masks
from engine.formula import MAX_INLINED, Formula, FormulaResult, Rule, _OverBudget, _rules_text
from engine.functions import FUNCTIONS
from engine.partials import expression
from engine.symbolic import T, Dims, Ref, ref_of, reframe, refs_in, symbol
from engine.symbolic_budget import readable, tree_size
from engine.symbolic_members import (TangentSymbol, _general, expand_aggregates, fold_members,
                                     member_text,
                                     referenced, tangent_cell)
from engine.trace import Cell, years_label


class MemberFormula(Formula):
    """Formula's rules over member cells (see the module docstring)."""

    def __init__(self, model, plan, y: Cell, x: Cell, inline: bool):
        self.dims = Dims.of_model(model)
        self.framed: dict = {}
        self.alike: dict = {}
        self.readable: dict = {}
        super().__init__(model, plan, y, x, inline)
        held = held_cells(model, plan.cover[x.name], x.members,
                          None if x.year is None else self.axis.index(x.year))
        self.reach = reach_masks(model, plan, x.name, held, self.path | {x.name})

    # -- cells
    def _cell(self, var: str, members: tuple[str, ...] = ()) -> Ref:
        dims = dims_of(self.model, var)
        return Ref(var, members=tuple(members) if members else (None,) * len(dims), dims=dims)

    def _piece(self, r: Ref, yr: int):
        i = self.axis.index(r.at(yr))
        if i is None:
            return None
        combo = combo_index(self.model, r.var, tuple(r.members)) if r.members else 0
        return self.plan.cover[r.var].at(combo, i)

    def _moved(self, c: Ref) -> bool:
        """The cell is one the input moves (its member, when it names one)."""
        return c.var == self.x.name and (not self.x.members or tuple(c.members) == self.x.members)

    def _read(self, r: Ref, yr: int) -> sp.Expr:
        """The definition of cell r seen from year yr (a dim aggregate stays one symbol:
        its derivative is taken member by member, see `_through`)."""
        p = self._piece(r, yr)
        if p is None:
            return symbol(r)
        key = (id(p), r)  # the same piece read through the same reference: every year alike
        hit = self.framed.get(key)
        if hit is None or hit[0] is not p:
            hit = self.framed[key] = (p, reframe(expression(self.model, p), r, self.axis.per_year))
        return hit[1]

    def _members(self, c: Ref) -> list[Ref]:
        """The member cells a dim aggregate reads."""
        base = replace(c, agg=None, over=None)
        return [base.with_member(c.over, m) for m in self.dims.members[c.over]]

    def _reads(self, r: Ref, yr: int) -> list[Ref]:
        """The cells r's definition reads, a dim aggregate of the path as its members."""
        out = []
        for c in refs_in(self._read(r, yr)):
            out += self._members(c) if c.agg is not None and c.var in self.path else [c]
        return out

    def _reaches(self, r: Ref, yr: int) -> bool:
        """Whether cell r (seen from yr) can move when the input moves."""
        mask = self.reach.get(r.var)
        i = self.axis.index(r.at(yr))
        if mask is None or i is None:
            return False
        return bool(mask[self._row(r), i])

    def _member_reaches(self, c: Ref) -> bool:
        """Whether the input can move the cells of c's members in some period: a
        formula stands for a group of years, so what it keeps cannot depend on one."""
        mask = self.reach.get(c.var)
        return mask is not None and bool(mask[self._row(c)].any())

    def _row(self, r: Ref) -> int:
        return combo_index(self.model, r.var, tuple(r.members)) if r.members else 0

    # -- rules
    def _rules(self) -> tuple[list[Rule], bool]:
        start = self._cell(self.y.name, self.y.members)
        todo, done = [start], set()
        found: dict[Ref, list[tuple[tuple[int, ...], sp.Expr, bool]]] = {}
        while todo:
            h = todo.pop(0)
            if h in done:
                continue
            done.add(h)
            found[h] = self._hub_rules(h)
            for _, d, _, _ in found[h]:
                for r in referenced(d):
                    cell = replace(r, offset=0, year=None, cumsum=False, ytd=False)
                    if cell.var in self.hubs and cell not in done:
                        todo.append(cell)
        rules = [rule for h, rs in self._folded(found, start) for rule in rs]
        return rules, not self.chain

    def _folded(self, found, start: Ref):
        """Rules per hub cell; a hub variable's member cells with the same rules but for
        the member share one rule, written for the variable."""
        by_var: dict[str, list[Ref]] = {}
        for h in found:
            by_var.setdefault(h.var, []).append(h)
        order = self.model.variables.index
        level = {v: k for k, lv in enumerate(self.plan.graph.levels) for b in lv for v in b.variables}
        out = []
        for var in sorted(by_var, key=lambda v: (v != start.var, -level[v], order(v))):
            cells = sorted(by_var[var], key=self._row)  # members in declared order, not hash order
            general = {h: [(yrs, self._general(nice, h), loops) for yrs, _, nice, loops in found[h]]
                       for h in cells}
            forms = {tuple((yrs, str(g), loops) for yrs, g, loops in gs) for gs in general.values()}
            if len(cells) > 1 and len(forms) == 1:
                (h, gs), = list(general.items())[:1]
                out.append((var, [Rule(var, yrs, self._text(g), loops) for yrs, g, loops in gs]))
                continue
            for h in cells:
                label = Cell(h.var, None, tuple(h.members) if None not in h.members else ()).__str__()
                out.append((label, [Rule(label, yrs, self._text(nice), loops)
                                    for yrs, _, nice, loops in found[h]]))
        return out

    def _general(self, d: sp.Expr, h: Ref) -> sp.Expr:
        for dim in h.dims:
            d = _general(d, dim)
        return d

    def _text(self, d: sp.Expr) -> str:
        return member_text(d, self.dims)

    def _hub_rules(self, h: Ref):
        """(years, derivative, its readable form, compounds) for each group of years of
        one hub cell."""
        combo = combo_index(self.model, h.var, tuple(h.members)) if h.members else 0
        row = self.plan.cover[h.var].row(combo)
        years = [self.axis.absolute(i) for i, p in enumerate(row) if p is not None]
        if h.var == self.y.name and self.y.year is not None:
            years = [self.y.year]
        groups: dict[object, list[int]] = {}
        for yr in years:
            key = "seed" if self._moved(h) and yr == self.x.year else self._key(h, yr)
            groups.setdefault(key, []).append(yr)
        by_form: dict[tuple, list[int]] = {}
        for key, yrs in groups.items():
            if key == "seed":
                d, nice, loops = sp.S.One, sp.S.One, False
            else:
                d, nice, loops = self._derivative(h, yrs)
            by_form.setdefault((d, nice, loops), []).extend(yrs)
        return [(tuple(sorted(yrs)), d, nice, loops) for (d, nice, loops), yrs in by_form.items()]

    def _derivative(self, h: Ref, years: list[int]) -> tuple[sp.Expr, sp.Expr, bool]:
        yr = years[0]
        self.memo: dict = {}
        e = self._expand(h, yr, self.memo)
        d = self._differentiate(e, yr)
        if len(years) == 1 and T in d.free_symbols:
            d = d.xreplace({T: sp.Rational(yr, self.axis.per_year)})
        loops = any(r.var == h.var and tuple(r.members) == tuple(h.members)
                    for r in referenced(d))
        # members alike but for the member share one rewriting (1,000 hub cells: one simplify)
        key = (self._own_all(d, h), self.chain)
        hit = self.readable.get(key)
        if hit is None:
            hit = self.readable[key] = (h, *readable(fold_members(d, self.dims),
                                                     full=not self.chain))
        first, nice, ok = hit
        if not ok and not self.chain:
            raise _OverBudget
        return d, (nice if first == h else _rebased(nice, first, h)), loops

    def _key(self, h: Ref, yr: int):
        parts = []
        seen: set[Ref] = set()
        stack = [h]
        while stack:
            r = stack.pop()
            if r in seen:
                continue
            seen.add(r)
            parts.append((r, id(self._piece(r, yr))))
            for c in self._reads(r, yr):  # already seen from r
                if c.var == self.x.name and c.var not in self.hubs:
                    parts.append((c, self._weight(c, yr)))
                elif c.var in self.expandable and not c.running and self._member_reaches(c):
                    stack.append(c)
        return frozenset(parts)

    def _expand(self, r: Ref, yr: int, memo: dict) -> sp.Expr:
        pending: dict[Ref, tuple[sp.Expr, list[Ref]]] = {}
        stack = [r]
        while stack:
            ref = stack[-1]
            if ref in memo:
                stack.pop()
                continue
            if ref not in pending:
                e = self._read(ref, yr) if ref is r or self._piece(ref, yr) is not None \
                    else symbol(ref)
                kids = [c for c in refs_in(e) if c.var in self.expandable and not c.running
                        and c.agg is None and self._member_reaches(c)]
                pending[ref] = (e, kids)
                stack.extend(c for c in kids if c not in memo and c not in pending)
                continue
            stack.pop()
            e, kids = pending.pop(ref)
            if kids:
                e = e.xreplace({symbol(c): memo[c] for c in kids})
                if tree_size(e) > MAX_INLINED and \
                        tree_size(fold_members(e, self.dims)) > MAX_INLINED:
                    raise _OverBudget
            memo[ref] = e
        return memo[r]

    def _differentiate(self, e: sp.Expr, yr: int) -> sp.Expr:
        terms = []
        for s in sorted(e.free_symbols, key=str):
            c = ref_of(s)
            if c is None:
                continue
            if c.agg is not None:
                if c.var in self.path:
                    d = self._through(c, yr)
                    if d != 0:
                        terms.append(sp.diff(e, s) * d)
            elif c.var == self.x.name and c.var not in self.hubs:
                w = self._weight(c, yr)
                if w:
                    terms.append(sp.diff(e, s) * w)
            elif c.var in self.path and (c.var in self.hubs or c.running) and \
                    (c.running or self._member_reaches(c)):
                terms.append(sp.diff(e, s) * tangent_cell(c))
        return sp.Add(*terms)

    def _through(self, c: Ref, yr: int) -> sp.Expr:
        """d of a dim aggregate: its members' derivatives, each taken on its own (a
        sum over 1,000 members is 1,000 small derivatives, not one of 1,000 terms)."""
        cells = self._members(c)
        whole = expand_aggregates(symbol(c), self.dims, FUNCTIONS)
        terms = []
        for cell in cells:
            d = self._cell_derivative(cell, yr)
            if d != 0:
                terms.append(d if c.agg == "sum" else sp.diff(whole, symbol(cell)) * d)
        return sp.Add(*terms)

    def _cell_derivative(self, c: Ref, yr: int) -> sp.Expr:
        """d of one member cell a dim aggregate reads."""
        if c.var == self.x.name and c.var not in self.hubs:
            return sp.Integer(self._weight(c, yr))
        if c.var not in self.path or not self._member_reaches(c):
            return sp.S.Zero
        if c.var in self.hubs:
            return tangent_cell(c)
        if c.var in self.expandable:
            return self._member_alike(c, yr, self._expand(c, yr, self.memo))
        return sp.S.Zero

    def _member_alike(self, c: Ref, yr: int, e: sp.Expr) -> sp.Expr:
        """d of e, the expansion of member cell c: taken once for members whose
        expansions and whose cells' roles (moved, reached) are alike but for the
        member, then given each member (1,000 members: one sympy derivative)."""
        roles = []
        for s in sorted(e.free_symbols, key=str):
            r = ref_of(s)
            if r is None:
                continue
            if r.agg is not None and r.var in self.path:
                return self._differentiate(e, yr)  # nested aggregates: member by member
            roles.append((self._own(r, c), r.var == self.x.name and self._weight(r, yr),
                          r.var in self.path and self._member_reaches(r)))
        key = (self._own_all(e, c), tuple(roles))
        hit = self.alike.get(key)
        if hit is None:
            hit = self.alike[key] = (c, self._differentiate(e, yr))
        first, d = hit
        return d if first == c else _rebased(d, first, c)

    def _own(self, r: Ref, c: Ref) -> Ref:
        """r with c's own members left relative."""
        return replace(r, members=tuple(None if m is not None and c.member(d) == m else m
                                        for d, m in zip(r.dims, r.members)))

    def _own_all(self, e: sp.Expr, c: Ref) -> sp.Expr:
        """e with c's own members left relative (cells and d(cells) alike)."""
        mapping = {}
        for s in e.free_symbols:
            r = getattr(s, "ref", None)
            if r is not None:
                g = self._own(r, c)
                mapping[s] = tangent_cell(g) if isinstance(s, TangentSymbol) else symbol(g)
        return e.xreplace(mapping)

    def _weight(self, c: Ref, yr: int) -> int:
        if self.x.members and tuple(c.members) != self.x.members:
            return 0
        return super()._weight(c, yr)

    def _done(self, text, rules, notes, depends) -> FormulaResult:
        compounds = any(r.compounds for r in rules)
        return FormulaResult(str(Cell(self.y.name, None, self.y.members)), str(self.x), text,
                             compounds, "; ".join(notes), tuple(rules), depends)

    def result(self) -> FormulaResult:
        if self.y.name == self.x.name and self.x.year is None and self.x.members and \
                self.y.members != self.x.members:
            return self._done("0", (), [f"{self.y} does not depend on {self.x}: the "
                                        "derivative is 0"], False)
        out = super().result()
        if out.rules:
            label = str(Cell(self.y.name, None, self.y.members))
            out = replace(out, text=_rules_text(list(out.rules), label, self.axis.unit))
        return out


def _rebased(d: sp.Expr, first: Ref, c: Ref) -> sp.Expr:
    """d, taken for member cell `first`, for member cell c: first's members become c's."""
    swap = {m: c.member(dim) for dim, m in zip(first.dims, first.members) if m is not None}

    def moved(r: Ref) -> Ref:
        return replace(r, members=tuple(swap.get(m, m) if m is not None and
                                        first.member(dim) == m else m
                                        for dim, m in zip(r.dims, r.members)))
    mapping = {}
    for s in d.free_symbols:
        r = getattr(s, "ref", None)
        if r is not None:
            mapping[s] = tangent_cell(moved(r)) if isinstance(s, TangentSymbol) else symbol(moved(r))
    return d.xreplace(mapping)


__all__ = ["MemberFormula", "years_label"]
