"""Every back-end handles every node of the language, through one table each.

A new expression node added to `dsl.ast.Expr` must get a handler in each
table below, or these tests fail; a node a back-end has no handler for fails
loudly (`NoHandler`), never as a silent wrong value.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

import pytest

from dsl import ast as A
from dsl import format as dsl_format
from engine import compare

EXPR_CLASSES = set(typing.get_args(A.Expr))
TABLES = {
    "dsl.ast.children": A.HANDLERS,
    "dsl.format": dsl_format.HANDLERS,
    "engine.compare (meaning)": compare.HANDLERS,
}


def test_the_expression_classes_come_from_the_union():
    assert A.Call in EXPR_CLASSES and A.YearMap in EXPR_CLASSES and len(EXPR_CLASSES) == 12


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
    "meaning": compare.meaning,
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_an_unhandled_node_fails_loudly(backend):
    with pytest.raises(A.NoHandler, match=rf"internal error: the {backend} back-end has no rule "
                                          r"for Unknown nodes"):
        BACKENDS[backend](A.Paren(Unknown()))  # nested: the recursion dispatches too
