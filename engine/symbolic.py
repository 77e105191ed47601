"""The sympy back-end: AST to sympy, sympy to polars, sympy to the model's own syntax.

Nothing here parses text: sympy objects are built node by node from the AST
(`sympify` and `parse_expr` end in Python's `eval`). Literals become exact
rationals of the number as written (26.5% is 53/200), `if` a `Piecewise`,
`min`/`max` `Min`/`Max`, distributions their mean. Every reference to
another cell is a real symbol standing for a `Ref`: `capex` (the current
year), `capex[t-1]` (a lag), `capex[2025]` (an absolute year),
`cumsum(capex)`. `t` is the symbol `t`.

A `Frame` says which year an expression is written for: relative to the
current year (`offset`: `x[t-1]` inside a definition that is itself read as
`y[t-1]` becomes `x[t-2]`), or at an absolute year (`x` inside a definition
read as `y[2025]` becomes `x[2025]`). `year`, when known, lets `interp` and
`step` collapse to the value of that year.

`to_polars` turns the expressions sympy returns (derivatives included:
`Heaviside`, `sign`, nested `Piecewise`, `ITE`) into polars expressions
over the frame's columns; `to_text` prints them in the model's syntax
(`^`, `ln`, `if(...)`, `min(...)`), deterministically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Callable

import numpy as np
import polars as pl
import sympy as sp
from sympy.printing.str import StrPrinter

from dsl import ast as A
from engine.functions import FUNCTIONS, np_round
from engine.polars_expr import BATCH, BATCH_BASE, F64, YEAR_FLOAT, YEAR_INDEX

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


_SYMBOLS: dict[Ref, sp.Symbol] = {}
_REFS: dict[sp.Symbol, Ref] = {}


def symbol(ref: Ref) -> sp.Symbol:
    s = _SYMBOLS.get(ref)
    if s is None:
        s = sp.Symbol(ref.label, real=True)
        _SYMBOLS[ref] = s
        _REFS[s] = ref
    return s


def ref_of(s: sp.Basic) -> Ref | None:
    """The cell a symbol stands for; None for `t` and for symbols made elsewhere."""
    return _REFS.get(s)  # type: ignore[call-overload]


_TANGENTS: dict[Ref, sp.Symbol] = {}


def tangent_symbol(ref: Ref) -> sp.Symbol:
    """The symbol d(cell) in a printed chain rule (not a cell: ref_of gives None)."""
    s = _TANGENTS.get(ref)
    if s is None:
        s = _TANGENTS[ref] = sp.Symbol(ref.tangent_label, real=True)
    return s


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


# ---------------------------------------------------------------- flat functions


class Flat(sp.Function):
    """round, floor, ceil: constant between jumps, so their derivative is 0."""

    numpy: Callable[..., np.ndarray]
    is_extended_real = True  # else Abs, Pow and friends differentiate through re() and im()

    def fdiff(self, argindex=1):
        return sp.S.Zero

    @classmethod
    def eval(cls, *args):
        if all(a.is_Number for a in args):
            value = cls.numpy(*(np.asarray(float(a)) for a in args))
            return sp.Float(float(value))
        return None


_FLAT: dict[str, type] = {}


def flat_function(name: str) -> type:
    """The sympy function class for a flat function of the registry (named as in scn)."""
    cls = _FLAT.get(name)
    if cls is None:
        numpy = FUNCTIONS[name].numpy
        cls = type(name, (Flat,), {"numpy": staticmethod(numpy)})
        _FLAT[name] = cls
    return cls


def flat_names(expr: sp.Basic) -> list[str]:
    """The flat functions an expression applies to something that can move."""
    found = {type(f).__name__ for f in expr.atoms(Flat) if f.free_symbols - {T}}
    return sorted(found)


class _Extreme(sp.Function):
    """min and max of the model: sympy's Min/Max order their arguments with
    the assumptions system on every rebuild (~15 ms each, and inlining
    rebuilds them often); these only fold numbers. The derivative is the
    branch taken, and at a tie the branches share it (Heaviside(0) is 1/2)."""

    is_extended_real = True

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]
        if all(a.is_Number for a in args):
            return cls.pick(args)
        return None

    def fdiff(self, argindex=1):
        i = argindex - 1
        others = self.args[:i] + self.args[i + 1:]
        rest = others[0] if len(others) == 1 else type(self)(*others)
        gap = self.args[i] - rest
        return sp.Heaviside(gap if self.pick is max else -gap)


minimum = type("min", (_Extreme,), {"pick": staticmethod(min)})
maximum = type("max", (_Extreme,), {"pick": staticmethod(max)})


class absolute(sp.Function):
    """abs of the model: sympy's Abs differentiates through re() and im() as
    soon as it cannot prove its argument real (seconds on long formulas)."""

    is_extended_real = True

    @classmethod
    def eval(cls, x):
        return abs(x) if x.is_Number else None

    def fdiff(self, argindex=1):
        return sp.sign(self.args[0])


absolute.__name__ = "abs"


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
    """AST to sympy for one model's years. Pure; cache-free (callers cache)."""

    def __init__(self, first: int, last: int):
        self.first, self.last = first, last

    # -- references
    def _cell(self, name: str, k: int, frame: Frame, cumsum: bool = False) -> sp.Expr:
        if frame.absolute:
            return symbol(Ref(name, year=frame.year + k, cumsum=cumsum))
        return symbol(Ref(name, offset=frame.offset + k, cumsum=cumsum))

    def _at(self, name: str, year: int) -> sp.Expr:
        return symbol(Ref(name, year=year))

    def _t(self, frame: Frame) -> sp.Expr:
        if frame.absolute:
            return sp.Integer(frame.year)
        return T + frame.offset

    # -- values
    def expr(self, node: A.Expr, frame: Frame = Frame()) -> sp.Expr:
        t = type(node)
        if t is A.Number:
            return exact(node)
        if t is A.Name:
            return self._cell(node.name, 0, frame)
        if t is A.Shifted:
            return self._cell(node.name, node.offset, frame)
        if t is A.AtYear:
            return self._at(node.name, node.year)
        if t is A.CurrentYear:
            return self._t(frame)
        if t is A.Paren:
            return self.expr(node.expr, frame)
        if t is A.Unary:
            if node.op == "-":
                return -self.expr(node.operand, frame)
            return _as_value(self.cond(node, frame))
        if t is A.Binary:
            return self._binary(node, frame)
        if t is A.Between:
            return (self.expr(node.low, frame) + self.expr(node.high, frame)) / 2
        if t is A.Call:
            return self._call(node, frame)
        raise TypeError(f"no sympy form for {t.__name__}")  # a bug, not a user error

    def _binary(self, node: A.Binary, frame: Frame) -> sp.Expr:
        op = node.op
        if op in _RELATIONS or op in ("and", "or"):
            return _as_value(self.cond(node, frame))
        a, b = self.expr(node.left, frame), self.expr(node.right, frame)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return sp.Pow(a, b)

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

    # -- functions
    def _call(self, node: A.Call, frame: Frame) -> sp.Expr:
        name, args = node.func, node.args
        f = FUNCTIONS[name]
        if f.kind == "aggregate" and len(args) == 1 and isinstance(args[0], A.YearRange):
            return self._aggregate(name, args[0])
        if name in ("interp", "step"):
            return self._interp(args[0], frame, name == "step")
        if name == "cumsum":
            return self._cell(args[0].name, 0, frame, cumsum=True)
        if name == "growth":
            x = args[0].name
            return self._cell(x, 0, frame) / self._cell(x, -1, frame) - 1
        if name == "cagr":
            x, a, b = args[0].name, int(args[1].text), int(args[2].text)
            return sp.Pow(self._at(x, b) / self._at(x, a), sp.Rational(1, b - a)) - 1
        if name == "if":
            c, a, b = args
            return f.symbolic(self.cond(c, frame), self.expr(a, frame), self.expr(b, frame))
        return f.symbolic(*(self.expr(a, frame) for a in args))

    def _aggregate(self, func: str, r: A.YearRange) -> sp.Expr:
        start = self.first if r.years.start is None else r.years.start
        end = self.last if r.years.end is None else r.years.end
        cells = [self._at(r.name, y) for y in range(start, end + 1)]
        if func == "sum":
            return sp.Add(*cells)
        if func == "mean":
            return sp.Add(*cells) / len(cells)
        return FUNCTIONS[func].symbolic(*cells)

    def _interp(self, m: A.YearMap, frame: Frame, step: bool) -> sp.Expr:
        """Linear (or held) between the given years, flat outside: at a known
        year the value of that year, else a Piecewise in t."""
        entries = sorted(m.entries, key=lambda e: e.years.start)
        keys = [e.years.start for e in entries]
        values = [self.expr(e.value, frame) for e in entries]
        if frame.year is not None:
            return _segment_value(keys, values, frame.year, step)
        t = self._t(frame)
        pieces = [(values[0], t <= keys[0])]
        for j in range(1, len(keys)):
            k0, k1 = keys[j - 1], keys[j]
            if step:
                pieces.append((values[j - 1], t < k1))
            else:
                w = (t - k0) / (k1 - k0)
                pieces.append((values[j - 1] + (values[j] - values[j - 1]) * w, t < k1))
        pieces.append((values[-1], True))
        return sp.Piecewise(*pieces)


def _segment_value(keys: list[int], values: list[sp.Expr], year: int, step: bool) -> sp.Expr:
    if len(keys) == 1 or year <= keys[0]:
        return values[0]
    if year >= keys[-1]:
        return values[-1]
    j = next(j for j in range(1, len(keys)) if year <= keys[j])
    if year == keys[j]:
        return values[j]
    if step:
        return values[j - 1]
    w = sp.Rational(year - keys[j - 1], keys[j] - keys[j - 1])
    return values[j - 1] + (values[j] - values[j - 1]) * w


_RELATIONS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


def _as_value(cond: sp.Basic) -> sp.Expr:
    """A condition used as a number: 1 or 0."""
    if cond is sp.true:
        return sp.S.One
    if cond is sp.false:
        return sp.S.Zero
    return sp.Piecewise((1, cond), (0, True))


# ---------------------------------------------------------------- sympy to polars


def primal_ref(ref: Ref, first: int) -> pl.Expr:
    """The polars expression reading a cell reference from the evaluated columns."""
    return column_ref(ref.var, ref, first)


def column_ref(column: str, ref: Ref, first: int) -> pl.Expr:
    """Read column `column` the way `ref` reads its variable (shift, gather, cumsum)."""
    col = pl.col(column)
    if ref.cumsum:
        col = col.cum_sum().over(BATCH)
    if ref.year is not None:
        return col.gather(pl.col(BATCH_BASE) + (ref.year - first))
    return col.shift(-ref.offset) if ref.offset else col


def to_polars(expr: sp.Basic, read: Callable[[Ref], pl.Expr]) -> pl.Expr:
    """A sympy expression as a polars expression; `read` gives each cell's column."""
    return _Polars(read).value(expr)


class _Polars:
    def __init__(self, read: Callable[[Ref], pl.Expr]):
        self.read = read

    def value(self, e: sp.Basic) -> pl.Expr:
        if e.is_Number or e in (sp.nan, sp.zoo, sp.oo, -sp.oo):
            return pl.lit(float(e) if e is not sp.zoo else float("nan"), dtype=F64)
        if e.is_Symbol:
            if e == T:
                return pl.col(YEAR_FLOAT)
            ref = ref_of(e)
            if ref is None:
                raise TypeError(f"unknown symbol {e}")  # a bug: symbols come from Builder
            return self.read(ref)
        if e.is_Add:
            out = self.value(e.args[0])
            for a in e.args[1:]:
                out = out + self.value(a)
            return out
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(*e.args)
        handler = _VALUE_HANDLERS.get(type(e).__name__)
        if handler is not None:
            return handler(self, e)
        if isinstance(e, Flat):
            return self._flat(e)
        raise TypeError(f"no polars form for {type(e).__name__}")  # a bug, not a user error

    def _mul(self, e: sp.Mul) -> pl.Expr:
        top: list[pl.Expr] = []
        bottom: list[pl.Expr] = []
        for a in e.args:  # divide rather than multiply by reciprocals: closer to the model
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                bottom.append(self._pow(a.base, -a.exp))
            elif a.is_Rational and not a.is_Integer and a.p in (1, -1):
                top.append(pl.lit(float(a.p), dtype=F64))
                bottom.append(pl.lit(_float(a.q), dtype=F64))
            else:
                top.append(self.value(a))
        out = _product(top) if top else pl.lit(1.0, dtype=F64)
        if bottom:
            out = out / _product(bottom)
        return out

    def _pow(self, base: sp.Basic, exp: sp.Basic) -> pl.Expr:
        b = self.value(base)
        if exp == sp.S.Half:
            return b.sqrt()
        if exp == -sp.S.Half:
            return 1.0 / b.sqrt()
        if exp == sp.S.NegativeOne:
            return 1.0 / b
        return b.pow(self.value(exp))

    def _flat(self, e: sp.Function) -> pl.Expr:
        xs = [self.value(a) for a in e.args]
        name = type(e).__name__
        if name == "floor":
            return xs[0].floor()
        if name == "ceil":
            return xs[0].ceil()
        digits = xs[1] if len(xs) == 2 else pl.lit(0.0, dtype=F64)
        full = pl.col(YEAR_INDEX) >= 0  # a UDF does not broadcast a literal
        return pl.map_batches(
            [pl.when(full).then(xs[0]), pl.when(full).then(digits)],
            lambda s: pl.Series(np_round(s[0].to_numpy(), s[1].to_numpy()), dtype=F64),
            return_dtype=F64)

    # -- conditions
    def cond(self, c: sp.Basic) -> pl.Expr:
        if c is sp.true:
            return pl.lit(True)
        if c is sp.false:
            return pl.lit(False)
        if isinstance(c, sp.core.relational.Relational):
            a, b = self.value(c.lhs), self.value(c.rhs)
            return _POLARS_RELATIONS[type(c).__name__](a, b)
        if isinstance(c, sp.And):
            return _fold(lambda x, y: x & y, [self.cond(a) for a in c.args])
        if isinstance(c, sp.Or):
            return _fold(lambda x, y: x | y, [self.cond(a) for a in c.args])
        if isinstance(c, sp.Not):
            return ~self.cond(c.args[0])
        if isinstance(c, sp.ITE):
            k, a, b = (self.cond(x) for x in c.args)
            return (k & a) | (~k & b)
        raise TypeError(f"no polars condition for {type(c).__name__}")


def _product(xs: list[pl.Expr]) -> pl.Expr:
    return _fold(lambda x, y: x * y, xs)


def _fold(op, xs):
    out = xs[0]
    for x in xs[1:]:
        out = op(out, x)
    return out


def _piecewise(p: _Polars, e: sp.Piecewise) -> pl.Expr:
    chain = None
    for value, c in e.args:
        v = p.value(value)
        if c is sp.true:
            return v if chain is None else chain.otherwise(v)
        k = p.cond(c)
        chain = pl.when(k).then(v) if chain is None else chain.when(k).then(v)
    return chain.otherwise(pl.lit(float("nan"), dtype=F64))


def _heaviside(p: _Polars, e: sp.Heaviside) -> pl.Expr:
    # At a tie the two branches average: the central difference across the kink.
    x = p.value(e.args[0])
    tie = float(e.args[1]) if len(e.args) > 1 else 0.5
    return pl.when(x > 0).then(1.0).when(x < 0).then(0.0).otherwise(tie)


def _sign(p: _Polars, e: sp.sign) -> pl.Expr:
    x = p.value(e.args[0])
    return pl.when(x > 0).then(1.0).when(x < 0).then(-1.0).otherwise(0.0)


def _minmax(p: _Polars, e) -> pl.Expr:
    xs = [p.value(a) for a in e.args]
    return pl.min_horizontal(xs) if isinstance(e, (sp.Min, minimum)) else pl.max_horizontal(xs)


_VALUE_HANDLERS: dict[str, Callable[[_Polars, sp.Basic], pl.Expr]] = {
    "Piecewise": _piecewise,
    "Heaviside": _heaviside,
    "sign": _sign,
    "Min": _minmax,
    "Max": _minmax,
    "min": _minmax,
    "max": _minmax,
    "Abs": lambda p, e: p.value(e.args[0]).abs(),
    "abs": lambda p, e: p.value(e.args[0]).abs(),
    "exp": lambda p, e: p.value(e.args[0]).exp(),
    "log": lambda p, e: p.value(e.args[0]).log(),
    "DiracDelta": lambda p, e: pl.lit(0.0, dtype=F64),  # only at a kink: no slope to add
}

_POLARS_RELATIONS = {
    "StrictLessThan": lambda a, b: a < b, "LessThan": lambda a, b: a <= b,
    "StrictGreaterThan": lambda a, b: a > b, "GreaterThan": lambda a, b: a >= b,
    "Equality": lambda a, b: a == b, "Unequality": lambda a, b: a != b,
}


# ---------------------------------------------------------------- sympy to text


class ScnPrinter(StrPrinter):
    """Formulas in the model's own syntax: `^`, `ln`, `if(...)`, `min(...)`, `abs(...)`."""

    _default_settings = {**StrPrinter._default_settings, "order": "none"}

    def _print_Add(self, expr, order=None):
        # As analysts write sums: numbers first when added (1 + g), every
        # subtracted term last (a/b - c/d, m - 1); otherwise sympy's order.
        def rank(a):
            if a.could_extract_minus_sign():
                return 2
            return 0 if a.is_Number else 1
        prec = sp.printing.precedence.precedence(expr)
        parts: list[str] = []
        for term in sorted(expr.args, key=rank):
            text = self._print(term)
            sign = "+"
            if text.startswith("-") and not term.is_Add:
                sign, text = "-", text[1:]
            if sp.printing.precedence.precedence(term) < prec or term.is_Add:
                text = f"({text})"
            parts += [sign, text]
        first = parts.pop(0)
        return ("-" if first == "-" else "") + " ".join(parts)

    def _print_Pow(self, e, rational=False):
        if e.exp == sp.S.Half:
            return f"sqrt({self._print(e.base)})"
        if e.exp.is_Number and e.exp < 0:
            return super()._print_Pow(e, rational)
        prec = sp.printing.precedence.precedence(e)
        return f"{self.parenthesize(e.base, prec, strict=True)}^{self.parenthesize(e.exp, prec)}"

    def _print_log(self, e):
        return f"ln({self._print(e.args[0])})"

    def _print_exp(self, e):
        return f"exp({self._print(e.args[0])})"

    def _print_Exp1(self, e):
        return "exp(1)"

    def _print_Abs(self, e):
        return f"abs({self._print(e.args[0])})"

    def _print_Min(self, e):
        return "min(" + ", ".join(self._print(a) for a in e.args) + ")"

    def _print_Max(self, e):
        return "max(" + ", ".join(self._print(a) for a in e.args) + ")"

    def _print_Piecewise(self, e):
        *branches, (last, last_cond) = e.args
        text = self._print(last) if last_cond is sp.true else "n/a"
        for value, c in reversed(branches):
            text = f"if({self._print(c)}, {self._print(value)}, {text})"
        return text

    def _print_ITE(self, e):
        return "if(" + ", ".join(self._print(a) for a in e.args) + ")"

    def _sides(self, x: sp.Expr) -> tuple[str, str]:
        """x > 0 written as a > b: the terms with a minus sign move to the right."""
        terms = sp.Add.make_args(x)
        left = [t for t in terms if not t.could_extract_minus_sign()]
        right = [-t for t in terms if t.could_extract_minus_sign()]
        if not left or not right:
            return self._print(x), "0"
        return self._print(sp.Add(*left)), self._print(sp.Add(*right))

    def _print_Heaviside(self, e):
        a, b = self._sides(e.args[0])
        return f"if({a} > {b}, 1, 0)"

    def _print_sign(self, e):
        a, b = self._sides(e.args[0])
        return f"if({a} > {b}, 1, if({a} < {b}, -1, 0))"

    def _print_Relational(self, e):
        op = {"==": "==", "!=": "!="}.get(e.rel_op, e.rel_op)
        return f"{self._print(e.lhs)} {op} {self._print(e.rhs)}"

    def _print_And(self, e):
        return " and ".join(self.parenthesize(a, 10) for a in e.args)

    def _print_Or(self, e):
        return " or ".join(self.parenthesize(a, 10) for a in e.args)

    def _print_Not(self, e):
        return f"not ({self._print(e.args[0])})"

    def _print_BooleanTrue(self, e):
        return "1"

    def _print_BooleanFalse(self, e):
        return "0"

    def _print_Rational(self, e):
        if _huge(e):
            return _rounded(e)
        text = _decimal(e)
        return text if text is not None else f"{e.p}/{e.q}"

    def _print_Integer(self, e):
        if _huge(e):
            return _rounded(e)
        return _decimal(e) or str(e.p)

    def _print_Float(self, e):
        return repr(float(e))

    def _print_Function(self, e):
        if isinstance(e, Flat):
            return f"{type(e).__name__}(" + ", ".join(self._print(a) for a in e.args) + ")"
        return super()._print_Function(e)


_HUGE_DIGITS = 60  # 1.0001^3000 is exact in sympy: 12,000 digits over 12,000 digits


def _huge(q: sp.Rational) -> bool:
    """An exact number too long to print in full (Python refuses str() of 4,300 digits)."""
    return max(abs(int(q.p)).bit_length(), int(q.q).bit_length()) > _HUGE_DIGITS * 10 // 3


def _rounded(q: sp.Rational) -> str:
    """A huge exact number to 17 significant digits: 1.3498385611954852e3 style."""
    with localcontext() as ctx:
        ctx.prec = 17
        text = str(Decimal(int(q.p)) / Decimal(int(q.q)))
    return text.replace("E+", "e").replace("E", "e")


def _float(n: int | sp.Integer) -> float:
    """An exact integer as a float, inf past the largest (2^2000 kept exact by sympy)."""
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf


def _decimal(q: sp.Rational) -> str | None:
    """265000000000 as 265B, 53/200 as 0.265; None when not a short decimal."""
    p, d = int(q.p), int(q.q)
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    if q.q == 1:
        for scale, suffix in ((10 ** 12, "T"), (10 ** 9, "B"), (10 ** 6, "M")):
            if abs(p) >= scale and p % (scale // 1000) == 0:
                text = str(Decimal(p) / scale)
                return text + suffix
        return str(p)
    text = str(Decimal(p) / Decimal(int(q.q)))
    return text if len(text) <= 24 else None


_PRINTER = ScnPrinter()


def to_text(expr: sp.Basic) -> str:
    """The expression in the model's syntax, the same text for the same expression."""
    return _PRINTER.doprint(expr)


# ---------------------------------------------------------------- readable, within a budget

FACTOR_SIZE = 600  # nodes: factor_terms above this size is skipped
SIMPLIFY_SIZE = 80  # nodes: sympy's full simplify only below this size
SIMPLIFY_SECONDS = 0.5  # and only this long: simplify has no size bound of its own


def tree_size(expr: sp.Basic, memo: dict | None = None) -> int:
    """Nodes of the expression as a tree (shared subexpressions counted each
    time they appear), in time linear in the distinct subexpressions."""
    memo = {} if memo is None else memo
    stack = [expr]
    while stack:
        e = stack[-1]
        if e in memo:
            stack.pop()
            continue
        todo = [a for a in e.args if a not in memo]
        if todo:
            stack.extend(todo)
            continue
        memo[e] = 1 + sum(memo[a] for a in e.args)
        stack.pop()
    return memo[expr]


def readable(expr: sp.Expr, full: bool = True) -> tuple[sp.Expr, bool]:
    """The shortest of a few rewritings (common factors pulled out; with
    `full`, sympy's simplify when small and quick); False when the
    expression is over budget and is returned as it is."""
    size = tree_size(expr)
    if size > FACTOR_SIZE:
        return expr, False
    candidates = [expr, sp.factor_terms(expr)]
    if full and size <= SIMPLIFY_SIZE:
        done = _within(SIMPLIFY_SECONDS, sp.simplify, expr)
        if done is not None:
            candidates.append(done)
    return min(candidates, key=lambda e: (sp.count_ops(e), len(to_text(e)))), True


def _within(seconds: float, fn, arg):
    """fn(arg), or None when it takes longer than `seconds` (it is left to
    finish in a daemon thread, which cannot hold the process open)."""
    import threading

    box: list = []

    def work():
        try:
            box.append(fn(arg))
        except Exception:  # noqa: BLE001 - a failed rewriting just is not a candidate
            pass
    th = threading.Thread(target=work, daemon=True)
    th.start()
    th.join(seconds)
    return box[0] if box else None
