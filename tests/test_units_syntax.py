"""Annotations as text: parsed, printed back by scn fmt, kept by the editor and --set,
and every malformed one refused at its position with a hint."""

from __future__ import annotations

import textwrap

import pytest

from dsl.document import parse_document
from dsl.edit import replace_span
from dsl.errors import ScnError
from dsl.fast_maps import member_map
from dsl.format import format_text, statement_text
from dsl.parser import RESERVED, parse_statement
from engine import evaluate, load_model
from engine.api import parse_overrides
from tests.helpers import errors

# written -> (canonical text, unit, factors, aggregation)
GOLDEN = {
    "capex: USD = 5": ("capex: USD = 5", "USD", (("USD", 1),), None),
    "capex:USD=5": ("capex: USD = 5", "USD", (("USD", 1),), None),
    "gpu_cost : USD / PFLOPS = 15k": ("gpu_cost: USD/PFLOPS = 15k", "USD/PFLOPS",
                                      (("USD", 1), ("PFLOPS", -1)), None),
    "arpu: USD/count/month = 5": ("arpu: USD/count/month = 5", "USD/count/month",
                                  (("USD", 1), ("count", -1), ("month", -1)), None),
    "work: PFLOPS * h = 1": ("work: PFLOPS*h = 1", "PFLOPS*h", (("PFLOPS", 1), ("h", 1)), None),
    "area: m^2 = 1": ("area: m^2 = 1", "m^2", (("m", 2),), None),
    "rate: 1/month = 1": ("rate: 1/month = 1", "1/month", (("month", -1),), None),
    "g: % = 30%": ("g: % = 30%", "%", (), None),
    "g:%   mean = 30%": ("g: % mean = 30%", "%", (), "mean"),
    "m: x = 3.8": ("m: x = 3.8", "x", (), None),
    "n: 1 = 3": ("n: 1 = 3", "1", (), None),
    "customers: count last = customers[t-1] + 1": (
        "customers: count last = customers[t-1] + 1", "count", (("count", 1),), "last"),
    "capex[goog]: USD = 5": ("capex[goog]: USD = 5", "USD", (("USD", 1),), None),
    "x[2025Q2]: % = 5%": ("x[2025Q2]: % = 5%", "%", (), None),
    "capex[2025, goog]: USD sum = {2025: 1}": (
        "capex[goog, 2025]: USD sum = {2025: 1}", "USD", (("USD", 1),), "sum"),
}


@pytest.mark.parametrize("written", GOLDEN)
def test_an_annotation_parses_and_prints_canonically(written):
    text, unit, factors, aggregation = GOLDEN[written]
    d = parse_statement(written)
    assert statement_text(d) == text
    assert (d.annotation.unit, d.annotation.factors, d.annotation.aggregation) == (
        unit, factors, aggregation)
    again = parse_statement(text)
    assert again == d and again.annotation.factors == factors


def test_the_annotation_spans_its_unit_and_word():
    d = parse_statement("capex[goog]:  USD/PFLOPS last = 5", 4)
    assert (d.annotation.span.line, d.annotation.span.col, d.annotation.span.end_col) == (4, 15, 30)
    assert (d.annotation.unit_span.col, d.annotation.unit_span.end_col) == (15, 25)


def test_x_as_a_unit_leaves_a_variable_named_x_alone():
    m = load_model("years 2024..2025\nx: x = 3.8\ny: x = x * 2\nz = {2024: x, 2025: 1}\n")
    r = evaluate(m, "base")
    assert r.series("y") == [7.6, 7.6]
    assert m.annotations["x"].unit == "x"


def test_a_definition_without_annotation_is_unchanged():
    d = parse_statement("capex = 5")
    assert d.annotation is None and statement_text(d) == "capex = 5"


# text -> (message start, column, end column, words in the hint)
BAD = {
    "capex: = 5": ("expected a unit after ':'", 6, 7, "capex: USD"),
    "capex: USD/ = 5": ("expected a unit name after '/'", 11, 12, "USD/PFLOPS"),
    "capex: USD* = 5": ("expected a unit name after '*'", 11, 12, "drop the '*'"),
    "capex: sum USD = 5": ("the aggregation word 'sum' comes after the unit", 8, 11,
                           "capex: USD sum"),
    "capex: last = 5": ("'last' is an aggregation word, not a unit", 8, 12, "count last"),
    "capex: USD PFLOPS = 5": ("'PFLOPS' is no aggregation word", 12, 18, "USD/PFLOPS"),
    "capex: USD sum mean = 5": ("unexpected 'mean' after the aggregation word", 16, 20, "sum"),
    "capex: %/month = 5": ("'%' stands alone as a unit", 9, 10, "neither combines"),
    "capex: USD*x = 5": ("'x' stands alone as a unit", 12, 13, "multiple"),
    "capex: USD^1.5 = 5": ("a unit's exponent is a whole number", 12, 15, "PFLOPS^2"),
    "capex: USD^ = 5": ("a unit's exponent is a whole number", 11, 12, "PFLOPS^2"),
    "capex: USD^0 = 5": ("a unit's exponent is not 0", 12, 13, "plain number"),
    "capex: $ = 5": ("expected a unit name, found '$'", 8, 9, "USD/PFLOPS"),
    "capex: 1000 = 5": ("expected a unit name, found '1000'", 8, 12, "%, x, 1"),
    "capex: 1 month = 5": ("expected '*' or '/' before 'month'", 10, 15, "1/month"),
    "capex: USD": ("a definition needs '=' and an expression", 11, 12, "capex = 230B"),
}


@pytest.mark.parametrize("text", BAD)
def test_a_malformed_annotation_is_refused_at_its_position(text):
    message, col, end, hint = BAD[text]
    with pytest.raises(ScnError) as e:
        parse_statement(text, 7)
    d = e.value.diagnostics[0]
    assert d.message.startswith(message)
    assert (d.span.line, d.span.col, d.span.end_col) == (7, col, end)
    assert hint in d.hint
    assert d.subject.variable == "capex"  # the variable whose definition failed


def test_a_colon_out_of_place_is_still_one_character():
    with pytest.raises(ScnError) as e:
        parse_statement("y = a : b")
    d = e.value.diagnostics[0]
    assert (d.span.col, d.span.end_col) == (7, 8)


def test_a_second_annotation_is_an_error_at_it_even_when_equal():
    found = errors("""\
        years 2024..2026
        capex: USD = 5
        capex[2025]: USD = 6
        scenario bull {
          capex[2026]: EUR = 7
        }
        """)
    assert found == [(3, 14, "'capex' is annotated twice (first on line 2)"),
                     (5, 16, "'capex' is annotated twice (first on line 2)")]


def test_the_one_annotation_may_stand_on_any_definition():
    m = load_model("years 2024..2026\ncapex = 5\ncapex[2025]: USD = 6\n")
    assert m.annotations["capex"].unit == "USD"


def test_fmt_keeps_annotations_comments_and_maps():
    text = textwrap.dedent("""\
        years 2024..2026
        ## Capital spending
        capex  :   USD   sum = 5   # guided
        growth:%={2024: 1%,
           2025: 2%}
        scenario bull {
        capex[2025]:USD=7
        }
        """)
    assert format_text(text) == textwrap.dedent("""\
        years 2024..2026
        ## Capital spending
        capex: USD sum = 5  # guided
        growth: % = {
          2024: 1%,
          2025: 2%,
        }

        scenario bull {
          capex[2025]: USD = 7
        }
        """)
    assert format_text(format_text(text)) == format_text(text)


def test_a_multiline_annotated_map_is_one_statement_and_a_new_line_ends_it():
    doc = parse_document("years 2024..2025\nx: % = {2024: 1%,\ny: USD = 5\n", collect=True)[1]
    assert doc and doc[0].span.line == 2  # the open map ends where y: USD = starts


def test_the_editor_keeps_the_annotation_when_a_value_is_replaced():
    text = "years 2024..2026\ncapex: USD last = 5  # note\n"
    d = parse_document(text).definitions[0].definition
    edited = replace_span(text, d.expr.span, "capex[t-1] * 2")
    assert edited == "years 2024..2026\ncapex: USD last = capex[t-1] * 2  # note\n"


def test_set_takes_an_annotation_free_override_of_an_annotated_variable():
    m = load_model("years 2024..2025\ncapex: USD = 5\n")
    over = parse_overrides(m, ["capex = 7", "capex[2025]: USD = 8"])
    assert evaluate(m, "base", over).series("capex") == [7.0, 8.0]


def test_set_cannot_change_a_unit():
    m = load_model("years 2024..2025\ncapex: USD = 5\ngrowth = 1\n")
    for text, col in (("capex: EUR = 3", 8), ("growth: % = 1%", 9)):
        with pytest.raises(ScnError) as e:
            parse_overrides(m, [text])
        d = e.value.diagnostics[0]
        assert d.code == "annotation" and (d.source, d.span.col) == ("--set", col)


def test_the_fast_map_reader_reads_an_annotated_map_as_the_grammar_does():
    entries = ", ".join(f"m{k}: {k}.5" for k in range(20))
    text = f"share: % mean = {{{entries}}}"
    fast = member_map(text, 3, RESERVED)
    assert fast is not None
    from dsl.parser import _parser
    from dsl.parse_common import where
    where.offset, where.member_maps, where.selector_spans = 2, [], {}
    slow = _parser().parse(text)
    assert fast == slow
    assert fast.annotation.span == slow.annotation.span
    assert fast.annotation.unit_span == slow.annotation.unit_span
    assert member_map("share: %/x = {" + entries + "}", 3, RESERVED) is None  # the grammar says why


# A mistake after '=' reads the same whatever stands on the left: a subscript, a unit.
AFTER_THE_HEAD = {
    "capex: USD = a b": ("missing operator between two values", 16),
    "capex[2025]: USD sum = a b": ("missing operator between two values", 26),
    "capex[2025] = a b": ("missing operator between two values", 17),
    "capex: % = 1 +": ("expected a value after the operator", 15),
    "capex: USD = (a": ("missing ')'", 16),
    "capex[goog] = (a": ("missing ')'", 17),
    "capex: % = {2025: 1": ("missing '}'", 20),
    "capex: % = {2025 1}": ("a map entry is written KEY: value", 18),
    "capex: 1 = 1 < x < 3": ("comparisons do not chain", 18),
}


@pytest.mark.parametrize("text", AFTER_THE_HEAD)
def test_a_mistake_after_an_annotated_or_subscripted_head_is_said_in_words(text):
    message, col = AFTER_THE_HEAD[text]
    with pytest.raises(ScnError) as e:
        parse_statement(text, 2)
    d = e.value.diagnostics[0]
    assert (d.message, d.span.line, d.span.col) == (message, 2, col)
