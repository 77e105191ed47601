"""sympy to text: formulas in the model's own syntax, deterministically.

`^` for powers, `ln`, `if(...)` for Piecewise, Heaviside and sign, numbers
as the model writes them (`265B`, `0.265`). The registry's functions print
with their own names, found through their entries: a function sympy keeps
as itself carries its entry; sympy's own function for one (`log` for ln,
`Min` for min) is named by the entry's `sympy_names`.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import sympy as sp
from sympy.printing.str import StrPrinter

from engine.functions import FUNCTIONS
from engine.symbolic import T
from engine.symbolic_functions import Applied


class ScnPrinter(StrPrinter):
    """Formulas in the model's own syntax: `^`, `ln`, `if(...)`, `min(...)`, `abs(...)`."""

    _default_settings = {**StrPrinter._default_settings, "order": "none"}

    def _print(self, expr, **kwargs):
        name = _scn_name(expr)
        if name is not None:  # a function of the registry, by its entry
            entry = expr.function if isinstance(expr, Applied) else FUNCTIONS.get(name)
            if entry is not None and entry.max_args == 0 and expr.args == (T,):
                return f"{name}()"  # quarter() of the current period, as written
            return f"{name}(" + ", ".join(self._print(a) for a in expr.args) + ")"
        return super()._print(expr, **kwargs)

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

    def _print_Exp1(self, e):
        return "exp(1)"

    def _print_Piecewise(self, e):
        *branches, (last, last_cond) = e.args
        text = self._print(last) if last_cond is sp.true else "n/a"
        for value, c in reversed(branches):
            text = f"if({self._print(c)}, {self._print(value)}, {text})"
        return text

    def _print_MemberSum(self, e):
        return f"sum({self._print(e.args[0])}, {e.args[1].name})"

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


_SCN_NAMES: dict[str, str] = {}


def _scn_name(expr: sp.Basic) -> str | None:
    """The registry's name of a sympy function (None for anything else)."""
    if isinstance(expr, Applied):
        return expr.function.name
    if not _SCN_NAMES:
        _SCN_NAMES.update({s: f.name for f in FUNCTIONS.values() for s in f.sympy_names})
    return _SCN_NAMES.get(type(expr).__name__)
