"""Errors found before evaluation: positions, messages and hints, all at once."""

import pytest

from dsl.errors import ScnError
from tests.helpers import errors, model

HEAD = "years 2024..2030\n"


CASES = [
    ("a = b\nb = a + 1\n", 2, 1, "circular reference in the same year: a -> b -> a (a on line 2, b on line 3)"),
    ("a = a + 1\n", 2, 1, "circular reference in the same year: a -> a (a on line 2)"),
    ("capex = capex[t-1] * 1.1\n", 2, 9,
     "capex[t-1] reaches 2023, before the first model year 2024 (in the definition on line 2)"),
    ("x = y[t+2]\ny = 1\n", 2, 5,
     "y[t+2] reaches 2032, after the last model year 2030 (in the definition on line 2)"),
    ("g = {2025: 45%}\nh = g * 2\n", 3, 5, "g has no value for 2024, used by line 3"),
    ("k = asic_shar + 1\nasic_share = 1\n", 2, 5, "unknown variable 'asic_shar'"),
    ("m = foo(1)\n", 2, 5, "unknown function 'foo'"),
    ("n = min(1)\n", 2, 5, "min takes at least 2 arguments or a year range: min(a, b, ...) or min(x[A..B])"),
    ("o = round(1, 2, 3)\n", 2, 5, "round takes 1 to 2 arguments: round(x) or round(x, n)"),
    ("o = clamp(1, 2)\n", 2, 5, "clamp takes 3 arguments: clamp(x, lo, hi)"),
    ("o = if(1, 2)\n", 2, 5, "if takes 3 arguments: if(condition, then, else)"),
    ("p = x[2020]\nx = 1\n", 2, 5, "year 2020 is outside the model years 2024..2030"),
    ("w[2031] = 1\n", 2, 3, "year 2031 is outside the model years 2024..2030"),
    ("x = 1\nq = sum(x)\n", 3, 5, "sum takes a variable over a year range: sum(x[A..B])"),
    ("x = 1\nr = cumsum(x + 1)\n", 3, 12, "the argument of cumsum must be a variable name: cumsum(x)"),
    ("x = 1\nv = x[2024..2025]\n", 3, 5, "a year range is only valid inside sum, mean, min or max"),
    ("x = 1\nv = 2 * {2025: 1}\n", 3, 9, "a year map is only valid as a whole definition or inside interp or step"),
    ("x = 1\ng = growth(x)\n", 3, 5,
     "growth(x) has no previous year in 2024, the first model year (in the definition on line 3)"),
    ("x = 1\nc = cagr(x, 2024, 2024)\n", 3, 5, "cagr needs two different years"),
    ("x = interp({2024..2026: 1})\n", 2, 13, "the keys of interp must be single years"),
    ("u[2025] = 3\nu[2025] = 4\nu = 1\n", 2, 1, "'u' is defined twice for 2025: here and on line 3"),
    ("u = {2024: 1, 2024..2026: 2}\n", 2, 6, "'u' is defined twice for 2024: here and on line 2"),
]


@pytest.mark.parametrize("body, line, col, message", CASES)
def test_error(body, line, col, message):
    assert (line, col, message) in errors(HEAD + body)


def test_all_errors_of_a_file_are_reported_in_order():
    got = errors(HEAD + "a = b\nb = a\nc = nope\nd = 1 +\ne = e[t-1]\n")
    assert [(l, m.split(":")[0]) for l, _c, m in got] == [
        (2, "circular reference in the same year"),
        (4, "unknown variable 'nope'"),
        (5, "expected a value after the operator"),
        (6, "e[t-1] reaches 2023, before the first model year 2024 (in the definition on line 6)"),
    ]


def test_scenario_errors():
    got = errors(HEAD + "asic_share = 1\n"
                 "scenario bull extends bear {\n  asic_sharx = 2\n}\n"
                 "scenario bear extends bull {\n}\n"
                 "scenario base {\n}\n"
                 "scenario x extends nowhere {\n}\n")
    messages = [m for _l, _c, m in got]
    assert "scenarios extend each other in a cycle: bull (line 3) -> bear (line 6) -> bull (line 3)" in messages
    assert "scenario 'bull' redefines 'asic_sharx', which the base does not define" in messages
    assert "'base' is reserved for the definitions outside any block" in messages
    assert "scenario 'x' extends unknown scenario 'nowhere'" in messages


def test_error_only_in_a_scenario_names_it():
    got = errors(HEAD + "y = 1\nh = y\nscenario bear {\n  h = y[t-1]\n}\n")
    assert got == [(5, 7, "y[t-1] reaches 2023, before the first model year 2024 "
                          "(in the definition on line 5) (in scenario 'bear')")]


def test_hints():
    with pytest.raises(ScnError) as e:
        model(HEAD + "asic_share = 1\nk = asic_shar\n")
    assert e.value.diagnostics[0].hint == "did you mean 'asic_share'?"


def test_cycle_through_time_is_reported():
    got = errors(HEAD + "a = b[t+1]\nb = a[t-1]\n")
    assert any("circular reference through the years" in m for _l, _c, m in got)


def test_a_dependency_through_an_absolute_year_is_not_a_cycle():
    m = model(HEAD + "x[2024] = 100\nx = x[2024] * 1.1\n")
    from engine import evaluate

    assert evaluate(m).series("x")[:2] == [100, pytest.approx(110)]


def test_a_piece_made_without_its_constructor_is_the_constructors_field_by_field():
    """`engine.model._new_piece` (`dsl.ast.maker`) gives the fields in the class'
    order, with its defaults: a piece with its values swapped would show here."""
    from dataclasses import fields

    from dsl.ast import Span
    from dsl.parser import parse_statement
    from engine.model import Piece, _new_piece

    d = parse_statement("capex[goog, 2025..2027] = 2 * base", 4)
    values = ("capex", d.expr, 1, 3, 2, "bull", d, Span(4, 1, 4, 35), (("company", 0),),
              ("goog",))
    made, built = _new_piece(*values), Piece(*values)
    assert [f.name for f in fields(Piece)] == list(Piece.__slots__)
    assert [getattr(made, f.name) for f in fields(Piece)] == list(values)
    assert made == built and hash(made) == hash(built)
    assert [getattr(_new_piece(*values[:8]), f) for f in ("members", "member_names")] \
        == [getattr(Piece(*values[:8]), f) for f in ("members", "member_names")] == [(), ()]
