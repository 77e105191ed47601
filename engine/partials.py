"""Local partials: each definition as a sympy expression of the cells it
reads, and its derivative with respect to each of them.

Derived once per definition and cached on the model (keyed by the piece:
`--set` pieces come and go). What a reader of a derivative should know
about the definitions on its path (flat functions, distributions) is said
here too (`path_notes`).
"""

from __future__ import annotations

import sympy as sp

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from engine.functions import FUNCTIONS, Context
from engine.model import OVERRIDES, Model, Piece
from engine.plan import Plan
from engine.symbolic import Builder, Dims, Ref, flat_names, refs_in, symbol


def expression(model: Model, piece: Piece) -> sp.Expr:
    """A definition as a sympy expression of the cells it reads (cached per piece)."""
    return _cached(model, "sens.expr", piece, lambda: _builder(model).expr(piece.expr))


def partials(model: Model, piece: Piece) -> tuple[tuple[Ref, sp.Expr], ...]:
    """(cell, d f / d cell) for every cell the definition reads, zeros left out."""
    def derive():
        e = expression(model, piece)
        out = []
        for r in refs_in(e):
            d = sp.diff(e, symbol(r))
            if d != 0:
                out.append((r, d))
        return tuple(out)
    return _cached(model, "sens.partials", piece, derive)


def _builder(model: Model) -> Builder:
    b = model.cache.get("sens.builder")
    if b is None:
        axis = model.axis
        b = model.cache["sens.builder"] = Builder(Context(axis), Dims.of_model(model))
    return b


def _cached(model: Model, table: str, piece: Piece, make):
    # Keyed by identity: --set pieces come and go, so the piece is kept to check.
    store = model.cache.setdefault(table, {})
    hit = store.get(id(piece))
    if hit is None or hit[0] is not piece:
        try:
            hit = (piece, make())
        except RecursionError:
            raise _too_deep(model, piece) from None
        store[id(piece)] = hit
    return hit[1]


def _too_deep(model: Model, piece: Piece) -> ScnError:
    """sympy recurses several frames per level of an expression: a definition the
    parser accepts (200 levels) can still be too deep for it. Said at the definition."""
    return ScnError([Diagnostic(
        f"the definition of {piece.name} is nested too deeply for exact derivatives",
        piece.span, "split it into intermediate variables",
        source=OVERRIDES if piece.layer == OVERRIDES else model.source,
        code="too-deep-for-derivatives", subject=Subject(variable=piece.name))])


def path_notes(model: Model, plan: Plan, path, x: str, y: str) -> list[str]:
    """What a reader of the derivative should know about the path."""
    notes: list[str] = []
    if y != x and y not in path:
        return [f"{y} does not depend on {x}: the derivative is 0"]
    flat: set[str] = set()
    random = False
    for v in [v for v in model.variables if v in path or v == x]:
        for p in plan.cover[v].distinct():
            if v != x:
                flat.update(flat_names(expression(model, p)))
            random = random or any(
                isinstance(n, A.Between) or (isinstance(n, A.Call) and n.func in FUNCTIONS
                                             and FUNCTIONS[n.func].kind == "distribution")
                for n in A.walk(p.expr))
    for name in sorted(flat):
        notes.append(f"{name} has derivative 0 (it is flat between its steps)")
    if random:
        notes.append("distributions are differentiated at their mean")
    return notes
