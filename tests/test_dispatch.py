"""Every back-end handles every node of the language, through one table each,
and every function through the one registry.

A new expression node added to `dsl.ast.Expr` must get a handler in each
table below, or these tests fail; a node a back-end has no handler for fails
loudly (`NoHandler`), never as a silent wrong value. Adding an element-wise
function is one entry of the registry: a throwaway function registered in a
copy of the table evaluates through polars, the cells and sympy.
"""

from __future__ import annotations

import re
import textwrap
import typing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dsl import ast as A
from dsl import format as dsl_format
from dsl.parser import parse_statement
from engine import cells, compare, polars_expr, symbolic, unit_rules, uses
from engine.axis import TimeAxis
from engine.functions import FUNCTIONS, Context, Function, each, each_cell, keep
from engine.plan import base_frame

ROOT = Path(__file__).resolve().parent.parent
EXPR_CLASSES = set(typing.get_args(A.Expr))
TABLES = {
    "dsl.ast.children": A.HANDLERS,
    "dsl.format": dsl_format.HANDLERS,
    "engine.polars_expr": polars_expr.HANDLERS,
    "engine.cells": cells.HANDLERS,
    "engine.symbolic": symbolic.HANDLERS,
    "engine.compare (meaning)": compare.HANDLERS,
    "engine.uses": uses.HANDLERS,
    "engine.unit_rules": unit_rules.HANDLERS,
}
AXIS = TimeAxis.of_years(2024, 2027)


def test_the_expression_classes_come_from_the_union():
    assert A.Call in EXPR_CLASSES and A.YearMap in EXPR_CLASSES and len(EXPR_CLASSES) == 13


@pytest.mark.parametrize("where", sorted(TABLES))
def test_each_table_handles_exactly_the_expression_nodes(where):
    assert set(TABLES[where]) == EXPR_CLASSES


@dataclass(frozen=True)
class Unknown:
    """A node no back-end knows: as a new node class would be before its handlers."""

    span: A.Span = A.NO_SPAN


BACKENDS = {
    "children": lambda n: list(A.walk(n)),
    "canonical text": dsl_format.expr_text,
    "polars": lambda n: polars_expr.to_polars(n, Context(AXIS)),
    "cells": lambda n: cells.compile_cell(n, Context(AXIS)),
    "sympy": lambda n: symbolic.Builder(Context(AXIS)).expr(n),
    "meaning": compare.meaning,
    "uses": lambda n: uses.UseCollector(set(), AXIS).collect(n),
    "units": lambda n: unit_rules.Walker({}, frozenset(), None).unit(n),
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_an_unhandled_node_fails_loudly(backend):
    with pytest.raises(A.NoHandler, match=rf"internal error: the {backend} back-end has no rule "
                                          r"for Unknown nodes"):
        BACKENDS[backend](A.Paren(Unknown()))  # nested: the recursion dispatches too


@pytest.mark.parametrize("backend", ["polars", "cells", "sympy"])
def test_a_year_range_alone_is_an_internal_error_not_a_value(backend):
    node = A.YearRange("x", A.Years(2024, 2025))
    with pytest.raises(A.NoHandler, match=r"YearRange nodes \(it stands only inside sum, mean"):
        BACKENDS[backend](node)


def test_no_back_end_tests_a_function_name():
    """Functions dispatch through the registry: no function's name in quotes."""
    names = "|".join(re.escape(n) for n in FUNCTIONS)
    quoted = re.compile(rf"""["']({names})["']""")
    for f in ("polars_expr", "cells", "symbolic", "symbolic_functions", "symbolic_polars",
              "symbolic_text", "tangent", "partials", "formula", "sensitivity"):
        for n, line in enumerate((ROOT / "engine" / f"{f}.py").read_text().splitlines(), 1):
            assert not quoted.search(line), f"engine/{f}.py:{n}: {line}"


# ---------------------------------------------------------------- a function is one entry


def _sign_polars(x: pl.Expr) -> pl.Expr:
    return pl.when(x > 0).then(1.0).when(x < 0).then(-1.0).otherwise(x * 0.0)


def _sympy_sign(x):
    import sympy

    return sympy.sign(x)


SIGN = Function("sign", 1, 1, "sign(x)", "element", each(_sign_polars), each_cell(np.sign),
                each(_sympy_sign), numpy=np.sign)


def _trunc_polars(x: pl.Expr) -> pl.Expr:
    return pl.when(x >= 0).then(x.floor()).otherwise(x.ceil())


TRUNC = Function("trunc", 1, 1, "trunc(x)", "element", each(_trunc_polars), each_cell(np.trunc),
                 keep, numpy=np.trunc, from_sympy=_trunc_polars, kept="flat")


def _expr(text: str) -> A.Expr:
    return parse_statement(f"y = {text}", 1).expr


def _through_every_back_end(text: str, x: list[float], ctx: Context) -> dict[str, list[float]]:
    """`text`, reading x, by polars, by cells and by sympy with x substituted."""
    node = _expr(text)
    frame = base_frame(TimeAxis.of_years(2024, 2027), 1).with_columns(pl.Series("x", x))
    by_polars = frame.select(polars_expr.to_polars(node, ctx).alias("y"))["y"].to_list()
    fn = cells.compile_cell(node, ctx)
    arrays = {"x": np.array([x])}
    by_cells = [float(fn(arrays, i)[0]) for i in range(len(x))]
    e = symbolic.Builder(ctx).expr(node)
    xs = symbolic.symbol(symbolic.Ref("x"))
    by_sympy = [float(e.xreplace({xs: v})) for v in x]
    return {"polars": by_polars, "cells": by_cells, "sympy": by_sympy}


def test_a_registered_function_evaluates_through_every_back_end():
    table = {**FUNCTIONS, "sign": SIGN, "trunc": TRUNC}
    ctx = Context(AXIS, table)
    got = _through_every_back_end("sign(x - 2) * 3 + trunc(x / 2)", [-1.5, 2.0, 3.0, 5.0], ctx)
    want = [-3.0, 1.0, 4.0, 5.0]
    assert got == {"polars": want, "cells": want, "sympy": want}
    with pytest.raises(KeyError):  # the global table knows neither
        _through_every_back_end("sign(x)", [1.0, 2.0, 3.0, 4.0], Context(AXIS))


def test_a_registered_flat_function_differentiates_to_zero_and_prints_by_name():
    import sympy

    from engine.symbolic_polars import column_ref, to_polars
    from engine.symbolic_text import to_text

    ctx = Context(AXIS, {**FUNCTIONS, "trunc": TRUNC})
    e = symbolic.Builder(ctx).expr(_expr("trunc(x) * x"))
    xs = symbolic.symbol(symbolic.Ref("x"))
    d = sympy.diff(e, xs)
    assert to_text(d) == "trunc(x)" and symbolic.flat_names(e) == ["trunc"]
    frame = base_frame(TimeAxis.of_years(2024, 2027), 1).with_columns(pl.Series("x", [-1.5, 0.5, 2.5, 7.9]))
    back = to_polars(d, lambda r: column_ref(r.var, r, AXIS))  # sympy -> polars, by the entry
    assert frame.select(back.alias("d"))["d"].to_list() == [-1.0, 0.0, 2.0, 7.0]


def test_a_registered_function_runs_in_models_and_sensitivities(monkeypatch):
    """The whole path, checker included: a function is one entry of the registry."""
    from engine import evaluate, load_model
    from engine.sensitivity import derivative_formula, derivatives

    monkeypatch.setitem(FUNCTIONS, "sign", SIGN)
    monkeypatch.setitem(FUNCTIONS, "trunc", TRUNC)
    m = load_model(textwrap.dedent("""\
        years 2024..2027
        x = {2024: -1.5, 2025: 0, 2026: 2, 2027: 3.5}
        y = sign(x) * 10 + trunc(x) * x
        r = r[t-1] + sign(x - 1)
        r[2024] = 0
        z = trunc(x) * x
    """))
    result = evaluate(m)
    assert result.series("y") == [-8.5, 0.0, 14.0, 20.5]  # a column: polars
    assert result.series("r") == [0.0, -1.0, 0.0, 1.0]  # a recurrence: cell by cell
    assert derivatives(m, "y", "x").derivative == (-1.0, 0.0, 2.0, 3.0)
    f = derivative_formula(m, "z", "x")
    assert f.text == "trunc(x)"
    assert "trunc has derivative 0" in f.note



def _engine_imports(module: str) -> set[str]:
    """The engine modules `engine/<module>.py` imports, at any depth of its code."""
    import ast

    tree = ast.parse((ROOT / "engine" / f"{module}.py").read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "engine":
                out.update(a.name for a in node.names)
            elif node.module.startswith("engine."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("engine."))
    return out


def test_the_function_table_imports_no_back_end():
    """The old circle functions -> symbolic -> polars_expr -> functions is gone: the
    table and what it is built from (the frame, the time functions) sit below every
    back-end, which reach it, never the other way round."""
    backends = {"polars_expr", "cells", "symbolic", "symbolic_polars", "symbolic_text",
                "symbolic_budget", "tangent", "partials", "formula", "sensitivity", "plan"}
    for module in ("functions", "frame", "time_functions", "axis"):
        assert not _engine_imports(module) & backends, module
    assert _engine_imports("frame") <= {"lazy"}  # engine.lazy: polars on first use, a leaf
    assert _engine_imports("lazy") == set()
