"""Messages a new user meets: each says what is wrong, at its position, with a useful hint."""

from __future__ import annotations

import pytest

from dsl.errors import ScnError
from engine.uses import suggest
from tests.helpers import model
from test_cli import scn


def _diagnostics(text: str):
    with pytest.raises(ScnError) as e:
        model(text)
    return [(d.span.line, d.span.col, d.message, d.hint) for d in e.value.diagnostics]


def test_extends_never_suggests_the_scenario_itself():
    text = "years 2024..2026\nx = 1\nscenario bear {\n  x = 0\n}\nscenario bull extends bulll {\n  x = 2\n}\n"
    assert _diagnostics(text) == [
        (6, 23, "scenario 'bull' extends unknown scenario 'bulll'", "scenarios it can extend: base, bear")]
    text = text.replace("bear", "bulls")
    assert _diagnostics(text)[0][3] == "did you mean 'bulls'?"


FUNCTION_NAMES = [
    ("b = IF(x > 0, 1, 2)", 5, "unknown function 'IF'", "did you mean 'if'?"),
    ("b = SUM(x[2024..2025])", 5, "unknown function 'SUM'", "did you mean 'sum'?"),
    ("b = Interp({2024: 1})", 5, "unknown function 'Interp'", "did you mean 'interp'?"),
    ("b = Roundd(x)", 5, "unknown function 'Roundd'", "did you mean 'round'?"),
]


@pytest.mark.parametrize("line, col, message, hint", FUNCTION_NAMES)
def test_function_names_in_another_case_are_suggested(line, col, message, hint):
    # SUM(x[...]) is one mistake: the year range inside it is not reported as well
    assert _diagnostics(f"years 2024..2026\nx = 1\n{line}\n") == [(3, col, message, hint)]


SYNTAX = [
    ("a = 1,000", 6, "',' cannot group the digits of a number: 1,000",
     "write 1_000 ('_' groups digits) or 1000"),
    ("a = 2.5 * 12,500,000.25", 13, "',' cannot group the digits of a number: 12,500,000.25",
     "write 12_500_000.25 ('_' groups digits) or 12500000.25"),
    ("h = =a + 1", 5, "a second '=' in the definition", "a definition has one '=': write h = a + 1"),
    ("h[2025] = = 3  # note", 11, "a second '=' in the definition",
     "a definition has one '=': write h[2025] = 3  # note"),
    ("h = a = 1", 7, "a second '=' in the definition",
     "a definition has one '='; to compare two values write '=='"),
]


@pytest.mark.parametrize("line, col, message, hint", SYNTAX)
def test_syntax_messages_say_what_is_wrong(line, col, message, hint):
    assert _diagnostics(f"years 2024..2026\na = 1\n{line}\n") == [(3, col, message, hint)]


def test_a_list_comma_is_still_an_unexpected_comma():
    assert _diagnostics("years 2024..2026\na = 1, 2\n") == [
        (2, 6, "unexpected ','", "expected the end of the line")]


def test_suggestions_for_option_values_take_prefixes_and_parts():
    names = ["tax_rate", "pretax_profit", "tax_base", "revenue"]
    assert suggest("tax", names) is None  # in a file, only close spellings
    assert suggest("tax", names, loose=True) == "did you mean 'tax_rate', 'tax_base' or 'pretax_profit'?"
    assert suggest("rev", names, loose=True) == "did you mean 'revenue'?"
    assert suggest("TAX_RATE", names) == "did you mean 'tax_rate'?"
    assert suggest("zzz", names, loose=True) is None


TAX = ("years 2024..2026\ntax_rate = 20%\nprofit = 100\nafter_tax = profit * (1 - tax_rate)\n"
       "scenario optimistic {\n  tax_rate = 15%\n}\n")
BOTH = "did you mean 'tax_rate' or 'after_tax'?"


@pytest.mark.parametrize("args, code, text", [
    (["sens", "M", "after_tax", "--wrt", "tax"], 2, "hint: " + BOTH),
    (["sens", "M", "after_tax", "--scenario", "opt"], 2, "did you mean 'optimistic'?"),
    (["explain", "M", "tax[2025]"], 2, "hint: " + BOTH),
    (["goal", "M", "after_tax[2026] = 90", "--vary", "tax"], 2, "hint: " + BOTH),
    (["run", "M", "--vars", "tax"], 2, f"--vars: unknown variable 'tax' ({BOTH})"),
    (["run", "M", "--set", "tax = 30%"], 2, "hint: " + BOTH),
    (["run", "M", "--scenario", "opt"], 2, "did you mean 'optimistic'?"),
    (["graph", "M", "--focus", "tax"], 2, BOTH),
])
def test_option_values_get_prefix_suggestions(tmp_path, args, code, text):
    f = tmp_path / "tax.scn"
    f.write_text(TAX)
    r = scn(*[str(f) if a == "M" else a for a in args])
    assert r.returncode == code, r.stderr
    assert text in r.stderr, r.stderr
