"""The sympy back-end: AST to sympy (sympy to polars is engine.symbolic_polars,
sympy to the model's syntax engine.symbolic_text, rewriting within a budget
engine.symbolic_budget).

Nothing here parses text: sympy objects are built node by node from the AST
(`sympify` and `parse_expr` end in Python's `eval`). Literals become exact
rationals of the number as written (26.5% is 53/200), `if` a `Piecewise`,
`min`/`max`/`abs`/`round`/`floor`/`ceil` functions of their own
(engine.symbolic_functions), distributions their mean; each function as its
entry in the registry builds it. Every reference to another cell is a real
symbol standing for a `Ref`: `capex` (the current year), `capex[t-1]` (a
lag), `capex[2025]` (an absolute year), `cumsum(capex)`. `t` is the symbol `t`.

A `Frame` says which year an expression is written for: relative to the
current year (`offset`: `x[t-1]` inside a definition that is itself read as
`y[t-1]` becomes `x[t-2]`), or at an absolute year (`x` inside a definition
read as `y[2025]` becomes `x[2025]`). `year`, when known, lets `interp` and
`step` collapse to the value of that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Callable

import sympy as sp

from dsl import ast as A
from engine.functions import Context, Function
from engine.symbolic_functions import Flat, function_class

T = sp.Symbol("t", real=True)


# ---------------------------------------------------------------- cell references


@dataclass(frozen=True, slots=True)
class Ref:
    """A cell an expression reads: `var` at `offset` years from the current
    one, or at the absolute `year`; `cumsum` for cumsum(var) there."""

    var: str
    offset: int = 0
    year: int | None = None
    cumsum: bool = False

    @property
    def label(self) -> str:
        base = f"cumsum({self.var})" if self.cumsum else self.var
        if self.year is not None:
            return f"{base}[{self.year}]"
        if self.offset == 0:
            return base
        return f"{base}[t{self.offset:+d}]"

    @property
    def tangent_label(self) -> str:
        """How d(this cell) reads in a formula: `d(capex[t-1])`, `cumsum(d(x))`."""
        if not self.cumsum:
            return f"d({self.label})"
        return Ref(f"d({self.var})", self.offset, self.year, True).label

    def at(self, current: int) -> int:
        """The year this reference reads when the current year is `current`."""
        return self.year if self.year is not None else current + self.offset

    def seen_from(self, outer: Ref) -> Ref:
        """This reference, written inside the definition of the cell `outer`,
        as seen from the year `outer` itself is read from."""
        if self.year is not None:
            return self
        if outer.year is not None:
            return Ref(self.var, 0, outer.year + self.offset, self.cumsum)
        return Ref(self.var, outer.offset + self.offset, None, self.cumsum)


class CellSymbol(sp.Symbol):
    """A sympy symbol that carries the cell it stands for.

    The reference travels with the symbol, so no module-level table maps
    symbols back to cells (one would grow with every model ever read) and no
    result depends on such a table keeping an object alive. Two symbols of the
    same cell are equal (sympy compares the name, and a label names one cell).
    """

    __slots__ = ("ref",)

    def __new__(cls, ref: Ref):
        obj = super().__new__(cls, ref.label, real=True)
        obj.ref = ref
        return obj

    def __getnewargs_ex__(self):
        return ((self.ref,), {})


# sympy orders the terms of a sum or product, canonically and when printing,
# by class name (sympy.core.basic._cmp_name, Atom.class_key): under its own
# name a cell symbol would sort apart from `t` and change every printed
# formula. It sorts, prints and compares as the Symbol it is.
CellSymbol.__name__ = "Symbol"


def symbol(ref: Ref) -> sp.Symbol:
    return CellSymbol(ref)


def ref_of(s: sp.Basic) -> Ref | None:
    """The cell a symbol stands for; None for `t` and for symbols made elsewhere."""
    return s.ref if isinstance(s, CellSymbol) else None


def tangent_symbol(ref: Ref) -> sp.Symbol:
    """The symbol d(cell) in a printed chain rule (not a cell: ref_of gives None)."""
    return sp.Symbol(ref.tangent_label, real=True)


def reframe(expr: sp.Expr, outer: Ref) -> sp.Expr:
    """A definition's expression as read through the reference `outer`:
    `capex` inside a definition read as `y[t-1]` becomes `capex[t-1]`."""
    if outer.year is None and outer.offset == 0:
        return expr
    mapping: dict[sp.Basic, sp.Basic] = {symbol(r): symbol(r.seen_from(outer)) for r in refs_in(expr)}
    mapping[T] = sp.Integer(outer.year) if outer.year is not None else T + outer.offset
    return expr.xreplace(mapping)


def refs_in(expr: sp.Basic) -> list[Ref]:
    """The cells an expression reads, in a stable order."""
    out = [r for s in expr.free_symbols if (r := ref_of(s)) is not None]
    return sorted(out, key=lambda r: (r.var, r.cumsum, r.year is not None, r.year or 0, r.offset))


def flat_names(expr: sp.Basic) -> list[str]:
    """The flat functions an expression applies to something that can move."""
    found = {f.function.name for f in expr.atoms(Flat) if f.free_symbols - {T}}
    return sorted(found)


# ---------------------------------------------------------------- AST to sympy


@dataclass(frozen=True, slots=True)
class Frame:
    """Where an expression is read: `offset` years from the current one, or at
    the absolute `year` (then `absolute` is True). `year` may also be known
    for a relative frame (one output year at a time); None means any year."""

    offset: int = 0
    year: int | None = None
    absolute: bool = False

    def shifted(self, k: int) -> Frame:
        """The frame of a reference k years away (k < 0 for x[t-1])."""
        year = None if self.year is None else self.year + k
        return Frame(self.offset + k, year, self.absolute)

    def at_year(self, year: int) -> Frame:
        return Frame(0, year, True)


def exact(number: A.Number) -> sp.Rational:
    """The number as written, exactly: 26.5% is 53/200 (never via text parsing)."""
    q = Fraction(Decimal(repr(number.value)))
    return sp.Rational(q.numerator, q.denominator)


class Builder:
    """AST to sympy in one context (the time axis, the function table).
    Pure; cache-free (callers cache)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    # -- references
    def cell(self, name: str, k: int, frame: Frame, cumsum: bool = False) -> sp.Expr:
        if frame.absolute:
            return symbol(Ref(name, year=frame.year + k, cumsum=cumsum))
        return symbol(Ref(name, offset=frame.offset + k, cumsum=cumsum))

    def at(self, name: str, year: int) -> sp.Expr:
        return symbol(Ref(name, year=year))

    def t(self, frame: Frame) -> sp.Expr:
        if frame.absolute:
            return sp.Integer(frame.year)
        return T + frame.offset

    # -- values
    def expr(self, node: A.Expr, frame: Frame = Frame()) -> sp.Expr:
        try:
            handler = HANDLERS[type(node)]
        except KeyError:
            raise A.NoHandler("sympy", node) from None
        return handler(self, node, frame)

    # -- conditions (the first argument of `if`, operands of and/or/not)
    def cond(self, node: A.Expr, frame: Frame) -> sp.Basic:
        t = type(node)
        if t is A.Paren:
            return self.cond(node.expr, frame)
        if t is A.Unary and node.op == "not":
            return sp.Not(self.cond(node.operand, frame))
        if t is A.Binary and node.op in _RELATIONS:
            return _RELATIONS[node.op](self.expr(node.left, frame), self.expr(node.right, frame))
        if t is A.Binary and node.op in ("and", "or"):
            join = sp.And if node.op == "and" else sp.Or
            return join(self.cond(node.left, frame), self.cond(node.right, frame))
        return sp.Ne(self.expr(node, frame), 0)  # any non-zero number is true


class SympyCall:
    """One call being built: what a function's sympy builder receives
    (engine.functions): its arguments' values and conditions, the cells it
    reads, `t`, the known year, and the function kept as itself."""

    __slots__ = ("builder", "frame", "function")

    def __init__(self, builder: Builder, frame: Frame, function: Function):
        self.builder, self.frame, self.function = builder, frame, function

    @property
    def ctx(self) -> Context:
        return self.builder.ctx

    @property
    def year(self) -> int | None:
        return self.frame.year

    def value(self, node: A.Expr) -> sp.Expr:
        return self.builder.expr(node, self.frame)

    def cond(self, node: A.Expr) -> sp.Basic:
        return self.builder.cond(node, self.frame)

    def kept(self, values: list[sp.Expr]) -> sp.Expr:
        return function_class(self.function)(*values)

    def cell(self, name: str, k: int, cumsum: bool = False) -> sp.Expr:
        return self.builder.cell(name, k, self.frame, cumsum)

    def at(self, name: str, year: int) -> sp.Expr:
        return self.builder.at(name, year)

    def t(self) -> sp.Expr:
        return self.builder.t(self.frame)


def _unary(b: Builder, node: A.Unary, frame: Frame) -> sp.Expr:
    if node.op == "-":
        return -b.expr(node.operand, frame)
    return _as_value(b.cond(node, frame))


def _binary(b: Builder, node: A.Binary, frame: Frame) -> sp.Expr:
    op = node.op
    if op in _RELATIONS or op in ("and", "or"):
        return _as_value(b.cond(node, frame))
    x, y = b.expr(node.left, frame), b.expr(node.right, frame)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y
    return sp.Pow(x, y)


def _call(b: Builder, node: A.Call, frame: Frame) -> sp.Expr:
    f = b.ctx.functions[node.func]
    return f.sympy(SympyCall(b, frame, f), node.args)


HANDLERS: dict[type, Callable[[Builder, A.Expr, Frame], sp.Expr]] = {
    A.Number: lambda b, n, frame: exact(n),
    A.Name: lambda b, n, frame: b.cell(n.name, 0, frame),
    A.CurrentYear: lambda b, n, frame: b.t(frame),
    A.Shifted: lambda b, n, frame: b.cell(n.name, n.offset, frame),
    A.AtYear: lambda b, n, frame: b.at(n.name, n.year),
    A.YearRange: A.only_inside("sympy", "sum, mean, min or max"),
    A.Unary: _unary,
    A.Binary: _binary,
    A.Between: lambda b, n, frame: (b.expr(n.low, frame) + b.expr(n.high, frame)) / 2,
    A.Call: _call,
    A.YearMap: A.only_inside("sympy", "a whole definition, interp or step"),
    A.MemberMap: A.resolved_away("sympy"),
    A.Paren: lambda b, n, frame: b.expr(n.expr, frame),
}


_RELATIONS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


def _as_value(cond: sp.Basic) -> sp.Expr:
    """A condition used as a number: 1 or 0."""
    if cond is sp.true:
        return sp.S.One
    if cond is sp.false:
        return sp.S.Zero
    return sp.Piecewise((1, cond), (0, True))
