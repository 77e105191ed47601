"""engine.uses: what each definition reads, found by one dispatch table over the AST."""

from dsl.parser import parse_statement
from engine.axis import TimeAxis
from engine.uses import AT, RANGE, SAME, SHIFT, UseCollector


def test_the_collector_reads_through_every_kind_of_node():
    axis = TimeAxis.of_years(2024, 2030)
    node = parse_statement("y = -(a + b[t-1]) * c[2026] + sum(d[2025..]) + t", 1)
    uses, errors = UseCollector({"a", "b", "c", "d", "y"}, axis).collect(node.expr)
    assert errors == []
    assert [(u.name, u.kind, u.a, u.b) for u in uses] == [
        ("a", SAME, 0, 0), ("b", SHIFT, -1, 0), ("c", AT, 2, 0), ("d", RANGE, 1, 6)]


def test_a_use_made_without_its_constructor_is_the_constructors_field_by_field():
    """`engine.uses._use` (`dsl.ast.maker`) gives the fields in the class' order,
    with its defaults: a use read into the wrong field would show here."""
    from dataclasses import fields

    from dsl.ast import Span
    from engine.uses import Use, _use

    span = Span(3, 4, 3, 9)
    values = ("capex", SHIFT, -1, 2, span, (("company", 1),), "company")
    made, built = _use(*values), Use(*values)
    assert [f.name for f in fields(Use)] == list(Use.__slots__)
    assert [getattr(made, f.name) for f in fields(Use)] == list(values)
    assert made == built and hash(made) == hash(built)
    assert _use("x", SAME, 0, 0, span) == Use("x", SAME, span=span)
