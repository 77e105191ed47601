"""Readable formulas within a budget: sympy's rewritings are unbounded in
time on long expressions, so each is tried only below a size, and the
full `simplify` only for a limited time."""

from __future__ import annotations

import sympy as sp

from engine.symbolic_text import to_text

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
