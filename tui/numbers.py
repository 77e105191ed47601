"""Numbers for people: `345.0B`, `32.0%`, `n/a`; and which variables read as percentages.

A variable displays as a percentage when its definitions are written in
percent: `%` literals (alone, in year maps, interp, step, distributions),
growth and cagr, sums and differences of percentages, min/max/if/clamp
over percentages, and other percentage variables; or when its name says so
(`..._share`, `share_of_...`, `..._rate`, `..._growth`, `..._margin`,
`..._pct`, `..._cagr`), as analysts name ratios. Everything else is an
amount, scaled with k, M, B, T.
"""

from __future__ import annotations

import math
from collections import deque

from dsl import ast as A

PERCENT, AMOUNT = "percent", "amount"
_PERCENT_ENDINGS = ("share", "_rate", "growth", "margin", "_pct", "cagr")


def _named_as_ratio(name: str) -> bool:
    return name.endswith(_PERCENT_ENDINGS) or "share_of" in name


SCIENTIFIC = 1e15  # from 1,000T on, a number is written 1.0e15: 1e300 is not 300 digits


def format_value(v: float | None, kind: str = AMOUNT) -> str:
    if v is None:
        return ""
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if kind == PERCENT:
        if abs(v * 100) >= SCIENTIFIC:
            return _scientific(v * 100) + "%"
        return f"{v * 100:,.1f}%"
    a = abs(v)
    if a >= SCIENTIFIC:
        return _scientific(v)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= scale:
            return f"{v / scale:,.1f}{suffix}"
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _scientific(v: float) -> str:
    """1.0e15, -2.5e300: two significant digits, no '+' in the exponent."""
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


_READS = (A.Name, A.Shifted, A.AtYear, A.YearRange)


def kinds(model) -> dict[str, str]:
    """The display kind of every variable of a model (from its base definitions).

    A variable is a percentage when its name says so, or when every definition
    is one given the kinds of the variables it reads: the smallest such set,
    grown from a worklist (no recursion, so a chain of 10,000 variables
    written in any order is fine; a loop of variables that only read each
    other stays an amount).
    """
    out = {v: PERCENT if _named_as_ratio(v) else AMOUNT for v in model.variables}
    readers: dict[str, set[str]] = {}
    for v in model.variables:
        for d in model.info[v].definitions:
            for node in A.walk(d.expr):
                if isinstance(node, _READS):
                    readers.setdefault(node.name, set()).add(v)

    def kind_of(name: str, _seen=None) -> str:
        return out.get(name, AMOUNT)

    work = deque(model.variables)
    queued = set(work)
    while work:
        v = work.popleft()
        queued.discard(v)
        defs = model.info[v].definitions
        if out[v] == PERCENT or not defs or not all(_pct(d.expr, None, kind_of) for d in defs):
            continue
        out[v] = PERCENT
        for r in readers.get(v, ()):
            if r not in queued and out[r] != PERCENT:
                work.append(r)
                queued.add(r)
    return out


def _pct(e: A.Expr, seen, kind_of) -> bool:
    t = type(e)
    if t is A.Number:
        return e.text.endswith("%")
    if t is A.Paren:
        return _pct(e.expr, seen, kind_of)
    if t in (A.Name, A.Shifted, A.AtYear):
        return kind_of(e.name, seen) == PERCENT
    if t is A.Unary:
        return e.op == "-" and _pct(e.operand, seen, kind_of)
    if t is A.Between:
        return _pct(e.low, seen, kind_of) and _pct(e.high, seen, kind_of)
    if t is A.YearMap:
        return all(_pct(x.value, seen, kind_of) for x in e.entries)
    if t is A.Binary:
        if e.op in ("+", "-"):
            return _pct(e.left, seen, kind_of) and _pct(e.right, seen, kind_of)
        if e.op == "*":
            return _pct(e.left, seen, kind_of) and _pct(e.right, seen, kind_of)
        return False
    if t is A.Call:
        f, args = e.func, e.args
        if f in ("growth", "cagr"):
            return True
        if f in ("interp", "step"):
            return bool(args) and _pct(args[0], seen, kind_of)
        if f in ("min", "max", "clamp", "round", "abs"):
            vals = args[:1] if f in ("round", "abs") else args
            if len(args) == 1 and isinstance(args[0], A.YearRange):
                return kind_of(args[0].name, seen) == PERCENT
            return bool(vals) and all(_pct(a, seen, kind_of) for a in vals)
        if f == "if":
            return len(args) == 3 and _pct(args[1], seen, kind_of) and _pct(args[2], seen, kind_of)
        if f in ("normal", "uniform", "triangular"):
            return bool(args) and _pct(args[0], seen, kind_of)
        if f in ("mean", "sum") and args and isinstance(args[0], A.YearRange):
            return f == "mean" and kind_of(args[0].name, seen) == PERCENT
    return False
