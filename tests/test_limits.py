"""Numbers, years and spans at and past their limits: a positioned error, never a traceback.

Every literal goes through `dsl.numbers`: ASCII digits only (`١٢` and
full-width digits are not numbers), values that fit a float, years from 0 to
9999, offsets and spans below MAX_PERIODS. The same rules hold in a file, in
`--set`, in a goal target, in a cell named on the command line and in options.
"""

from __future__ import annotations

import pytest

from display.numbers import format_value
from dsl.numbers import MAX_PERIODS
from engine import load_model
from test_cli import scn

HUGE = "9" * 5000  # int() refuses more than 4,300 digits


def only_error(text: str) -> tuple[int, int, str]:
    from dsl.errors import ScnError

    with pytest.raises(ScnError) as e:
        load_model(text, "m.scn")
    assert len(e.value.diagnostics) == 1, [d.message for d in e.value.diagnostics]
    d = e.value.diagnostics[0]
    return d.span.line, d.span.col, d.message


@pytest.mark.parametrize("literal, col, message", [
    ("1e1000000", 6, "the exponent of '1e1000000' is out of range"),
    ("1e99999999999999999999", 6, "the exponent of '1e99999999999999999999' is out of range"),
    ("0e99999999999999999999", 6, "the exponent of '0e99999999999999999999' is out of range"),
    ("1e400", 5, "number '1e400' is too large"),
    ("1e300T", 5, "number '1e300T' is too large"),
    ("1e-400", 5, "number '1e-400' is too small"),
    (HUGE, 5, "number '999999999999999999999999…' is too large"),
])
def test_a_literal_that_does_not_fit_a_float_is_an_error(literal, col, message):
    assert only_error(f"years 2024..2025\nx = {literal}\n") == (2, col, message)


def test_literals_at_the_limits_still_read():
    m = load_model("years 2024..2025\nx = 1.7e308\ny = 1e-300\nz = 0e5\n", "m.scn")
    assert [m.info[v].definitions[0].expr.value for v in ("x", "y", "z")] == [1.7e308, 1e-300, 0.0]


@pytest.mark.parametrize("where", ["x[{}] = 1", "y = x[{}]", "y = {{{}: 1}}", "y = x[2024..{}]"])
def test_a_year_past_9999_is_an_error_at_its_place(where):
    text = "years 2024..2025\nx = 1\n" + where.format(HUGE) + "\n"
    line, col, message = only_error(text)
    assert (line, message) == (3, "year 999999999999999999999999… is out of range")
    assert text.split("\n")[2][col - 1:].startswith("9999")


def test_the_years_line_is_bounded():
    assert only_error("years 2024..99999999999\nx = 1\n") == (
        1, 13, "year 99999999999 is out of range")
    assert only_error("years 2024..10000\nx = 1\n") == (1, 13, "year 10000 is out of range")
    load_model("years 0..9999\nx = 1\n", "m.scn")  # the widest yearly model loads
    assert MAX_PERIODS == 10_000


def test_an_offset_past_any_model_is_an_error():
    assert only_error("years 2024..2025\nx = 1\ny = x[t-99999999999]\n") == (
        3, 9, "year offset 99999999999 is larger than any model (at most 10,000 periods)")
    assert only_error(f"years 2024..2025\nx = 1\ny = x[t+{HUGE}]\n")[2].startswith("year offset 9")


@pytest.mark.parametrize("digits", ["١٢", "１２", "²"])
def test_only_ascii_digits_are_numbers(digits):
    line, col, message = only_error(f"years 2024..2025\nx = {digits}\n")
    assert (line, col) == (2, 5) and message.startswith(f"unexpected U+{ord(digits[0]):04X} ")
    line, col, message = only_error(f"years 2024..2025\nx[2024] = 1\ny = x[{digits}]\n")
    assert (line, col) == (3, 7) and message.startswith("unexpected U+")


@pytest.mark.parametrize("years, col, message", [
    ("2030..2024", 7, "years 2030..2024 run backwards"),
    ("2024Q1..2025Q4", 7, "'years' runs between years, not quarters"),  # see quarters
    ("٢٠٢٤..2025", 7, "unexpected U+0662 ARABIC-INDIC DIGIT TWO"),
])
def test_a_malformed_years_line_is_one_error_at_the_line(years, col, message):
    # Before: also "the file has no 'years' line", at line 1 column 1.
    assert only_error(f"years {years}\nx = 1\n") == (1, col, message)


# ---------------------------------------------------------------- on the command line


def model_file(tmp_path, text="years 2024..2026\nx = 1\ny = x * 2\n"):
    path = tmp_path / "m.scn"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("args, where", [
    (["run", "{f}", "--set", "x = 1e1000000"], "--set:1:6: error: the exponent of"),
    (["run", "{f}", "--set", "x = 0e99999999999999999999"], "--set:1:6: error: the exponent of"),
    (["goal", "{f}", "y[2026] = 1e1000000", "--vary", "x"], "TARGET:1:12: error: the exponent"),
    (["goal", "{f}", f"y[{HUGE}] = 1", "--vary", "x"], "TARGET:1:3: error: year 9999"),
    (["goal", "{f}", "y[2026] = 3", "--vary", "x", "--vary-year", HUGE],
     "--vary-year:1:1: error: year 9999"),
    (["explain", "{f}", f"y[{HUGE}]"], "CELL:1:3: error: year 9999"),
    (["sens", "{f}", "y", "--year", HUGE], "--year:1:1: error: year 9999"),
    (["explain", "{f}", "y[٢٠٢٦]"], "CELL:1:1: error: expected a variable or a cell"),
    (["sens", "{f}", "y", "--year", "٢٠٢٦"], "--year:1:1: error: expected a year"),
])
def test_every_command_reports_a_bad_number_at_its_place(tmp_path, args, where):
    f = model_file(tmp_path)
    r = scn(*(a.format(f=f) for a in args))
    assert r.returncode == 2, r.stderr  # an error in an argument: a usage error
    assert where in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [
    ["explain", "{f}", "y[2026]", "--depth", "١"],
    ["graph", "{f}", "--focus", "y", "--depth", "２"],
    ["diff", "{f}", "{f}", "--rtol", "١"],
    ["sens", "{f}", "y", "--pct", "١٠"],
    ["run", "{f}", "--vars", ",,,"],
])
def test_options_take_ascii_numbers_and_a_variable(tmp_path, args):
    f = model_file(tmp_path)
    r = scn(*(a.format(f=f) for a in args))
    assert r.returncode == 2 and "scn: error:" in r.stderr and r.stdout == ""


def test_textconv_of_a_file_with_a_huge_literal_still_gives_git_text(tmp_path):
    f = model_file(tmp_path, "years 2024..2026\nx = 1e1000000\n")
    r = scn("textconv", f)
    assert r.returncode == 0 and "# the file does not evaluate:" in r.stdout
    assert "error: the exponent of '1e1000000' is out of range" in r.stdout


def test_a_file_whose_name_starts_with_a_dash(tmp_path):
    (tmp_path / "-dash.scn").write_text("years 2024..2025\nx = 1\n")
    r = scn("check", "--", "-dash.scn", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("-dash.scn: ok:")


# ---------------------------------------------------------------- display


@pytest.mark.parametrize("value, kind, shown", [
    (999.94e12, "amount", "999.9T"),
    (1e15, "amount", "1.0e15"),
    (-2.5e300, "amount", "-2.5e300"),
    (1.7e308, "amount", "1.7e308"),
    (1e13, "percent", "1.0e15%"),
    (5.0, "percent", "500.0%"),
])
def test_numbers_past_the_t_range_are_scientific(value, kind, shown):
    assert format_value(value, kind) == shown


def test_goal_on_huge_values_prints_short_numbers_and_no_numpy_warning(tmp_path):
    model_file(tmp_path)
    r = scn("goal", "m.scn", "y[2026] = 1e308", "--vary", "x", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    assert "goal: y[2026] = 1.0e308" in r.stdout and max(map(len, r.stdout.splitlines())) < 100
    f = model_file(tmp_path, "years 2024..2026\nx = 1\nw = ln(x)\n")
    r = scn("goal", f, "w[2026] = -1e308", "--vary", "x")
    assert r.returncode == 2 and "RuntimeWarning" not in r.stderr
    assert "cannot reach -1e308 by moving x" in r.stderr


# ---------------------------------------------------------------- depth


def chain(n: int, backwards: bool) -> str:
    """x0 reads x1 reads ... x{n-1} (or the other way round), written in file order."""
    if backwards:
        lines = [f"x{i} = x{i + 1} * 1.0001 + 1" for i in range(n - 1)] + [f"x{n - 1} = 1"]
    else:
        lines = ["x0 = 1"] + [f"x{i} = x{i - 1} * 1.0001 + 1" for i in range(1, n)]
    return "years 2024..2025\n" + "\n".join(lines) + "\n"


DEPTH = 700  # past Python's recursion limit (1,000 frames) for any recursion per level


def test_a_long_chain_written_output_first_prints_as_a_table(tmp_path):
    # Before: RecursionError in `kinds` (a variable's display kind).
    f = model_file(tmp_path, chain(DEPTH, backwards=True))
    r = scn("run", f, "--vars", "x0")
    assert r.returncode == 0 and r.stdout.splitlines()[-1].split()[0] == "x0", r.stderr


@pytest.mark.parametrize("backwards", [False, True])
def test_the_derivative_along_a_long_chain(tmp_path, backwards):
    # Before: RecursionError in sensitivity._expand.
    f = model_file(tmp_path, chain(DEPTH, backwards))
    out, wrt = ("x0", f"x{DEPTH - 1}") if backwards else (f"x{DEPTH - 1}", "x0")
    r = scn("sens", f, out, "--wrt", wrt, "--format", "json")
    assert r.returncode == 0, r.stderr
    import json

    formula = json.loads(r.stdout)["wrt"][0]["formula"]
    assert float(formula) == pytest.approx(1.0001 ** (DEPTH - 1))


def test_kinds_of_a_chain_match_file_order_and_back():
    from display.kinds import PERCENT, PLAIN, kinds

    text = "years 2024..2025\n" + "\n".join(
        [f"g{i} = g{i + 1} + 1%" for i in range(DEPTH)] + [f"g{DEPTH} = 2%", "a = g0 * 3", "b = g0 * g0"]) + "\n"
    k = kinds(load_model(text, "m.scn"))
    assert all(k[f"g{i}"] == PERCENT for i in range(DEPTH + 1)) and k["a"] == PERCENT and k["b"] == PLAIN


def test_a_definition_too_deep_for_sympy_is_an_error_at_it(tmp_path):
    e = "x"
    for i in range(190):
        e = f"if(x > {i}, {e}, 1)"
    f = model_file(tmp_path, f"years 2024..2026\nx = 0.1\ny = {e}\n")
    for args in (["sens", f, "y", "--wrt", "x"], ["goal", f, "y[2026] = 5", "--vary", "x"]):
        r = scn(*args)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert f"{f}:3:1: error: the definition of y is nested too deeply for exact derivatives" \
            in r.stderr


def test_a_derivative_with_a_huge_exact_constant_prints(tmp_path):
    # sympy keeps 2^20000 exact: 6,021 digits, more than str() of an int allows.
    f = model_file(tmp_path, "years 2024..2026\nx = 1\ny = x * 2^20000\nz = x * 2^-20000\n")
    r = scn("sens", f, "y", "--wrt", "x")
    assert r.returncode == 0 and "= 3.9802768403379666e6020" in r.stdout
    r = scn("sens", f, "z", "--wrt", "x")
    assert r.returncode == 0 and "= 2.5123880576987446e-6021" in r.stdout


# ---------------------------------------------------------------- hostile snapshots


GOOD = """[model]
first_year = 2024
last_year = 2026
scn_version = "0.1.0"
snapshot_format = 1

[base.x]
2024 = 1.0
2025 = 1.0
2026 = 1.0
"""


@pytest.mark.parametrize("snapshot, where", [
    (GOOD.replace("first_year = 2024", "first_year = 0").replace("last_year = 2026",
                                                                 "last_year = 1e12"),
     "2:1: error: the [model] table needs first_year <= last_year, both years from 0 to 9999"),
    (GOOD.replace("last_year = 2026", "last_year = 1000000000000"), "2:1: error: the [model]"),
    (GOOD.replace("first_year = 2024", "first_year = true"), "2:1: error: the [model]"),
    (GOOD.replace("last_year = 2026", "last_year = " + HUGE),
     "3:13: error: not a snapshot: an integer of more than 4,300 digits"),
    (GOOD + "y = " + "[" * 10_000 + "]" * 10_000 + "\n",
     "11:5: error: not a snapshot: arrays or tables nested too deeply"),
    (GOOD.replace("2024 = 1.0", f'"{HUGE}" = 1.0'), "8:1: error: 'base.x' has year '9999"),
    (GOOD.replace("2024 = 1.0", '"２０２４" = 1.0'), "8:1: error: 'base.x' has year '２０２４'"),
], ids=["float-year", "huge-span", "bool-year", "5000-digits", "deep-arrays", "huge-key",
        "fullwidth-key"])
def test_a_hostile_snapshot_is_an_unusable_input(tmp_path, snapshot, where):
    bad, good = tmp_path / "bad.toml", tmp_path / "good.toml"
    bad.write_text(snapshot, encoding="utf-8")
    good.write_text(GOOD)
    r = scn("diff", str(bad), str(good))
    assert r.returncode == 2, r.stderr
    assert f"{bad}:{where}" in r.stderr and "Traceback" not in r.stderr


def test_an_exact_constant_past_a_float_evaluates_as_ieee(tmp_path):
    # 1 / 2^2000 kept exact by sympy: its denominator does not fit a float (OverflowError).
    f = model_file(tmp_path, "years 2024..2026\nx = 1\nz = x^2 / 2^2000\n")
    for args in (["sens", f, "z", "--wrt", "x"], ["sens", f, "z"]):
        r = scn(*args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "= x/5.7406534763712726e601" in scn("sens", f, "z", "--wrt", "x").stdout
