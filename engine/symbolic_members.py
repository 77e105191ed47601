"""Sums over members, summarised: a formula over 1,000 members is one line.

A derivative taken member by member is an Add with a term per member
(`capex[goog]*k + capex[meta]*k + ...`). When the terms of every member of
a dim are the same expression but for the member, they fold into one
`sum(capex*k, company)`, written as the model would write it (a cell of the
summed member prints without it: `capex`). A sum over some of the members
only, and terms that differ, stay terms; an Add of more than `MAX_TERMS`
terms that do not fold prints its first terms and says how many more
(`shorten`). Folding is for reading and for measuring a formula against
the budget; the numbers never come from it.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from engine.symbolic import Dims, Ref, RefSymbol, ref_of, symbol
from engine.symbolic_functions import function_class
from engine.symbolic_text import ScnPrinter

MAX_TERMS = 12  # terms of one sum printed before "... and K more terms"


def expand_aggregates(expr: sp.Expr, dims: Dims, functions) -> sp.Expr:
    """Every dim aggregate of `expr` as the sum (mean, min, max) of its members'
    cells: `sum(capex, company)` is `capex[goog] + capex[meta] + ...`. The
    reductions by name, as engine.reads.reduce computes them; min and max
    are the registry's functions kept as themselves."""
    mapping = {}
    for s in expr.free_symbols:
        r = ref_of(s)
        if r is None or r.agg is None:
            continue
        base = replace(r, agg=None, over=None)
        cells = [symbol(base.with_member(r.over, m)) for m in dims.members[r.over]]
        if r.agg == "sum":
            mapping[s] = sp.Add(*cells)
        elif r.agg == "mean":
            mapping[s] = sp.Add(*cells) / len(cells)
        else:
            mapping[s] = function_class(functions[r.agg])(*cells)
    return expr.xreplace(mapping) if mapping else expr


class MemberSum(sp.Function):
    """sum(EXPR, DIM): the sum of EXPR over the members of DIM (printed only)."""

    is_extended_real = True
    nargs = 2


class TangentSymbol(RefSymbol):
    """d(cell) in a printed chain rule, carrying the cell (folds like one)."""

    __slots__ = ()

    def __new__(cls, ref: Ref):
        return super().__new__(cls, ref, ref.tangent_label)


TangentSymbol.__name__ = "Symbol"  # sorts and prints as the Symbol it is (see RefSymbol)


def tangent_cell(ref: Ref) -> sp.Symbol:
    return TangentSymbol(ref)


def _member_in(e: sp.Basic, dim: str) -> str | None | bool:
    """The one member of `dim` the cells of `e` name (False: several or a relative one)."""
    found: set[str] = set()
    for s in e.free_symbols:
        r = getattr(s, "ref", None)
        if r is None or dim not in r.dims or r.over == dim:
            continue
        m = r.member(dim)
        if m is None:
            return False
        found.add(m)
    if len(found) > 1:
        return False
    return next(iter(found), None)


def _general(e: sp.Basic, dim: str) -> sp.Basic:
    """e with its cells' member of `dim` left to the sum (printed without it)."""
    mapping = {}
    for s in e.free_symbols:
        r = getattr(s, "ref", None)
        if r is None or dim not in r.dims or r.over == dim:
            continue
        members = tuple(None if d == dim else m for d, m in zip(r.dims, r.members))
        g = replace(r, members=members)
        mapping[s] = tangent_cell(g) if isinstance(s, TangentSymbol) else symbol(g)
    return e.xreplace(mapping)


def fold_members(expr: sp.Basic, dims: Dims) -> sp.Basic:
    """Every Add whose terms for all members of a dim differ only by the member
    becomes `sum(term, dim)` (inner sums first: a sum over two dims folds twice)."""
    if not dims.members or expr.is_Atom:
        return expr
    args = [fold_members(a, dims) for a in expr.args]
    if args != list(expr.args):
        expr = expr.func(*args)
    if not expr.is_Add:
        return expr
    for dim, members in dims.members.items():
        expr = _fold_add(expr, dim, members)
        if not expr.is_Add:
            break
    return expr


def _fold_add(expr: sp.Expr, dim: str, members: tuple[str, ...]) -> sp.Expr:
    groups: dict[sp.Basic, dict[str, sp.Basic]] = {}
    rest: list[sp.Basic] = []
    for term in sp.Add.make_args(expr):
        m = _member_in(term, dim)
        if not m:
            rest.append(term)
            continue
        g = _general(term, dim)
        groups.setdefault(g, {})
        if m in groups[g]:  # the same member twice under one form: no fold for it
            rest.append(term)
        else:
            groups[g][m] = term
    out = list(rest)
    folded = False
    for g, by_member in groups.items():
        if len(members) > 1 and len(by_member) == len(members):
            out.append(_summed(g, dim))
            folded = True
        else:
            out.extend(by_member.values())
    return sp.Add(*out) if folded else expr


class _Shortened(ScnPrinter):
    """The model's syntax, a sum of more than MAX_TERMS terms shortened."""

    def _print_Add(self, expr, order=None):
        terms = sp.Add.make_args(expr)
        if len(terms) <= MAX_TERMS:
            return super()._print_Add(expr, order)
        shown = sp.Add(*terms[:MAX_TERMS - 2], evaluate=False)
        return f"{super()._print_Add(shown, order)} + ... ({len(terms) - MAX_TERMS + 2} more terms)"


_SHORT = _Shortened()


def member_text(expr: sp.Basic, dims: Dims) -> str:
    """A formula over member cells as text: sums over members folded, long sums shortened."""
    return _SHORT.doprint(fold_members(expr, dims))


def _summed(g: sp.Expr, dim: str) -> sp.Expr:
    """sum(g, dim) with the factors that do not depend on the member outside:
    2*k*sum(capex, company), not sum(2*k*capex, company)."""
    inside, outside = [], []
    for f in sp.Mul.make_args(g):
        varies = any(dim in r.dims and r.member(dim) is None and r.over != dim
                     for s in f.free_symbols if (r := getattr(s, "ref", None)) is not None)
        (inside if varies else outside).append(f)
    return sp.Mul(*outside) * MemberSum(sp.Mul(*inside), sp.Symbol(dim))


def referenced(expr: sp.Basic) -> list[Ref]:
    """The cells whose d(cell) the expression reads."""
    return [s.ref for s in expr.free_symbols if isinstance(s, TangentSymbol)]


def cell_refs(expr: sp.Basic) -> list[Ref]:
    return [r for s in expr.free_symbols if (r := ref_of(s)) is not None]
