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
