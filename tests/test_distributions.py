"""Distribution parameters that describe no distribution: an error at its position when
the parameters are literals, a run-time warning naming the cell when they read variables."""

from __future__ import annotations

import pytest

from engine import evaluate, load_model, parse_overrides, recompute
from tests.helpers import errors, model, values
from test_cli import scn

HEAD = "years 2024..2026\nx = 1\n"


@pytest.mark.parametrize("line, col, message", [
    ("a = 20% to 10%", 5, "'a to b' needs a <= b, but a is 20% and b is 10%"),
    ("a = normal(5, -1)", 15, "normal(mean, sd) needs sd >= 0, but sd is -1"),
    ("a = uniform(10, 0)", 5, "uniform(lo, hi) needs lo <= hi, but lo is 10 and hi is 0"),
    ("a = triangular(3, 1, 2)", 5,
     "triangular(lo, mode, hi) needs lo <= mode <= hi, but lo is 3, mode is 1 and hi is 2"),
    ("a = lognormal(0, -1)", 18, "lognormal(mu, sigma) needs sigma >= 0, but sigma is -1"),
    # literal expressions are literals too, shown with their value
    ("a = x + normal(5, -(5%))", 19, "normal(mean, sd) needs sd >= 0, but sd is -(5%)"),
    ("a = normal(5, 1% - 2%)", 15, "normal(mean, sd) needs sd >= 0, but sd is 1% - 2% = -0.01"),
    ("a = uniform(abs(-3), 2)", 5, "uniform(lo, hi) needs lo <= hi, but lo is abs(-3) = 3 and hi is 2"),
    ("a = triangular(2, 2, 2)", 5, "triangular(lo, mode, hi) needs lo < hi, but lo and hi are both 2"),
    ("a = normal(5, 1 / 0)", 15, "normal(mean, sd) needs finite numbers, but sd is 1 / 0 = inf"),
    ("a = {2025: 3 to 1, 2026: 1}", 12, "'a to b' needs a <= b, but a is 3 and b is 1"),
    ("a = 1 + interp({2024: normal(1, -2), 2026: 1})", 33, "normal(mean, sd) needs sd >= 0, but sd is -2"),
])
def test_literal_parameters_are_checked_before_running(line, col, message):
    assert errors(HEAD + line + "\n") == [(3, col, message)]


@pytest.mark.parametrize("hint_for, hint", [
    ("a = 20% to 10%", "write the low end first: 10% to 20%"),
    ("a = uniform(10, 0)", "write the low end first: uniform(0, 10)"),
    ("a = triangular(3, 1, 2)", "write them in order: triangular(1, 2, 3)"),
    ("a = normal(5, -1)", "a spread is never negative; 0 makes the value fixed"),
])
def test_hints_show_the_fix(hint_for, hint):
    from dsl.errors import ScnError

    with pytest.raises(ScnError) as e:
        model(HEAD + hint_for + "\n")
    assert e.value.diagnostics[0].hint == hint


def test_point_masses_are_allowed():
    got = values(HEAD + "a = normal(5, 0)\nb = uniform(3, 3)\nc = 10% to 10%\n"
                 "d = triangular(1, 1, 2)\ne = triangular(1, 2, 2)\nf = lognormal(0, 0)\n")
    assert [got[v][0] for v in "abcdef"] == [5, 3, 0.1, 4 / 3, 5 / 3, 1]


def test_in_a_scenario_and_in_set():
    text = HEAD + "a = normal(5, 1)\nscenario bear {\n  a = uniform(2, 1)\n}\n"
    assert errors(text) == [(5, 7, "uniform(lo, hi) needs lo <= hi, but lo is 2 and hi is 1")]
    m = load_model(HEAD + "a = normal(5, 1)\n", "m.scn")
    from dsl.errors import ScnError

    with pytest.raises(ScnError) as e:
        parse_overrides(m, ["a = normal(5, -1)"])
    d = e.value.diagnostics[0]
    assert (d.source, d.span.line, d.span.col) == ("--set", 1, 15)


RUNTIME = """\
years 2024..2026
vol = {2024: 10%, 2025: -5%, 2026: -1%}
lo = 5
hi = 10 - (t - 2024) * 3
x = normal(100, vol)
y = uniform(lo, hi)
z[..2025] = 1
z[2026] = lo to hi
ok = normal(lo, vol * vol)
"""


def test_parameters_that_read_variables_warn_at_run_time_naming_the_cell():
    r = evaluate(load_model(RUNTIME, "m.scn"))
    got = [(w.severity, w.span.line, w.span.col, w.message) for w in r.warnings]
    assert got == [
        ("warning", 5, 5, "x in 2025: normal(mean, sd) needs sd >= 0, but sd is -0.05 "
                          "(definition on line 5)"),
        ("warning", 6, 5, "y in 2026: uniform(lo, hi) needs lo <= hi, but lo is 5 and hi is 4 "
                          "(definition on line 6)"),
        ("warning", 8, 11, "z in 2026: 'a to b' needs a <= b, but a is 5 and b is 4 "
                           "(definition on line 8)"),
    ]
    assert r.series("x") == [100, 100, 100]  # the run goes on, with the means


def test_recompute_keeps_the_warnings_in_step():
    m = load_model(RUNTIME, "m.scn")
    first = evaluate(m)
    fixed = load_model(RUNTIME.replace("-5%", "5%").replace("-1%", "1%"), "m.scn")
    again = recompute(first, fixed)
    assert [w.message.split(" ")[0] for w in again.warnings] == ["y", "z"]
    worse = recompute(again, load_model(RUNTIME.replace("lo = 5", "lo = 1"), "m.scn"))
    assert [w.message.split(" ")[0] for w in worse.warnings] == ["x"]


def test_scn_run_prints_the_warning_and_check_the_error(tmp_path):
    f = tmp_path / "m.scn"
    f.write_text(RUNTIME)
    r = scn("run", str(f))
    assert r.returncode == 0
    assert f"{f}:5:5: warning: x in 2025: normal(mean, sd) needs sd >= 0" in r.stderr
    f.write_text(HEAD + "a = normal(5, -1)\n")
    r = scn("check", str(f))
    assert r.returncode == 1
    assert r.stderr.startswith(f"{f}:3:15: error: normal(mean, sd) needs sd >= 0, but sd is -1\n"
                               "  a = normal(5, -1)\n                ^^\n")


def test_a_branch_of_if_not_taken_is_not_checked():
    text = ("years 2024..2026\nvol = {2024: 10%, 2025: -5%, 2026: 10%}\n"
            "x = if(vol >= 0, normal(100, vol), 100)\n"
            "y = if(vol < 0, 100, normal(100, vol))\n"
            "z = if(vol < 0, normal(100, vol), 100)\n")
    r = evaluate(load_model(text, "m.scn"))
    assert [w.message for w in r.warnings] == [
        "z in 2025: normal(mean, sd) needs sd >= 0, but sd is -0.05 (definition on line 5)"]


def test_overrides_warn_against_set():
    m = load_model(RUNTIME.replace("-5%", "5%").replace("-1%", "1%"), "m.scn")
    r = evaluate(m, "base", parse_overrides(m, ["lo = 2", "vol[2026] = -2%"]))
    got = [(w.source, w.span.line, w.message.split(":")[0]) for w in r.warnings]
    assert got == [("m.scn", 5, "x in 2026")]  # lo = 2 puts uniform(lo, hi) and lo to hi in order
    r = evaluate(m, "base", parse_overrides(m, ["x = normal(lo, lo - 6)"]))
    assert [(w.source, w.span.line, w.span.col) for w in r.warnings if w.message.startswith("x ")] \
        == [("--set", 1, 5)]


def test_recompute_moves_warnings_with_their_lines():
    """An edit that shifts lines (a comment added above) moves every warning with its line."""
    text = RUNTIME + "bad = 1 / (lo - 5)\n"
    first = evaluate(load_model(text, "m.scn"))
    edited = text.replace("lo = 5\n", "# the floor\nlo = 5\n")
    again = recompute(first, load_model(edited, "m.scn"))
    full = evaluate(load_model(edited, "m.scn"))
    assert [(w.span.line, w.message) for w in again.warnings] == \
        [(w.span.line, w.message) for w in full.warnings]
    assert [w.span.line for w in again.warnings] == [6, 7, 9, 11]
