"""The tornado lists what an analyst would swing: levers the output cell reads in the year
asked, no calendar helpers, and a meaningful move for an input that is 0."""

from __future__ import annotations

import pytest

from engine import evaluate, load_model
from engine.levers import is_calendar, levers
from engine.tornado import tornado
from test_cli import scn

MODEL = """\
years 2024..2030
section "Calendar"
year_index = t - 2024
is_forecast = t >= 2026
section "Cars"
auto_rev[2024] = 100
auto_growth[2025..] = 8%
auto_rev[2025..] = auto_rev[t-1] * (1 + auto_growth) + year_index * 0
subsidy = 0
subsidy_rate = 0%
price_ramp = 5% * (t - 2024)
total = auto_rev * (1 + price_ramp + subsidy_rate) + subsidy + is_forecast
"""


@pytest.fixture(scope="module")
def m():
    return load_model(MODEL, "cars.scn")


def test_an_input_without_a_value_in_the_years_read_is_not_listed(m):
    assert [r.input for r in tornado(m, "auto_rev", 2024)] == ["auto_rev[2024]"]
    assert [r.input for r in tornado(m, "auto_rev", 2026)] == ["auto_rev[2024]", "auto_growth"]


def test_calendar_helpers_are_not_levers(m):
    labels = {r.input for r in tornado(m, "total", 2030)}
    assert labels == {"auto_rev[2024]", "auto_growth", "price_ramp", "subsidy", "subsidy_rate"}
    # without a year (the UI's variable-level question), still no calendar helper
    plan = evaluate(m).plan
    assert "year_index" not in {lv.var for lv in levers(m, plan, "total")}


@pytest.mark.parametrize("definition, calendar", [
    ("x = t - 2024", True),
    ("x = t >= 2026", True),
    ("x = (t - 2024) + 1", True),
    ("x = if(t > 2027, 1, 0)", True),
    ("x[2024] = 0\nx[2025..] = t - 2024", True),
    ("x = 5% * (t - 2024)", False),  # the 5% is an assumption
    ("x = 100 + 5 * (t - 2024)", False),
    ("x = (t - 2024) * 12", False),
    ("x = 1", False),  # no t: a constant is an assumption
    ("x = interp({2024: 0, 2030: 1})", False),
])
def test_the_calendar_rule(definition, calendar):
    model = load_model("years 2024..2030\n" + definition + "\n", "c.scn")
    assert is_calendar(evaluate(model).plan.cover["x"]) is calendar


def test_an_input_that_is_zero_moves_by_a_step(m):
    rows = {r.input: r for r in tornado(m, "total", 2024, zero_step={"subsidy_rate": 0.01})}
    # 0 in every year: the step given (1 point), or 1 by default
    assert rows["subsidy_rate"].shift == 0.01
    assert rows["subsidy_rate"].exact_high == pytest.approx(100 * 0.01)
    assert rows["subsidy"].shift == 1.0
    assert (rows["subsidy"].exact_low, rows["subsidy"].exact_high) == pytest.approx((-1, 1))
    # 0 in the year read, 30% in 2030: 10% of its largest size
    assert rows["price_ramp"].shift == pytest.approx(0.03)
    assert rows["price_ramp"].estimate_high == pytest.approx(100 * 0.03)
    # a lever that is not 0 is scaled as before
    assert rows["auto_rev[2024]"].shift is None
    assert rows["auto_rev[2024]"].exact_high == pytest.approx(10)


def test_the_command_says_which_rows_moved_by_a_step(tmp_path):
    f = tmp_path / "cars.scn"
    f.write_text(MODEL)
    r = scn("sens", str(f), "total[2024]")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("subsidy_rate *   0.0%") for line in lines), r.stdout
    assert lines[-1] == ("* 0 in every year the output reads, and 10% of 0 is 0: moved by a step "
                         "instead (price_ramp -0.03/+0.03, subsidy -1/+1, subsidy_rate -1pp/+1pp)")
    assert "year_index" not in r.stdout and "is_forecast" not in r.stdout
    csv = scn("sens", str(f), "total[2024]", "--format", "csv").stdout.splitlines()
    assert csv[0].endswith(",exact_high,shift,range_low,range_high")
    shifts = {line.split(",")[2]: line.split(",")[-3] for line in csv[1:]}
    assert shifts.pop("auto_rev[2024]") == ""
    assert {k: float(v) for k, v in shifts.items()} == pytest.approx(
        {"price_ramp": 0.03, "subsidy": 1.0, "subsidy_rate": 0.01})
