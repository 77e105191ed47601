"""Which variables read as percentages: the display kind of every variable.

A variable displays as a percentage when its definitions are written in
percent: `%` literals (alone, in year maps, interp, step, distributions),
growth, cagr and yoy, sums and differences of percentages, min/max/if/clamp
over percentages, and other percentage variables; or when its name says so
(`..._share`, `share_of_...`, `..._rate`, `..._growth`, `..._margin`,
`..._pct`, `..._cagr`), as analysts name ratios. Everything else is an
amount, scaled with k, M, B, T (`display.numbers`).

Whether an expression reads as a percentage is one handler per node class
of `dsl.ast` (`HANDLERS`), and one rule per function for calls (`CALLS`): a
function without a rule reads as an amount.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Mapping, Sequence

from dsl import ast as A

PERCENT, AMOUNT = "percent", "amount"
_PERCENT_ENDINGS = ("share", "_rate", "growth", "margin", "_pct", "cagr")

# The tornado cannot scale an input that is 0 everywhere (10% of 0 is 0): it
# moves it by a step instead, one percentage point for a percentage, else 1.
ZERO_STEP_PERCENT, ZERO_STEP = 0.01, 1.0

KindOf = Callable[[str], str]  # the display kind of a variable, by name


def _named_as_ratio(name: str) -> bool:
    return name.endswith(_PERCENT_ENDINGS) or "share_of" in name


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

    def kind_of(name: str) -> str:
        return out.get(name, AMOUNT)

    work = deque(model.variables)
    queued = set(work)
    while work:
        v = work.popleft()
        queued.discard(v)
        defs = model.info[v].definitions
        if out[v] == PERCENT or not defs or not all(is_percent(d.expr, kind_of) for d in defs):
            continue
        out[v] = PERCENT
        for r in readers.get(v, ()):
            if r not in queued and out[r] != PERCENT:
                work.append(r)
                queued.add(r)
    return out


def zero_steps(kind: Mapping[str, str]) -> dict[str, float]:
    """The tornado's step for each variable that is 0 everywhere (`engine.tornado`'s
    `zero_step`): one percentage point when it reads as a percentage, else 1."""
    return {v: ZERO_STEP_PERCENT if k == PERCENT else ZERO_STEP for v, k in kind.items()}


_READS = (A.Name, A.Shifted, A.AtYear, A.YearRange)


def is_percent(e: A.Expr, kind_of: KindOf) -> bool:
    """Whether an expression reads as a percentage, given the kinds of the variables it reads."""
    try:
        handler = HANDLERS[type(e)]
    except KeyError:
        raise A.NoHandler("display kinds", e) from None
    return handler(e, kind_of)


def _literal(e: A.Number, kind_of: KindOf) -> bool:
    return e.text.endswith("%")


def _read(e: A.Name | A.Shifted | A.AtYear, kind_of: KindOf) -> bool:
    return kind_of(e.name) == PERCENT


def _never(e: A.Expr, kind_of: KindOf) -> bool:
    """`t` is a year; a year range alone is not a value (only a function's argument)."""
    return False


def _paren(e: A.Paren, kind_of: KindOf) -> bool:
    return is_percent(e.expr, kind_of)


def _unary(e: A.Unary, kind_of: KindOf) -> bool:
    return e.op == "-" and is_percent(e.operand, kind_of)


def _binary(e: A.Binary, kind_of: KindOf) -> bool:
    """Sums, differences and products of percentages; a quotient or a comparison is not one."""
    return e.op in ("+", "-", "*") and is_percent(e.left, kind_of) and is_percent(e.right, kind_of)


def _between(e: A.Between, kind_of: KindOf) -> bool:
    return is_percent(e.low, kind_of) and is_percent(e.high, kind_of)


def _year_map(e: A.YearMap | A.MemberMap, kind_of: KindOf) -> bool:
    """A map (of years or of members) reads as a percentage when every entry does."""
    return all(is_percent(x.value, kind_of) for x in e.entries)


def _call(e: A.Call, kind_of: KindOf) -> bool:
    rule = CALLS.get(e.func)
    return rule is not None and rule(e.args, kind_of)


HANDLERS: dict[type, Callable[..., bool]] = {
    A.Number: _literal,
    A.Name: _read,
    A.Shifted: _read,
    A.AtYear: _read,
    A.CurrentYear: _never,
    A.YearRange: _never,
    A.Paren: _paren,
    A.Unary: _unary,
    A.Binary: _binary,
    A.Between: _between,
    A.YearMap: _year_map,
    A.MemberMap: _year_map,
    A.Call: _call,
}

# ---------------------------------------------------------------- functions

Args = Sequence[A.Expr]


def _always(args: Args, kind_of: KindOf) -> bool:
    """growth, cagr and yoy: a rate, whatever they read."""
    return True


def _first(args: Args, kind_of: KindOf) -> bool:
    """interp, step and the distributions: the kind of their first argument."""
    return bool(args) and is_percent(args[0], kind_of)


def _range_or(values: Callable[[Args], Args]):
    """min, max, clamp, round, abs: of a year range, its variable's kind; else a
    percentage when every one of `values(args)` is."""
    def rule(args: Args, kind_of: KindOf) -> bool:
        if len(args) == 1 and isinstance(args[0], A.YearRange):
            return kind_of(args[0].name) == PERCENT
        vals = values(args)
        return bool(vals) and all(is_percent(a, kind_of) for a in vals)
    return rule


def _branches(args: Args, kind_of: KindOf) -> bool:
    """if(condition, then, else): both branches."""
    return len(args) == 3 and is_percent(args[1], kind_of) and is_percent(args[2], kind_of)


def _mean(args: Args, kind_of: KindOf) -> bool:
    """mean(x[A..B]): the kind of x (a sum of percentages over years is not one)."""
    return bool(args) and isinstance(args[0], A.YearRange) and kind_of(args[0].name) == PERCENT


_ALL_ARGS = _range_or(lambda args: args)
_VALUE_ARG = _range_or(lambda args: args[:1])  # round(x, n): the digits are not a value

CALLS: dict[str, Callable[[Args, KindOf], bool]] = {
    "growth": _always, "cagr": _always, "yoy": _always,
    "interp": _first, "step": _first,
    "normal": _first, "uniform": _first, "triangular": _first,
    "min": _ALL_ARGS, "max": _ALL_ARGS, "clamp": _ALL_ARGS,
    "round": _VALUE_ARG, "abs": _VALUE_ARG,
    "if": _branches,
    "mean": _mean,
}


def aggregations_of(model, kind: Mapping[str, str] | None = None) -> dict[str, str]:
    """How each variable rolls up to calendar years (`engine.rollup`), the same in
    every front end: the units annotation's word (`customers: count last`), else
    `mean` for a percentage, else `sum`. A unit in the file decides what is a
    percentage; elsewhere the display kind does (`kind`, default `kinds(model)`)."""
    from engine.rollup import aggregations
    from engine.unit_check import declared_aggregations, units

    kind = dict(kinds(model) if kind is None else kind)
    if getattr(model, "annotations", None):
        for v, u in units(model).items():
            if u is not None:
                kind[v] = PERCENT if u.shown == "%" else AMOUNT
    return aggregations(model.variables, kind, declared=declared_aggregations(model))
