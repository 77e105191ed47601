"""One row, one number of decimals across its years, in every human-readable output;
percentage points spelt `pp` everywhere."""

from __future__ import annotations

import math
import re

import pytest

from display.kinds import AMOUNT, MULTIPLE, PERCENT, PLAIN, Style, kinds
from engine import load_model
from display.numbers import change_format, format_row, format_value
from tui.widgets.format import format_change
from test_cli import scn


@pytest.mark.parametrize("values, kind, shown", [
    ([0.05, 0.0525, 0.06, 0.067], AMOUNT, ["0.0500", "0.0525", "0.0600", "0.0670"]),
    ([99, 99, 119, 119], AMOUNT, ["99", "99", "119", "119"]),
    ([1, 0, 0], AMOUNT, ["1", "0", "0"]),  # not `1.00` beside `0`
    ([99.5, 119.0], AMOUNT, ["99.5", "119.0"]),
    ([50, 33.333], AMOUNT, ["50.00", "33.33"]),
    ([750, 2900, 831.8], AMOUNT, ["750.0", "2.9k", "831.8"]),  # a suffix: one decimal for all
    ([0, 7.5e9, 25.1e9], AMOUNT, ["0.0", "7.5B", "25.1B"]),
    ([1e-5, 2.5e-5], AMOUNT, ["1.00e-5", "2.50e-5"]),
    ([-0.0, 1.5], AMOUNT, ["0.00", "1.50"]),  # never -0
    ([None, 0.3, math.nan, math.inf], AMOUNT, ["", "0.300", "n/a", "inf"]),
    ([0.3, 0.35], PERCENT, ["30.0%", "35.0%"]),
    # a percentage past the largest float once shown in percent: the number, not inf
    ([1e308, -1.7e308, 0.5], PERCENT, ["1.0e310%", "-1.7e310%", "5.0e1%"]),
    ([1e308, 1e300], AMOUNT, ["1.0e308", "1.0e300"]),
])
def test_a_row_has_one_number_of_decimals(values, kind, shown):
    assert format_row(values, kind) == shown


def decimals(text: str) -> int | None:
    m = re.fullmatch(r"[+-]?[\d,]*\.?(\d*)(?:[kMBT%]|pp)?", text)
    return len(m.group(1)) if m else None


def test_changes_are_signed_in_points_and_never_read_as_zero():
    fmt = change_format([0.05, 0.00062, -0.01], PERCENT)
    assert [fmt(d) for d in (0.05, 0.00062, -0.01)] == ["+5.00pp", "+0.06pp", "-1.00pp"]
    fmt = change_format([-41.2e6, -224e6])
    assert [fmt(d) for d in (-41.2e6, -224e6)] == ["-41.2M", "-224.0M"]
    assert format_change(0.30, 0.35, PERCENT) == "+5.0pp"  # the UI, as scn diff
    assert format_value(1.0) == "1" and format_value(0.5) == "0.500"


def rows_of(text: str, names) -> dict[str, list[str]]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in names and parts[0] not in out:
            out[parts[0]] = parts[1:]
    return out


def assert_one_decimal_count(cells: list[str], what: str) -> None:
    counts = {decimals(c) for c in cells if decimals(c) is not None}
    assert len(counts) == 1, f"{what}: {cells}"


@pytest.fixture
def mixed(tmp_path):
    f = tmp_path / "m.scn"
    f.write_text("years 2024..2027\nrate = {2024: 5%, 2025: 5.25%, 2026: 6%, 2027: 6.7%}\n"
                 "one = 1\nsmall = rate * one\nflag = if(t > 2025, 1, 0)\nprice = {2024: 99, 2025: 99, "
                 "2026: 119.5, 2027: 119}\nrevenue = price * 1k\n")
    return f


def test_scn_run_table_and_markdown(mixed):
    table = scn("run", str(mixed)).stdout
    rows = rows_of(table, {"small", "flag", "price", "revenue"})
    assert rows["small"] == ["0.0500", "0.0525", "0.0600", "0.0670"]
    assert rows["flag"] == ["0", "0", "1", "1"]
    assert rows["price"] == ["99.0", "99.0", "119.5", "119.0"]
    md = scn("run", str(mixed), "--format", "md").stdout
    assert "| small | 0.0500 | 0.0525 | 0.0600 | 0.0670 |" in md
    long_md = scn("run", str(mixed), "--format", "md", "--long").stdout
    assert "| base | small | 2024 | 0.0500 |" in long_md


def test_textconv_explain_diff_and_goal_rows(mixed, tmp_path):
    textconv = scn("textconv", str(mixed)).stdout
    assert_one_decimal_count(rows_of(textconv, {"base"})["base"][1:-1], "textconv")
    explain = scn("explain", str(mixed), "small[2024]").stdout
    assert "small[2024] = 0.0500" in explain and "rate[2024] = 5.0%" in explain
    new = tmp_path / "new.scn"
    new.write_text(mixed.read_text().replace("2027: 6.7%", "2027: 6.704%")
                   .replace("2024: 5%", "2024: 5.5%"))
    diff = scn("diff", str(mixed), str(new)).stdout
    # one decimal count for the variable's changes, enough to show the smallest
    assert re.search(r"rate\s+2024\s+5\.0%\s+5\.5%\s+\+0\.500pp", diff), diff
    assert re.search(r"\s2027\s+6\.7%\s+6\.7%\s+\+0\.004pp", diff), diff


def test_percentage_points_are_pp_everywhere(tmp_path):
    f = tmp_path / "g.scn"
    f.write_text("years 2024..2026\nshare = 20%\nbase_amount = 100\nout = base_amount * share\n")
    goal = scn("goal", str(f), "out[2026] = 30", "--vary", "share").stdout
    assert "share shifted by +10.00pp in every year" in goal
    sens = scn("sens", str(f), "out", "--wrt", "share").stdout
    assert "per 1pp of share" in sens and "point" not in sens
    tornado = scn("sens", str(f), "share").stdout
    assert "+2.0pp" in tornado and "pt" not in tornado.replace("input", "")


# ---------------------------------------------------------------- display styles


@pytest.mark.parametrize("rhs, style", [
    ("5%", PERCENT), ("5", PLAIN), ("(5%)", PERCENT), ("-p", PERCENT), ("p + 1%", PERCENT),
    ("p - 1%", PERCENT), ("p * 2", PERCENT), ("p * p", PLAIN), ("p / p", PLAIN),
    ("p[2025]", PERCENT), ("p[2024]", PERCENT), ("t", PLAIN), ("1% to 3%", PERCENT),
    ("{2024: 1%, 2025: 2%}", PERCENT), ("cagr(a, 2024, 2025)", PERCENT),
    ("interp({2024: 1%, 2025: 2%})", PERCENT), ("normal(5%, 1%)", PERCENT),
    ("min(p, 1%)", PERCENT), ("max(p[2024..2025])", PERCENT), ("round(p, 2)", PERCENT),
    ("abs(p)", PERCENT), ("if(a > 1, 1%, p)", PERCENT), ("mean(p[2024..2025])", PERCENT),
    ("m * 2", MULTIPLE), ("c * 2", Style("currency", "USD")), ("c / c", PLAIN),
    ("c * m", Style("currency", "USD")), ("n + 1", Style("count", "count")),
    ("c / n", Style("amount", "USD/count")), ("e", Style("currency", "EUR")),
    ("sum(c[2024..2025])", Style("currency", "USD")), ("c / g", Style("amount", "USD/PFLOPS")),
    ("g", Style("amount", "PFLOPS")), ("a", PLAIN), ("a * c", PLAIN),
])
def test_a_variable_shows_by_its_unit_declared_or_inferred(rhs, style):
    # a = 3 says nothing of what it counts: unknown, plain; the name never decides
    m = load_model("years 2024..2025\np = 2%\na = 3\nc: USD = 5\ne: EUR = 1\nn: count = 2\n"
                   f"m: x = 3.8\ng: PFLOPS = 7\nx = {rhs}\n", "k.scn")
    assert kinds(m)["x"] == style and kinds(m)["x"].unit == style.unit


def test_names_say_nothing_of_how_a_variable_shows():
    m = load_model("years 2024..2025\ngoog_exit_run_rate = 5.68T\nwallet_share = 5B\n"
                   "capex_margin = 0.2\nshare_of_x = 0.3\n", "k.scn")
    assert set(kinds(m).values()) == {PLAIN}


def test_a_table_of_huge_percentages_prints_and_exits_0(tmp_path):
    """`scn run` once raised a ValueError writing 1e308 as a percentage (its float
    times 100 is inf, which has no exponent to split)."""
    path = tmp_path / "huge.scn"
    path.write_text("years 2024..2025\nm: % = {2024: 1e308, 2025: 0.5}\n")
    r = scn("run", str(path))
    assert r.returncode == 0, r.stderr
    assert "1.0e310%" in r.stdout and "Traceback" not in r.stderr
