"""The unit of one expression, given the units of the variables it reads: the
rules of engine.unit_check (its docstring says them), one handler per node class.

    Walker(env, dims, warn).unit(expr)   # a Unit, LITERAL (a plain number) or None

With `warn` a list, each disagreement found on the way is appended to it.
"""

from __future__ import annotations

from dsl import ast as A
from engine.units import PERCENT_UNIT, UNITLESS, Unit

LITERAL = object()  # a plain number: adapts to the unit it meets
PERCENT_OF = ("growth", "cagr", "yoy")
SAME_AS_ARGUMENT = ("cumsum", "ytd", "ttm", "sum", "mean", "abs", "round", "floor", "ceil")
AGREEING = ("min", "max", "clamp", "normal", "uniform", "triangular")
REFERENCES = (A.Name, A.Shifted, A.AtYear, A.YearRange)  # the nodes that read a variable


class Walker:
    """The unit of an expression given the variables' units; with `warn` a list,
    each disagreement found on the way is appended to it as (message, span, hint)."""

    def __init__(self, env, dims: frozenset[str], warn: list | None):
        self.env, self.dims, self.warn = env, dims, warn

    def unit(self, node: A.Expr):
        try:
            rule = HANDLERS[type(node)]
        except KeyError:
            raise A.NoHandler("units", node) from None
        return rule(self, node)

    def say(self, message: str, span: A.Span, hint: str) -> None:
        if self.warn is not None:
            self.warn.append((message, span, hint))

    def agree(self, parts, what: str, span: A.Span | None = None):
        """The one unit of `parts` (expressions), each walked once: a warning where two
        known units differ; unknown if any part is (a literal takes the others')."""
        found, first, unknown = None, None, False
        for e in parts:
            u = self.unit(e)
            if u is None:
                unknown = True
            elif u is LITERAL:
                continue
            elif found is None:
                found, first = u, e
            elif not found.same_dimension(u):
                self.say(what.format(a=found, b=u), span or e.span,
                         f"{described(first, found)}, {described(e, u)}: "
                         "convert one, or fix an annotation")
                return None
        if unknown:
            return None
        return LITERAL if found is None else found


def described(e: A.Expr, u: Unit) -> str:
    from dsl.format import expr_text

    while isinstance(e, A.Paren):
        e = e.expr
    if isinstance(e, A.Number) and u.shown == "%":
        return f"{e.text} is a percentage"
    text = e.name if type(e) in REFERENCES else expr_text(e)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} is {u}"


def _number(w: Walker, n: A.Number):
    return PERCENT_UNIT if n.text.endswith("%") else LITERAL


def _name(w: Walker, n):
    return w.env.get(n.name)


def _unknown(w: Walker, n):
    return None


def _unary(w: Walker, n: A.Unary):
    u = w.unit(n.operand)
    return u if n.op == "-" else None


def _binary(w: Walker, n: A.Binary):
    op = n.op
    if op in ("+", "-"):
        return _sum(w, n)
    if op in ("*", "/"):
        a, b = w.unit(n.left), w.unit(n.right)
        if a is None or b is None:
            return None
        if a is LITERAL:
            return b if op == "*" or b is LITERAL else b.inverse()
        if b is LITERAL:
            return a
        return a * b if op == "*" else a / b
    if op == "^":
        return _power(w, n)
    if op in ("and", "or"):
        w.unit(n.left), w.unit(n.right)
        return None
    _sum(w, n)  # a comparison: both sides agree, the result is a truth value
    return None


def _sum(w: Walker, n: A.Binary):
    a, b = w.unit(n.left), w.unit(n.right)
    if a is None or b is None:
        return None
    if a is LITERAL:
        return b
    if b is LITERAL or a.same_dimension(b):
        return a
    w.say(f"{a} {n.op} {b}", n.span,
          f"{described(n.left, a)}, {described(n.right, b)}: convert one, or fix an annotation")
    return None


def _power(w: Walker, n: A.Binary):
    base, exponent = w.unit(n.left), w.unit(n.right)
    if isinstance(exponent, Unit) and not exponent.dimensionless:
        w.say(f"an exponent in {exponent}", n.right.span,
              f"{described(n.right, exponent)}: an exponent is a plain number")
    if base is None or base is LITERAL:
        return base
    k = literal_value(n.right)
    if k is not None and k == int(k):
        return base ** int(k)
    if base.dimensionless:
        return UNITLESS
    if k is not None:
        w.say(f"{base} ^ {k:g}", n.span,
              f"a power with a non-integer exponent needs a plain number: {described(n.left, base)}")
    return None


def literal_value(e: A.Expr) -> float | None:
    """The value of a plain number literal (through parentheses and a minus), else None."""
    sign = 1.0
    while True:
        if isinstance(e, A.Paren):
            e = e.expr
        elif isinstance(e, A.Unary) and e.op == "-":
            sign, e = -sign, e.operand
        else:
            break
    if isinstance(e, A.Number) and not e.text.endswith("%"):
        return sign * e.value
    return None


def _between(w: Walker, n: A.Between):
    return w.agree((n.low, n.high), "{a} to {b}", n.span)


def _call(w: Walker, n: A.Call):
    f, args = n.func, n.args
    if f in PERCENT_OF:
        for a in args:
            w.unit(a)
        return PERCENT_UNIT
    if f in ("sum", "mean", "min", "max") and (
            len(args) == 1 or len(args) == 2 and isinstance(args[1], A.Name)
            and args[1].name in w.dims):
        return w.unit(args[0])  # over periods or over a dim's members
    if f in SAME_AS_ARGUMENT:
        out = w.unit(args[0]) if args else None
        for a in args[1:]:
            w.unit(a)
        return out
    if f in AGREEING:
        return w.agree(args, f"{f} of {{a}} and {{b}}", n.span)
    if f == "if":
        if args:
            w.unit(args[0])
        return w.agree(args[1:], "if branches of {a} and {b}", n.span)
    if f in ("interp", "step"):
        return w.agree(args, f"{f} of {{a}} and {{b}}")
    if f == "sqrt" and args:
        u = w.unit(args[0])
        return u.root(2) if isinstance(u, Unit) else u
    for a in args:  # exp, ln, lognormal, year(): nothing sure
        w.unit(a)
    return None


def _map(w: Walker, n):
    return w.agree([e.value for e in n.entries], "a map of {a} and {b}")


def _paren(w: Walker, n: A.Paren):
    return w.unit(n.expr)


HANDLERS = {
    A.Number: _number, A.Name: _name, A.Shifted: _name, A.AtYear: _name, A.YearRange: _name,
    A.CurrentYear: _unknown, A.Unary: _unary, A.Binary: _binary, A.Between: _between,
    A.Call: _call, A.YearMap: _map, A.MemberMap: _map, A.Paren: _paren,
}
