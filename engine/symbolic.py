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

With dims, a reference pins the members it selects (`capex[goog]`) and
leaves the others to the cell being computed (`capex` in a definition over
`company` reads the cell's own member); a dim aggregate (`sum(capex,
company)`) is one symbol, spelled out member by member
(`engine.symbolic_members.expand_aggregates`)
where a formula needs the members. A formula's cells pin every member and
are named as a user writes them: `capex[goog,2025]`, `capex[goog,t-1]`.

A `Frame` says which year an expression is written for: relative to the
current year (`offset`: `x[t-1]` inside a definition that is itself read as
`y[t-1]` becomes `x[t-2]`), or at an absolute year (`x` inside a definition
read as `y[2025]` becomes `x[2025]`). `year`, when known, lets `interp` and
`step` collapse to the value of that year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Mapping

import sympy as sp

from dsl import ast as A
from dsl.periods import YEARS, label_of
from engine.functions import RUNNING_TOTALS, Context, Function
from engine.symbolic_functions import Flat, function_class



# ---------------------------------------------------------------- cell references


@dataclass(frozen=True, slots=True)
class Ref:
    """A cell an expression reads: `var` at `offset` periods from the current
    one, or at the absolute period `year` (the year, on a yearly axis);
    `cumsum` for cumsum(var) there, `ytd` for ytd(var) (running totals: the
    one symbol stands for every period summed, `first_read` says from where).

    With dims: `dims` are the variable's dims (canonical order) and
    `members` one slot per dim: a member name where the reference pins it
    (`capex[goog]`, or every slot of a cell of a formula), None where it
    reads the member of the cell being computed (`capex` inside
    `capex_share = capex / na_capex`). `agg` and `over` make it a dim
    aggregate: `sum(capex, company)` (the `over` slot is None)."""

    var: str
    offset: int = 0
    year: int | None = None
    cumsum: bool = False
    members: tuple[str | None, ...] = ()
    dims: tuple[str, ...] = ()
    agg: str | None = None
    over: str | None = None
    ytd: bool = False
    # The unit of the axis `year` counts on, for the label alone (`capex[2025Q3]`):
    # not part of a reference's identity, which the model's axis fixes.
    unit: str = field(default=YEARS, compare=False, repr=False)

    @property
    def running(self) -> str | None:
        """The running total's function (cumsum, ytd: RUNNING_TOTALS), None for one cell."""
        if not (self.cumsum or self.ytd):
            return None
        return RUNNING_TOTALS[1] if self.ytd else RUNNING_TOTALS[0]

    def first_read(self, j: int, axis) -> int:
        """The first period index this reference sums when it reads period j:
        j itself for one cell, 0 for cumsum, the start of j's year for ytd
        (`engine.axis.TimeAxis.first_of_year`)."""
        if self.cumsum:
            return 0
        return axis.first_of_year(j) if self.ytd else j

    @property
    def label(self) -> str:
        where = [m for m in self.members if m is not None]
        if self.year is not None:
            where.append(label_of(self.unit, self.year))
        elif self.offset:
            where.append(f"t{self.offset:+d}")
        base = self.var
        if self.running:  # cumsum(x)[2025], cumsum(x[goog])[t-1]: the time outside, as before
            inner = f"{self.var}[{','.join(m for m in self.members if m is not None)}]" \
                if any(m is not None for m in self.members) else self.var
            when = where[-1:] if (self.year is not None or self.offset) else []
            return f"{self.running}({inner})" + (f"[{when[0]}]" if when else "")
        text = f"{base}[{','.join(where)}]" if where else base
        if self.agg is not None:
            return f"{self.agg}({text}, {self.over})"
        return text

    @property
    def pinned(self) -> bool:
        """Every dim has its member: one cell (or one time-relative cell) of the variable."""
        return self.agg is None and all(m is not None for m in self.members)

    @property
    def tangent_label(self) -> str:
        """How d(this cell) reads in a formula: `d(capex[t-1])`, `cumsum(d(x))`,
        `sum(d(capex), company)`."""
        if self.agg is not None:
            inner = replace(self, var=f"d({self.var})", agg=None, over=None)
            return f"{self.agg}({inner.label}, {self.over})"
        if not self.running:
            return f"d({self.label})"
        return replace(self, var=f"d({self.var})").label

    def at(self, current: int) -> int:
        """The year this reference reads when the current year is `current`."""
        return self.year if self.year is not None else current + self.offset

    def member(self, dim: str) -> str | None:
        """The member this reference names of `dim` (None: relative, or not its dim)."""
        try:
            return self.members[self.dims.index(dim)]
        except ValueError:
            return None

    def seen_from(self, outer: Ref) -> Ref:
        """This reference, written inside the definition of the cell `outer`,
        as seen from the year (and members) `outer` itself is read from."""
        members = self.members
        if outer.members and None in members:
            members = tuple(m if m is not None or d == self.over else outer.member(d)
                            for d, m in zip(self.dims, members))
        if self.year is not None:
            return replace(self, members=members) if members is not self.members else self
        if outer.year is not None:
            return replace(self, offset=0, year=outer.year + self.offset, members=members)
        return replace(self, offset=outer.offset + self.offset, members=members)

    def with_member(self, dim: str, member: str) -> Ref:
        """The reference with `dim` pinned to `member`."""
        return replace(self, members=tuple(member if d == dim else m
                                           for d, m in zip(self.dims, self.members)))


class RefSymbol(sp.Symbol):
    """A sympy symbol that carries the reference it stands for.

    The reference travels with the symbol, so no module-level table maps
    symbols back to cells (one would grow with every model ever read).

    The whole reference is part of the symbol's identity, not only its
    printed name: a label such as `capex[goog]` names one cell in one model,
    but other models give it other dims. Were two such symbols equal, sympy's
    caches (of symbols, and of sums and products built from them) would hand
    one model's expression the other's symbol, and the derivative would
    follow the wrong reference (a flaky test found it). So the symbol is
    built uncached and compares by name, then by the full reference.
    """

    __slots__ = ("ref", "_ref_key")

    def __new__(cls, ref: Ref | None, name: str):
        obj = sp.Symbol.__xnew__(cls, name, real=True)  # uncached: see above
        obj.ref = ref
        obj._ref_key = "" if ref is None else repr(ref)  # ordered, for compare on equal names
        return obj

    def _hashable_content(self):
        return (self.name, self._ref_key) + self._assumptions0

    def __getnewargs_ex__(self):
        return ((self.ref, self.name), {})


class CellSymbol(RefSymbol):
    """A cell of the model, printed as its label."""

    __slots__ = ()

    def __new__(cls, ref: Ref):
        return super().__new__(cls, ref, ref.label)

    def __getnewargs_ex__(self):
        return ((self.ref,), {})


def plain_symbol(name: str) -> sp.Symbol:
    """A real symbol that is no cell (`t`, `d(capex)`, goal seek's shift).

    It is a RefSymbol without a reference so that sympy orders it among the
    cell symbols by name alone, as version 1 printed (Basic.compare ranks a
    shorter identity first, whatever the name)."""
    return RefSymbol(None, name)


# sympy orders the terms of a sum or product, canonically and when printing,
# by class name (sympy.core.basic._cmp_name, Atom.class_key): under its own
# name a cell symbol would sort apart from `t` and change every printed
# formula. It sorts, prints and compares as the Symbol it is.
RefSymbol.__name__ = "Symbol"
CellSymbol.__name__ = "Symbol"

T = plain_symbol("t")


def symbol(ref: Ref) -> sp.Symbol:
    return CellSymbol(ref)


def ref_of(s: sp.Basic) -> Ref | None:
    """The cell a symbol stands for; None for `t` and for symbols made elsewhere."""
    return s.ref if isinstance(s, CellSymbol) else None


def tangent_symbol(ref: Ref) -> sp.Symbol:
    """The symbol d(cell) in a printed chain rule (not a cell: ref_of gives None)."""
    return plain_symbol(ref.tangent_label)


def reframe(expr: sp.Expr, outer: Ref, per_year: int = 1) -> sp.Expr:
    """A definition's expression as read through the reference `outer`:
    `capex` inside a definition read as `y[t-1]` becomes `capex[t-1]`, and `t`
    moves by the periods `outer` moves (`per_year` periods make a year of t)."""
    if outer.year is None and outer.offset == 0 and not any(m is not None for m in outer.members):
        return expr
    mapping: dict[sp.Basic, sp.Basic] = {symbol(r): symbol(r.seen_from(outer)) for r in refs_in(expr)}
    if outer.year is not None or outer.offset:
        mapping[T] = (sp.Rational(outer.year, per_year) if outer.year is not None
                      else T + sp.Rational(outer.offset, per_year))
    return expr.xreplace(mapping)


def refs_in(expr: sp.Basic) -> list[Ref]:
    """The cells an expression reads, in a stable order."""
    out = [r for s in expr.free_symbols if (r := ref_of(s)) is not None]
    return sorted(out, key=_order)


def _order(r: Ref):
    return (r.var, r.cumsum, r.ytd, r.year is not None, r.year or 0, r.offset,
            r.agg or "", r.over or "", tuple(m or "" for m in r.members))


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


@dataclass(frozen=True)
class Dims:
    """What the sympy back-end needs to know of a model's dims: each dim's
    members, each variable's dims (canonical order), each member's dim."""

    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    member_of: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_model(cls, model) -> Dims:
        """From a model (engine.model.Model); a version-1 model has none."""
        dims = getattr(model, "dims", None) or {}
        return cls({d: tuple(dim.members) for d, dim in dims.items()},
                   dict(getattr(model, "dims_of", None) or {}),
                   {m: d for d, dim in dims.items() for m in dim.members})


NO_DIMS = Dims()


def exact(number: A.Number) -> sp.Rational:
    """The number as written, exactly: 26.5% is 53/200 (never via text parsing)."""
    q = Fraction(Decimal(repr(number.value)))
    return sp.Rational(q.numerator, q.denominator)


class Builder:
    """AST to sympy in one context (the time axis, the function table).
    Pure; cache-free (callers cache)."""

    def __init__(self, ctx: Context, dims: Dims = NO_DIMS):
        self.ctx, self.dims = ctx, dims

    # -- references
    def slots(self, name: str, selected: tuple[A.Member, ...]) -> tuple[tuple[str, ...],
                                                                     tuple[str | None, ...]]:
        """The variable's dims and, per dim, the member the reference selects (None: the
        member of the cell being computed)."""
        dims = self.dims.of.get(name, ())
        if not dims:
            return (), ()
        picked = {self.dims.member_of.get(m.name): m.name for m in selected}
        return dims, tuple(picked.get(d) for d in dims)

    def cell(self, name: str, k: int, frame: Frame, cumsum: bool = False,
             selected: tuple[A.Member, ...] = (), ytd: bool = False) -> sp.Expr:
        dims, members = self.slots(name, selected)
        unit = self.ctx.axis.unit
        if frame.absolute:
            return symbol(Ref(name, year=frame.year + k, cumsum=cumsum, members=members,
                              dims=dims, ytd=ytd, unit=unit))
        return symbol(Ref(name, offset=frame.offset + k, cumsum=cumsum, members=members,
                          dims=dims, ytd=ytd, unit=unit))

    def at(self, name: str, year: int, selected: tuple[A.Member, ...] = ()) -> sp.Expr:
        """The cell of `name` at the absolute period `year` (the year, on a yearly axis)."""
        dims, members = self.slots(name, selected)
        return symbol(Ref(name, year=year, members=members, dims=dims, unit=self.ctx.axis.unit))

    def over_dim(self, node: A.Call) -> str | None:
        """The dim `sum(x, DIM)` (mean, min, max) aggregates over, None for any other call."""
        f = self.ctx.functions.get(node.func)
        if f is not None and f.kind == "aggregate" and len(node.args) == 2:
            d = node.args[1]
            if isinstance(d, A.Name) and not d.members and d.name in self.dims.members:
                return d.name
        return None

    def t(self, frame: Frame) -> sp.Expr:
        """`t` where the frame reads: exact, in years (a period is 1/per_year of one)."""
        k = self.ctx.axis.per_year
        if frame.absolute:
            return sp.Rational(frame.year, k)
        return T + sp.Rational(frame.offset, k)

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

    __slots__ = ("builder", "frame", "function", "args")

    def __init__(self, builder: Builder, frame: Frame, function: Function,
                 args: tuple[A.Expr, ...] = ()):
        self.builder, self.frame, self.function, self.args = builder, frame, function, args

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

    def cell(self, name: str, k: int, cumsum: bool = False, ytd: bool = False) -> sp.Expr:
        return self.builder.cell(name, k, self.frame, cumsum, self._selected(name), ytd)

    def at(self, name: str, year: int) -> sp.Expr:
        return self.builder.at(name, year, self._selected(name))

    def _selected(self, name: str) -> tuple[A.Member, ...]:
        """The members the call's variable argument selects (`cumsum(x[goog])`,
        `sum(x[goog, 2024..2026])`): the time functions name the variable only."""
        for a in self.args:
            if getattr(a, "name", None) == name:
                return getattr(a, "members", ())
        return ()

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
    over = b.over_dim(node)
    if over is not None:
        return _dim_aggregate(b, node, over, frame)
    f = b.ctx.functions[node.func]
    return f.sympy(SympyCall(b, frame, f, node.args), node.args)


def _dim_aggregate(b: Builder, node: A.Call, over: str, frame: Frame) -> sp.Expr:
    """`sum(x, company)`: one symbol standing for the aggregate (its members are
    spelled out by `expand_aggregates` where a formula needs them)."""
    x = node.args[0]
    cell = b.cell(x.name, getattr(x, "offset", 0), frame, selected=x.members)
    return symbol(replace(ref_of(cell), agg=node.func, over=over))


HANDLERS: dict[type, Callable[[Builder, A.Expr, Frame], sp.Expr]] = {
    A.Number: lambda b, n, frame: exact(n),
    A.Name: lambda b, n, frame: b.cell(n.name, 0, frame, selected=n.members),
    A.CurrentYear: lambda b, n, frame: b.t(frame),
    A.Shifted: lambda b, n, frame: b.cell(n.name, n.offset, frame, selected=n.members),
    A.AtYear: lambda b, n, frame: b.at(n.name, b.ctx.axis.point(n.period), n.members),
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
