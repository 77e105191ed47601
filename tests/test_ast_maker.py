"""`dsl.ast.maker`: a node made without its constructor is the constructor's,
field by field and spans included, for every class the parser makes that way."""

from dataclasses import fields

import pytest

from dsl import ast as A
from dsl import parse_common, parser
from dsl.parser import parse_statement


def _all(node) -> tuple:
    """Every field, spans included (== on nodes leaves spans out)."""
    return tuple(getattr(node, f.name) for f in fields(node))


SPAN = A.Span(2, 3, 2, 9)
CASES = [
    (A.Span, (1, 2, 3, 4)),
    (A.Name, ("capex",)),
    (A.Name, ("capex", SPAN, (A.Member("goog", SPAN),))),
    (A.Number, (1.5, "1.5", SPAN)),
    (A.Binary, ("+", A.Name("a", SPAN), A.Number(1.0, "1", SPAN), SPAN)),
    (A.Definition, ("x", None, A.Name("a", SPAN), SPAN, SPAN, "## why", (), None)),
    (A.Definition, ("x", None, A.Name("a", SPAN))),
]


@pytest.mark.parametrize("cls, values", CASES)
def test_a_made_node_is_the_constructors_field_by_field(cls, values):
    made, built = A.maker(cls)(*values), cls(*values)
    assert type(made) is cls
    assert _all(made) == _all(built)
    assert made == built and hash(made) == hash(built)


def test_a_class_that_checks_its_values_is_made_by_its_constructor_only():
    for cls in (A.Years, A.AtYear):  # __post_init__ turns ints into periods
        with pytest.raises(TypeError):
            A.maker(cls)


def test_the_parser_makes_its_commonest_nodes_without_their_constructors():
    # what the parser's callbacks call: the makers, not the classes
    assert parse_common._Span is not A.Span and parser._Name is not A.Name
    d = parse_statement("revenue = units * price + 2", 7)
    assert d.span == A.Span(7, 1, 7, 28) and d.name_span == A.Span(7, 1, 7, 8)
    assert d.expr.right.span == A.Span(7, 27, 7, 28)
    assert type(d.expr.left.left) is A.Name and d.expr.left.left.span == A.Span(7, 11, 7, 16)
